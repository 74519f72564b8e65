#!/usr/bin/env bash
# bench-base.sh - the instruction counts of the kernel as it was before SMP, measured in the
# same `make bench` run as the current kernel (run/bench/bench.sh calls it).
#
# Exports commit BENCH_BASE (default 645a87d: main just before the merge that made every CPU run
# processes, so the kernel SMP was added to, with the changes made beside the SMP work) from this
# repository's history into build/bench-base/src, builds its build/bench.img there with its own
# Makefile, boots it once on 1 CPU under the same
# `-icount shift=0,sleep=off` as the current kernel's instruction run, and writes its forkbench
# csv rows to build/bench-base.csv (the columns of run/bench/bench.sh's first seven). Without the
# history (a source tarball) or when the old tree does not build, it says why on stderr,
# writes no rows and exits 0: the comparison is left out of the table, nothing else changes.
#
#   run/bench/bench-base.sh        BENCH_BASE (a commit), BENCH_MEM, BENCH_TIMEOUT as in run/bench/bench.sh
set -euo pipefail

cd "$(dirname "$0")/../.."

BENCH_BASE=${BENCH_BASE:-645a87d}
BENCH_MEM=${BENCH_MEM:-512}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-1800}
BASE_DIR=build/bench-base
BASE_CSV=build/bench-base.csv
BASE_ICOUNT='-icount shift=0,sleep=off'
BASE_PASS='[kernel] result: PASS'

# base_skip WHY: say why there is no before-SMP comparison, and stop without failing.
base_skip() {
  echo "bench-base: no before-SMP rows: $1" >&2
  rm -f "$BASE_CSV"
  exit 0
}

rm -f "$BASE_CSV"
commit=$(git rev-parse --verify --quiet "$BENCH_BASE^{commit}" 2>/dev/null) ||
  base_skip "commit '$BENCH_BASE' is not in this checkout's history (a shallow clone or a tarball?)"
short=$(git rev-parse --short "$commit")

if [ "$(cat "$BASE_DIR/commit" 2>/dev/null)" != "$commit" ] || [ ! -f "$BASE_DIR/src/build/bench.img" ]; then
  rm -rf "$BASE_DIR"
  mkdir -p "$BASE_DIR/src"
  git archive "$commit" | tar -x -C "$BASE_DIR/src"
  echo "bench-base: building build/bench.img of $short in $BASE_DIR/src"
  make -C "$BASE_DIR/src" -j2 build/bench.img > "$BASE_DIR/build.log" 2>&1 ||
    base_skip "commit $short does not build here (see $BASE_DIR/build.log)"
  echo "$commit" > "$BASE_DIR/commit"
fi

serial=$BASE_DIR/serial.log
echo "bench-base: booting $short's bench.img with ${BENCH_MEM} MiB on 1 CPU ($BASE_ICOUNT)"
set +e
SMP=1 QEMU_ACCEL=tcg QEMU_EXTRA="$BASE_ICOUNT" timeout --kill-after=10 "$BENCH_TIMEOUT" \
  run/launch/qemu.sh headless "$BASE_DIR/src/build/bench.img" "$BENCH_MEM" "$serial" </dev/null 2>"$BASE_DIR/qemu.log"
set -e
log=$(tr -d '\r' < "$serial" 2>/dev/null || true)
grep -qxF "$BASE_PASS" <<<"$log" || base_skip "$short's benchmark run did not end with '$BASE_PASS' (see $serial)"
{
  echo "# guest instructions of commit $short (before SMP), same -icount as the current kernel's run"
  sed -n '/^csv: #/d; /^csv: metric,/d; s/^csv: //p' <<<"$log"
} > "$BASE_CSV"
echo "bench-base: $(grep -vc '^#' "$BASE_CSV") rows of $short in $BASE_CSV"
