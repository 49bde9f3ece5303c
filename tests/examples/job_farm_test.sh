#!/usr/bin/env bash
# examples/job-farm: a dispatcher distributes 12 jobs of 300 ms to 3 C++ workers; one worker is
# killed with SIGKILL once it has started a job. Every job must still finish exactly once (the dead
# worker's jobs go to the others), with its right result, and the dispatcher must exit 0. With NODE
# given, the Node worker (node-ipc 14, JSON wire) joins a C++ worker and must do at least one job.
# Everything talks over a Unix socket in a temporary directory.
# Usage: job_farm_test.sh BUILD_DIR [NODE]
set -uo pipefail
build=$1
node=${2:-}
farm=$(cd "$(dirname "$0")/../../examples/job-farm" && pwd)
scratch=$(mktemp -d)
. "$(dirname "$0")/check.sh"
export XDG_RUNTIME_DIR=$scratch
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$scratch"' EXIT
socket=$scratch/farm.sock

# Runs a command until it succeeds, for at most $1 seconds; fails if it never does.
wait_until() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.05
    done
}
not_running() { ! kill -0 "$1" 2>/dev/null; }

# Waits (bounded) for the dispatcher $dispatcher_pid to exit; sets dispatcher_status (124: it did not).
wait_dispatcher() {
    if wait_until 60 not_running "$dispatcher_pid"; then
        wait "$dispatcher_pid"
        dispatcher_status=$?
    else
        dispatcher_status=124
    fi
}

# Stops a worker with SIGTERM; sets stop_status to its exit status, "gone" if it had exited before
# (a crash, or a sanitizer's report), "stuck" if it does not stop.
stop_worker() {
    if ! kill -0 "$1" 2>/dev/null; then
        stop_status=gone
    else
        kill "$1"
        if wait_until 10 not_running "$1"; then
            wait "$1"
            stop_status=$?
        else
            stop_status=stuck
        fi
    fi
}

# The job numbers of the dispatcher's stdout ($1), sorted, one a line, repeats kept.
jobs_done() { sed -n 's/^{"job":\([0-9]*\),.*/\1/p' "$1" | sort -n; }
# The lines of $1 that are not {"job":J,"worker":"...","result":J*J}.
job_line='^\{"job":([0-9]+),"worker":"[^"]+","result":([0-9]+)\}$'
bad_lines() {
    local line
    while IFS= read -r line; do
        [[ $line =~ $job_line ]] && ((BASH_REMATCH[2] == BASH_REMATCH[1] * BASH_REMATCH[1])) && continue
        echo "$line"
    done <"$1"
}

# Part 1: three C++ workers, one killed mid-job.
check_log=$scratch/part1.log
for i in 1 2 3; do
    "$build/examples/worker" --id "worker-$i" --unix "$socket" 2>"$scratch/worker-$i.err" &
    eval "worker_$i=\$!"
done
"$build/examples/dispatcher" --jobs 12 --job-ms 300 --unix "$socket" --workers 3 --timeout 30000 \
    >"$scratch/part1.out" 2>"$scratch/part1.err" &
dispatcher_pid=$!
if wait_until 20 grep -q '^worker-1: started job' "$scratch/worker-1.err"; then
    kill -9 "$worker_1"
    wait "$worker_1" 2>/dev/null  # reaped here, so that bash does not report it
    killed=yes
else
    killed=no
fi
wait_dispatcher
{
    echo "--- dispatcher stdout"; cat "$scratch/part1.out"
    echo "--- dispatcher stderr"; cat "$scratch/part1.err"
    for i in 1 2 3; do echo "--- worker-$i"; cat "$scratch/worker-$i.err"; done
} >"$check_log"
check "worker-1 started a job and was killed" yes "$killed"
check "the dispatcher exits 0" 0 "$dispatcher_status"
check "every job 0..11 finished exactly once" "$(seq 0 11)" "$(jobs_done "$scratch/part1.out")"
check "every line is {job, worker, result = job*job}" "" "$(bad_lines "$scratch/part1.out")"
check "the killed worker's jobs were sent again" yes \
    "$(grep -Eq ' 0 failed, [1-9][0-9]* sent more than once' "$scratch/part1.err" && echo yes || echo no)"
for i in 2 3; do
    eval "stop_worker \$worker_$i"
    check "worker-$i ran to the end and stops cleanly" 0 "$stop_status"
done

# Part 2: a C++ worker and the Node worker.
if [[ -n $node ]]; then
    . "$(dirname "$0")/node_setup.sh"
    ensure_node_modules "$farm"
    check_log=$scratch/part2.log
    "$build/examples/worker" --id worker-4 --unix "$socket" 2>"$scratch/worker-4.err" &
    worker_4=$!
    "$node" "$farm/node-worker.js" --id node-worker --unix "$socket" 2>"$scratch/node-worker.err" &
    node_worker=$!
    "$build/examples/dispatcher" --jobs 8 --job-ms 200 --unix "$socket" --workers 2 --timeout 30000 \
        >"$scratch/part2.out" 2>"$scratch/part2.err" &
    dispatcher_pid=$!
    wait_dispatcher
    {
        echo "--- dispatcher stdout"; cat "$scratch/part2.out"
        echo "--- dispatcher stderr"; cat "$scratch/part2.err"
        echo "--- worker-4"; cat "$scratch/worker-4.err"
        echo "--- node-worker"; cat "$scratch/node-worker.err"
    } >"$check_log"
    check "with the Node worker: the dispatcher exits 0" 0 "$dispatcher_status"
    check "with the Node worker: every job 0..7 finished exactly once" "$(seq 0 7)" "$(jobs_done "$scratch/part2.out")"
    check "with the Node worker: every line is {job, worker, result = job*job}" "" "$(bad_lines "$scratch/part2.out")"
    check "the Node worker did at least one job" yes \
        "$(grep -q '"worker":"node-worker"' "$scratch/part2.out" && echo yes || echo no)"
    stop_worker "$worker_4"
    check "worker-4 ran to the end and stops cleanly" 0 "$stop_status"
    stop_worker "$node_worker"
    check "the Node worker ran to the end and stops cleanly" 0 "$stop_status"
else
    echo "job_farm_test: no node given: the Node worker's part is skipped" >&2
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
