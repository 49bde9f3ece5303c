#!/usr/bin/env bash
# Fuzzes the codecs: builds the libFuzzer targets of tests/fuzz with clang in build-fuzz/ (or
# $IPCXX_FUZZ_BUILD_DIR) and runs each for SECONDS (default 30) on a copy of its seed corpus.
# Exits non-zero when a target crashed; its input is kept in build-fuzz/crashes/<target>/.
# Reproduce one with: build-fuzz/<target> build-fuzz/crashes/<target>/<file>
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-30}
"$root/scripts/bootstrap.sh" libhiredis-dev  # fuzz_resp's oracle
build=${IPCXX_FUZZ_BUILD_DIR:-$root/build-fuzz}
cmake -S "$root/tests/fuzz" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build "$build" -j"$(nproc)"

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
passed=0
failed=0
for target in fuzz_json_frames fuzz_native_frames fuzz_handshake fuzz_json_lines fuzz_v8 \
              fuzz_resp; do
    # The seeds stay as they are in the repository; what a run adds stays in the build directory.
    corpus=$build/corpus/$target
    crashes=$build/crashes/$target
    log=$build/$target.log
    rm -rf "$corpus"
    mkdir -p "$corpus" "$crashes"
    cp "$root/tests/fuzz/corpus/$target/"* "$corpus/"
    echo "fuzz: $target for ${seconds}s"
    if "$build/$target" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$crashes/" "$corpus" >"$log" 2>&1; then
        passed=$((passed + 1))
        # libFuzzer's last status line: executions, coverage, features, exec/s.
        echo "fuzz: $target passed: $(grep -E '^#[0-9]+' "$log" | tail -1)"
    else
        failed=$((failed + 1))
        echo "fuzz: $target FAILED (log $log):"
        grep -E 'ERROR|runtime error|invariant failed|Test unit written' "$log" || tail -20 "$log"
    fi
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
