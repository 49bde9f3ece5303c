#!/usr/bin/env bash
# Installs node-ipc 14.0.0, pinned by each lock file, for the Node.js examples (examples/node-interop
# and examples/job-farm), so that `node examples/node-interop/hello.js` runs. Does nothing when a
# folder's node_modules is already up to date, and nothing (with a note) without node and npm.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "node-examples: node and npm not found; the Node.js examples are not set up" >&2
    exit 0
fi
for dir in "$root/examples/node-interop" "$root/examples/job-farm"; do
    # npm ci writes node_modules/.package-lock.json last, so it marks a complete install.
    stamp=$dir/node_modules/.package-lock.json
    if [[ ! -f $stamp || $dir/package-lock.json -nt $stamp ]]; then
        echo "node-examples: npm ci in ${dir#"$root"/}" >&2
        # --ignore-scripts: no install hooks from any package ever run here.
        (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
    fi
done
