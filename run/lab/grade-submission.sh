#!/usr/bin/env bash
# grade-submission.sh - grade a student's tree with this tree's tests and grader.
#
# usage: run/lab/grade-submission.sh SUBMISSION [LAB]
#   SUBMISSION  the student's tree (a clone of the handout, or its unpacked tarball)
#   LAB         the lab to grade (default: this tree's run/lab/HANDOUT, else the submission's)
#
# `make grade` in a student's own tree runs the student's copy of the tests and of the grader: an
# edited src/test/user program or run/lab/labs.conf would change the score. This script copies
# SUBMISSION (without .git and build/) into build/grade-submission/tree, puts this tree's
# src/test/, include/test/, run/ and Makefile in place of the student's (the kernel and the
# student's programs in src/user stay the student's), then runs `make grade LAB=LAB` there with
# GRADE_JSON=build/grade-submission/results.json. Run it from the handout as given out (or the
# reference: the tests and the grader are the same in both).
# Output: make grade's. Exit status: make grade's (0 when the grade was made, whatever the
# score); 2 on a usage error.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
sub=${1:-}
[[ -d $sub ]] || { sed -n '4,6p' "$0" >&2; exit 2; }
sub=$(cd "$sub" && pwd)
[[ $sub != "$ROOT" ]] || { echo "grade-submission: SUBMISSION is this tree" >&2; exit 2; }
lab=${2:-}
[[ -n $lab || ! -f run/lab/HANDOUT ]] || lab=$(sed -n '/^[a-z]/{p;q}' run/lab/HANDOUT)
[[ -n $lab || ! -f $sub/run/lab/HANDOUT ]] || lab=$(sed -n '/^[a-z]/{p;q}' "$sub/run/lab/HANDOUT")
out=$ROOT/build/grade-submission
tree=$out/tree
rm -rf "$out"
mkdir -p "$tree"
tar -C "$sub" --exclude=./.git --exclude=./build --exclude=./run/hd.img -cf - . | tar -C "$tree" -xf - ||
    { echo "grade-submission: cannot copy $sub" >&2; exit 2; }
rm -rf "$tree/src/test" "$tree/include/test" "$tree/run"
mkdir -p "$tree/src" "$tree/include"
cp -a src/test "$tree/src/test"
cp -a include/test "$tree/include/test"
tar --exclude=./run/hd.img -cf - ./run | tar -C "$tree" -xf -
cp -a Makefile "$tree/Makefile"
[[ -z $lab ]] || echo "$lab" > "$tree/run/lab/HANDOUT"
echo "grade-submission: $sub with the tests and grader of $ROOT (lab ${lab:-every lab})" >&2
make -C "$tree" -s grade LAB="$lab" GRADE_JSON="$out/results.json"
