#!/usr/bin/env bash
# examples/pipeline: `find . -type f | wc -l` from two children joined by a pipe counts the files of
# a tree made here (7 files at several depths in 6 directories, a hidden one, a name with a space, a symbolic link),
# with the directory given and as the current directory; a missing directory is a failure naming it.
# Usage: pipeline_test.sh BUILD_DIR
set -uo pipefail
build=$1
scratch=$(mktemp -d)
. "$(dirname "$0")/check.sh"
check_log=$scratch/pipeline.err
trap 'rm -rf "$scratch"' EXIT
pipeline=$build/examples/pipeline

tree=$scratch/tree
mkdir -p "$tree/a/b/c" "$tree/empty" "$tree/with space"
touch "$tree/one" "$tree/a/two" "$tree/a/b/three" "$tree/a/b/c/four" "$tree/with space/five" "$tree/.hidden" "$tree/a/b/c/seven"
ln -s one "$tree/link"   # a symbolic link is not a regular file: find -type f leaves it out
check "the files of the tree, DIR given" 7 "$(timeout 20 "$pipeline" "$tree" 2>"$check_log")"
check "the files of the current directory" 7 "$(cd "$tree/" && timeout 20 "$pipeline" 2>"$check_log")"

for i in $(seq 1 1000); do : >"$tree/empty/f$i"; done
check "a thousand more files" 1007 "$(timeout 20 "$pipeline" "$tree" 2>"$check_log")"

timeout 20 "$pipeline" "$scratch/missing" >"$scratch/missing.out" 2>"$scratch/missing.err"
status=$?
check_log=$scratch/missing.err
check "a missing directory: exit 1" 1 "$status"
check "a missing directory: the failed spawn is named" yes \
    "$(grep -q 'spawn find: ENOENT' "$scratch/missing.err" && echo yes || echo no)"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
