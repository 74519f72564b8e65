#!/usr/bin/env bash
# build-check.sh - `make build-check`: the build links on a fresh machine, and every clone of
# the same source gets the same build identity.
#
# A fresh machine has no 32-bit libgcc until run/setup.sh (run by the build's first rule)
# installs it, so gcc -m32 -print-libgcc-file-name answers with the 64-bit library until then.
# This script builds the kernel and every user program into a scratch directory, without the
# set-up stamp, with a gcc wrapper that gives that 64-bit answer for as long as the stamp is
# missing. A Makefile that asks for libgcc before the set-up has run links against the 64-bit
# library and fails (forkbench needs __udivdi3). The scratch build's identity
# (run/build-id.sh) must then equal build/'s, when that exists.
set -euo pipefail

cd "$(dirname "$0")/../.."
scratch=$(mktemp -d "${TMPDIR:-/tmp}/cowos-build-check.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
real_gcc=$(command -v gcc)

cat > "$scratch/gcc" <<WRAP
#!/bin/sh
# gcc as on a machine without gcc-multilib until $scratch/b/.tools exists
if [ ! -e "$scratch/b/.tools" ]; then
  for a in "\$@"; do
    [ "\$a" = -print-libgcc-file-name ] && exec "$real_gcc" -print-libgcc-file-name
  done
fi
exec "$real_gcc" "\$@"
WRAP
chmod +x "$scratch/gcc"

progs=$(ls src/user/*.c | sed 's|src/user/\(.*\)\.c|'"$scratch"'/b/user/\1|')
echo "build-check: building into $scratch/b with no set-up stamp"
# shellcheck disable=SC2086
if ! make -j2 B="$scratch/b" CC="$scratch/gcc" "$scratch/b/kernel.elf" $progs > "$scratch/log" 2>&1; then
  echo "build-check: FAIL: the clean build did not link; last lines:" >&2
  tail -n 15 "$scratch/log" >&2
  exit 1
fi
if grep -q "$(command -v gcc) -print-libgcc-file-name\|x86_64-linux-gnu/[0-9]*/libgcc.a " "$scratch/log"; then
  echo "build-check: FAIL: a link used the 64-bit libgcc" >&2
  exit 1
fi
echo "build-check: the clean build linked kernel.elf and $(echo $progs | wc -w) programs"
ours=$(run/build-id.sh "$scratch/b")
if [ -f build/kernel.elf ] && [ -f build/gen/programs.list ]; then
  here=$(run/build-id.sh build)
  if [ "$ours" != "$here" ]; then
    echo "build-check: FAIL: build identity $ours in the scratch directory, $here in build/" >&2
    exit 1
  fi
  echo "build-check: build identity $ours, the same as build/"
fi
echo "build-check: PASS"
