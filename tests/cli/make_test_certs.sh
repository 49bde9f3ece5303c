#!/usr/bin/env bash
# Throwaway certificates for the TLS tests of cli_test.sh, made with the openssl command in DIR:
#   ca.crt             the trusted CA
#   server.{crt,key}   for localhost and 127.0.0.1, from the trusted CA
#   expired.{crt,key}  the same names, valid only in 2020
#   wronghost.{crt,key} for elsewhere.example only
#   rogue.{crt,key}    for localhost and 127.0.0.1, from a CA nobody trusts
#   client.{crt,key}   a client certificate (CN alice) from the trusted CA
# Usage: make_test_certs.sh DIR
set -euo pipefail
dir=${1:?usage: make_test_certs.sh DIR}
cd "$dir"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }
ca() {
    key "$1"
    openssl req -x509 -new -key "$1.key" -out "$1.crt" -subj "/CN=$2" -days 2 \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
}
# csr NAME CN [SAN]: a key and a request; the CA copies the request's extensions.
csr() {
    key "$1"
    local ext=(-addext basicConstraints=critical,CA:FALSE -addext extendedKeyUsage=serverAuth,clientAuth)
    [[ -n ${3:-} ]] && ext+=(-addext "subjectAltName=$3")
    openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$2" "${ext[@]}"
}
# sign NAME CA STARTDATE ENDDATE: `openssl ca`, which takes validity dates in the past.
sign() {
    mkdir -p "db-$2"
    [[ -f db-$2/index.txt ]] || { : >"db-$2/index.txt"; echo 01 >"db-$2/serial"; }
    cat >"db-$2/ca.cnf" <<CNF
[ca]
default_ca = this
[this]
database = db-$2/index.txt
new_certs_dir = db-$2
serial = db-$2/serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
CNF
    openssl ca -batch -notext -config "db-$2/ca.cnf" -cert "$2.crt" -keyfile "$2.key" -in "$1.csr" -out "$1.crt" \
        -startdate "$3" -enddate "$4" 2>/dev/null
}

hour_ago=$(date -u -d "-1 hour" +%Y%m%d%H%M%SZ)
tomorrow=$(date -u -d '+1 day' +%Y%m%d%H%M%SZ)
ca ca "cli test CA"
ca rogue-ca "cli rogue CA"
csr server localhost "DNS:localhost,IP:127.0.0.1" && sign server ca "$hour_ago" "$tomorrow"
csr expired localhost "DNS:localhost,IP:127.0.0.1" && sign expired ca 20200101000000Z 20200102000000Z
csr wronghost elsewhere.example "DNS:elsewhere.example" && sign wronghost ca "$hour_ago" "$tomorrow"
csr rogue localhost "DNS:localhost,IP:127.0.0.1" && sign rogue rogue-ca "$hour_ago" "$tomorrow"
csr client alice && sign client ca "$hour_ago" "$tomorrow"
