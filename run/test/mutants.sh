#!/usr/bin/env bash
# The test suite's own test: build deliberately broken kernels (mutants) and check that
# `make test` fails each of them, quickly, naming a check.
#
# usage: run/test/mutants.sh [NAME...]      default: every run/test/mutants/*.patch
#
# Each mutant is a patch under run/test/mutants/NAME.patch whose first line, "bug: ...", says
# the bug in words; an optional second line "limit: N" gives it N seconds instead of
# MUTANT_LIMIT_S (a race only several CPUs show: `make test` boots one CPU first); a header line
# "lab: NAME..." is for the lab kit (run/lab/lab.py mutants) and ignored here. For each mutant, and first for the unchanged tree ("none", which must
# pass), the script copies the working tree (without build output) into
# build/mutants/NAME, reusing the object files of build/ so only what the patch touches is
# rebuilt; applies the patch there (the real source is never modified; a patch that no
# longer applies stops with its rejects shown); builds every image `make test` boots; runs
# `make test TEST_MEMS=$MUTANT_MEMS` with a limit of MUTANT_LIMIT_S seconds; and records
# the verdict, the first failed check, the seconds until `make test` named it (its line
# `-- first failed check: NAME`), the closing line and the seconds the test took.
#
# Output: one line per mutant as it finishes, then the table as markdown, also written to
# MUTANTS_REPORT. Logs: build/mutants/NAME/{patch,build,test}.log (test.log: each line after
# the seconds since `make test` started).
# Exit status: 0 when the unchanged tree passed and every mutant failed within the limit;
# 1 when a mutant passed, took longer, did not build, or a patch did not apply; 2 on a
# usage error.
# Environment: MUTANT_MEMS (default 32), MUTANT_LIMIT_S (default 180: each mutant's limit),
#   MUTANT_CONTROL_LIMIT_S (default 900: the unchanged tree runs the whole suite),
#   MUTANTS_REPORT (default report/mutants.md), and whatever run/test/test-qemu.sh reads.
set -euo pipefail

RUN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$(dirname "$RUN_DIR")")
PATCH_DIR=$RUN_DIR/mutants
WORK_DIR=$REPO_DIR/build/mutants
MEMS=${MUTANT_MEMS:-32}
LIMIT_S=${MUTANT_LIMIT_S:-180}
CONTROL_LIMIT_S=${MUTANT_CONTROL_LIMIT_S:-900}
REPORT=${MUTANTS_REPORT:-$REPO_DIR/report/mutants.md}
CONTROL=none
STALL_S=${TEST_STALL_S:-15}    # as run/test/test-qemu.sh, for the table's words
MAKE_JOBS=2

ROWS=()
BAD=0
SOURCE=""

# die MESSAGE: print "mutants: MESSAGE" on stderr and exit 2.
die() {
    echo "mutants: $*" >&2
    exit 2
}

# mutant_bug NAME: the bug of mutant NAME in words (its patch's "bug:" line).
mutant_bug() {
    [[ $1 == "$CONTROL" ]] && { echo "none: the tree as it is (must pass)"; return; }
    sed -n '1s/^bug: *//p' "$PATCH_DIR/$1.patch"
}

# mutant_limit NAME: the seconds of mutant NAME's own limit (its patch's optional second line
# "limit: N", for a bug only several CPUs can show, whose run comes after the one-CPU run), or
# nothing.
mutant_limit() {
    [[ $1 == "$CONTROL" ]] && return
    sed -n '2s/^limit: *\([1-9][0-9]*\)$/\1/p' "$PATCH_DIR/$1.patch"
}
# mutant_copy NAME: a fresh copy of the working tree in WORK_DIR/NAME, with the object
# files of build/ (timestamps kept, so make rebuilds only what changes).
mutant_copy() {
    local dir=$WORK_DIR/$1
    rm -rf "$dir"
    mkdir -p "$dir/build"
    tar -C "$REPO_DIR" --exclude=./build --exclude=./.git --exclude=./run/hd.img -cf - . | tar -C "$dir" -xf -
    tar -C "$REPO_DIR/build" --exclude=./mutants --exclude=./grade-mutants --exclude=./catch-rate --exclude='./handout-*' --exclude='*.log' --exclude='*.err' --exclude='*.img' \
        --exclude='*.csv' -cf - . | tar -C "$dir/build" -xf -
}

# mutant_patch NAME: apply NAME's patch to its copy; on failure show why and return 1.
mutant_patch() {
    local dir=$WORK_DIR/$1
    [[ $1 == "$CONTROL" ]] && return 0
    if ! patch -d "$dir" -p1 --batch --forward --no-backup-if-mismatch -F1 \
        <"$PATCH_DIR/$1.patch" >"$dir/patch.log" 2>&1; then
        echo "mutants: $1: run/test/mutants/$1.patch no longer applies to the source:" >&2
        sed 's/^/    /' "$dir/patch.log" >&2
        find "$dir" -name '*.rej' -exec sed 's/^/    /' {} + >&2
        return 1
    fi
}

# mutant_ending TESTLOG BUILDDIR: how the run ended, in a few words, from the verdict line
# of run/test/test-qemu.sh for the first run that failed (else the first run), and the panic and
# trap lines of that run's serial log (BUILDDIR/serial-RUN.log).
mutant_ending() {
    local verdict panic task run serial text
    text=$(sed 's/^ *[0-9]*\.[0-9] //' "$1")   # without mutant_timed's seconds
    verdict=$(grep -m1 -E '^-- [a-z0-9_]+: FAIL' <<<"$text" || grep -m1 -E '^-- [a-z0-9_]+: PASS' <<<"$text" || true)
    run=$(sed -n 's/^-- \([a-z0-9_]*\): .*/\1/p' <<<"$verdict")
    serial=$2/serial-$run.log
    case $verdict in
        *": PASS "*) echo "kernel reported PASS" ;;
        *"after the first failed check"*) echo "stopped soon after the first failed check" ;;
        *"panic: "*)
            panic=$(grep -a -m1 -o '\[panic\] .*' "$serial" | tr -d '\r' | cut -c 9-90 || true)
            task=$(grep -a -m1 -o '\[trap\] task: [^ ]*' "$serial" | cut -c 14- || true)
            echo "panic${task:+ in $task}: ${panic:-no panic line}" ;;
        *"while the emulator was idle"*) echo "hang: stopped after $STALL_S s idle without progress" ;;
        *"of emulator CPU time"*) echo "loop: stopped after $STALL_S s of CPU without progress" ;;
        *"bytes of output without a new check"*) echo "flood: stopped, output without a new check" ;;
        *"serial log passed"*) echo "flood: stopped at the serial log cap" ;;
        *"a second time"*) echo "restart: stopped at the second start" ;;
        *"triple fault"*) echo "triple fault (QEMU exit 0)" ;;
        *"result: FAIL"*) echo "kernel reported FAIL" ;;
        *"overall limit"*) echo "overall limit reached" ;;
        "") echo "no verdict line" ;;
        *) verdict=${verdict#*; }; echo "other: ${verdict:0:60}" ;;
    esac
}

# mutant_row NAME VERDICT FIRST ENDING CLOSING SECONDS NAMED_S LOAD: print the result line and
# keep the row.
mutant_row() {
    printf '%-22s %-6s %-34s %5s s %-22s %4s s %5s  %s\n' "$1" "$2" "$3" "$7" "$5" "$6" "$8" "$4"
    ROWS+=("| \`$1\` | $(mutant_bug "$1") | $2 | ${3:+\`$3\`} | $7 | $4 | $5 | $6 | $8 |")
}

# host_load: the machine's load average over the last minute.
host_load() {
    cut -d' ' -f1 /proc/loadavg
}

# mutant_timed LOG COMMAND...: run COMMAND with its output in LOG, each line after the seconds
# since the start; returns COMMAND's status.
mutant_timed() {
    local log=$1 start=${EPOCHREALTIME/[.,]/} line tenths
    shift
    "$@" 2>&1 | while IFS= read -r line; do
        tenths=$(((${EPOCHREALTIME/[.,]/} - start) / 100000))   # no process per line: no lag
        printf '%4d.%d %s\n' $((tenths / 10)) $((tenths % 10)) "$line"
    done >"$log"
    return "${PIPESTATUS[0]}"
}

# mutant_run NAME: copy, patch, build and test one mutant; record its row; set BAD when
# it does not behave as it must.
mutant_run() {
    local name=$1 dir=$WORK_DIR/$1 status=0 start seconds verdict first closing named load
    mutant_copy "$name"
    if ! mutant_patch "$name"; then
        mutant_row "$name" "PATCH FAILED" "" "" "" 0 "" ""
        BAD=1
        return
    fi
    if ! make -C "$dir" -j"$MAKE_JOBS" test-images >"$dir/build.log" 2>&1; then
        echo "mutants: $name does not build (build/mutants/$name/build.log):" >&2
        grep -m5 -E 'error|Error' "$dir/build.log" | sed 's/^/    /' >&2 || true
        mutant_row "$name" "BUILD FAILED" "" "" "" 0 "" ""
        BAD=1
        return
    fi
    load=$(host_load)
    start=$EPOCHREALTIME
    local limit=$LIMIT_S own
    [[ $name != "$CONTROL" ]] || limit=$CONTROL_LIMIT_S
    own=$(mutant_limit "$name")
    [[ -z $own ]] || limit=$own
    mutant_timed "$dir/test.log" timeout -k 10 "$limit" make -C "$dir" test TEST_MEMS="$MEMS" || status=$?
    seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
    first=$(sed -n 's/^ *[0-9.]* -- first failed check: \([a-z0-9_]*\).*/\1/p' "$dir/test.log" | head -n 1)
    named=$(awk '/^ *[0-9.]+ -- first failed check: / { printf "%.0f", $1; exit }' "$dir/test.log")
    closing=$(sed -n 's/^ *[0-9.]* //p' "$dir/test.log" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1 || true)
    if ((status == 124 || status == 137)); then
        verdict="TIMEOUT"
        BAD=1
    elif ((status == 0)); then
        verdict="PASS"
        [[ $name == "$CONTROL" ]] || BAD=1
    else
        verdict="FAIL"
        [[ $name != "$CONTROL" ]] || BAD=1
        [[ -n $closing ]] || { verdict="FAIL (no closing line)"; BAD=1; }
    fi
    mutant_row "$name" "$verdict" "$first" "$(mutant_ending "$dir/test.log" "$dir/build")" \
        "$closing" "$seconds" "$named" "$load"
}

# mutants_table: the markdown table of every recorded row, with how it was made.
mutants_table() {
    local accel
    accel=$("$RUN_DIR/../launch/qemu.sh" accel 2>/dev/null || echo unknown)
    echo "# Broken kernels against the test suite"
    echo
    echo "Generated by \`make mutants\` (run/test/mutants.sh) on $(date -u '+%Y-%m-%d %H:%M UTC'), source $SOURCE,"
    echo "QEMU accelerator $accel, \`make test TEST_MEMS=$MEMS\` per kernel, limit $LIMIT_S s ($CONTROL_LIMIT_S s for \`none\`, and a patch's own \`limit:\` line where it has one). Each mutant is"
    echo "the tree with one patch from run/test/mutants/ applied; \`none\` is the tree unchanged and must pass."
    echo "Seconds are those of \`make test\` alone (the images are built before); the first failed check is"
    echo "the one \`make test\` names, \"named after\" the seconds until it printed that name, and the next"
    echo "column says how the run ended; load is the host's load average over the minute before the test"
    echo "(the times are wall-clock seconds on a shared machine)."
    echo
    echo "| mutant | the bug | verdict | first failed check | named after (s) | how the run ended | closing line | seconds | load |"
    echo "|---|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
}

main() {
    local names=() name p
    [[ $LIMIT_S =~ ^[1-9][0-9]*$ ]] || die "MUTANT_LIMIT_S must be seconds, not '$LIMIT_S'"
    [[ $CONTROL_LIMIT_S =~ ^[1-9][0-9]*$ ]] || die "MUTANT_CONTROL_LIMIT_S must be seconds, not '$CONTROL_LIMIT_S'"
    if (($# > 0)); then
        names=("$@")
    else
        for p in "$PATCH_DIR"/*.patch; do
            names+=("$(basename "$p" .patch)")
        done
    fi
    for name in "${names[@]}"; do
        [[ $name =~ ^[a-z0-9_]+$ && -f $PATCH_DIR/$name.patch ]] || die "no mutant '$name' (run/test/mutants/$name.patch)"
        grep -q '^bug: ' "$PATCH_DIR/$name.patch" || die "run/test/mutants/$name.patch has no 'bug:' first line"
    done
    # the source the copies are made of (the table itself does not count as a change)
    SOURCE=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)
    git -C "$REPO_DIR" diff --quiet HEAD -- . ":(exclude)${REPORT#"$REPO_DIR"/}" 2>/dev/null ||
        SOURCE+=" with uncommitted changes"
    mkdir -p "$WORK_DIR"
    printf '%-22s %-6s %-34s %7s %-22s %6s %5s  %s\n' mutant verdict "first failed check" named "closing line" seconds load \
        "how the run ended"
    for name in "$CONTROL" "${names[@]}"; do
        mutant_run "$name"
    done
    mkdir -p "$(dirname "$REPORT")"
    mutants_table >"$REPORT"
    echo
    cat "$REPORT"
    if ((BAD)); then
        echo "mutants: FAIL: the unchanged tree must pass and every mutant must fail within its limit (see above)" >&2
        return 1
    fi
    echo "mutants: every mutant failed within its limit; the unchanged tree passed"
}

main "$@"
