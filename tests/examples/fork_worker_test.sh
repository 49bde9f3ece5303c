#!/usr/bin/env bash
# examples/fork-worker: server.js (Node) starts the C++ fork-worker with Node's IPC channel and hands
# it /compute requests. Checks sums that are JSON numbers and, past 2^53, decimal strings; bad
# messages answered with an error while the worker lives on (same pid, later answers right); and that
# stopping the server ends the worker.
# Usage: fork_worker_test.sh BUILD_DIR NODE
set -uo pipefail
build=$1
node=$2
example=$(cd "$(dirname "$0")/../../examples/fork-worker" && pwd)
scratch=$(mktemp -d)
. "$(dirname "$0")/check.sh"
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$scratch"' EXIT

start_server "$node" "$example/server.js" "$build/examples/fork-worker"
port=$(sed -n 's/^listening on port \([0-9]*\)$/\1/p' "$server_out")
check "the server listens" yes "$([[ -n $port ]] && echo yes || echo no)"

# GET $1 (path and query): prints "STATUS BODY" (the body's trailing newline dropped).
get() {
    timeout 10 "$node" -e '
        fetch(process.argv[1]).then(async (r) => console.log(r.status, (await r.text()).trimEnd()),
                                    (e) => console.log("fetch failed:", e.message));' \
        "http://127.0.0.1:$port$1"
}
worker_pid() { pgrep -P "$server_pid" -x fork-worker; }

check "n=0" '200 {"n":0,"sum":0}' "$(get '/compute?n=0')"
check "n=10" '200 {"n":10,"sum":45}' "$(get '/compute?n=10')"
pid_before=$(worker_pid)
# 134217728 is the last n whose sum (9007199187632128) is at most 2^53; the next one's is past it.
check "the last exact sum is a number" '200 {"n":134217728,"sum":9007199187632128}' "$(get '/compute?n=134217728')"
check "past 2^53 the sum is a string" '200 {"n":134217729,"sum":"9007199321849856"}' "$(get '/compute?n=134217729')"
check "a big n" '200 {"n":9007199254740992,"sum":"40564819207303336344294875201536"}' \
    "$(get '/compute?n=9007199254740992')"
check "n written 1e3" '200 {"n":1000,"sum":499500}' "$(get '/compute?n=1e3')"

# Bad messages: each gets an error answer naming what was wrong, and the worker keeps going.
expect_error() {
    local name=$1 path=$2 wanted=$3 answer
    answer=$(get "$path")
    check "$name: 400" 400 "${answer%% *}"
    check "$name: the error names it" yes "$([[ $answer == *"$wanted"* ]] && echo yes || echo no)"
}
expect_error "n not a number" '/compute?n=abc' 'n must be a non-negative integer'
expect_error "n negative" '/compute?n=-5' 'n must be a non-negative integer'
expect_error "n not whole" '/compute?n=1.5' 'n must be a non-negative integer'
expect_error "no n" '/message?json=%7B%22type%22%3A%22compute%22%2C%22data%22%3A%7B%7D%7D' 'an object with n'
expect_error "an unknown type" '/message?json=%7B%22type%22%3A%22nope%22%7D' 'nope'
expect_error "not an object" '/message?json=42' 'type'
check "after the bad messages: still right" '200 {"n":100,"sum":4950}' "$(get '/compute?n=100')"
check "after the bad messages: the same worker" "$pid_before" "$(worker_pid)"
check "the worker reported the bad messages on stderr" yes \
    "$(grep -q 'fork-worker: ' "$server_out" && echo yes || echo no)"

# Several requests at once: each gets its own answer.
for n in 3 4 5 6 7 8; do get "/compute?n=$n" >"$scratch/parallel-$n" & done
wait $(jobs -p | grep -v "^$server_pid$")
for n in 3 4 5 6 7 8; do
    check "in parallel: n=$n" "200 {\"n\":$n,\"sum\":$((n * (n - 1) / 2))}" "$(cat "$scratch/parallel-$n")"
done

kill "$server_pid"
worker=$pid_before
timeout 10 bash -c "while kill -0 $server_pid 2>/dev/null || kill -0 $worker 2>/dev/null; do sleep 0.05; done"
check "stopping the server ends it and its worker" gone \
    "$( (kill -0 "$server_pid" || kill -0 "$worker") 2>/dev/null && echo running || echo gone)"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
