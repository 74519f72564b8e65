#!/usr/bin/env bash
# plot-bench.sh - the fork benchmark figures, drawn by gnuplot from build/bench.csv.
#
#   fork_latency.png  the parent's xfork against region size, one line per
#                     policy (OLD, COW, THREAD, SHARED_PT; median, bars min..max),
#                     log scales;
#   cow_fault.png     per-page cost of the child's first writes per policy,
#                     with the reuse fault, the 4 KiB memcpy and their sum
#                     (the least a copy fault can cost) as horizontal lines;
#   zero_page.png     lazy zero pages: sbrk against the heap growth (median, bars min..max),
#                     with the first read and the first write of an untouched page and the
#                     COW copy fault as horizontal lines (drawn when the CSV has the rows).
# The title names the accelerator and CPU from the CSV's `# accelerator=` line; the y axis says
# "guest instructions" when that accelerator is tcg-icount (the TSC counts retired instructions),
# "TSC cycles" otherwise.
#
#   run/bench/plot-bench.sh [CSV [OUTDIR]]     defaults: build/bench.csv report/figures
set -euo pipefail

cd "$(dirname "$0")/../.."

PLOT_CSV=${1:-build/bench.csv}
PLOT_OUT=${2:-report/figures}
PLOT_SIZE="960,760"
PLOT_POLICIES="OLD COW THREAD SHARED_PT"

command -v gnuplot >/dev/null || { echo "plot-bench: gnuplot not found (run/setup.sh installs gnuplot-nox)" >&2; exit 1; }
[ -s "$PLOT_CSV" ] || { echo "plot-bench: $PLOT_CSV is missing or empty (run make bench)" >&2; exit 1; }
mkdir -p "$PLOT_OUT"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Accelerator and CPU from the comment line `# accelerator=A cpu=C host_cpu=H`.
meta=$(grep -m 1 '^# accelerator=' "$PLOT_CSV" || true)
accel=$(sed -n 's/^# accelerator=\([^ ]*\).*/\1/p' <<<"$meta")
cpu=$(sed -n 's/.* cpu=\(.*\)/\1/p' <<<"$meta" | sed 's/ host_cpu=.*//')
host=$(sed -n 's/.* host_cpu=\(.*\)/\1/p' <<<"$meta")
label="${accel:-unknown accelerator}${cpu:+, $cpu}"
[ -z "$host" ] || [ "$host" = "$cpu" ] || label="$label on $host"
label=${label//\'/}
unit="TSC cycles"
[ "$accel" != tcg-icount ] || unit="guest instructions"

# One whitespace-separated file per metric and policy: size median min max.
for metric in fork fault_per_page; do
  for policy in $PLOT_POLICIES; do
    awk -F, -v m="$metric" -v p="$policy" '$1 == m && $2 == p { print $3, $4, $5, $6 }' "$PLOT_CSV" |
      sort -n > "$tmp/$metric-$policy.dat"
    [ -s "$tmp/$metric-$policy.dat" ] || { echo "plot-bench: no $metric rows for $policy in $PLOT_CSV" >&2; exit 1; }
  done
done

# Median cycles of a reference row.
plot_ref() {
  awk -F, -v m="$1" '$1 == m { print $4; exit }' "$PLOT_CSV"
}
reuse=$(plot_ref reuse_fault)
copy=$(plot_ref memcpy_4k)
if [ -z "$reuse" ] || [ -z "$copy" ]; then
  echo "plot-bench: reference rows missing in $PLOT_CSV" >&2
  exit 1
fi
bound=$((reuse + copy))

read -r xmin xmax < <(awk -F, '$1 == "fork" { if (!lo || $3 < lo) lo = $3; if ($3 > hi) hi = $3 } END { print lo / 2, hi * 2 }' "$PLOT_CSV")

if gnuplot -e 'set terminal' 2>&1 | grep -qw pngcairo; then
  term="pngcairo size $PLOT_SIZE enhanced font 'Sans,11'"
else
  term="png size $PLOT_SIZE enhanced"
fi

gnuplot <<EOF
set terminal $term
set logscale xy
set xrange [$xmin:$xmax]
set xtics ("256 KiB" 256, "1 MiB" 1024, "4 MiB" 4096, "16 MiB" 16384, "64 MiB" 65536)
set xlabel "region size (touched heap)"
set grid
set format y "10^{%L}"
# The legend goes under the plot, outside its area, so it never hides a point or a bar.
set key outside below center box maxrows 3 width 2 spacing 1.2
set style line 1 lc rgb "#c0392b" lw 2 pt 7
set style line 2 lc rgb "#2471a3" lw 2 pt 5
set style line 3 lc rgb "#229954" lw 2 pt 9
set style line 4 lc rgb "#b7950b" lw 2 pt 11

# The policies sit a little apart at each size (OLD, COW, THREAD, SHARED_PT from left to right),
# so their bars never coincide.
set bmargin 6
set output "$PLOT_OUT/fork_latency.png"
set title "fork latency: $unit for the parent's xfork to return ($label)"
set ylabel "$unit (median of runs, bars min..max)"
plot "$tmp/fork-OLD.dat" using (\$1*0.88):2:3:4 with yerrorlines ls 1 title "OLD (eager copy)", \
     "$tmp/fork-COW.dat" using (\$1*0.96):2:3:4 with yerrorlines ls 2 title "COW", \
     "$tmp/fork-THREAD.dat" using (\$1*1.04):2:3:4 with yerrorlines ls 3 title "THREAD (shared heap)", \
     "$tmp/fork-SHARED_PT.dat" using (\$1*1.12):2:3:4 with yerrorlines ls 4 title "SHARED_PT (shared page tables)" noenhanced

set bmargin 14
set output "$PLOT_OUT/cow_fault.png"
set title "child's first write to each page after xfork, per page ($label)"
set ylabel "$unit per page (median of runs, bars min..max)"
plot "$tmp/fault_per_page-OLD.dat" using (\$1*0.88):2:3:4 with yerrorlines ls 1 title "OLD (private copy: no fault)", \
     "$tmp/fault_per_page-COW.dat" using (\$1*0.96):2:3:4 with yerrorlines ls 2 title "COW (copy fault)", \
     "$tmp/fault_per_page-THREAD.dat" using (\$1*1.04):2:3:4 with yerrorlines ls 3 title "THREAD (shared: no fault)", \
     "$tmp/fault_per_page-SHARED_PT.dat" using (\$1*1.12):2:3:4 with yerrorlines ls 4 title "SHARED_PT (copy fault, table copied by the first write)" noenhanced, \
     $bound with lines lc rgb "black" lw 2 dt 1 title "bound: reuse fault + memcpy 4 KiB ($bound)", \
     $reuse with lines lc rgb "#7d3c98" lw 2 dt 2 title "reuse fault ($reuse)", \
     $copy with lines lc rgb "#ca6f1e" lw 2 dt 3 title "memcpy 4 KiB in user space ($copy)"
EOF
echo "plot-bench: wrote $PLOT_OUT/fork_latency.png and $PLOT_OUT/cow_fault.png"

# ---- lazy zero pages: sbrk_grow per region size, zero_read, zero_write ----
awk -F, '$1 == "sbrk_grow" { print $3, $4, $5, $6 }' "$PLOT_CSV" | sort -n > "$tmp/sbrk_grow.dat"
zread=$(plot_ref zero_read)
zwrite=$(plot_ref zero_write)
zcow=$(awk -F, '$1 == "fault_per_page" && $2 == "COW" { if ($3 + 0 > s) { s = $3 + 0; v = $4 } } END { print v }' "$PLOT_CSV")
if [ -s "$tmp/sbrk_grow.dat" ] && [ -n "$zread" ] && [ -n "$zwrite" ] && [ -n "$zcow" ]; then
  gnuplot <<EOF
set terminal $term
set logscale x
set logscale y
set xrange [$xmin:$xmax]
set xtics ("256 KiB" 256, "1 MiB" 1024, "4 MiB" 4096, "16 MiB" 16384, "64 MiB" 65536)
set xlabel "heap growth (sbrk increment)"
set grid
set key outside below center box maxrows 2 width 2 spacing 1.2
set bmargin 8
set output "$PLOT_OUT/zero_page.png"
set title "lazy zero pages: sbrk maps nothing, a page is backed on first touch\n($label)"
set ylabel "$unit (median of runs, bars min..max)"
plot "$tmp/sbrk_grow.dat" using 1:2:3:4 with yerrorlines lc rgb "#2471a3" lw 2 pt 7 title "sbrk (no frame taken at any size)", \
     $zread with lines lc rgb "#229954" lw 2 dt 2 title "first read of an untouched page: maps the zero frame ($zread)", \
     $zwrite with lines lc rgb "#c0392b" lw 2 dt 1 title "first write of an untouched page: zeroed frame ($zwrite)", \
     $zcow with lines lc rgb "black" lw 2 dt 3 title "COW copy fault per page, for scale ($zcow)"
EOF
  echo "plot-bench: wrote $PLOT_OUT/zero_page.png"
else
  echo "plot-bench: no zero-page rows in $PLOT_CSV: zero_page.png not drawn" >&2
fi
