#!/usr/bin/env bash
# The world/hello demo: starts world, runs hello against it, stops world.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${IPCXX_BUILD_DIR:-$root/build}
"$root/scripts/build.sh"

# A private socket root, so the demo never meets another program's "world".
export XDG_RUNTIME_DIR=$(mktemp -d)
trap 'kill "$world_pid" 2>/dev/null; wait "$world_pid" 2>/dev/null; rm -rf "$XDG_RUNTIME_DIR"' EXIT
"$build/examples/world" &
world_pid=$!
timeout 20 "$build/examples/hello"
