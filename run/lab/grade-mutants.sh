#!/usr/bin/env bash
# grade-mutants.sh - `make grade` against deliberately broken kernels: which groups each one
# fails and how many points it loses.
#
# usage: run/lab/grade-mutants.sh [-C TREE] [MUTANT...]
#   TREE     the tree to grade (default: this one); a handout works as well as the reference
#   MUTANT   names of run/test/mutants/NAME.patch (default: every one); the patches are TREE's
#            own, or MUTANT_DIR's
#
# For the unchanged tree ("none") and then each mutant: copy TREE without build/ and .git into
# TREE/build/grade-mutants/NAME (with TREE's object files, so only what the patch touches is
# rebuilt), apply the patch (patch -p1), run `make grade` there (LAB from GRADE_LAB; no LAB: the
# tree's default), and read its build/grade/results.tsv.
# Output: one line per kernel as it finishes, then a markdown table "mutant | the bug | groups
# that failed | points lost | score | seconds", also written to GRADE_MUTANTS_REPORT (default
# TREE/build/grade-mutants/table.md).
# GRADE_MUTANTS_CONTROL=0 leaves out the unchanged tree (when it was graded already).
# Exit status: 0 when the unchanged tree scored full marks and every mutant lost points; 1
# otherwise (a patch that does not apply counts); 2 on a usage error.
set -uo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TREE=$(dirname "$(dirname "$LAB_DIR")")
if [[ ${1:-} == -C ]]; then
    [[ -d ${2:-} ]] || { echo "grade-mutants: -C needs a tree directory" >&2; exit 2; }
    TREE=$(cd "$2" && pwd)
    shift 2
fi
PATCH_DIR=${MUTANT_DIR:-$TREE/run/test/mutants}
WORK_DIR=$TREE/build/grade-mutants
REPORT=${GRADE_MUTANTS_REPORT:-$WORK_DIR/table.md}
CONTROL=none
ROWS=()
BAD=0

# copy_tree NAME: a fresh copy of TREE in WORK_DIR/NAME, with TREE's object files.
copy_tree() {
    local dir=$WORK_DIR/$1
    rm -rf "$dir"
    mkdir -p "$dir/build"
    tar -C "$TREE" --exclude=./build --exclude=./.git --exclude=./run/hd.img -cf - . | tar -C "$dir" -xf -
    if [[ -d $TREE/build ]]; then
        tar -C "$TREE/build" --exclude=./mutants --exclude=./grade-mutants --exclude=./grade --exclude=./catch-rate --exclude='./handout-*' \
            --exclude='*.log' --exclude='*.err' --exclude='*.img' -cf - . | tar -C "$dir/build" -xf -
    fi
}

# row NAME BUG FAILED LOST SCORE SECONDS: print and keep one row.
row() {
    printf '%-24s %-5s %-8s %5s s  %s\n' "$1" "$4" "$5" "$6" "${3:-none}"
    ROWS+=("| \`$1\` | $2 | ${3:-none} | $4 | $5 | $6 |")
}

# grade_one NAME: copy, patch and grade one kernel; record its row.
grade_one() {
    local name=$1 dir=$WORK_DIR/$1 bug start seconds failed lost score most got
    if [[ $name == "$CONTROL" ]]; then
        bug="none: the tree as it is"
    else
        bug=$(sed -n '1s/^bug: *//p' "$PATCH_DIR/$name.patch")
    fi
    copy_tree "$name"
    if [[ $name != "$CONTROL" ]] && ! patch -d "$dir" -p1 --batch --forward --no-backup-if-mismatch \
        <"$PATCH_DIR/$name.patch" >"$dir/patch.log" 2>&1; then
        row "$name" "$bug" "(the patch does not apply: $dir/patch.log)" - - 0
        BAD=1
        return
    fi
    start=$EPOCHREALTIME
    make -C "$dir" grade ${GRADE_LAB:+LAB="$GRADE_LAB"} >"$dir/grade.log" 2>&1
    seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
    got=$dir/build/grade/results.tsv
    if [[ ! -s $got ]] || ! grep -q '^Score: ' "$dir/grade.log"; then
        row "$name" "$bug" "(no score: $dir/grade.log)" - - "$seconds"
        BAD=1
        return
    fi
    failed=$(awk -F'\t' '$6 != "OK" { printf "%s%s", (n++ ? ", " : ""), $1 }' "$got")
    read -r lost score most < <(awk -F'\t' '{ l += $4 - $3; s += $3; m += $4 } END { print l + 0, s + 0, m + 0 }' "$got")
    row "$name" "$bug" "$failed" "$lost" "$score/$most" "$seconds"
    if [[ $name == "$CONTROL" ]]; then ((lost == 0)) || BAD=1; else ((lost > 0)) || BAD=1; fi
}

main() {
    local names=() name p
    if (($# > 0)); then names=("$@"); else
        for p in "$PATCH_DIR"/*.patch; do names+=("$(basename "$p" .patch)"); done
    fi
    for name in "${names[@]}"; do
        [[ $name =~ ^[a-z0-9_]+$ && -f $PATCH_DIR/$name.patch ]] || { echo "grade-mutants: no mutant '$name' in $PATCH_DIR" >&2; exit 2; }
    done
    mkdir -p "$WORK_DIR"
    printf '%-24s %-5s %-8s %7s  %s\n' mutant lost score seconds "groups that failed"
    [[ ${GRADE_MUTANTS_CONTROL:-1} == 0 ]] || names=("$CONTROL" "${names[@]}")
    for name in "${names[@]}"; do
        grade_one "$name"
    done
    {
        echo "| mutant | the bug | groups that failed | points lost | score | seconds |"
        echo "|---|---|---|---|---|---|"
        printf '%s\n' "${ROWS[@]}"
    } >"$REPORT"
    echo
    cat "$REPORT"
    return "$BAD"
}

main "$@"
