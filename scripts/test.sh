#!/usr/bin/env bash
# Builds ipcxx and runs the whole test suite (in $IPCXX_BUILD_DIR, with $IPCXX_SANITIZE: see build.sh).
# Arguments go to ctest (-L integration: those tests only).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${IPCXX_BUILD_DIR:-$root/build}
# Only the tests need these: a redis-server per Redis test, hiredis as the RESP codec's oracle.
"$root/scripts/bootstrap.sh" redis-server libhiredis-dev
"$root/scripts/build.sh"
# Under sanitizers every report ends the program with an error, so the test that caused it fails.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" --timeout 120 "$@"
