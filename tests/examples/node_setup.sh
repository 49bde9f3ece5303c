# Shared by the example tests that run Node programs: installs node-ipc 14.0.0 into
# examples/node-interop as pinned by its lock (npm ci writes node_modules/.package-lock.json last).
# The tests that use it hold the ctest resource lock examples_node_modules, so only one installs.
ensure_node_modules() {
    local examples=$1
    local stamp=$examples/node_modules/.package-lock.json
    if [[ ! -f $stamp || $examples/package-lock.json -nt $stamp ]]; then
        (cd "$examples" && timeout 240 npm ci --ignore-scripts --no-audit --no-fund >&2) || {
            echo "$(basename "$0"): npm ci failed in $examples" >&2
            exit 1
        }
    fi
}
