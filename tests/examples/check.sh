# Shared by the example tests: check NAME EXPECTED ACTUAL counts a pass or a failure; on failure it
# shows $check_log (the server's output), which the caller sets.
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
