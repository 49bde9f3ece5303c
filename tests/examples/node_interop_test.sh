#!/usr/bin/env bash
# The mixes of examples/node-interop/README.md: C++ world + Node hello, Node world + C++ hello,
# Node requests server + C++ request_client, all found by id alone in a private XDG_RUNTIME_DIR.
# Usage: node_interop_test.sh BUILD_DIR [NODE]
set -uo pipefail
build=$1
node=${2:-node}
examples=$(cd "$(dirname "$0")/../../examples/node-interop" && pwd)
scratch=$(mktemp -d)
. "$(dirname "$0")/check.sh"
export XDG_RUNTIME_DIR=$scratch
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$scratch"' EXIT

. "$(dirname "$0")/node_setup.sh"
ensure_node_modules "$examples"

# Waits (bounded) until the server has printed a line equal to $1.
server_printed() {
    timeout 5 bash -c "until grep -qxF -- \"\$0\" '$server_out'; do sleep 0.05; done" "$1"
}


check_server_printed() {
    if server_printed "$2"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAILED: $1: the server did not print '$2'" >&2
        cat "$server_out" >&2
    fi
}

start_server "$build/examples/world"
check "C++ world, Node hello" "hello world!" "$(timeout 10 "$node" "$examples/hello.js")"
check_server_printed "C++ world got Node's hello" 'world: got "hello"'
stop_server

start_server "$node" "$examples/world.js"
check "Node world, C++ hello" "hello world!" "$(timeout 10 "$build/examples/hello")"
check_server_printed "Node world got C++'s hello" 'world: got "hello"'
stop_server

start_server "$node" "$examples/requests.js"
check "Node requests server, C++ request_client" \
    "request_client: connected, wire json
request_client: add(2, 3) = 5
request_client: hello, request_client" \
    "$(timeout 10 "$build/examples/request_client")"
check_server_printed "Node requests server answered add" 'requests: add([2,3]) -> 5'
check_server_printed "C++ request_client answered whoami" 'requests: whoami -> "request_client"'
stop_server

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
