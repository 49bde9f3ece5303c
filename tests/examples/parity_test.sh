#!/usr/bin/env bash
# The examples of node-ipc's other modes: sync and delimiter (one process each), raw and udp (server
# and client programs), and with NODE given, raw and udp mixed with their node-ipc 14 counterparts.
# Usage: parity_test.sh BUILD_DIR [NODE]
set -uo pipefail
build=$1
node=${2:-}
examples=$(cd "$(dirname "$0")/../../examples/node-interop" && pwd)
scratch=$(mktemp -d)
. "$(dirname "$0")/check.sh"
export XDG_RUNTIME_DIR=$scratch
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$scratch"' EXIT
check_log=$scratch/server.out
: >"$check_log"
if [[ -n $node ]]; then
    . "$(dirname "$0")/node_setup.sh"
    ensure_node_modules "$examples"
fi

listening_port() { sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$server_out"; }

check "sync: each job waits for the previous one's answer" \
    "server: job 1
client: done 1
server: job 2
client: done 2
server: job 3
client: done 3" "$(timeout 10 "$build/examples/sync" 2>&1)"

check "delimiter: CR LF frames, and a delimiter the data would contain" \
    "delimiter: echo \"two\\r\\nlines\"
delimiter: 'a||b' with delimiter '||': invalid argument" "$(timeout 10 "$build/examples/delimiter" 2>&1)"

start_server "$build/examples/raw" serve
check "raw: bytes as given" "HELLO" "$(timeout 10 "$build/examples/raw" send hello)"
check "raw: bytes from hex text" "HI" "$(timeout 10 "$build/examples/raw" send --hex 6869)"
if [[ -n $node ]]; then
    check "raw: node-ipc's rawBuffer client" "HELLO" "$(timeout 10 "$node" "$examples/raw.js" hello)"
fi
stop_server

for family in "" --udp6; do
    start_server "$build/examples/udp" serve 0 $family
    check "udp$family: ping and pong" '{"seq":1}' "$(timeout 10 "$build/examples/udp" ping "$(listening_port)" $family)"
    stop_server
done

if [[ -n $node ]]; then
    start_server "$build/examples/udp" serve 0
    check "udp: node-ipc pings C++" '{"seq":1}' "$(timeout 10 "$node" "$examples/udp.js" ping "$(listening_port)")"
    stop_server
    start_server "$node" "$examples/udp.js" serve 0
    check "udp: C++ pings node-ipc" '{"seq":1}' "$(timeout 10 "$build/examples/udp" ping "$(listening_port)")"
    stop_server
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
