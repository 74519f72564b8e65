#!/usr/bin/env bash
# test-modes.sh - `make test`: the test image at each memory size, then the whole suite once
# more from build/test-sharedpt.img, whose init.conf says fork=sharedpt (plain fork() shares
# page tables), then the shell typed into (run/test/test-shell.sh), and one total line over all.
#
# usage: run/test/test-modes.sh FORK MEMS SHAREDPT_MEMS [TIMEOUT_S]
#   FORK           empty: both modes; "sharedpt": only the shared-table mode, at MEMS
#   MEMS           memory sizes for the default mode, e.g. "32 256"
#   SHAREDPT_MEMS  memory sizes for the shared-table mode when both run, e.g. "32"
# TEST_CPUS (the extra CPU models) and TEST_SMP (CPU counts, each a run of build/test-smpN.img at
# TEST_SMP_MEM MiB) apply to the default mode only. The shared-table run boots TEST_SHAREDPT_SMP
# CPUs (default 2: shared tables are made private by faults on several CPUs at once).
# The last line is `N passed, N failed` over every run that ran; exit status 0 only when all passed.
set -uo pipefail
RUN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD_DIR=${BUILD_DIR:-$(dirname "$(dirname "$RUN_DIR")")/build}
fork=$1 mems=$2 shared_mems=$3 limit=${4:-900}
passed=0 failed=0 status=0

# run_one COMMAND...: run one test runner, show its output, add the totals of its last line.
# After a failed run the rest are skipped (and named at the end) unless TEST_KEEP_GOING=1: a broken
# kernel gets its verdict from the first run that fails.
skipped=()
run_one() {
  local out last
  if ((status)) && [[ ${TEST_KEEP_GOING:-0} != 1 ]]; then
    skipped+=("$(basename "$1") ${*:2:1}")
    return
  fi
  out=$(mktemp)
  "$@" | tee "$out"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  last=$(tail -n 1 "$out")
  rm -f "$out"
  if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
  else
    failed=$((failed + 1))
    status=1
  fi
}

case $fork in
  "") run_one "$RUN_DIR/test-qemu.sh" "$BUILD_DIR/test.img" "$mems" "$limit" qemu
      for n in ${TEST_SMP:-}; do
        echo "== the suite on $n CPUs =="
        SMP=$n TEST_CPUS= run_one "$RUN_DIR/test-qemu.sh" "$BUILD_DIR/test-smp$n.img" "${TEST_SMP_MEM:-32}" "$limit" "qemu_smp$n"
      done
      echo "== the suite again with fork=sharedpt (plain fork() shares page tables), on ${TEST_SHAREDPT_SMP:-2} CPUs =="
      SMP=${TEST_SHAREDPT_SMP:-2} TEST_CPUS= run_one "$RUN_DIR/test-qemu.sh" "$BUILD_DIR/test-sharedpt.img" "$shared_mems" \
        "$limit" "sharedpt_smp${TEST_SHAREDPT_SMP:-2}"
      echo "== the shell, typed into on serial and keyboard =="
      run_one "$RUN_DIR/test-shell.sh" "$RUN_DIR/../hd.img" ;;
  sharedpt) TEST_CPUS= run_one "$RUN_DIR/test-qemu.sh" "$BUILD_DIR/test-sharedpt.img" "$mems" "$limit" sharedpt ;;
  *) echo "test-modes: FORK must be empty or sharedpt, not '$fork'" >&2; exit 2 ;;
esac
((${#skipped[@]} == 0)) ||
  printf 'test-modes: not run after the first failed run (TEST_KEEP_GOING=1 runs them all):%s\n' \
    "$(printf ' [%s]' "${skipped[@]}")"
echo "$passed passed, $failed failed"
exit "$status"
