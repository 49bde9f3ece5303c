#!/usr/bin/env bash
# The world/hello demo, over the default Unix socket and over TCP (port 0).
set -uo pipefail
build=$1
scratch=$(mktemp -d)
. "$(dirname "$0")/check.sh"
check_log=$scratch/world.out
export XDG_RUNTIME_DIR=$scratch
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$scratch"' EXIT

# Starts world with the given arguments; sets world_pid and waits (bounded) for its listening line.
start_world() {
    : >"$scratch/world.out"
    "$build/examples/world" "$@" >"$scratch/world.out" 2>&1 &
    world_pid=$!
    timeout 10 bash -c "until grep -q 'listening' '$scratch/world.out'; do sleep 0.05; done"
}


start_world
check "hello over the default Unix socket" "hello world!" "$(timeout 10 "$build/examples/hello")"
kill "$world_pid"; wait "$world_pid" 2>/dev/null

start_world --tcp 127.0.0.1:0
port=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$scratch/world.out")
check "hello over TCP" "hello world!" "$(timeout 10 "$build/examples/hello" --tcp "127.0.0.1:$port")"
kill "$world_pid"; wait "$world_pid" 2>/dev/null

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
