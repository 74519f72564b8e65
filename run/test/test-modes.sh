#!/usr/bin/env bash
# test-modes.sh - `make test`: every run of the test image (run/test/test-qemu.sh), the suite once
# more from build/test-sharedpt.img, whose init.conf says fork=sharedpt (plain fork() shares page
# tables), then the shell typed into (run/test/test-shell.sh, then on a terminal as after make run:
# run/test/test-terminal.py), and one total line over all.
#
# usage: run/test/test-modes.sh FORK MEMS SHAREDPT_MEMS [TIMEOUT_S]
#   FORK           empty: both modes; "sharedpt": only the shared-table mode, at MEMS
#   MEMS           memory sizes for the default mode, e.g. "32 256"
#   SHAREDPT_MEMS  memory sizes for the shared-table mode when both run, e.g. "32"
# TEST_CPUS (the extra CPU models) and TEST_SMP (CPU counts, each a run of build/test-smpN.img at
# TEST_SMP_MEM MiB) apply to the default mode only. The shared-table run boots TEST_SHAREDPT_SMP
# CPUs (default 2: shared tables are made private by faults on several CPUs at once).
#
# Order: each kind of kernel first, then its variations, so that a broken kernel meets a run that
# shows its bug early: one CPU at the first of MEMS; the first TEST_SMP count (bugs of several
# CPUs); the shared-table mode; then the other memory sizes, the CPU models, the other CPU
# counts, and the shell. After a failed run the rest are skipped (named on one line at the end)
# unless TEST_KEEP_GOING=1: a broken kernel gets its verdict from the first run that fails.
# Each run prints its header, its checks and its verdict; the runners' own total lines are
# left out, and the last line is the one total over every run that ran: `N passed, N failed`.
# Exit status 0 only when all passed.
set -uo pipefail
RUN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD_DIR=${BUILD_DIR:-$(dirname "$(dirname "$RUN_DIR")")/build}
TOTAL_RE='^([0-9]+) passed, ([0-9]+) failed$'
fork=$1 mems=$2 shared_mems=$3 limit=${4:-900}
passed=0 failed=0 status=0
skipped=()

# run_one NAME HEADER COMMAND...: run one test runner (NAME in the list of skipped runs), after
# the line HEADER when it is not empty; show its output but for its total line, whose numbers
# are added to the totals.
run_one() {
  local name=$1 header=$2 out total=""
  shift 2
  if ((status)) && [[ ${TEST_KEEP_GOING:-0} != 1 ]]; then
    skipped+=("$name")
    return
  fi
  [[ -z $header ]] || echo "$header"
  out=$(mktemp)
  "$@" | tee "$out" | grep --line-buffered -vE "$TOTAL_RE"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  total=$(grep -E "$TOTAL_RE" "$out" | tail -n 1)
  rm -f "$out"
  if [[ $total =~ $TOTAL_RE ]]; then
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
  else
    echo "test-modes: $name printed no '$TOTAL_RE' line: counted as one failed check"
    failed=$((failed + 1))
    status=1
  fi
}

# run_qemu NAME HEADER IMAGE MEM LABEL: one boot of IMAGE in run/test/test-qemu.sh.
run_qemu() {
  run_one "$1" "$2" "$RUN_DIR/test-qemu.sh" "$3" "$4" "$limit" "$5"
}

# The accelerator, asked once (it is reported once, on stderr).
TEST_ACCEL=$("$RUN_DIR/../launch/qemu.sh" accel) || exit 2
export TEST_ACCEL
read -r -a mem_list <<<"$mems"
read -r -a smp_list <<<"${TEST_SMP:-}"
sharedpt_smp=${TEST_SHAREDPT_SMP:-2}

case $fork in
  "") ((${#mem_list[@]} > 0)) || { echo "test-modes: MEMS is empty" >&2; exit 2; }
      first_mem=${mem_list[0]}
      TEST_CPUS= run_qemu "qemu ${first_mem}m" "" "$BUILD_DIR/test.img" "$first_mem" qemu
      for n in "${smp_list[@]:0:1}"; do
        SMP=$n TEST_CPUS= run_qemu "smp$n" "== the suite on $n CPUs ==" "$BUILD_DIR/test-smp$n.img" \
          "${TEST_SMP_MEM:-32}" "qemu_smp$n"
      done
      SMP=$sharedpt_smp TEST_CPUS= run_qemu "sharedpt" \
        "== the suite again with fork=sharedpt (plain fork() shares page tables), on $sharedpt_smp CPUs ==" \
        "$BUILD_DIR/test-sharedpt.img" "$shared_mems" "sharedpt_smp$sharedpt_smp"
      for mem in "${mem_list[@]:1}"; do
        TEST_CPUS= run_qemu "qemu ${mem}m" "" "$BUILD_DIR/test.img" "$mem" qemu
      done
      for cpu in ${TEST_CPUS:-}; do
        TEST_CPU_MEM=${TEST_CPU_MEM:-32} run_one "cpu $cpu" "" env TEST_CPUS="$cpu" \
          "$RUN_DIR/test-qemu.sh" "$BUILD_DIR/test.img" "" "$limit" qemu
      done
      for n in "${smp_list[@]:1}"; do
        SMP=$n TEST_CPUS= run_qemu "smp$n" "== the suite on $n CPUs ==" "$BUILD_DIR/test-smp$n.img" \
          "${TEST_SMP_MEM:-32}" "qemu_smp$n"
      done
      run_one "shell" "== the shell, typed into on serial and keyboard ==" "$RUN_DIR/test-shell.sh" \
        "$RUN_DIR/../hd.img"
      run_one "terminal" "" "$RUN_DIR/test-terminal.py" "$RUN_DIR/../hd.img" ;;
  sharedpt) TEST_CPUS= run_qemu "sharedpt" "" "$BUILD_DIR/test-sharedpt.img" "$mems" sharedpt ;;
  *) echo "test-modes: FORK must be empty or sharedpt, not '$fork'" >&2; exit 2 ;;
esac
((${#skipped[@]} == 0)) ||
  echo "test-modes: not run after the first failed run (TEST_KEEP_GOING=1 runs them all): ${skipped[*]}"
echo "$passed passed, $failed failed"
exit "$status"
