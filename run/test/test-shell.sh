#!/usr/bin/env bash
# Type into the shell of the run image as a student would, and check what it answers.
#
# usage: run/test/test-shell.sh IMAGE [MEM_MIB]
#
# Boots IMAGE (run/hd.img: cowdemo, then the shell) headless through run/launch/qemu.sh's `run` mode,
# with the serial console on a pipe (the shell's input) and the QEMU monitor on another (its
# `sendkey` types on the PS/2 keyboard, the VGA console's input). Each check sends keys, waits
# for the shell's answer and prints `shell_NAME: ok` or `shell_NAME: FAIL: why` followed by the
# serial output it saw. The last line is `N passed, N failed`.
#
# Exit status: 0 when every check passed, 1 otherwise, 2 on a usage error.
# Environment: QEMU_ACCEL (see run/launch/qemu.sh), BUILD_DIR (default: build/ of the repository),
#              SHELL_WAIT_S (seconds a check waits for an answer, default 15),
#              SMP (CPUs, default 2 as make run; threaddemo's check expects a shootdown line on 2 or more).
set -euo pipefail

RUN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$(dirname "$RUN_DIR")")
BUILD_DIR=${BUILD_DIR:-$REPO_DIR/build}
WAIT_S=${SHELL_WAIT_S:-15}
export SMP=${SMP:-2}
BOOT_WAIT_S=120
POLL_S=0.1
PROMPT='$ '
CTRL_C=$'\003'
CTRL_D=$'\004'
CTRL_A=$'\001'
ESC_LEFT=$'\033[D'

PASSED=0
FAILED=0
QEMU_PID=""

usage() {
    sed -n '4s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 2
}

(($# >= 1 && $# <= 2)) || usage
IMAGE=$1
MEM=${2:-128}
[[ -f $IMAGE ]] || { echo "test-shell: no image '$IMAGE' (build it first)" >&2; exit 2; }

WORK=$BUILD_DIR/shell-test
LOG=$BUILD_DIR/serial-shell.log
rm -rf "$WORK"
mkdir -p "$WORK"
mkfifo "$WORK/serial.in" "$WORK/monitor.in" "$WORK/monitor.out"

# cleanup: stop QEMU (the process this script started) and remove the pipes.
cleanup() {
    if [[ -n $QEMU_PID ]] && kill -0 "$QEMU_PID" 2>/dev/null; then
        kill "$QEMU_PID" 2>/dev/null || true
        wait "$QEMU_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# log_size: bytes in the serial log so far.
log_size() {
    stat -c %s "$LOG" 2>/dev/null || echo 0
}

# since MARK: the serial output after byte MARK, as text.
since() {
    tail -c +$(($1 + 1)) "$LOG" | tr -d '\r\000'
}

# wait_for MARK REGEX [SECONDS]: wait until the output after MARK matches the extended REGEX
# (matched against the whole text, newlines included); fail when QEMU ended or time ran out.
wait_for() {
    local mark=$1 re=$2 limit=${3:-$WAIT_S} start=$SECONDS
    while ((SECONDS - start < limit)); do
        if [[ $(since "$mark") =~ $re ]]; then
            return 0
        fi
        kill -0 "$QEMU_PID" 2>/dev/null || return 1
        sleep "$POLL_S"
    done
    return 1
}

# wait_prompt MARK: wait until the output after MARK ends with a fresh prompt.
wait_prompt() {
    wait_for "$1" $'\n\\$ $'
}

# type_serial TEXT: send TEXT to the serial console, as typed.
type_serial() {
    printf '%s' "$1" >&3
}

# monitor CMD: run one QEMU monitor command.
monitor() {
    printf '%s\n' "$1" >&4
}

# type_keyboard WORD: type WORD on the PS/2 keyboard (letters, digits, spaces), then Enter.
type_keyboard() {
    local word=$1 i c
    for ((i = 0; i < ${#word}; i++)); do
        c=${word:i:1}
        [[ $c == ' ' ]] && c=spc
        monitor "sendkey $c"
    done
    monitor "sendkey ret"
}

# finish: print the totals and exit (0 only when nothing failed).
finish() {
    monitor "quit"
    echo "$PASSED passed, $FAILED failed"
    ((FAILED == 0)) && exit 0
    exit 1
}

# shell_answers: succeed when the shell answers an empty line with a prompt.
shell_answers() {
    local mark
    mark=$(log_size)
    type_serial $'\n'
    wait_prompt "$mark"
}

# check NAME OK MARK WHY: count and print the verdict of check NAME (OK is 0 for a pass); a
# failure prints WHY and the serial output after MARK, and ends the run when the shell no
# longer answers (every later check would only wait for it).
check() {
    local name=$1 ok=$2 mark=$3 why=$4
    if ((ok == 0)); then
        PASSED=$((PASSED + 1))
        echo "shell_$name: ok"
        return
    fi
    FAILED=$((FAILED + 1))
    echo "shell_$name: FAIL: $why"
    echo "-- serial output of this check --"
    since "$mark" | tail -n 40 | cat -v
    echo
    echo "-- end --"
    if ! shell_answers; then
        FAILED=$((FAILED + 1))
        echo "shell_answers: FAIL: no prompt for an empty line within $WAIT_S s; later checks not run"
        finish
    fi
}

# run_line NAME LINE REGEX WHY: type LINE and Enter on the serial console, wait for the prompt,
# and pass when the answer (the output between the echoed line and the prompt) matches REGEX.
run_line() {
    local name=$1 line=$2 re=$3 why=$4 mark ok=1
    mark=$(log_size)
    type_serial "$line"$'\n'
    if wait_prompt "$mark" && [[ $(answer "$mark") =~ $re ]]; then
        ok=0
    fi
    check "$name" "$ok" "$mark" "$why"
}

# answer MARK: the lines after MARK without the echoed command line and the final prompt.
answer() {
    since "$1" | sed -e '1d' -e '$d'
}

# ---- boot ----------------------------------------------------------------------------
: >"$LOG"
exec 3<>"$WORK/serial.in"
exec 4<>"$WORK/monitor.in"
exec 5<>"$WORK/monitor.out"
# the monitor's answers are not needed; keep its pipe drained
cat <&5 >/dev/null &
DRAIN_PID=$!
env -u DISPLAY QEMU_SERIAL=stdio QEMU_MONITOR="pipe:$WORK/monitor" \
    "$RUN_DIR/../launch/qemu.sh" run "$IMAGE" "$MEM" <&3 >"$LOG" 2>"$WORK/qemu.err" &
QEMU_PID=$!
trap 'kill $DRAIN_PID 2>/dev/null || true; cleanup' EXIT
echo "== shell: $IMAGE at $MEM MiB on $SMP CPU(s), typed on serial and keyboard =="

ok=1
wait_for 0 $'cowos shell:.*\n\\$ $' "$BOOT_WAIT_S" && ok=0
((ok == 0)) || sed 's/^/qemu stderr: /' "$WORK/qemu.err"
check boot_prompt "$ok" 0 "no shell prompt within $BOOT_WAIT_S s"
ok=1
[[ $(since 0 | tail -n 2 | head -n 1) =~ ^Leave\ QEMU:\ Ctrl-A\ then\ x.*close\ the\ QEMU\ window ]] && ok=0
check boot_says_how_to_quit "$ok" 0 "the boot screen's last line before the prompt does not say how to leave QEMU"

# ---- the checks ----------------------------------------------------------------------
run_line help_says_how_to_quit "help" $'leave QEMU: Ctrl-A then x[^\n]*close the QEMU window' \
    "help does not say how to leave QEMU"

run_line quoted_args 'echo "x  y" z' $'^x  y z$' \
    'echo "x  y" z did not print the one line "x  y z"'

run_line unterminated_quote 'echo "abc' $'^sh: unterminated double quote: nothing run$' \
    'an unterminated quote did not get exactly the one-line message'

words="echo"
for i in $(seq 1 80); do words+=" w$i"; done
run_line overlong_line "$words" $'^sh: line too long \\(at most [0-9]+ characters\\): nothing run$' \
    "an 80-word line was not refused with exactly one message (split into two commands?)"
run_line after_overlong "echo next" $'^next$' "the line after an overlong one did not run by itself"

run_line unknown_program "nosuchprog a b" $'^sh: nosuchprog: no such program \\(try ls\\)$' \
    "an unknown program did not get exactly one line"

run_line control_chars "ec${CTRL_A}ho ct${ESC_LEFT}l" $'^ctl$' \
    "Ctrl-A and an arrow key's escape sequence were stored in the line (echo ctl expected)"

# check_ctrl_c_kills NAME WHY COMMAND...: start spin (a user-mode loop), run COMMAND to press
# Ctrl-C, and check spin dies with the one-line reason and a prompt follows.
check_ctrl_c_kills() {
    local name=$1 fail_why=$2 mark ok=1 why="spin did not start"
    shift 2
    mark=$(log_size)
    type_serial $'spin\n'
    if wait_for "$mark" $'\\[spin\\] pid [0-9]+ loops'; then
        sleep 0.5
        "$@"
        why=$fail_why
        wait_for "$mark" $'name=spin [^\n]*killed: Ctrl-C on the console\n\\$ $' && ok=0
    fi
    check "$name" "$ok" "$mark" "$why"
}

# Ctrl-C on the serial console kills a program looping in user mode.
check_ctrl_c_kills ctrl_c_kills_serial "Ctrl-C did not kill spin with a one-line reason and give a prompt" \
    type_serial "$CTRL_C"
run_line after_ctrl_c "echo after" $'^after$' "the line after Ctrl-C did not run as typed"

# Ctrl-C at the prompt drops the line being typed.
mark=$(log_size)
type_serial "garbage"
sleep 0.3
type_serial "$CTRL_C"
ok=1
wait_for "$mark" $'garbage\\^C\n\\$ $' && ok=0
check ctrl_c_at_prompt "$ok" "$mark" "Ctrl-C at the prompt did not print ^C and a fresh prompt"
run_line ctrl_c_drops_line "echo fresh" $'^fresh$' "the text typed before Ctrl-C was kept"

# Ctrl-D on an empty line: a reminder, and the shell stays.
mark=$(log_size)
type_serial "$CTRL_D"
ok=1
wait_for "$mark" $'\nsh: Ctrl-D: the shell stays; leave QEMU with Ctrl-A then x[^\n]*\n\\$ $' && ok=0
check ctrl_d_reminder "$ok" "$mark" "Ctrl-D on an empty line did not print the reminder and a prompt"
run_line alive_after_ctrl_d "echo alive" $'^alive$' "the shell did not answer after Ctrl-D"

# The trace follows the program run, never the shell's own fork and exec.
run_line trace_on "trace 1" $'^cow trace 1' "trace 1 was not acknowledged"
mark=$(log_size)
type_serial $'t_cow_basic\n'
ok=1
why="t_cow_basic did not finish"
if wait_prompt "$mark"; then
    out=$(answer "$mark")
    if grep -q '^\[cow\] .*name=sh ' <<<"$out"; then
        why="the shell's own fork/exec printed [cow] lines"
    elif ! grep -q '^\[cow\] .*name=t_cow_basic ' <<<"$out"; then
        why="no [cow] line of t_cow_basic with trace 1"
    else
        ok=0
    fi
fi
check trace_follows_program "$ok" "$mark" "$why"
run_line trace_off "trace 0" $'^cow trace 0' "trace 0 was not acknowledged"

# Ctrl-C on the PS/2 keyboard (the VGA console's input) kills a looping program too.
check_ctrl_c_kills ctrl_c_kills_keyboard "Ctrl-C on the keyboard did not kill spin" monitor "sendkey ctrl-c"
mark=$(log_size)
type_keyboard "echo typed on keys"
ok=1
wait_prompt "$mark" && [[ $(answer "$mark") =~ ^typed\ on\ keys$ ]] && ok=0
check keyboard_line "$ok" "$mark" "a line typed on the keyboard did not run"

# ---- Tab, the [cow] rate limit, cowdemo's figures ---------------------------------------
TAB=$'\t'

# A Tab is echoed as spaces to the next multiple of 8 columns and the shell splits words on it.
mark=$(log_size)
type_serial "echo${TAB}a${TAB}${TAB}b"$'\n'
ok=1
why="the Tabs were not echoed as spaces to columns 8, 16 and 24"
if wait_prompt "$mark"; then
    # "$ echo" ends at column 6: 2 spaces to 8, "a" at 8, 7 spaces to 16, 8 more to 24, "b"
    if [[ $(since "$mark" | head -n 1) == "echo  a               b" ]]; then
        why="echo<Tab>a<Tab><Tab>b did not print the one line \"a b\""
        [[ $(answer "$mark") == "a b" ]] && ok=0
    fi
fi
check tab_echo_and_split "$ok" "$mark" "$why"

run_line tab_in_quotes "echo \"x${TAB}y\"" "^x${TAB}y\$" 'a Tab inside double quotes did not reach echo as a Tab'

mark=$(log_size)
type_serial "echo${TAB}x${TAB}"$'\b'"y"$'\n'
ok=1
why="Backspace after a Tab did not erase it (echo xy expected)"
if wait_prompt "$mark" && [[ $(answer "$mark") == "xy" ]]; then
    # the Tab took 7 columns (x at 8): Backspace takes back the same 7
    bs=""
    for i in 1 2 3 4 5 6 7; do bs+=$'\b \b'; done
    why="Backspace after a Tab did not take back its 7 columns on the echo"
    [[ $(since "$mark" | head -n 1) == "echo  x       ${bs}y" ]] && ok=0
fi
check tab_backspace "$ok" "$mark" "$why"

mark=$(log_size)
for k in e c h o tab k; do monitor "sendkey $k"; done
monitor "sendkey ret"
ok=1
wait_prompt "$mark" && [[ $(answer "$mark") == "k" ]] && ok=0
check tab_keyboard "$ok" "$mark" "echo<Tab>k typed on the keyboard did not print k"

# The [cow] lines are rate-limited; the count of those not shown follows before the prompt, and
# shown + not shown = the faults cowstorm measured.
run_line storm_trace_on "trace 1" $'^cow trace 1' "trace 1 was not acknowledged"
mark=$(log_size)
type_serial $'cowstorm 400\n'
ok=1
why="cowstorm did not finish"
if wait_prompt "$mark"; then
    out=$(answer "$mark")
    shown=$(grep -c '^\[cow\] pid=' <<<"$out" || true)
    held_lines=$(grep -c '^\[cow\] [0-9]* lines not shown' <<<"$out" || true)
    held=$(sed -n 's/^\[cow\] \([0-9]*\) lines not shown.*/\1/p' <<<"$out" | awk '{ s += $1 } END { print s + 0 }')
    faults=$(sed -n 's/^\[cowstorm\] \([0-9]*\) copy-on-write faults.*/\1/p' <<<"$out")
    last=$(grep '^\[cow\]' <<<"$out" | tail -n 1 || true)
    if [[ -z $faults ]]; then
        why="no [cowstorm] line with the number of faults"
    elif ((held_lines == 0)); then
        why="$shown [cow] lines for $faults faults and no 'lines not shown' line"
    elif ((shown + held != faults)); then
        why="$shown [cow] lines shown + $held not shown (in $held_lines count lines) != $faults faults"
    elif [[ ! $last =~ ^\[cow\]\ [0-9]+\ lines\ not\ shown ]]; then
        why="the last [cow] line before the prompt is not the count of lines not shown"
    else
        ok=0
    fi
fi
check trace_rate_limit_counts "$ok" "$mark" "$why"
run_line storm_trace_off "trace 0" $'^cow trace 0' "trace 0 was not acknowledged"

# cowdemo (the whole demo) at the shell: its figures are taken while the child waits, so they
# hang together on every run. A measurement taken without waiting goes wrong only when the
# scheduler runs the other process first, so the demo runs COWDEMO_RUNS times.
COWDEMO_RUNS=3

# cowdemo_figures_once: run cowdemo, set MARK to where its output starts and WHY to what is
# wrong with its figures (empty when nothing is).
cowdemo_figures_once() {
    mark=$(log_size)
    type_serial $'cowdemo\n'
    why="cowdemo did not finish within 120 s"
    if wait_for "$mark" $'\\+\n\\$ $' 120; then
        out=$(answer "$mark")
        why=""
        fork=$(grep '^\[cowdemo\] fork: ' <<<"$out" || true)
        if [[ ! $fork =~ ^\[cowdemo\]\ fork:\ pid\ ([0-9]+)\ shares\ all\ pages\;\ stack\ writes\ \(untraced\):\ pid\ ([0-9]+)\ copied,\ pid\ ([0-9]+)\ reused$ ]] ||
            [[ ${BASH_REMATCH[2]} == "${BASH_REMATCH[3]}" ]]; then
            why="the fork line does not name one copier and one reuser: '$fork'"
        fi
        [[ -z $why && $(grep -c '^\[cow\] .*name=cowdemo .* copy frame' <<<"$out") -lt 1 ]] && why="no [cow] copy line"
        pt=$(grep '^\[cowdemo\] stacks written: ' <<<"$out" || true)
        [[ -z $why && ! $pt =~ \(table\ copies\ \+1,\ reuses\ \+1\)$ ]] &&
            why="the stacks' table was not copied once and reused once after the shared-table fork: '$pt'"
        now=$(grep '^\[cowdemo\] child waiting: ' <<<"$out" || true)
        wrote=$(grep '^\[cowdemo\] then: page tables shared ' <<<"$out" || true)
        cowf=$(grep '^\[cowdemo\] page by page' <<<"$out" || true)
        pages=$(sed -n 's/^\[cowdemo\] .* (\([0-9]*\) pages) written; xfork.*/\1/p' <<<"$out")
        if [[ -z $why ]]; then
            if [[ ! $now =~ page\ tables\ shared\ 0\ -\>\ ([0-9]+).*frames\ shared\ 0\ -\>\ ([0-9]+) ]]; then
                why="no 'child waiting' line with the shared counts from 0: '$now'"
            else
                t1=${BASH_REMATCH[1]} f1=${BASH_REMATCH[2]}
                # 8 stack pages (USER_STACK_PAGES), the one both wrote copied: 1..7 shared
                if ((t1 < 2 || f1 < 1 || f1 > 7)); then
                    why="after the fork, $t1 tables and $f1 frames shared (want 2 or more tables, 1..7 stack frames): '$now'"
                elif [[ ! $wrote =~ page\ tables\ shared\ $t1\ -\>\ $((t1 - 1)),\ table\ copies\ \+1\;\ frames\ shared\ $f1\ -\>\ ([0-9]+) ]] ||
                    ((BASH_REMATCH[1] <= f1)); then
                    why="the child's write did not take exactly one table out of $t1 and share more frames: '$wrote'"
                elif [[ ! $cowf =~ frames\ shared\ 0\ -\>\ ([0-9]+),\ page\ tables\ shared\ 0\ -\>\ 0$ ]] ||
                    [[ -z $pages ]] || ((BASH_REMATCH[1] <= pages)); then
                    why="the page-by-page fork did not share more frames than the $pages heap pages: '$cowf'"
                else
                    why=""
                fi
            fi
        fi
    fi
}
for ((run = 1; run <= COWDEMO_RUNS; run++)); do
    cowdemo_figures_once
    [[ -z $why ]] || { why="run $run of $COWDEMO_RUNS: $why"; break; }
done
ok=1
[[ -z $why ]] && ok=0
check cowdemo_figures "$ok" "$mark" "$why"

# ---- threaddemo ----------------------------------------------------------------------------
# threaddemo's own lines are the same on every run once ids and addresses are masked (one CPU
# or several: two variants). Its [cow] lines race, so they are looked for, not compared: on 2
# or more CPUs the fork's shootdown line (why=fork) names a CPU besides the forker's, on one
# there is none; the writer's copy line moves the page from the frame the demo printed before
# the fork (the child's) to the one it printed after. The CPU probe decides once per run, so
# the demo runs THREADDEMO_RUNS times.
THREADDEMO_RUNS=2
THREADDEMO_ID='[0-9]+'
THREADDEMO_PA='0x[0-9a-f]{8}'

# threaddemo_expected PARALLEL: the demo's lines, masked as threaddemo_masked masks them.
threaddemo_expected() {
    local cpus="run at once on 2 CPUs"
    ((${1})) || cpus="take turns on 1 CPU"
    echo "[threaddemo] tid ID (main = pid) and tid ID (writer) $cpus"
    echo "[threaddemo] the writer's page: va ADDR, phys ADDR, 1 reference"
    echo "[threaddemo] trace 2 (cpu= is the CPU); tid ID forks, tid ID writing:"
    if ((${1})); then
        echo "[threaddemo] why=fork: fork made it read-only, flushed cpus= (the writer's)"
        echo "[threaddemo] why=copy: a copy in a threaded space flushes the other's CPU"
    else
        echo "[threaddemo] no shootdown line: tid ID was not on another CPU (one CPU)"
    fi
    echo "[threaddemo] stack lines: of parent and child, the first to write copied it"
    echo "[threaddemo] child pid ID: page at phys ADDR, the parent's frame"
    echo "[threaddemo] after the copy: parent ADDR, child ADDR; refs 1, 1"
    echo "[threaddemo] writer joined, child reaped: as many free frames as at start"
}

# threaddemo_masked: stdin's [threaddemo] lines with addresses as ADDR and pids and tids as ID.
threaddemo_masked() {
    grep '^\[threaddemo\]' | sed -E -e 's/0x[0-9a-f]{8}/ADDR/g' -e 's/(pid|tid) [0-9]+/\1 ID/g'
}

# threaddemo_once: run threaddemo, set MARK to where its output starts and WHY to what is wrong
# with it (empty when nothing is).
threaddemo_once() {
    local out parallel=0 pid tid before child after fork cpus cpu c other
    mark=$(log_size)
    type_serial $'threaddemo\n'
    why="threaddemo did not finish within 60 s"
    wait_for "$mark" $'\n\\$ $' 60 || return 0
    out=$(answer "$mark")
    if ((SMP > 1)); then
        parallel=1
    fi
    if grep -q '^sh: threaddemo exited with status' <<<"$out"; then
        why="threaddemo did not exit 0: '$(grep '^sh: threaddemo' <<<"$out")'"
    elif [[ $(threaddemo_masked <<<"$out") != "$(threaddemo_expected "$parallel")" ]]; then
        why="on $SMP CPU(s) its lines (ids and addresses masked) differ from these:"$'\n'"$(threaddemo_expected "$parallel")"
    else
        [[ $out =~ tid\ ($THREADDEMO_ID)\ \(main\ =\ pid\)\ and\ tid\ ($THREADDEMO_ID) ]] || true
        pid=${BASH_REMATCH[1]} tid=${BASH_REMATCH[2]}
        [[ $out =~ phys\ ($THREADDEMO_PA),\ 1\ reference ]] && before=${BASH_REMATCH[1]}
        [[ $out =~ child\ pid\ $THREADDEMO_ID:\ page\ at\ phys\ ($THREADDEMO_PA) ]] && child=${BASH_REMATCH[1]}
        [[ $out =~ copy:\ parent\ ($THREADDEMO_PA) ]] && after=${BASH_REMATCH[1]}
        fork=$(grep -E "^\[cow\] pid=$pid name=threaddemo shootdown va=0x00000000 pages=[0-9]+ cpus=[0-9,]+ why=fork cpu=[0-9]+\$" <<<"$out" || true)
        if [[ $child != "$before" || $after == "$before" ]]; then
            why="the child's frame ($child) is not the page's before the fork ($before), or the parent's after the copy ($after) is"
        elif ! grep -qE "^\[cow\] pid=$pid name=threaddemo va=0x[0-9a-f]{8} .* copy frame $before->$after ref 2->1 cpu=[0-9]+ tid=$tid\$" <<<"$out"; then
            why="no [cow] line of pid $pid (the main tid) with tid=$tid copying the page from $before to $after"
        elif ((!parallel)); then
            why=""
            if grep -q '^\[cow\] .* shootdown ' <<<"$out"; then
                why="a shootdown line on one CPU: '$(grep -m1 '^\[cow\] .* shootdown ' <<<"$out")'"
            fi
        elif [[ ! $fork =~ cpus=([0-9,]+)\ why=fork\ cpu=([0-9]+)$ ]]; then
            why="on $SMP CPUs no [cow] shootdown line with why=fork from pid $pid"
        else
            cpus=${BASH_REMATCH[1]} cpu=${BASH_REMATCH[2]} other=""
            for c in ${cpus//,/ }; do [[ $c != "$cpu" ]] && other=$c; done
            why=""
            if [[ -z $other ]]; then
                why="the why=fork shootdown names no CPU besides the forker's cpu=$cpu: '$fork'"
            fi
        fi
    fi
}
for ((run = 1; run <= THREADDEMO_RUNS; run++)); do
    threaddemo_once
    [[ -z $why ]] || { why="run $run of $THREADDEMO_RUNS: $why"; break; }
done
ok=1
[[ -z $why ]] && ok=0
check threaddemo_lines "$ok" "$mark" "$why"

finish
