# Shared by the example tests: check NAME EXPECTED ACTUAL counts a pass or a failure; on failure it
# shows $check_log (the server's output), which the caller or start_server sets.
passed=0
failed=0

check() {
    local name=$1 expected=$2 actual=$3
    if [[ "$actual" == "$expected" ]]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAILED: $name: expected '$expected', got '$actual'" >&2
        cat "$check_log" >&2
    fi
}

# Starts a server program in the background, its output in $scratch/server.out; sets server_pid and
# waits (bounded) for its listening line.
start_server() {
    server_out=$scratch/server.out
    check_log=$server_out
    : >"$server_out"
    "$@" >"$server_out" 2>&1 &
    server_pid=$!
    timeout 10 bash -c "until grep -q 'listening' '$server_out'; do sleep 0.05; done"
}

stop_server() {
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
}
