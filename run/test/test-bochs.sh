#!/usr/bin/env bash
# Boot a kernel image in Bochs without a person at the keyboard and judge the run from
# its serial log, by the same rules as run/test/test-qemu.sh (whose judging functions it uses).
#
# usage: run/test/test-bochs.sh IMAGE [TIMEOUT_S]
#   TIMEOUT_S  overall limit for the boot, default 1200
#
# Bochs gives no exit status to go by, so the serial log decides: Bochs is stopped as soon
# as a complete `[kernel] result:` line is in the log (or when it stops by itself: the
# kernel's "Shutdown" on port 0x8900 ends Bochs, and so does a triple fault), or by the
# watchdog of run/test/test-qemu.sh: no new check for TEST_STALL_S seconds of Bochs' CPU time,
# a serial log past TEST_LOG_CAP bytes, a restart, or the time limit. Bochs runs on a private copy of IMAGE padded to whole cylinders, so the
# image itself is never locked or changed.
#
# Output: "== bochs 32 MiB ==", the test lines, a verdict (with the last 30 lines of the
# serial log when it failed) and, last, `N passed, N failed`.
# Files: build/serial-bochs.log (COM1), build/bochs-test.log (Bochs' own log).
# Exit status: 0 on pass, 1 otherwise, 2 on a usage error.
# Environment: BUILD_DIR (default: build/ of the repository), BOCHS_CPUS (processors, default 1).
set -euo pipefail

RUN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=run/test/test-qemu.sh
source "$RUN_DIR/test-qemu.sh"

BOCHS_NAME=bochs
BOCHS_MEM_MIB=32
CYLINDER_BYTES=$((16 * 63 * 512))
DEFAULT_BOCHS_TIMEOUT_S=1200
POLL_S=0.1
SHUTDOWN_GRACE_S=2

BOCHS_PID=""
WORK_DIR=""

# bochs_cleanup: kill the Bochs started by this script, if it still runs, and remove the
# private copy of the image (with the lock file Bochs keeps beside it).
bochs_cleanup() {
    if [[ -n $BOCHS_PID ]]; then
        kill -KILL "$BOCHS_PID" 2>/dev/null || true
        wait "$BOCHS_PID" 2>/dev/null || true
        BOCHS_PID=""
    fi
    if [[ -n $WORK_DIR ]]; then
        rm -rf "$WORK_DIR"
        WORK_DIR=""
    fi
}

# bochs_alive: succeed while the Bochs process started by this script runs.
bochs_alive() {
    [[ -n $BOCHS_PID ]] && kill -0 "$BOCHS_PID" 2>/dev/null
}

# bochs_result_complete LOG: succeed when LOG holds a `[kernel] result:` line that ends
# in a newline (so the whole line has been written).
bochs_result_complete() {
    local line
    line=$(grep -an '\[kernel\] result:' "$1" 2>/dev/null | tail -n 1 | cut -d: -f1) || true
    [[ -n $line ]] && (($(wc -l <"$1") >= line))
}

# bochs_has_result LOG: succeed when LOG holds a `[kernel] result:` line, complete or not.
bochs_has_result() {
    grep -aq '\[kernel\] result:' "$1" 2>/dev/null
}

# bochs_exit_message OUT: print the message Bochs gave when it stopped by itself.
bochs_exit_message() {
    sed -n '/Bochs is exiting with the following message:/{n;p;q}' "$1" | tr -d '\r' |
        sed 's/^\[[A-Z0-9 ]*\] *//'
}

# bochs_prepare IMAGE: copy IMAGE into WORK_DIR padded to whole cylinders and export the
# variables run/test/bochsrc.test reads.
bochs_prepare() {
    local size cylinders
    WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/test-bochs.XXXXXX")
    cp "$1" "$WORK_DIR/disk.img"
    size=$(stat -c %s "$WORK_DIR/disk.img")
    cylinders=$(((size + CYLINDER_BYTES - 1) / CYLINDER_BYTES))
    ((cylinders > 0)) || cylinders=1
    truncate -s $((cylinders * CYLINDER_BYTES)) "$WORK_DIR/disk.img"
    printf 'continue\nquit\n' >"$WORK_DIR/debugger.rc"
    export BOCHS_IMAGE="$WORK_DIR/disk.img" BOCHS_CYLINDERS=$cylinders
    export BOCHS_SERIAL_LOG="$BUILD_DIR/serial-$BOCHS_NAME.log" BOCHS_LOG="$BUILD_DIR/bochs-test.log"
}

# bochs_watch LIMIT: wait until the result line is complete, Bochs stops, or the watchdog
# of run/test/test-qemu.sh (stall, flood, restart, LIMIT seconds) stops the run; set END and
# END_NOTE accordingly.
bochs_watch() {
    local limit=$1 grace message
    watch_start
    STOP=""
    while bochs_alive && ! bochs_result_complete "$BOCHS_SERIAL_LOG"; do
        sleep "$POLL_S"
        watch_step "$BOCHS_SERIAL_LOG" "$limit" "$BOCHS_PID" || break
    done
    if [[ -n $STOP ]]; then
        END=$STOP
        END_NOTE=$STOP_NOTE
        return
    fi
    if bochs_result_complete "$BOCHS_SERIAL_LOG"; then
        # give the kernel's shutdown request a moment to end Bochs by itself
        grace=$((SECONDS + SHUTDOWN_GRACE_S))
        while bochs_alive && ((SECONDS < grace)); do
            sleep "$POLL_S"
        done
    fi
    if bochs_alive; then
        END=result; END_NOTE="Bochs stopped after the result line"
        return
    fi
    wait "$BOCHS_PID" 2>/dev/null || true
    BOCHS_PID=""
    message=$(bochs_exit_message "$WORK_DIR/bochs.out")
    if [[ $message == *"Shutdown port: shutdown requested"* ]] && bochs_has_result "$BOCHS_SERIAL_LOG"; then
        END=result; END_NOTE="Bochs ended by the kernel's shutdown request"
    elif [[ $message == *"triple fault"* || $message == *"3rd ("* ]]; then
        END=reset; END_NOTE="triple fault (Bochs: $message)"
    elif bochs_has_result "$BOCHS_SERIAL_LOG"; then
        END=result; END_NOTE="Bochs stopped: ${message:-no message}"
    else
        END=other; END_NOTE="Bochs stopped: ${message:-no message}"
    fi
}

# bochs_main IMAGE [TIMEOUT_S]: boot IMAGE in Bochs, judge the run, print the summary.
bochs_main() {
    (($# >= 1 && $# <= 2)) || { sed -n '5,6s/^# \{0,1\}//p' "$RUN_DIR/test-bochs.sh" >&2; exit 2; }
    local image=$1 limit=${2:-$DEFAULT_BOCHS_TIMEOUT_S} start seconds status=0
    [[ -f $image ]] || { echo "test-bochs: no disk image '$image'" >&2; exit 2; }
    [[ $limit =~ ^[1-9][0-9]*$ ]] || { echo "test-bochs: TIMEOUT_S must be seconds, not '$limit'" >&2; exit 2; }
    command -v bochs >/dev/null || { echo "test-bochs: bochs not found: run run/setup.sh" >&2; exit 2; }
    watch_check_env test-bochs
    mkdir -p "$BUILD_DIR"
    trap bochs_cleanup EXIT
    trap 'exit 130' INT TERM
    bochs_prepare "$image"
    rm -f "$BOCHS_SERIAL_LOG" "$BOCHS_LOG"
    echo "== bochs $BOCHS_MEM_MIB MiB =="
    start=$EPOCHREALTIME
    # the debugger reads commands from the file, the rest of Bochs never reads stdin
    bochs -q -f "$RUN_DIR/bochsrc.test" -rc "$WORK_DIR/debugger.rc" "cpu: count=${BOCHS_CPUS:-1}" \
        </dev/null >"$WORK_DIR/bochs.out" 2>&1 &
    BOCHS_PID=$!
    bochs_watch "$limit"
    bochs_cleanup
    if (($(stat -c %s "$BOCHS_SERIAL_LOG" 2>/dev/null || echo 0) > LOG_CAP)); then
        truncate -s "$LOG_CAP" "$BOCHS_SERIAL_LOG"
    fi
    seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    END_NOTE+=", $seconds s, longest wait for a new check $(watch_longest)"
    if ! judge_run "$BOCHS_NAME" "$BOCHS_SERIAL_LOG" "$END" "$END_NOTE"; then
        echo "-- Bochs' own log: ${BOCHS_LOG#"$REPO_DIR"/}"
        status=1
    fi
    judge_summary
    return "$status"
}

bochs_main "$@"
