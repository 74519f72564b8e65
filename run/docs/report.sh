#!/usr/bin/env bash
# report.sh - `make report`: one set of runs of the current build, and every generated block
# of README.md, report/GUIDE.md and report/README.md filled from it.
#
#   screenshots   build/shots.img in QEMU (128 MiB): report/figures/*.png, build/serial-shots.log
#   bench         build/bench.img: build/bench.csv, report/figures/{fork_latency,cow_fault}.png
#   Bochs         build/debug-cow-batch.rc on run/hd.img, headless: build/report/bochs.txt
#   gdb           run/launch/gdbinit + run/launch/gdb-cow.gdb against QEMU's stub: build/report/gdb.txt
# then run/docs/docs-gen.py writes the blocks, stamped with run/build-id.sh's identity, and the
# seconds each run took. Builds nothing (make report builds first).
#
#   GDB_PORT (default 1234), SHOT_MONITOR_PORT (default 45454) for parallel runs
# In a lab handout (run/lab/HANDOUT) it stops at once and says what to do instead.
set -euo pipefail

cd "$(dirname "$0")/../.."
if [ -f run/lab/HANDOUT ]; then
  echo "make report: this is the $(cat run/lab/HANDOUT) lab handout; the reference report it fills is not part of it." >&2
  echo "  Write your report in report/README.md from report/TEMPLATE.md: make screenshots captures your" >&2
  echo "  kernel's pictures into report/figures/, make bench measures it (build/bench.md)." >&2
  exit 2
fi
out=build/report
mkdir -p "$out"
: > "$out/times"

# report_time NAME COMMAND...: run COMMAND, record its wall-clock seconds under NAME.
report_time() {
  local name=$1 start=$EPOCHREALTIME
  shift
  "$@"
  awk -v n="$name" -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%s %.1f\n", n, b - a }' >> "$out/times"
}

# The Bochs session of make debug, headless (Bochs' rfb display, no client awaited), its
# commands read from stdin so Bochs echoes them after each <bochs:N> prompt. One CPU, so the
# two breakpoints are the same fault on the same CPU (make debug itself runs two).
report_bochs() {
  rm -f run/hd.img.lock
  BOCHS_DISPLAY=rfb BOCHS_IMAGE=run/hd.img BOCHS_CYLINDERS=$(run/launch/bochs-cylinders.sh run/hd.img) timeout 300 \
    bochs -q -f run/launch/bochsrc 'display_library: rfb, options="timeout=0"' 'cpu: count=1' \
    < build/debug-cow-batch.rc > "$out/bochs.raw" 2>&1 ||
    { echo "report: Bochs session failed; see $out/bochs.raw" >&2; return 1; }
  # Bochs' own log lines start with a tick count and a level letter.
  grep -av '^[0-9]\{11\}[a-z]\[' "$out/bochs.raw" |
    sed -n '/^<bochs:1>/,$p' | tr -d '\r' > "$out/bochs.txt"
  grep -q 'Breakpoint 2' "$out/bochs.txt" ||
    { echo "report: the Bochs session never reached its second breakpoint; see $out/bochs.raw" >&2; return 1; }
}

# The gdb session: QEMU paused with its stub, gdb in batch mode echoing each command.
report_gdb() {
  local qemu status=0
  GDB_PORT=${GDB_PORT:-1234} QEMU_SERIAL=build/serial-gdb.log DISPLAY= \
    run/launch/qemu.sh gdb run/hd.img 128 2> "$out/gdb-qemu.err" &
  qemu=$!
  sleep 1
  kill -0 "$qemu" 2>/dev/null ||
    { echo "report: QEMU for the gdb session did not start:" >&2; cat "$out/gdb-qemu.err" >&2; return 1; }
  GDB_PORT=${GDB_PORT:-1234} timeout 120 gdb -q -batch -ex 'set trace-commands on' \
    -x run/launch/gdbinit -x run/launch/gdb-cow.gdb > "$out/gdb.raw" 2>&1 || status=$?
  kill "$qemu" 2>/dev/null || true
  wait "$qemu" 2>/dev/null || true
  [ "$status" = 0 ] || { echo "report: gdb session failed; see $out/gdb.raw" >&2; return 1; }
  # From the first command of run/launch/gdb-cow.gdb; the + lines are the commands gdb ran.
  sed -n '/^+continue$/,$p' "$out/gdb.raw" | grep -v '^++' |
    sed "s|$PWD/||g; s/^+/(gdb) /" > "$out/gdb.txt"
}

report_time screenshots run/docs/screenshots.sh build/shots.img report/figures
report_time bench run/bench/bench.sh build/bench.img | tee "$out/bench.out"
report_time bochs report_bochs
report_time gdb report_gdb
python3 run/docs/docs-gen.py "$(run/build-id.sh)"
