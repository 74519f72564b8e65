#!/usr/bin/env bash
# Boot a kernel image headless in QEMU, once per memory size, and judge each run from its
# serial log. Also the home of the watching and judging rules that run/test/test-bochs.sh shares
# (it sources this file).
#
# usage: run/test/test-qemu.sh IMAGE MEM_MIB... [TIMEOUT_S] [LABEL]
#   MEM_MIB...  one size or several in one word, e.g. "32 256" ("" with TEST_CPUS: only those runs)
#   TIMEOUT_S   overall limit for each boot, default 600
#   LABEL       names the runs, default "qemu": run LABEL_MEMm logs its serial output to
#               build/serial-LABEL_MEMm.log and QEMU's stderr to build/qemu-LABEL_MEMm.err
#
# Whatever the kernel does, a run ends soon after its last real progress. It is stopped when:
#   - a check failed (the first `NAME: FAIL` line) TEST_FAIL_GRACE_S seconds of QEMU's CPU
#     time ago (the lines that follow it, a memcheck diagnosis or a panic, are in the log by
#     then), unless TEST_KEEP_GOING=1;
#   - nothing new came for TEST_STALL_S seconds (a loop, a hang, or a flood of repeated
#     lines): new is a check line with a name not seen before (`NAME: ok` / `NAME: FAIL`) or a
#     progress line (`[progress] ...`, printed by long checks) not seen before; seconds of
#     QEMU's CPU time, so a loaded machine does not stop a healthy run, or of wall time while
#     QEMU is idle (it ran, or waited for a CPU to run on, for under half the time: a guest that
#     waits, not one the machine is too busy to run);
#   - FLOOD_BYTES of serial output came without a new check, or the log grew past
#     TEST_LOG_CAP bytes (a flood of output; only that much is judged);
#   - the kernel banner, the suite's first line or its last appeared a second time (a
#     restart, or a copy of the suite's runner);
#   - TIMEOUT_S passed.
#
# Verdict: a run passes only if QEMU exited 33 (isa-debug-exit 0x10), the log has
# `[kernel] result: PASS`, no FAIL line and at least one ok line. A panic (exit 37), a
# triple fault (QEMU exits 0 with -no-reboot: never a pass), a kernel FAIL (exit 35), init
# dying, or any stop above fails it. A run that fails without a FAIL line of its own counts
# one extra failed check, printed as `boot_LABEL_MEMm: FAIL: why`.
#
# Output, per run: a header "== qemu MEM MiB (kvm|tcg) ==", each distinct check once (its
# first FAIL line if it ever failed, else its ok line), and a verdict line. A failed run
# then shows the first failed check by name with the serial lines around it (and the
# [memcheck] diagnosis lines that follow it a little later), and the last lines of the log.
# Lines the kernel self-tests print on purpose (planted errors) start with `(expected)` in
# the log. The last line is the total over all runs, counting each check name once per run
# (never log lines or repetitions): `N passed, N failed`.
#
# Exit status: 0 when every run passed, 1 otherwise, 2 on a usage error.
# Environment: QEMU_ACCEL (see run/launch/qemu.sh), BUILD_DIR (default: build/ of the repository),
#   TEST_STALL_S (default 15; 60 for a script that sources this file), TEST_FAIL_GRACE_S
#   (default 3), TEST_LOG_CAP (bytes, default 4194304).
#   TEST_KEEP_GOING  1: let a run go on after its first failed check, and run every size and
#                 model even after a failed run (default: stop there)
#   TEST_CPUS     after the memory sizes, one more run per QEMU CPU model in this list
#                 (e.g. "486 pentium max"), at TEST_CPU_MEM MiB (default 32), named LABEL_cpuMODEL.
#   TEST_ACCEL    the accelerator (kvm or tcg) when the caller has asked run/launch/qemu.sh already
set -euo pipefail

RUN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$(dirname "$RUN_DIR")")
BUILD_DIR=${BUILD_DIR:-$REPO_DIR/build}
TAIL_LINES=30
CONTEXT_BEFORE=10          # serial lines shown before the first failed check
CONTEXT_AFTER=5            # ... and after it
CONTEXT_DIAG_SCAN=40       # how far after it [memcheck] diagnosis lines are looked for
CONTEXT_DIAG_MAX=6         # ... and at most how many of them are shown
DIAG_RE='^\[memcheck\] '
SHOW_LINE_CHARS=300        # longer serial lines are cut when shown
CHECK_RE='^[a-z0-9_]+: (ok|FAIL)'
FAIL_RE='^[a-z0-9_]+: FAIL'
PROGRESS_RE='^\[progress\] '
BANNER_RE='^\[kernel\] cowos: '
SUITE_START_RE='^\[suite\] [0-9]+ test programs, mode '
SUITE_END_RE='^\[suite\] [0-9]+ of [0-9]+ test programs passed'
ROUND_RE='^\[suite\] round [0-9]+ of [0-9]+'   # a suite that repeats its programs (testsuite repeat=N)
QEMU_EXIT_PASS=33
QEMU_EXIT_FAIL=35
QEMU_EXIT_PANIC=37
DEFAULT_TIMEOUT_S=600
STALL_S=${TEST_STALL_S:-60}   # for a script that sources this file (Bochs is many times slower);
QEMU_STALL_S=15               # ... QEMU runs of this script use this default
FAIL_GRACE_S=${TEST_FAIL_GRACE_S:-3}
LOG_CAP=${TEST_LOG_CAP:-4194304}
WATCH_POLL_S=0.5
FLOOD_BYTES=262144         # serial output without a new check that counts as a flood (a
                           # healthy run writes under 16 KiB between two new checks)
IDLE_PERCENT=50            # an emulator that ran or waited for a CPU for under this share of
                           # the time (its threads' schedstat; without it, its CPU time) is idle
CLK_TCK=$(getconf CLK_TCK)
STOP_GRACE_S=5             # after SIGTERM, how long an emulator gets before SIGKILL

TOTAL_PASSED=0
TOTAL_FAILED=0

# judge_log_text LOG: print the first LOG_CAP bytes of LOG as text: carriage returns and
# NUL bytes removed.
judge_log_text() {
    head -c "$LOG_CAP" "$1" 2>/dev/null | tr -d '\r\000' || true
}

# judge_show: print stdin's lines for a person: control characters made visible, each
# line cut at SHOW_LINE_CHARS.
judge_show() {
    cut -c "1-$SHOW_LINE_CHARS" | cat -v
}

# judge_tail LOG: print the last TAIL_LINES lines of LOG between marker lines.
judge_tail() {
    local log=$1 shown=${1#"$REPO_DIR"/}
    if [[ ! -s $log ]]; then
        echo "-- serial log $shown is empty --"
        return
    fi
    echo "-- last $TAIL_LINES lines of $shown --"
    judge_log_text "$log" | tail -n "$TAIL_LINES" | judge_show
    # a log that does not end in a newline would glue the marker to its last line
    [[ -z $(judge_log_text "$log" | tail -c 1) ]] || echo
    echo "-- end of $shown --"
}

# judge_garbage_hint LOG: print a hint when LOG holds bytes that are not text (a UART that
# was not set to 8N1, or a wrong divisor, shows up like this).
judge_garbage_hint() {
    local bad
    bad=$(head -c "$LOG_CAP" "$1" 2>/dev/null | tr -d '\011\012\015\040-\176' | wc -c)
    if ((bad > 0)); then
        echo "-- note: the serial log holds $bad non-text bytes: is COM1 set to 115200 8N1?"
    fi
}

# judge_checks: read a log's text on stdin; print each distinct check once, in the order
# of first appearance (its first FAIL line if it ever failed, else its first ok line),
# then one line "#counts OK FAIL REPEATS FIRST_FAIL_LINENO FIRST_FAIL_NAME MOST_REPEATED TIMES".
judge_checks() {
    awk -v re="$CHECK_RE" '
        $0 ~ re {
            name = $0; sub(/:.*/, "", name)
            failed = ($0 ~ /^[a-z0-9_]+: FAIL/)
            if (!(name in seen)) { order[++n] = name; seen[name] = 0; shown[name] = $0 }
            seen[name]++
            if (seen[name] > 1) repeats++
            if (seen[name] > top_times) { top_times = seen[name]; top = name }
            if (failed && !(name in bad)) {
                bad[name] = NR; shown[name] = $0
                if (first_line == 0) { first_line = NR; first_name = name }
            }
        }
        END {
            for (i = 1; i <= n; i++) {
                print shown[order[i]]
                if (order[i] in bad) fails++; else oks++
            }
            printf "#counts %d %d %d %d %s %s %d\n", oks, fails, repeats, first_line,
                (first_name == "" ? "-" : first_name), (top == "" ? "-" : top), top_times
        }'
}

# judge_context LOG LINENO NAME: print the serial lines around line LINENO of LOG, the
# first failed check NAME, with that line marked; then the [memcheck] diagnosis lines that
# came within CONTEXT_DIAG_SCAN lines after it and are not shown yet (at most
# CONTEXT_DIAG_MAX, after a "..." line when lines were left out).
judge_context() {
    local log=$1 at=$2 name=$3 from
    from=$((at > CONTEXT_BEFORE ? at - CONTEXT_BEFORE : 1))
    echo "-- first failed check: $name (line $at of ${log#"$REPO_DIR"/}) --"
    judge_log_text "$log" | sed -n "${from},$((at + CONTEXT_DIAG_SCAN))p" | judge_show |
        awk -v mark=$((at - from + 1)) -v after="$CONTEXT_AFTER" -v diag="$DIAG_RE" -v max="$CONTEXT_DIAG_MAX" '
            BEGIN { last = mark + after }
            NR <= mark + after { print (NR == mark ? ">> " : "   ") $0; next }
            $0 ~ diag && shown < max { if (NR > last + 1) print "   ..."; print "   " $0; shown++; last = NR }'
    echo "-- end of the lines around $name --"
}

# judge_run NAME LOG END END_NOTE: print the distinct checks of LOG and the verdict of the
# run NAME; END says how the emulator stopped (pass, fail, panic: what QEMU's exit status
# claims; result: stopped at the result line, nothing claimed; failed: stopped after the first
# failed check; reset, timeout, stall, flood, restart, other) and END_NOTE describes it. Adds to
# TOTAL_PASSED/TOTAL_FAILED; returns 0 when the run passed.
judge_run() {
    local name=$1 log=$2 end=$3 note=$4
    local text checks counts ok fail repeats first_at first_name top top_times
    local result panic why="" extra=1
    text=$(judge_log_text "$log")
    checks=$(judge_checks <<<"$text")
    counts=$(tail -n 1 <<<"$checks")
    read -r _ ok fail repeats first_at first_name top top_times <<<"$counts"
    checks=$(sed '$d' <<<"$checks")
    result=$(grep -aoE '\[kernel\] result: .*' <<<"$text" | tail -n 1 || true)
    panic=$(grep -aoE '\[panic\].*' <<<"$text" | head -n 1 || true)
    [[ -z $checks ]] || printf '%s\n' "$checks"
    if ((repeats > 0)); then
        echo "-- note: $repeats check lines repeat a name already seen (most: $top, $top_times times); each name counts once"
    fi

    if [[ -n $panic || $end == panic || $result == *"result: PANIC"* ]]; then
        why="panic: ${panic:-no [panic] line} ($note)"
    elif [[ $end == failed ]] && ((fail > 0)); then
        why="$note"
        extra=0
    elif [[ $end == timeout || $end == stall || $end == flood || $end == restart || $end == reset || $end == failed ]]; then
        why="$note"
    elif (($(grep -acE "$BANNER_RE" <<<"$text") > 1)); then
        why="the kernel booted a second time in one run ($note)"
    elif (($(grep -acE "$SUITE_START_RE" <<<"$text") > 1)); then
        why="the test suite started a second time in one boot ($note)"
    elif (($(grep -acE "$SUITE_END_RE" <<<"$text") > 1)); then
        why="the test suite finished a second time in one boot: a copy of the runner ($note)"
    elif [[ -z $result ]]; then
        why="no '[kernel] result:' line ($note)"
    elif [[ $result != "[kernel] result: PASS" ]]; then
        why="kernel reported '$result' ($note)"
        ((fail == 0)) || extra=0
    elif [[ $end != pass && $end != result ]]; then
        why="the log says PASS but $note"
    elif ((fail > 0)); then
        why="$fail check(s) failed but the kernel reported PASS"
        extra=0
    elif ((ok == 0)); then
        why="no check line ('NAME: ok') in the log"
    fi

    if [[ -z $why ]]; then
        echo "-- $name: PASS ($ok checks; $note)"
        TOTAL_PASSED=$((TOTAL_PASSED + ok))
        return 0
    fi
    if ((extra)); then
        echo "boot_$name: FAIL: $why"
        fail=$((fail + 1))
    fi
    echo "-- $name: FAIL: $ok checks passed, $fail failed; $why"
    judge_garbage_hint "$log"
    if ((first_at > 0)); then
        judge_context "$log" "$first_at" "$first_name"
    else
        echo "-- first failed check: boot_$name (no check line failed) --"
    fi
    judge_tail "$log"
    TOTAL_PASSED=$((TOTAL_PASSED + ok))
    TOTAL_FAILED=$((TOTAL_FAILED + fail))
    return 1
}

# judge_summary: print the closing line with the totals of every judged run.
judge_summary() {
    echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
}

# ---- watching a running emulator ----------------------------------------------------

# now_ms: the wall clock in milliseconds.
now_ms() {
    local us=${EPOCHREALTIME/[.,]/}
    echo $((us / 1000))
}

# watch_check_env WHO: exit 2 with a message from WHO unless TEST_STALL_S and TEST_LOG_CAP
# are positive numbers.
watch_check_env() {
    [[ $STALL_S =~ ^[1-9][0-9]*$ ]] || { echo "$1: TEST_STALL_S must be seconds, not '$STALL_S'" >&2; exit 2; }
    [[ $LOG_CAP =~ ^[1-9][0-9]*$ ]] || { echo "$1: TEST_LOG_CAP must be bytes, not '$LOG_CAP'" >&2; exit 2; }
}

# proc_cpu_ms PID: CPU time (user + system, every thread) process PID has used, in ms;
# 0 when it is gone.
proc_cpu_ms() {
    local f
    # (the braces: a redirection that fails is reported before a 2> on the same command applies)
    { read -r -a f <"/proc/$1/stat"; } 2>/dev/null || { echo 0; return; }
    # fields 14 and 15 (utime, stime) in clock ticks; the name field has no spaces here
    echo $(((f[13] + f[14]) * 1000 / CLK_TCK))
}

# proc_demand_ms PID: how long the threads of process PID have run or waited for a CPU to run
# on, in ms (their schedstat); their CPU time where there is no schedstat; 0 when it is gone.
proc_demand_ms() {
    local ms
    ms=$(cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ ns += $1 + $2 } END { if (NR) printf "%d", ns / 1e6 }')
    echo "${ms:-$(proc_cpu_ms "$1")}"
}

# log_count RE LOG: the number of lines of LOG that match RE (0 when LOG is missing).
log_count() {
    local n
    n=$(grep -acE "$1" "$2" 2>/dev/null) || true
    echo "${n:-0}"
}

# watch_start: reset the watchdog before a boot.
watch_start() {
    WATCH_START_MS=$(now_ms)
    WATCH_PROGRESS_MS=$WATCH_START_MS
    WATCH_PROGRESS_CPU_MS=0
    WATCH_PROGRESS_DEMAND_MS=0
    WATCH_FAIL_DEMAND_MS=0
    WATCH_PROGRESS_BYTES=0
    WATCH_NAMES=0
    WATCH_MARKS=0
    WATCH_LAST_NAME=""
    WATCH_LAST_MARK=""
    WATCH_LONGEST_MS=0
    WATCH_LONGEST_CPU_MS=0
    WATCH_LONGEST_AFTER=""
    WATCH_FAIL_NAME=""
    WATCH_FAIL_MS=0
    WATCH_FAIL_CPU_MS=0
}

# watch_marks LOG: print "NAMES MARKS FAIL LAST": the number of distinct check names in LOG,
# the number of distinct marks of progress (check names and progress lines; after a line
# `[suite] round K of N` the lines of round K count anew), the name of the
# first failed check ("-" when none) and the last mark ("-" when none; a progress line as its
# words joined by "_").
watch_marks() {
    tr -d '\r' <"$1" 2>/dev/null | awk -v cre="$CHECK_RE" -v pre="$PROGRESS_RE" -v fre="$FAIL_RE" -v rre="$ROUND_RE" '
        $0 ~ rre { round = $0 }
        $0 ~ cre {
            name = $0; sub(/:.*/, "", name)
            if (!((round, name) in checks)) { checks[round, name] = 1; names++; marks++; last = name }
            if (fail == "" && $0 ~ fre) fail = name
        }
        $0 ~ pre && !((round, $0) in progress) {
            progress[round, $0] = 1; marks++; last = $0; sub(/^\[progress\] /, "", last); gsub(/[^A-Za-z0-9_.\/-]+/, "_", last)
        }
        END { printf "%d %d %s %s\n", names, marks, (fail == "" ? "-" : fail), (last == "" ? "-" : last) }'
}

# watch_step LOG LIMIT_S PID: look once at LOG, written by the emulator PID; set STOP and
# STOP_NOTE (and return 1) when the run must be stopped: failed (TEST_FAIL_GRACE_S after the
# first failed check), flood (FLOOD_BYTES without a new check, or LOG_CAP in all), restart,
# stall or timeout.
# A stall is STALL_S seconds without a new mark of progress (a check name or a progress line
# not seen before), counted in the emulator's CPU time (so a loaded machine does not stop a
# healthy run), or in wall time while the emulator is idle (its threads ran or waited for a CPU
# for under IDLE_PERCENT of the time since the last progress: a guest halted or waiting forever,
# not one starved by a busy machine).
watch_step() {
    local log=$1 limit=$2 pid=$3 size names marks fail last now cpu demand wall_since cpu_since
    now=$(now_ms)
    cpu=$(proc_cpu_ms "$pid")
    demand=$(proc_demand_ms "$pid")
    size=$(stat -c %s "$log" 2>/dev/null || echo 0)
    if ((size > LOG_CAP)); then
        STOP=flood
        STOP_NOTE="the serial log passed $LOG_CAP bytes (TEST_LOG_CAP): a flood of output; the last new check was '${WATCH_LAST_NAME:-none}'"
        return 1
    fi
    read -r names marks fail last < <(watch_marks "$log")
    if ((names > WATCH_NAMES)); then
        WATCH_NAMES=$names
        WATCH_PROGRESS_BYTES=$size
        WATCH_LAST_NAME=$(grep -aoE "$CHECK_RE" "$log" 2>/dev/null | tail -n 1 | cut -d: -f1) || true
    fi
    if ((size - WATCH_PROGRESS_BYTES > FLOOD_BYTES)); then
        STOP=flood
        STOP_NOTE="$((size - WATCH_PROGRESS_BYTES)) bytes of output without a new check: a flood; the last new check was '${WATCH_LAST_NAME:-none}'"
        return 1
    fi
    if ((marks > WATCH_MARKS)); then
        wall_since=$((now - WATCH_PROGRESS_MS))
        cpu_since=$((cpu - WATCH_PROGRESS_CPU_MS))
        ((wall_since <= WATCH_LONGEST_MS)) || WATCH_LONGEST_MS=$wall_since
        if ((cpu_since > WATCH_LONGEST_CPU_MS)); then
            WATCH_LONGEST_CPU_MS=$cpu_since
            WATCH_LONGEST_AFTER=${WATCH_LAST_MARK:-the start}
        fi
        WATCH_MARKS=$marks
        WATCH_LAST_MARK=$last
        WATCH_PROGRESS_MS=$now
        WATCH_PROGRESS_CPU_MS=$cpu
        WATCH_PROGRESS_DEMAND_MS=$demand
    fi
    if [[ $fail != - && -z $WATCH_FAIL_NAME ]]; then
        WATCH_FAIL_NAME=$fail
        WATCH_FAIL_MS=$now
        WATCH_FAIL_CPU_MS=$cpu
        WATCH_FAIL_DEMAND_MS=$demand
    fi
    if (($(log_count "$BANNER_RE" "$log") > 1)); then
        STOP=restart
        STOP_NOTE="the kernel booted a second time in one run (a reset)"
        return 1
    fi
    if (($(log_count "$SUITE_START_RE" "$log") > 1)); then
        STOP=restart
        STOP_NOTE="the test suite started a second time in one boot"
        return 1
    fi
    if (($(log_count "$SUITE_END_RE" "$log") > 1)); then
        STOP=restart
        STOP_NOTE="the test suite finished a second time in one boot (a copy of the runner)"
        return 1
    fi
    if [[ -n $WATCH_FAIL_NAME && ${TEST_KEEP_GOING:-0} != 1 ]]; then
        wall_since=$((now - WATCH_FAIL_MS))
        cpu_since=$((cpu - WATCH_FAIL_CPU_MS))
        if ((cpu_since >= FAIL_GRACE_S * 1000 || (wall_since >= FAIL_GRACE_S * 1000 &&
             (demand - WATCH_FAIL_DEMAND_MS) * 100 < wall_since * IDLE_PERCENT))); then
            STOP=failed
            STOP_NOTE="stopped $FAIL_GRACE_S s after the first failed check, $WATCH_FAIL_NAME (TEST_FAIL_GRACE_S; TEST_KEEP_GOING=1 lets the run go on)"
            return 1
        fi
    fi
    wall_since=$((now - WATCH_PROGRESS_MS))
    cpu_since=$((cpu - WATCH_PROGRESS_CPU_MS))
    if ((cpu_since >= STALL_S * 1000)); then
        STOP=stall
        STOP_NOTE="nothing new for $STALL_S s of emulator CPU time (TEST_STALL_S; $((wall_since / 1000)) s of wall time): a loop, a hang or repeated lines; the last new check was '${WATCH_LAST_NAME:-none}', the last progress '${WATCH_LAST_MARK:-none}'"
        return 1
    fi
    if ((wall_since >= STALL_S * 1000 && (demand - WATCH_PROGRESS_DEMAND_MS) * 100 < wall_since * IDLE_PERCENT)); then
        STOP=stall
        STOP_NOTE="nothing new for $((wall_since / 1000)) s while the emulator was idle (TEST_STALL_S; $((cpu_since / 1000)) s of CPU): a hang; the last new check was '${WATCH_LAST_NAME:-none}', the last progress '${WATCH_LAST_MARK:-none}'"
        return 1
    fi
    if ((now - WATCH_START_MS >= limit * 1000)); then
        STOP=timeout
        STOP_NOTE="overall limit of $limit s reached"
        return 1
    fi
    return 0
}

# watch_longest: the longest wait for something new so far, in wall and CPU time, and what
# came before it.
watch_longest() {
    printf '%d.%d s (emulator CPU %d.%d s, after %s)' $((WATCH_LONGEST_MS / 1000)) $((WATCH_LONGEST_MS % 1000 / 100)) \
        $((WATCH_LONGEST_CPU_MS / 1000)) $((WATCH_LONGEST_CPU_MS % 1000 / 100)) "${WATCH_LONGEST_AFTER:-the start}"
}

# watch_stop PID: end the emulator PID (started by this script): TERM, then KILL after
# STOP_GRACE_S seconds; reaps it.
watch_stop() {
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < STOP_GRACE_S * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# ---- QEMU ---------------------------------------------------------------------------

# usage: print how to call this script on stderr and exit 2.
usage() {
    sed -n '7,11s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 2
}

# qemu_end STATUS: set END and END_NOTE from QEMU's exit status.
qemu_end() {
    case $1 in
        "$QEMU_EXIT_PASS") END=pass; END_NOTE="QEMU exit $1" ;;
        "$QEMU_EXIT_FAIL") END=fail; END_NOTE="QEMU exit $1: kernel reported failure" ;;
        "$QEMU_EXIT_PANIC") END=panic; END_NOTE="QEMU exit $1" ;;
        0) END=reset; END_NOTE="triple fault or reset (QEMU exit 0)" ;;
        *) END=other; END_NOTE="QEMU exit $1" ;;
    esac
}

QEMU_PID=""

# qemu_cleanup: stop a QEMU this script started that still runs (on exit or interrupt).
qemu_cleanup() {
    if [[ -n $QEMU_PID ]]; then
        watch_stop "$QEMU_PID"
        QEMU_PID=""
    fi
}

# qemu_test IMAGE MEM TIMEOUT_S LABEL ACCEL: boot IMAGE once with MEM MiB, watch it, judge
# the run; returns 0 when it passed.
qemu_test() {
    local image=$1 mem=$2 limit=$3 name="$4_$2m" accel=$5
    local log="$BUILD_DIR/serial-$name.log" err="$BUILD_DIR/qemu-$name.err"
    local status=0 start seconds
    echo "== qemu $mem MiB ($accel${QEMU_CPU:+, -cpu $QEMU_CPU}) =="
    rm -f "$log"
    : >"$log"
    start=$EPOCHREALTIME
    QEMU_ACCEL=$accel "$RUN_DIR/../launch/qemu.sh" headless "$image" "$mem" "$log" </dev/null 2>"$err" &
    QEMU_PID=$!
    watch_start
    STOP=""
    while kill -0 "$QEMU_PID" 2>/dev/null; do
        sleep "$WATCH_POLL_S"
        kill -0 "$QEMU_PID" 2>/dev/null || break
        watch_step "$log" "$limit" "$QEMU_PID" || break
    done
    if [[ -n $STOP ]]; then
        watch_stop "$QEMU_PID"
        END=$STOP
        END_NOTE=$STOP_NOTE
        if (($(stat -c %s "$log") > LOG_CAP)); then
            truncate -s "$LOG_CAP" "$log"
        fi
    else
        watch_step "$log" "$limit" "$QEMU_PID" || true   # the checks that came at the end
        wait "$QEMU_PID" || status=$?
        qemu_end "$status"
    fi
    QEMU_PID=""
    seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    END_NOTE+=", $seconds s, longest wait for progress $(watch_longest)"
    if judge_run "$name" "$log" "$END" "$END_NOTE"; then
        return 0
    fi
    if grep -qv '^qemu: accelerator\|terminating on signal' "$err"; then
        echo "-- QEMU's stderr (${err#"$REPO_DIR"/}) --"
        grep -v '^qemu: accelerator\|terminating on signal' "$err" | tail -n "$TAIL_LINES"
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
    ((${#mems[@]} > 0)) || [[ -n ${TEST_CPUS:-} ]] || usage
    for mem in "${mems[@]}"; do
        [[ $mem =~ ^[1-9][0-9]*$ ]] || { echo "test-qemu: MEM_MIB must be a number, not '$mem'" >&2; exit 2; }
    done
    mkdir -p "$BUILD_DIR"
    trap qemu_cleanup EXIT
    trap 'exit 130' INT TERM
    accel=${TEST_ACCEL:-$("$RUN_DIR/../launch/qemu.sh" accel)}
    local runs=() skipped=() run
    for mem in "${mems[@]}"; do runs+=("mem $mem"); done
    for cpu in ${TEST_CPUS:-}; do runs+=("cpu $cpu"); done
    for run in "${runs[@]}"; do
        if ((failed)) && [[ ${TEST_KEEP_GOING:-0} != 1 ]]; then
            skipped+=("${run/ /=}")
            continue
        fi
        case $run in
            mem\ *) qemu_test "$image" "${run#mem }" "$limit" "$label" "$accel" || failed=1 ;;
            cpu\ *) cpu=${run#cpu }; cpu_label=${cpu,,}
                    QEMU_CPU=$cpu qemu_test "$image" "${TEST_CPU_MEM:-32}" "$limit" \
                        "${label}_cpu${cpu_label//[^a-z0-9]/_}" "$accel" || failed=1 ;;
        esac
    done
    ((${#skipped[@]} == 0)) ||
        echo "-- not run after the first failed run: ${skipped[*]} (TEST_KEEP_GOING=1 runs them all)"
    judge_summary
    return "$failed"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    STALL_S=${TEST_STALL_S:-$QEMU_STALL_S}
    watch_check_env test-qemu
    main "$@"
fi
