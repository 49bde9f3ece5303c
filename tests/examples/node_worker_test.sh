#!/usr/bin/env bash
# examples/node-worker: the C++ service sends 12 requests to a pool of 3 Node.js workers and kills
# one worker with SIGKILL after the first answer. Every request must be answered exactly once with
# the right sum, the killed worker's exit must be reported, and the service must exit 0.
# Usage: node_worker_test.sh BUILD_DIR NODE
set -uo pipefail
build=$1
node=$2
example=$(cd "$(dirname "$0")/../../examples/node-worker" && pwd)
scratch=$(mktemp -d)
. "$(dirname "$0")/check.sh"
trap 'rm -rf "$scratch"' EXIT
check_log=$scratch/err

timeout 60 "$build/examples/node_worker_service" --node "$node" --worker "$example/worker.js" \
    --workers 3 --requests 12 --kill-one >"$scratch/out" 2>"$scratch/err"
check "the service's exit status" 0 "$?"
check "answers" 12 "$(wc -l <"$scratch/out")"
check "requests answered once each" 12 "$(sed -n 's/^{"n":\([0-9]*\),.*/\1/p' "$scratch/out" | sort -u | wc -l)"
check "the killed worker's exit reported" yes "$(grep -q 'exited by SIGKILL' "$scratch/err" && echo yes || echo no)"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
