#!/usr/bin/env bash
# Generates the API reference from the public headers with Doxygen (cmake/Doxyfile), into
# build/api-docs/html (or OUT_DIR/html).
#   scripts/api-docs.sh [--check] [OUT_DIR]
# With --check, lists every warning (an undocumented public name, a malformed comment) and exits
# non-zero when there is any.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
check=0
out=$root/build/api-docs
for a in "$@"; do
    case "$a" in
        --check) check=1 ;;
        *) out=$a ;;
    esac
done
"$root/scripts/bootstrap.sh"
mkdir -p "$out"
log=$out/warnings.log
cd "$root"
# Doxygen reads the configuration from stdin ("-"): the file, then where this run writes.
{ cat cmake/Doxyfile; echo "OUTPUT_DIRECTORY = $out"; echo "WARN_LOGFILE = $log"; } | doxygen -
# Each warning once (Doxygen repeats some), without its internal note on the std::is_error_code_enum
# specialisation, which is not a name of ours.
sort -u "$log" | grep -v 'Internal inconsistency: scope for class std::' >"$log.unique" || true
mv "$log.unique" "$log"
count=$(grep -c . "$log" || true)
echo "api-docs: $out/html/index.html, $count warning(s) (in $log)"
if [[ $check -eq 1 && $count -gt 0 ]]; then
    cat "$log"
    exit 1
fi
