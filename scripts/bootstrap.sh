#!/usr/bin/env bash
# Installs what building and testing ipcxx needs, from Debian's packages, if anything is missing.
# Extra package names given as arguments are installed too (the benchmarks' own, for example).
# clang and its runtimes build the sanitizer and fuzzing builds; iproute2 makes the network
# namespaces of the fault tests; doxygen the API reference (scripts/api-docs.sh).
set -euo pipefail

packages=(g++ cmake ninja-build make libasio-dev libmsgpack-cxx-dev rapidjson-dev libssl-dev openssl catch2 nodejs npm
          clang libclang-rt-14-dev iproute2 doxygen "$@")

# One dpkg-query for all of them, so that a machine with everything returns at once.
declare -A installed=()
while read -r name status; do
    [[ $status == installed ]] && installed[$name]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for p in "${packages[@]}"; do
    [[ -n ${installed[$p]:-} ]] && continue
    # Node.js may come from elsewhere than Debian (e.g. a preinstalled Node 20): accept it.
    if [[ "$p" == nodejs && -x "$(command -v node)" ]] || [[ "$p" == npm && -x "$(command -v npm)" ]]; then
        continue
    fi
    missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "bootstrap: installing ${missing[*]}" >&2
sudo=""
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "bootstrap: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
