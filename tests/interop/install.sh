#!/usr/bin/env bash
# Installs the pinned node-ipc versions from package-lock.json (never resolves anew), or those of the
# package in the directory given as the first argument (tests/rsmq: rsmq).
# Idempotent: does nothing when node_modules is newer than the lock.
set -eu
cd "${1:-$(dirname "$0")}"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "install.sh: '$tool' not found; install Node.js (>= 20) and npm to run the interop tests" >&2
    exit 1
  fi
done

# npm ci writes node_modules/.package-lock.json last, so it marks a complete install.
stamp=node_modules/.package-lock.json
if [ -f "$stamp" ] && [ ! package-lock.json -nt "$stamp" ]; then
  exit 0
fi

# --ignore-scripts: no install hooks from any package ever run here.
npm ci --ignore-scripts --no-audit --no-fund
