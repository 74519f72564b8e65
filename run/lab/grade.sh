#!/usr/bin/env bash
# grade.sh - `make grade`: score the groups of run/lab/labs.conf, each in boots of its own.
#
# usage: make grade [LAB=NAME...] [GRADE_JSON=FILE] [GRADE_GROUPS="NAME..."]
#   (the Makefile runs this script with GRADE_MAKE and GRADE_MKIMAGE set)
#
# Which groups: the base groups and those of the labs in LAB; with no LAB, the lab named in
# run/lab/HANDOUT (a handout: one line, the lab's name), else every lab. GRADE_GROUPS keeps only
# the groups named there.
#
# Each group boots its own image (build/grade/GROUP-Nc.img, one per CPU count of the group): init
# in check mode (no kernel self-tests: the grade is black-box, so a handout's missing internals
# cannot stop a boot) runs `testsuite full one only=PROGRAMS repeat=REPEAT`, with fork=old or
# fork=sharedpt in init.conf as the group's FORK says. run/test/test-qemu.sh watches and judges
# the boot (stall, flood, restart, the group's SECONDS as limit, isa-debug-exit codes): a panic,
# triple fault, hang or flood ends that boot, costs that group its points, and grading goes on.
# A group passes when (labs.conf's header) its whole programs each printed `suite_PROGRAM: ok`
# with no failed check of theirs, its PROGRAM:CHECKS checks printed ok and never FAIL, and, for
# a group of whole programs only, the boot ended in PASS.
#
# Output: one line per group, `NAME: OK (12.3s)` or `NAME: FAIL` followed by the first failed
# check and the serial lines around it (or how the boot ended), then `Score: N/M`.
# Files: build/grade/GROUP.txt (each group's output), build/grade/serial-*.log, results.tsv;
# GRADE_JSON=FILE also writes the autograder JSON (Gradescope's results.json format).
# Exit status: 0 when the grade was made (whatever the score), 2 on a usage error.
# Environment: GRADE_MEM (MiB, default 32), and what run/test/test-qemu.sh reads.
set -uo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$(dirname "$LAB_DIR")")
GRADE_DIR=$REPO_DIR/build/grade
BUILD_DIR=$GRADE_DIR
GRADE_MEM=${GRADE_MEM:-32}
HANDOUT_FILE=$LAB_DIR/HANDOUT
# shellcheck source=../test/test-qemu.sh
source "$REPO_DIR/run/test/test-qemu.sh"
set +e
STALL_S=${TEST_STALL_S:-$QEMU_STALL_S}
TAIL_LINES=12
CONTEXT_DIAG_MAX=4
INDENT='    '

die() {
    echo "grade: $*" >&2
    exit 2
}

# grade_conf GROUP FORK PROGRAMS REPEAT CONF: write the init.conf of GROUP's boot to CONF.
grade_conf() {
    local fork=$2 programs=$3 repeat=$4 conf=$5 only="" p
    for p in $programs; do only+=${only:+,}${p%%:*}; done
    {
        printf 'check\ntestsuite full one only=%s repeat=%s\n' "$only" "$repeat"
        [[ $fork == cow ]] || printf 'fork=%s\n' "$fork"
    } >"$conf"
}

# grade_image CONF IMAGE: build IMAGE from CONF with the Makefile's image command.
grade_image() {
    local cmd=${GRADE_MKIMAGE//@OUT@/$2}
    cmd=${cmd//@CONF@/$1}
    eval "$cmd" >/dev/null
}

# grade_judge LOG WHOLE PATTERNS NEED_PASS BOOT_OK: decide one boot from its serial LOG. WHOLE:
# the whole programs (space-separated), PATTERNS: the check globs; NEED_PASS 1: the boot itself
# must have passed (BOOT_OK 1). Prints "pass" or "fail LINENO NAME" (LINENO 0: no line to show).
grade_judge() {
    local text
    text=$(judge_log_text "$1")
    awk -v whole=" $2 " -v pats="$3" -v need="$4" -v boot="$5" -v cre="$CHECK_RE" '
        function glob(p) { gsub(/\*/, "[a-z0-9_]*", p); return "^" p "$" }
        function matches(n,   i) { for (i = 1; i <= np; i++) if (n ~ re[i]) return i; return 0 }
        function fail(at, n) { if (!first_at) { first_at = at; first_name = n } }
        BEGIN { np = split(pats, pat, " "); for (i = 1; i <= np; i++) re[i] = glob(pat[i]) }
        $0 ~ cre {
            name = $0; sub(/:.*/, "", name); bad = ($0 ~ /^[a-z0-9_]+: FAIL/)
            if ((i = matches(name))) { if (bad) fail(NR, name); else ok[i] = 1 }
            if (name ~ /^suite_/ && name !~ /^suite_(round_[0-9]+|runner_alone)$/) {
                prog = substr(name, 7)
                if (index(whole, " " prog " ")) {
                    if (region_fail) fail(region_at, region_name); else if (bad) fail(NR, name); else seen[prog] = 1
                }
                region_fail = 0
                next
            }
            if (bad && !region_fail) { region_fail = 1; region_at = NR; region_name = name }
            if (name == "suite_runner_alone" && bad) fail(NR, name)
        }
        END {
            nw = split(whole, w, " ")
            for (i = 1; i <= nw; i++) if (!(w[i] in seen)) { if (region_fail) fail(region_at, region_name); missing = "suite_" w[i]; break }
            if (!missing) for (i = 1; i <= np; i++) if (!(i in ok)) { missing = pat[i]; break }
            if (first_at) print "fail", first_at, first_name
            else if (missing) print "fail 0", missing
            else if (need && !boot) print "fail 0 -"
            else print "pass"
        }' <<<"$text"
}

# grade_group NAME LAB POINTS SECONDS CPUS REPEAT FORK PROGRAMS: boot and judge one group;
# prints its line (and its failure) and appends its row to results.tsv.
grade_group() {
    local name=$1 points=$3 limit=$4 cpus=$5 repeat=$6 fork=$7 programs=$8
    local whole="" patterns="" p n conf img label out verdict at check status=OK seconds total=0 start
    local keep=0 need=1 detail=$GRADE_DIR/$name.txt
    for p in $programs; do
        if [[ $p == *:* ]]; then patterns+=" ${p#*:}"; else whole+=" $p"; fi
    done
    patterns=${patterns//,/ }
    [[ -z $patterns ]] || { keep=1; need=0; }
    : >"$detail"
    for n in ${cpus//,/ }; do
        conf=$GRADE_DIR/$name-${n}c.conf img=$GRADE_DIR/$name-${n}c.img label=${name}_${n}c
        out=$GRADE_DIR/$label.out
        grade_conf "$name" "$fork" "$programs" "$repeat" "$conf"
        if ! grade_image "$conf" "$img"; then
            status=FAIL
            echo "${INDENT}could not build the image $img" >>"$detail"
            break
        fi
        start=$EPOCHREALTIME
        local boot_ok=1
        TEST_KEEP_GOING=$keep SMP=$n qemu_test "$img" "$GRADE_MEM" "$limit" "$label" "$ACCEL" >"$out" 2>&1 || boot_ok=0
        seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
        total=$(awk -v a="$total" -v b="$seconds" 'BEGIN { printf "%.1f", a + b }')
        read -r verdict at check < <(grade_judge "$BUILD_DIR/serial-${label}_${GRADE_MEM}m.log" "$whole" "$patterns" "$need" "$boot_ok")
        [[ $verdict == pass ]] && continue
        status=FAIL
        {
            local how
            how=$(grep -m1 -E "^-- ${label}_${GRADE_MEM}m: (FAIL|PASS)" "$out" | sed 's/^-- [a-z0-9_]*: //')
            echo "${INDENT}on $n CPU(s), $repeat round(s): ${how:-the boot passed}"
            if ((at > 0)); then
                judge_context "$BUILD_DIR/serial-${label}_${GRADE_MEM}m.log" "$at" "$check" | sed "s/^/$INDENT/"
            else
                [[ $check == - ]] || echo "${INDENT}-- first failed check: $check (never printed ok) --"
                judge_tail "$BUILD_DIR/serial-${label}_${GRADE_MEM}m.log" | sed "s/^/$INDENT/"
            fi
        } >>"$detail"
        break
    done
    local score=0
    if [[ $status == OK ]]; then
        score=$points
        echo "$name: OK (${total}s)"
    else
        echo "$name: FAIL"
        cat "$detail"
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$2" "$score" "$points" "$total" "$status" >>"$GRADE_DIR/results.tsv"
}

# grade_json FILE: the autograder JSON from results.tsv and the groups' outputs.
grade_json() {
    python3 - "$GRADE_DIR" "$1" <<'EOF'
import json, os, sys
d, out = sys.argv[1], sys.argv[2]
tests, score, most = [], 0, 0
with open(os.path.join(d, "results.tsv")) as f:
    for line in f:
        name, lab, got, points, seconds, status = line.rstrip("\n").split("\t")
        with open(os.path.join(d, name + ".txt"), errors="replace") as t:
            detail = t.read()
        head = "%s: OK (%ss)" % (name, seconds) if status == "OK" else "%s: FAIL" % name
        tests.append({"name": name, "score": int(got), "max_score": int(points),
                      "output": head + "\n" + detail, "tags": [lab],
                      "visibility": "visible"})
        score += int(got); most += int(points)
doc = {"score": score, "max_score": most, "output": "Score: %d/%d" % (score, most), "tests": tests}
with open(out, "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
EOF
}

main() {
    local labs=() lines line start score=0 most=0
    [[ -n ${GRADE_MKIMAGE:-} && -n ${GRADE_MAKE:-} ]] || die "run me as make grade (GRADE_MAKE and GRADE_MKIMAGE unset)"
    read -r -a labs <<<"${GRADE_LAB:-}"
    if ((${#labs[@]} == 0)) && [[ -f $HANDOUT_FILE ]]; then
        read -r -a labs < <(sed -n '/^[a-z]/{p;q}' "$HANDOUT_FILE")
    fi
    lines=$(python3 "$LAB_DIR/labs.py" groups "${labs[@]}") || exit 2
    if [[ -n ${GRADE_GROUPS:-} ]]; then
        lines=$(awk -v keep=" ${GRADE_GROUPS} " 'index(keep, " " $1 " ")' <<<"$lines")
        [[ -n $lines ]] || die "no group of GRADE_GROUPS ($GRADE_GROUPS) among those of ${labs[*]:-every lab}"
    fi
    mkdir -p "$GRADE_DIR"
    : >"$GRADE_DIR/results.tsv"
    start=$EPOCHREALTIME
    echo "grade: ${labs[*]:-every lab} (and base); $(wc -l <<<"$lines") groups, each in its own boot"
    if ! $GRADE_MAKE -s -C "$REPO_DIR" grade-images >"$GRADE_DIR/build.log" 2>&1; then
        # a tree that does not build scores nothing, but still gets its lines and its JSON
        while IFS=$'\t' read -r name lab points _; do
            printf '%sthe tree does not build (build/grade/build.log):\n' "$INDENT" >"$GRADE_DIR/$name.txt"
            grep -m5 -E 'error|Error' "$GRADE_DIR/build.log" | sed "s/^/$INDENT/" >>"$GRADE_DIR/$name.txt"
            echo "$name: FAIL"
            cat "$GRADE_DIR/$name.txt"
            printf '%s\t%s\t0\t%s\t0\tFAIL\n' "$name" "$lab" "$points" >>"$GRADE_DIR/results.tsv"
        done <<<"$lines"
    else
        trap qemu_cleanup EXIT
        trap 'exit 130' INT TERM
        ACCEL=${TEST_ACCEL:-$("$REPO_DIR/run/launch/qemu.sh" accel)}
        while IFS=$'\t' read -r -a f; do
            grade_group "${f[@]}"
        done <<<"$lines"
    fi
    read -r score most < <(awk -F'\t' '{ s += $3; m += $4 } END { print s + 0, m + 0 }' "$GRADE_DIR/results.tsv")
    echo "Score: $score/$most"
    echo "grade: $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s" >&2
    if [[ -n ${GRADE_JSON:-} ]]; then
        grade_json "$GRADE_JSON" && echo "grade: wrote $GRADE_JSON" >&2
    fi
    return 0
}

main "$@"
