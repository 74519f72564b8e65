#!/usr/bin/env bash
# check.sh - `make check`: boot an image whose init runs one program, show
# its output as it comes, and say whether it passed.
#
#   run/test/check.sh IMAGE [MEM_MIB] [TIMEOUT_S]
#
# SMP in the environment sets the CPU count (run/launch/qemu.sh). Ctrl-C stops
# QEMU too, and says so.
#
# Passes (exit 0) only when init reports the program exited 0 with no frame
# leaked in either pool and memcheck clean, and the kernel says PASS
# (QEMU exit code 33). Otherwise it says why: the exit status, the frames
# leaked, the panic, a reset, or the timeout.
set -euo pipefail

image=$1
mem=${2:-128}
limit=${3:-600}
here=$(cd "$(dirname "$0")" && pwd)
log=build/serial-check.log

rc=0
: >"$log"
timeout "$limit" "$here/../launch/qemu.sh" headless "$image" "$mem" "$log" &
qemu=$!
trap 'kill "$qemu" 2>/dev/null; wait "$qemu" 2>/dev/null; echo "check: stopped by the user" >&2; exit 130' INT TERM
# The program's own output as it arrives: everything after the boot lines.
tail -n +1 -F --pid="$qemu" "$log" 2>/dev/null |
  awk '/^\[kernel\] boot mode/ { on = 1; next } on { sub(/\r$/, ""); print; fflush() }' &
show=$!
wait "$qemu" || rc=$?
wait "$show" 2>/dev/null || true
trap - INT TERM

verdict=$(grep -a '^\[init\] ' "$log" | tail -1 | tr -d '\r' || true)
if [ "$rc" -eq 33 ] && grep -aq '^\[kernel\] result: PASS' "$log"; then
  echo "check: PASS: $verdict"
  exit 0
fi
case $rc in
  124) why="timeout after $limit s" ;;
  37) why="kernel panic: $(grep -a '^\[panic\]' "$log" | head -1 | tr -d '\r')" ;;
  35) why="failed: ${verdict:-init gave no verdict}" ;;
  0) why="the machine reset (triple fault) before a result" ;;
  *) why="QEMU exit code $rc" ;;
esac
echo "check: FAIL: $why" >&2
exit 1
