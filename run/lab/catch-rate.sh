#!/usr/bin/env bash
# catch-rate.sh - how often one grade group catches one planted bug (a race: it may not show).
#
# usage: run/lab/catch-rate.sh RUNS GROUP FILE:LINE...
#   FILE:LINE   regions as `run/lab/lab.py regions` lists them; only these are replaced by their
#               starter (run/lab/lab.py cut), in a copy of this tree: build/catch-rate/GROUP/
#
# Then `make grade LAB=<the group's lab> GRADE_GROUPS=GROUP` RUNS times in the copy, one after the
# other. Output: a line per run (OK, or FAIL with the first line of how its boot ended), then
# `GROUP: caught N of RUNS runs (FILE:LINE...), S s a run on average`.
# Exit status: 0 when every run failed (caught), 1 otherwise, 2 on a usage error.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
(($# >= 3)) || { sed -n '3,4p' "$0" >&2; exit 2; }
runs=$1 group=$2
shift 2
lab=$(awk -v g="$group" '$1 == "group" && $2 == g { print $3 }' run/lab/labs.conf)
[[ -n $lab ]] || { echo "catch-rate: no group $group in run/lab/labs.conf" >&2; exit 2; }
dir=$ROOT/build/catch-rate/$group
rm -rf "$dir"
mkdir -p "$dir/build"
tar --exclude=./build --exclude=./.git --exclude=./run/hd.img -cf - . | tar -C "$dir" -xf -
tar -C build --exclude=./catch-rate --exclude=./grade-mutants --exclude=./grade --exclude=./handout-* \
    --exclude='*.log' --exclude='*.img' -cf - . | tar -C "$dir/build" -xf -
run/lab/lab.py cut "$dir" "$@" || exit 2
caught=0 total=0
for ((i = 1; i <= runs; i++)); do
    start=$SECONDS
    make -C "$dir" -s grade LAB="$lab" GRADE_GROUPS="$group" > "$dir/run-$i.txt" 2>&1
    s=$((SECONDS - start))
    total=$((total + s))
    if grep -q "^$group: OK" "$dir/run-$i.txt"; then
        printf 'run %2d: OK    %3d s\n' "$i" "$s"
    else
        caught=$((caught + 1))
        printf 'run %2d: FAIL  %3d s  %s\n' "$i" "$s" \
            "$(grep -m1 -A1 "^$group: FAIL" "$dir/run-$i.txt" | tail -n 1 | sed 's/^ *//' | cut -c1-160)"
    fi
done
echo "$group: caught $caught of $runs runs ($*), $((total / runs)) s a run on average"
((caught == runs))
