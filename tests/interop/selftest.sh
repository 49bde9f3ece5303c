#!/usr/bin/env bash
# Proves the harness itself works: node-ipc peers (via peer.js) talk to each other.
# No fixed ports or paths: Unix sockets live in a mktemp -d dir, TCP uses port 0.
set -u
cd "$(dirname "$0")"
./install.sh >/dev/null || exit 1

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT

pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "PASS $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1: $2"; }

# Wait (bounded) until file $1 has a line matching the extended regex $2; print it.
wait_line() {
  local f=$1 re=$2 i
  for i in $(seq 1 100); do
    if grep -Em1 -- "$re" "$f" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  return 1
}

# run_pair NAME SERVER_VERSION CLIENT_VERSION unix|tcp
run_pair() {
  local name=$1 sv=$2 cv=$3 tr=$4 d="$WORK/$1"
  mkdir -p "$d"
  mkfifo "$d/server.in" "$d/client.in"

  local saddr
  if [ "$tr" = unix ]; then saddr=(--unix "$d/sock"); else saddr=(--tcp 127.0.0.1:0); fi
  # stdin comes from a FIFO held open by fd 7/8 here; closing it ends the peer.
  timeout 20 node peer.js --version "$sv" --role server --id srv "${saddr[@]}" --echo \
    <"$d/server.in" >"$d/server.out" 2>"$d/server.err" &
  PIDS+=($!)
  exec 7>"$d/server.in"

  local listening
  if ! listening=$(wait_line "$d/server.out" '"ev":"listening"'); then
    bad "$name" "server never listened: $(cat "$d/server.err")"; exec 7>&-; return
  fi

  local caddr
  if [ "$tr" = unix ]; then
    caddr=(--unix "$d/sock")
  else
    local port
    port=$(node -e 'console.log(JSON.parse(process.argv[1]).port)' "$listening")
    caddr=(--tcp "127.0.0.1:$port")
  fi
  timeout 20 node peer.js --version "$cv" --role client --server-id srv "${caddr[@]}" \
    --retry 100 --max-retries 5 <"$d/client.in" >"$d/client.out" 2>"$d/client.err" &
  PIDS+=($!)
  exec 8>"$d/client.in"

  if ! wait_line "$d/client.out" '^\{"ev":"connect"\}$' >/dev/null; then
    bad "$name" "client never connected: $(cat "$d/client.err")"
  else
    echo '{"cmd":"emit","type":"ping","data":{"n":1,"s":"é🌍\f","a":[true,null]}}' >&8
    local want='{"ev":"message","type":"ping","data":{"n":1,"s":"é🌍\f","a":[true,null]}}'
    if wait_line "$d/client.out" '"ev":"message"' | grep -qxF -- "$want" &&
       wait_line "$d/server.out" '"ev":"message".*"sock":1' >/dev/null; then
      ok "$name"
    else
      bad "$name" "no echo; client: $(cat "$d/client.out") server: $(cat "$d/server.out")"
    fi
  fi
  echo '{"cmd":"exit"}' >&8; exec 8>&-
  echo '{"cmd":"exit"}' >&7; exec 7>&-
}

run_pair 14-14-unix 14 14 unix
run_pair 14-14-tcp  14 14 tcp
run_pair 9-14-unix   9 14 unix
run_pair 9-14-tcp    9 14 tcp
run_pair 14-9-unix  14 9 unix
run_pair 14-9-tcp   14 9 tcp
wait
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
