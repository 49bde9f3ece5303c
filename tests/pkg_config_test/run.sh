#!/usr/bin/env bash
# Installs ipcxx from the build tree into a scratch prefix and compiles the find_package test's
# consumer (tests/cmake_install_test/main.cpp) with pkg-config's flags alone, then runs it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../cmake_install_test/scratch_install.sh"
# The library's compiler, and its sanitizers when it has some.
flags=()
[[ -n $sanitize ]] && flags=(-fsanitize="$sanitize")
pc=$(find "$scratch/prefix" -name ipcxx.pc)
export PKG_CONFIG_PATH=$(dirname "$pc")
# Static library: its private dependencies (OpenSSL) come with --static.
read -ra pkg <<<"$(pkg-config --cflags --libs --static ipcxx)"
# A shared library (BUILD_SHARED_LIBS) is found at run time in the scratch prefix.
rpath=-Wl,-rpath,$(pkg-config --variable=libdir ipcxx)
"$(cache CMAKE_CXX_COMPILER)" -std=c++17 ${flags[@]+"${flags[@]}"} -o "$scratch/consumer" \
    "$here/../cmake_install_test/main.cpp" "${pkg[@]}" "$rpath"
"$scratch/consumer"
