#!/usr/bin/env bash
# Builds the library alone with IPCXX_WITH_TLS=OFF (shared, unity build, in a scratch tree), checks
# that nothing of OpenSSL went into it or into its installed package, and runs a program against it
# that must meet errc::tls_unavailable.   run.sh SOURCE_DIR MAIN_BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$1
main_build=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
compiler=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$main_build/CMakeCache.txt")
cmake -S "$source_dir" -B "$scratch/build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER="$compiler" \
      -DIPCXX_WITH_TLS=OFF -DBUILD_SHARED_LIBS=ON -DIPCXX_BUILD_TESTS=OFF -DIPCXX_BUILD_TOOLS=OFF \
      -DIPCXX_BUILD_EXAMPLES=OFF -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16 >/dev/null
cmake --build "$scratch/build" --target ipcxx >/dev/null
cmake --install "$scratch/build" --prefix "$scratch/prefix" >/dev/null

fail() { echo "without_tls: $*" >&2; exit 1; }
lib=$(find "$scratch/prefix" -name 'libipcxx.so.*' -type f | head -n1)
[[ -n $lib ]] || fail "no shared library installed"
if readelf -d "$lib" | grep -E 'NEEDED.*lib(ssl|crypto)'; then fail "$lib links OpenSSL"; fi
# Ninja's record of the headers each object was compiled with: none of Asio's SSL or OpenSSL's.
if ninja -C "$scratch/build" -t deps | grep -E '/(asio/ssl|openssl)/' | head -n3 | grep .; then
    fail "the library was compiled with SSL headers"
fi
pc=$(find "$scratch/prefix" -name ipcxx.pc)
if grep -E 'libssl|libcrypto' "$pc"; then fail "ipcxx.pc asks for OpenSSL"; fi
grep -q 'set(ipcxx_WITH_TLS OFF)' "$(find "$scratch/prefix" -name ipcxxConfig.cmake)" ||
    fail "ipcxxConfig.cmake does not say ipcxx_WITH_TLS OFF"

export PKG_CONFIG_PATH=$(dirname "$pc")
read -ra pkg <<<"$(pkg-config --cflags --libs ipcxx)"
"$compiler" -std=c++17 -o "$scratch/without_tls" "$here/main.cpp" "${pkg[@]}"
LD_LIBRARY_PATH=$(dirname "$lib") "$scratch/without_tls"
