#!/usr/bin/env bash
# bench.sh - run the fork benchmark image and collect its results (`make bench`).
#
# Boots build/bench.img (init.conf runs `forkbench`) headless through
# run/qemu.sh (KVM when usable, TCG otherwise), waits for it, writes the
# program's `csv: ` lines to build/bench.csv under a `# accelerator=... cpu=...`
# comment, prints the results table and draws the figures (run/plot-bench.sh).
# Builds nothing. Fails, with the last serial lines, unless the run ended with
# `[kernel] result: PASS`.
#
#   run/bench.sh [IMAGE]      BENCH_MEM (MiB, default 512), BENCH_TIMEOUT (s, default 1800)
set -euo pipefail

cd "$(dirname "$0")/.."

BENCH_IMG=${1:-build/bench.img}
BENCH_MEM=${BENCH_MEM:-512}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-1800}
BENCH_SERIAL=build/bench-serial.log
BENCH_QEMU_LOG=build/bench-qemu.log
BENCH_CSV=build/bench.csv
BENCH_FIGURES=report/figures
BENCH_TAIL_LINES=30
BENCH_PASS='[kernel] result: PASS'
BENCH_TABLE_BEGIN='---- forkbench table ----'
BENCH_TABLE_END='---- end of forkbench table ----'

# Print a message and the end of the serial log on stderr, then stop with status 1.
bench_fail() {
  echo "bench: $1" >&2
  if [ -s "$BENCH_SERIAL" ]; then
    echo "bench: last $BENCH_TAIL_LINES lines of $BENCH_SERIAL:" >&2
    tr -d '\r' < "$BENCH_SERIAL" | tail -n "$BENCH_TAIL_LINES" >&2
  fi
  exit 1
}

mkdir -p build
rm -f "$BENCH_SERIAL" "$BENCH_QEMU_LOG"
[ -f "$BENCH_IMG" ] || bench_fail "$BENCH_IMG is missing (make bench builds it)"
[ -x run/qemu.sh ] || bench_fail "run/qemu.sh is missing or not executable"

echo "bench: booting $BENCH_IMG with ${BENCH_MEM} MiB (timeout ${BENCH_TIMEOUT}s)"
start=$(date +%s)
set +e
timeout --kill-after=10 "$BENCH_TIMEOUT" run/qemu.sh headless "$BENCH_IMG" "$BENCH_MEM" "$BENCH_SERIAL" \
  </dev/null 2>"$BENCH_QEMU_LOG"
qemu_status=$?
set -e
elapsed=$(( $(date +%s) - start ))
cat "$BENCH_QEMU_LOG" >&2

accel=$(sed -n 's/^qemu: accelerator \([a-z]*\).*/\1/p' "$BENCH_QEMU_LOG" | head -n 1)
accel=${accel:-unknown}
[ -s "$BENCH_SERIAL" ] || bench_fail "no serial output (QEMU exit status $qemu_status after ${elapsed}s)"

# The serial log with carriage returns removed.
log=$(tr -d '\r' < "$BENCH_SERIAL")
result=$(grep -F '[kernel] result:' <<<"$log" | tail -n 1 || true)
[ "$result" = "$BENCH_PASS" ] ||
  bench_fail "run did not end with '$BENCH_PASS' (saw '${result:-nothing}', QEMU exit status $qemu_status, ${elapsed}s, accelerator $accel)"

guest_cpu=$(sed -n 's/^csv: # cpu=//p' <<<"$log" | head -n 1)
host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
cpu=${guest_cpu:-${host_cpu:-unknown}}
{
  echo "# accelerator=$accel cpu=$cpu host_cpu=${host_cpu:-unknown}"
  sed -n '/^csv: #/d; s/^csv: //p' <<<"$log"
} > "$BENCH_CSV"
rows=$(grep -vc '^#\|^metric,' "$BENCH_CSV" || true)
[ "$rows" -gt 0 ] || bench_fail "no csv: rows in the serial log"

sed -n "/^$BENCH_TABLE_BEGIN\$/,/^$BENCH_TABLE_END\$/p" <<<"$log"
echo "bench: accelerator $accel, cpu $cpu; $rows rows in $BENCH_CSV; run took ${elapsed}s"

run/plot-bench.sh "$BENCH_CSV" "$BENCH_FIGURES"
