#!/usr/bin/env bash
# bochs-debug.sh - `make debug`: Bochs with its internal debugger on run/hd.img.
#
# Picks the X display when $DISPLAY is set (package bochs-x), the terminal
# display otherwise, loads build/kernel.sym, and enables magic breakpoints
# (xchg bx, bx). Bochs stops at its <bochs:1> prompt before the BIOS runs:
# set breakpoints (lb "c_page_fault_handler"), then c to continue.
#
#   run/bochs-debug.sh [IMAGE] [COMMAND_FILE]
#
# A command file (e.g. run/debug-cow.rc) is fed to the debugger first.
set -euo pipefail

cd "$(dirname "$0")/.."
image=${1:-run/hd.img}
rc=${2:-}
[ -f "$image" ] || { echo "bochs-debug: no image $image (run make)" >&2; exit 2; }
[ -f build/kernel.sym ] || { echo "bochs-debug: no build/kernel.sym (run make)" >&2; exit 2; }
if [ -n "${DISPLAY:-}" ]; then
  export BOCHS_DISPLAY=x
else
  export BOCHS_DISPLAY=term
fi
export BOCHS_IMAGE=$image
rm -f "$image.lock"
echo "bochs-debug: display $BOCHS_DISPLAY; serial output in build/serial-debug.log" >&2
echo "bochs-debug: try: lb \"c_page_fault_handler\"  c  creg  info tab  page 0x0804a000  x /4wx 0x0804a000" >&2
if [ -n "$rc" ]; then
  exec bochs -q -f run/bochsrc -rc "$rc"
fi
exec bochs -q -f run/bochsrc
