#!/usr/bin/env bash
# Installs ipcxx from the build tree into a scratch prefix and builds and runs a consumer against it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/scratch_install.sh"
# The consumer uses the library's compiler, and its sanitizers when it has some.
flags=()
[[ -n $sanitize ]] && flags=(-DCMAKE_CXX_FLAGS="-fsanitize=$sanitize" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=$sanitize")
cmake -S "$here" -B "$scratch/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$scratch/prefix" \
      -DCMAKE_CXX_COMPILER="$(cache CMAKE_CXX_COMPILER)" ${flags[@]+"${flags[@]}"} >/dev/null
cmake --build "$scratch/consumer" >/dev/null
"$scratch/consumer/consumer"
