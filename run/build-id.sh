#!/usr/bin/env bash
# build-id.sh - the identity of the current build: 12 hex digits of a SHA-256 over what the
# machine runs, the kernel's loaded bytes and every stripped user program in the program list.
# Debug information (with this checkout's path in it) is left out, so every clone of the same
# source gets the same identity. make report stamps generated blocks with it; docs-check
# compares.
#
#   run/build-id.sh [BUILD_DIR]      default build
set -euo pipefail

cd "$(dirname "$0")/.."
dir=${1:-build}
for f in "$dir/kernel.elf" "$dir/gen/programs.list"; do
  [ -f "$f" ] || { echo "build-id: $f is missing (run make)" >&2; exit 2; }
done
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
objcopy -O binary "$dir/kernel.elf" "$tmp"
{
  cat "$tmp"
  for p in $(cat "$dir/gen/programs.list"); do
    [ -f "$dir/user/$p" ] || { echo "build-id: $dir/user/$p is missing (run make)" >&2; exit 2; }
    printf '%s\n' "$p"
    cat "$dir/user/$p"
  done
} | sha256sum | cut -c1-12
