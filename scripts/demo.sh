#!/usr/bin/env bash
# The world/hello demo: builds the library, the command-line tool and the examples the README runs
# (not the tests: scripts/test.sh builds those), installs node-ipc for the Node.js examples, then
# starts world, runs hello against it and stops world.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${IPCXX_BUILD_DIR:-$root/build}
# A fresh tree is compiled in batches of 8 sources (unity build), which halves the first build;
# an existing tree keeps the settings it was configured with.
unity=()
[[ -f $build/CMakeCache.txt ]] || unity=(-DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=8)
IPCXX_BUILD_DIR=$build "$root/scripts/build.sh" --target ipcxx_cli --target ipcxx_demo_examples \
    ${unity[@]+"${unity[@]}"}
"$root/scripts/node-examples.sh"

# A private socket root, so the demo never meets another program's "world".
export XDG_RUNTIME_DIR=$(mktemp -d)
trap 'kill "$world_pid" 2>/dev/null; wait "$world_pid" 2>/dev/null; rm -rf "$XDG_RUNTIME_DIR"' EXIT
"$build/examples/world" &
world_pid=$!
timeout 20 "$build/examples/hello"
