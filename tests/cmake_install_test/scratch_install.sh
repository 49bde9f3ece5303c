# Shared by the consumer tests (sourced): installs ipcxx from the build tree $1 into $scratch/prefix,
# a scratch directory removed on exit; cache NAME reads the build's CMake cache; $sanitize holds
# its sanitizers (a consumer must link their runtime too).
build=$1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cmake --install "$build" --prefix "$scratch/prefix" >/dev/null
cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
sanitize=$(cache IPCXX_SANITIZE)
