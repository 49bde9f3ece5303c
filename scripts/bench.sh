#!/usr/bin/env bash
# Builds the benchmark programs and runs every system on the workloads of benchmarks/README.md.
#   scripts/bench.sh            full run: 3 repetitions of every cell (tens of minutes)
#   scripts/bench.sh --quick    a tenth of the messages, 3 repetitions, under two minutes
#   scripts/bench.sh --smoke    a few thousand messages, 1 repetition: checks that every system runs
#                               and counts right (for CI); exits non-zero if any run failed
#   scripts/bench.sh --channel [--quick|--smoke]   Node's IPC channel instead (benchmarks/channel):
#                               messages/s and round trips/s, Node<->Node beside the C++ parents/children
#   scripts/bench.sh --redis [--quick|--smoke]     the Redis route instead (benchmarks/bus, benchmarks/rsmq):
#                               the bus beside redis-benchmark's XADD, then C++ rsmq beside Node's rsmq
# Builds in $IPCXX_BUILD_DIR (default build-bench/); results.csv and results.svg go to its
# bench-results/. Extra arguments go to benchmarks/run.py (--systems, --workloads).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${IPCXX_BUILD_DIR:-$root/build-bench}
mode=full
channel=no
redis=no
args=()
for a in "$@"; do
    case "$a" in
        --quick) mode=quick ;;
        --smoke) mode=smoke ;;
        --channel) channel=yes ;;
        --redis) redis=yes ;;
        *) args+=("$a") ;;
    esac
done

# The benchmarks' own packages (the library never links ZeroMQ).
"$root/scripts/bootstrap.sh" libzmq3-dev cppzmq-dev time python3

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DIPCXX_BUILD_BENCHMARKS=ON \
      -DIPCXX_BUILD_TESTS=OFF -DIPCXX_BUILD_EXAMPLES=OFF -DIPCXX_BUILD_TOOLS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)"
if [[ $channel == yes ]]; then
    exec python3 "$root/benchmarks/channel/run.py" --mode "$mode" --bin "$build/benchmarks/bin" \
         ${args[@]+"${args[@]}"}
fi
if [[ $redis == yes ]]; then
    "$root/scripts/bootstrap.sh" redis-server
    # rsmq 0.12.4 exactly as the committed lock file says.
    bash "$root/tests/interop/install.sh" "$root/tests/rsmq"
    bus_mode=()
    case $mode in
        smoke) bus_mode=(--smoke) ;;
        quick) bus_mode=(--messages 20000) ;;
    esac
    python3 "$root/benchmarks/bus/run.py" --bin "$build/benchmarks/bin" ${bus_mode[@]+"${bus_mode[@]}"}
    exec python3 "$root/benchmarks/rsmq/run.py" --mode "$mode" --bin "$build/benchmarks/bin" \
         ${args[@]+"${args[@]}"}
fi
# node-ipc 14.0.0 exactly as the committed lock file says.
if [[ ! -d "$root/benchmarks/node/node_modules/node-ipc" ]]; then
    (cd "$root/benchmarks/node" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

exec python3 "$root/benchmarks/run.py" --mode "$mode" --bin "$build/benchmarks/bin" \
     --out "$build/bench-results" ${args[@]+"${args[@]}"}
