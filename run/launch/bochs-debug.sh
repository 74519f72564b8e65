#!/usr/bin/env bash
# bochs-debug.sh - `make debug`: Bochs with its internal debugger on run/hd.img.
#
# Picks the X display when $DISPLAY is set and Bochs' X display plugin (package
# bochs-x) is installed, the terminal display otherwise, loads build/kernel.sym,
# and enables magic breakpoints (xchg bx, bx). Bochs stops at its <bochs:1>
# prompt before the BIOS runs: set breakpoints (lb "c_page_fault_handler"),
# then c to continue.
#
#   run/launch/bochs-debug.sh [IMAGE] [COMMAND_FILE]
#
# BOCHS_CPUS sets the CPU count (default: 1 with a command file, so every stop of its session
# belongs to the same fault on the same CPU; 2, as run/launch/bochsrc says, without one).
#
# A command file (e.g. build/debug-cow.rc, made by the build from
# run/launch/debug-cow.rc.in with this build's addresses) is fed to the debugger
# first; when it ends, the debugger waits at its prompt.
set -euo pipefail

cd "$(dirname "$0")/../.."
image=${1:-run/hd.img}
rc=${2:-}
[ -f "$image" ] || { echo "bochs-debug: no image $image (run make)" >&2; exit 2; }
[ -f build/kernel.sym ] || { echo "bochs-debug: no build/kernel.sym (run make)" >&2; exit 2; }
# bochs_plugin_present NAME: succeed when Bochs' display library NAME is installed.
bochs_plugin_present() {
  compgen -G "/usr/lib/*/bochs/plugins/libbx_$1_gui.so" >/dev/null ||
    compgen -G "/usr/lib/bochs/plugins/libbx_$1_gui.so" >/dev/null
}
export BOCHS_DISPLAY=term
if [ -n "${DISPLAY:-}" ]; then
  if bochs_plugin_present x; then
    BOCHS_DISPLAY=x
  else
    echo "bochs-debug: no X display for Bochs (install bochs-x); using the terminal display" >&2
  fi
fi
export BOCHS_IMAGE=$image
BOCHS_CYLINDERS=$(run/launch/bochs-cylinders.sh "$image") || exit 2
export BOCHS_CYLINDERS
rm -f "$image.lock"
echo "bochs-debug: display $BOCHS_DISPLAY; serial output in build/serial-debug.log" >&2
echo "bochs-debug: try: lb \"c_page_fault_handler\"  c  creg  info tab  page ADDR  x /4wx ADDR" >&2
cpus=${BOCHS_CPUS:-$([ -n "$rc" ] && echo 1 || echo 2)}
[[ $cpus =~ ^[1-8]$ ]] || { echo "bochs-debug: BOCHS_CPUS must be a number of CPUs from 1 to 8, not '$cpus'" >&2; exit 2; }
echo "bochs-debug: $cpus CPU(s)" >&2
if [ -n "$rc" ]; then
  exec bochs -q -f run/launch/bochsrc -rc "$rc" "cpu: count=$cpus"
fi
exec bochs -q -f run/launch/bochsrc "cpu: count=$cpus"
