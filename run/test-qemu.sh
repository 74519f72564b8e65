#!/usr/bin/env bash
# Boot a kernel image headless in QEMU, once per memory size, and judge each run from its
# serial log. Also the home of the judging rules that run/test-bochs.sh shares (it sources
# this file).
#
# usage: run/test-qemu.sh IMAGE MEM_MIB... [TIMEOUT_S] [LABEL]
#   MEM_MIB...  one size or several in one word, e.g. "32 256"
#   TIMEOUT_S   limit for each boot, default 600
#   LABEL       names the runs, default "qemu": run LABEL_MEMm logs its serial output to
#               build/serial-LABEL_MEMm.log and QEMU's stderr to build/qemu-LABEL_MEMm.err
#
# Output: for each run a header "== qemu MEM MiB (kvm|tcg) ==", the test lines of the log
# (`NAME: ok`, `NAME: FAIL: ...`), and a verdict line; a failed run also says why and shows
# the last 30 lines of its serial log. A run that fails without a FAIL line of its own
# (panic, timeout, triple fault, missing result, ...) counts as one extra failure, printed as
# `boot_LABEL_MEMm: FAIL: why`. The last line is the total over all runs: `N passed, N failed`.
#
# A run passes only if QEMU exited 33 (isa-debug-exit 0x10), the log has
# `[kernel] result: PASS`, no FAIL line and at least one ok line.
#
# Exit status: 0 when every run passed, 1 otherwise, 2 on a usage error.
# Environment: QEMU_ACCEL (see run/qemu.sh), BUILD_DIR (default: build/ of the repository).
#   TEST_CPUS     after the memory sizes, one more run per QEMU CPU model in this list
#                 (e.g. "486 pentium max"), at TEST_CPU_MEM MiB (default 32), named LABEL_cpuMODEL.
set -euo pipefail

RUN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$RUN_DIR")
BUILD_DIR=${BUILD_DIR:-$REPO_DIR/build}
TAIL_LINES=30
TEST_LINE_RE='^[a-z0-9_]+: (ok|FAIL)'
OK_LINE_RE='^[a-z0-9_]+: ok'
FAIL_LINE_RE='^[a-z0-9_]+: FAIL'
QEMU_EXIT_PASS=33
QEMU_EXIT_FAIL=35
QEMU_EXIT_PANIC=37
DEFAULT_TIMEOUT_S=600

TOTAL_PASSED=0
TOTAL_FAILED=0

# judge_log_text LOG: print LOG as text: carriage returns and NUL bytes removed.
judge_log_text() {
    tr -d '\r\000' <"$1" 2>/dev/null || true
}

# judge_tail LOG: print the last TAIL_LINES lines of LOG between marker lines.
judge_tail() {
    local log=$1 shown=${1#"$REPO_DIR"/}
    if [[ ! -s $log ]]; then
        echo "-- serial log $shown is empty --"
        return
    fi
    echo "-- last $TAIL_LINES lines of $shown --"
    judge_log_text "$log" | tail -n "$TAIL_LINES" | cat -v
    # a log that does not end in a newline would glue the marker to its last line
    [[ -z $(tail -c 1 "$log") ]] || echo
    echo "-- end of $shown --"
}

# judge_garbage_hint LOG: print a hint when LOG holds bytes that are not text (a UART that
# was not set to 8N1, or a wrong divisor, shows up like this).
judge_garbage_hint() {
    local bad
    bad=$(tr -d '\011\012\015\040-\176' <"$1" 2>/dev/null | wc -c)
    if ((bad > 0)); then
        echo "-- note: the serial log holds $bad non-text bytes: is COM1 set to 115200 8N1?"
    fi
}

# judge_run NAME LOG END END_NOTE: print the test lines of LOG and the verdict of the run
# NAME; END says how the emulator stopped (pass, fail, panic: what QEMU's exit status
# claims; result: stopped at the result line, nothing claimed; reset, timeout, other) and
# END_NOTE describes it. Adds to TOTAL_PASSED/TOTAL_FAILED; returns 0 when the run passed.
judge_run() {
    local name=$1 log=$2 end=$3 note=$4
    local text tests ok fail result panic why="" extra=1
    text=$(judge_log_text "$log")
    tests=$(grep -aE "$TEST_LINE_RE" <<<"$text" || true)
    ok=$(grep -acE "$OK_LINE_RE" <<<"$tests" || true)
    fail=$(grep -acE "$FAIL_LINE_RE" <<<"$tests" || true)
    result=$(grep -aoE '\[kernel\] result: .*' <<<"$text" | tail -n 1 || true)
    panic=$(grep -aoE '\[panic\].*' <<<"$text" | head -n 1 || true)
    [[ -z $tests ]] || printf '%s\n' "$tests"

    if [[ -n $panic || $end == panic || $result == *"result: PANIC"* ]]; then
        why="panic: ${panic:-no [panic] line} ($note)"
    elif [[ $end == timeout ]]; then
        why="$note"
    elif [[ $end == reset ]]; then
        why="$note"
    elif [[ -z $result ]]; then
        why="no '[kernel] result:' line ($note)"
    elif [[ $result != "[kernel] result: PASS" ]]; then
        why="kernel reported '$result' ($note)"
        ((fail == 0)) || extra=0
    elif [[ $end != pass && $end != result ]]; then
        why="the log says PASS but $note"
    elif ((fail > 0)); then
        why="$fail FAIL line(s) but the kernel reported PASS"
        extra=0
    elif ((ok == 0)); then
        why="no test line ('NAME: ok') in the log"
    fi

    if [[ -z $why ]]; then
        echo "-- $name: PASS ($ok ok; $note)"
        TOTAL_PASSED=$((TOTAL_PASSED + ok))
        return 0
    fi
    if ((extra)); then
        echo "boot_$name: FAIL: $why"
    else
        echo "-- $name: FAIL: $why"
    fi
    judge_garbage_hint "$log"
    judge_tail "$log"
    TOTAL_PASSED=$((TOTAL_PASSED + ok))
    TOTAL_FAILED=$((TOTAL_FAILED + fail + extra))
    return 1
}

# judge_summary: print the closing line with the totals of every judged run.
judge_summary() {
    echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
}

# usage: print how to call this script on stderr and exit 2.
usage() {
    sed -n '6,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 2
}

# qemu_end STATUS TIMEOUT_S: set END and END_NOTE from QEMU's exit status.
qemu_end() {
    case $1 in
        "$QEMU_EXIT_PASS") END=pass; END_NOTE="QEMU exit $1" ;;
        "$QEMU_EXIT_FAIL") END=fail; END_NOTE="QEMU exit $1: kernel reported failure" ;;
        "$QEMU_EXIT_PANIC") END=panic; END_NOTE="QEMU exit $1" ;;
        124 | 137) END=timeout; END_NOTE="timeout after $2 s" ;;
        0) END=reset; END_NOTE="triple fault or reset (QEMU exit 0)" ;;
        *) END=other; END_NOTE="QEMU exit $1" ;;
    esac
}

# qemu_test IMAGE MEM TIMEOUT_S LABEL ACCEL: boot IMAGE once with MEM MiB and judge the run;
# returns 0 when it passed.
qemu_test() {
    local image=$1 mem=$2 limit=$3 name="$4_$2m" accel=$5
    local log="$BUILD_DIR/serial-$name.log" err="$BUILD_DIR/qemu-$name.err"
    local status=0 start seconds
    echo "== qemu $mem MiB ($accel${QEMU_CPU:+, -cpu $QEMU_CPU}) =="
    rm -f "$log"
    start=$EPOCHREALTIME
    QEMU_ACCEL=$accel timeout -k 10 "$limit" "$RUN_DIR/qemu.sh" headless "$image" "$mem" "$log" \
        </dev/null 2>"$err" || status=$?
    seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    qemu_end "$status" "$limit"
    [[ $END == timeout ]] || END_NOTE+=", $seconds s"
    if judge_run "$name" "$log" "$END" "$END_NOTE"; then
        return 0
    fi
    if grep -qv '^qemu: accelerator' "$err"; then
        echo "-- QEMU's stderr (${err#"$REPO_DIR"/}) --"
        grep -v '^qemu: accelerator' "$err" | tail -n "$TAIL_LINES"
    fi
    return 1
}

# main IMAGE MEMS [TIMEOUT_S] [LABEL]: run and judge one boot per memory size.
main() {
    (($# >= 2 && $# <= 4)) || usage
    local image=$1 mems=$2 limit=${3:-$DEFAULT_TIMEOUT_S} label=${4:-qemu}
    local mem accel cpu cpu_label failed=0
    [[ -f $image ]] || { echo "test-qemu: no disk image '$image'" >&2; exit 2; }
    [[ $limit =~ ^[1-9][0-9]*$ ]] || { echo "test-qemu: TIMEOUT_S must be seconds, not '$limit'" >&2; exit 2; }
    [[ $label =~ ^[a-z0-9_]+$ ]] || { echo "test-qemu: LABEL must match [a-z0-9_]+, not '$label'" >&2; exit 2; }
    read -r -a mems <<<"$mems"
    ((${#mems[@]} > 0)) || usage
    for mem in "${mems[@]}"; do
        [[ $mem =~ ^[1-9][0-9]*$ ]] || { echo "test-qemu: MEM_MIB must be a number, not '$mem'" >&2; exit 2; }
    done
    mkdir -p "$BUILD_DIR"
    accel=$("$RUN_DIR/qemu.sh" accel)
    for mem in "${mems[@]}"; do
        qemu_test "$image" "$mem" "$limit" "$label" "$accel" || failed=1
    done
    for cpu in ${TEST_CPUS:-}; do
        cpu_label=${cpu,,}
        QEMU_CPU=$cpu qemu_test "$image" "${TEST_CPU_MEM:-32}" "$limit" "${label}_cpu${cpu_label//[^a-z0-9]/_}" \
            "$accel" || failed=1
    done
    judge_summary
    return "$failed"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    main "$@"
fi
