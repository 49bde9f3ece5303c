#!/usr/bin/env bash
# Builds a consumer that adds the ipcxx source tree $1 with add_subdirectory, as a shared library
# (BUILD_SHARED_LIBS), and runs it; then checks that the library exports nothing but ipcxx's own
# symbols. $2 is the build tree whose compiler is used (not a sanitizer tree: tests/CMakeLists.txt).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$1
build=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
# The library is compiled once more: in batches (unity build), with no build type (no optimisation,
# no debug information), the quickest way on a small machine; CMAKE_CXX_COMPILER_LAUNCHER from the
# environment (ccache) applies.
# Quiet unless it fails.
log=$scratch/build.log
trap 'cat "$log" >&2' ERR
cmake -S "$here" -B "$scratch/consumer" -G Ninja -DIPCXX_SOURCE_DIR="$source_dir" -DBUILD_SHARED_LIBS=ON \
      -DCMAKE_BUILD_TYPE= \
      -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=8 \
      -DCMAKE_CXX_COMPILER="$(cache CMAKE_CXX_COMPILER)" >"$log" 2>&1
cmake --build "$scratch/consumer" >"$log" 2>&1
trap - ERR
"$scratch/consumer/consumer"
"$here/check_exports.sh" "$(find "$scratch/consumer/ipcxx" -name 'libipcxx.so.*.*.*')"
