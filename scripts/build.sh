#!/usr/bin/env bash
# Configures and builds ipcxx in build/ (or $IPCXX_BUILD_DIR).
#   scripts/build.sh [--target T]... [cmake configure options]...
# Without --target everything is built (library, tool, examples, tests); with them only those targets.
# IPCXX_SANITIZE=address,undefined or IPCXX_SANITIZE=thread builds everything with those sanitizers,
# with clang (its UBSan takes the ignore list in cmake/); use a build directory of its own for each.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/bootstrap.sh"
build=${IPCXX_BUILD_DIR:-$root/build}
targets=()
options=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --target) targets+=(--target "$2"); shift 2 ;;
        *) options+=("$1"); shift ;;
    esac
done
sanitize=()
if [[ -n ${IPCXX_SANITIZE:-} ]]; then
    # Sources compiled in batches of 8 (unity build): the sanitizer trees build in about half the
    # time. The plain tree stays file by file, so that every file is still checked on its own includes.
    sanitize=(-DIPCXX_SANITIZE="$IPCXX_SANITIZE" -DCMAKE_CXX_COMPILER=clang++
              -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=8)
fi
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=${IPCXX_BUILD_TYPE:-RelWithDebInfo} \
      ${sanitize[@]+"${sanitize[@]}"} ${options[@]+"${options[@]}"} >/dev/null
cmake --build "$build" -j"$(nproc)" ${targets[@]+"${targets[@]}"}
