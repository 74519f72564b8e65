#!/usr/bin/env bash
# bench-table.sh - the benchmark's Markdown table and goal verdicts from build/bench.csv.
#
#   run/bench-table.sh [CSV]      default build/bench.csv; the table goes to stdout
#
# One row per metric and policy, one column per region size: median guest instructions
# (the CSV's columns 4-6 come from a QEMU -icount run), then the reference rows and each
# goal of the fork benchmark with the figures it compares and whether it holds (with the
# parallel COW fault rows par_faults_*, their table and speed-ups over 1 CPU first). Columns
# 8 (TCG cycles) appear in a second, smaller table for the shape.
set -euo pipefail
cd "$(dirname "$0")/.."
CSV=${1:-build/bench.csv}
[ -s "$CSV" ] || { echo "bench-table: $CSV is missing or empty (run make bench)" >&2; exit 1; }

awk -F, '
function commas(v,   s, n) {
  s = sprintf("%d", v); n = ""
  while (length(s) > 3) { n = "," substr(s, length(s) - 2) n; s = substr(s, 1, length(s) - 3) }
  return s n
}
function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "n/a" }
function verdict(ok) { return ok ? "**holds**" : "**does not hold**" }
/^#/ || /^metric,/ { next }
$1 ~ /^par_faults_/ {
  par[$1] = $4; parmin[$1] = $5; parmax[$1] = $6; parkib = $3
  if ($1 ~ /^par_faults_smp/) { n = substr($1, length("par_faults_smp") + 1); smps[++nsmps] = n }
  next
}
{
  key = $1 "," $2 "," $3; med[key] = $4; cyc[key] = $8
  if ($2 != "-") {
    if (!(($1 "," $2) in seenrow)) { seenrow[$1 "," $2] = 1; rows[++nrows] = $1 "," $2 }
    if (!($3 in seensize)) { seensize[$3] = 1; sizes[++nsizes] = $3 }
  } else { refs[++nrefs] = $1; refsize[$1] = $3 }
}
END {
  for (i = 1; i <= nsizes; i++) for (j = i + 1; j <= nsizes; j++)
    if (sizes[j] + 0 < sizes[i] + 0) { t = sizes[i]; sizes[i] = sizes[j]; sizes[j] = t }
  hdr = "| metric | policy |"; sep = "|---|---|"
  for (i = 1; i <= nsizes; i++) {
    s = sizes[i] >= 1024 ? (sizes[i] / 1024) " MiB" : sizes[i] " KiB"
    label[i] = s; hdr = hdr " " s " |"; sep = sep "---:|"
  }
  print "Guest instructions (QEMU TCG `-icount shift=0,sleep=off`), median of the runs:"
  print ""
  print hdr; print sep
  for (r = 1; r <= nrows; r++) {
    split(rows[r], mp, ","); line = "| " mp[1] " | " mp[2] " |"
    for (i = 1; i <= nsizes; i++) { k = rows[r] "," sizes[i]; line = line " " (k in med ? commas(med[k]) : "") " |" }
    print line
  }
  print ""
  print "| reference | instructions | TCG cycles |"; print "|---|---:|---:|"
  for (i = 1; i <= nrefs; i++) { k = refs[i] ",-," refsize[refs[i]]; print "| " refs[i] " | " commas(med[k]) " | " commas(cyc[k]) " |" }
  print ""
  print "TCG cycles (second run, no -icount; shape only), fork:"
  print ""
  print hdr; print sep
  for (r = 1; r <= nrows; r++) {
    split(rows[r], mp, ","); if (mp[1] != "fork") continue
    line = "| " mp[1] " | " mp[2] " |"
    for (i = 1; i <= nsizes; i++) { k = rows[r] "," sizes[i]; line = line " " (k in cyc ? commas(cyc[k]) : "") " |" }
    print line
  }
  if (nsmps > 0) {
    for (i = 1; i <= nsmps; i++) for (j = i + 1; j <= nsmps; j++)
      if (smps[j] + 0 < smps[i] + 0) { t = smps[i]; smps[i] = smps[j]; smps[j] = t }
    one = par["par_faults_smp1"]
    print ""
    printf "Parallel COW write faults per second (wall clock, no `-icount`; each process writes its own %s KiB of a freshly forked region), medians [min, max]:\n", parkib
    print ""
    print "| CPUs = processes | faults/s | speed-up over 1 CPU | 1 process, same boot | speed-up over it |"
    print "|---:|---:|---:|---:|---:|"
    for (i = 1; i <= nsmps; i++) {
      n = smps[i]; k = "par_faults_smp" n; k1 = "par_faults_1proc_smp" n
      printf "| %s | %s [%s, %s] | %s | %s | %s |\n", n, commas(par[k]), commas(parmin[k]), commas(parmax[k]), \
        ("par_faults_smp1" in par) ? ratio(par[k], one) "x" : "n/a", \
        (k1 in par) ? commas(par[k1]) : "-", (k1 in par) ? ratio(par[k], par[k1]) "x" : "-"
    }
  }
  print ""
  print "Goals (same run):"
  print ""
  small = sizes[1]; big = sizes[nsizes]
  floor = med["reuse_fault,-,4"] + med["memcpy_4k,-,4"]
  k = "fault_per_page,COW," big
  printf "- COW copy fault within 1.2x of its floor (reuse fault + 4 KiB copy = %s): %s per page at %s = %sx: %s\n", \
    commas(floor), commas(med[k]), label[nsizes], ratio(med[k], floor), verdict(med[k] <= 1.2 * floor)
  if (("fork,COW," small) in med && ("fork,COW," big) in med && big > small) {
    pages = (big - small) / 4
    per = (med["fork,COW," big] - med["fork,COW," small]) / pages
    printf "- COW fork per extra page at most 60 instructions: (%s - %s) / %d pages = %.1f: %s\n", \
      commas(med["fork,COW," big]), commas(med["fork,COW," small]), pages, per, verdict(per <= 60)
  }
  k = "fork,COW," small
  printf "- COW fork of %s at most 40 k: %s: %s\n", label[1], commas(med[k]), verdict(med[k] <= 40000)
  k = "fork_exec,COW," small
  printf "- fork+exec(\"echo\") (+exit+wait, COW, %s heap) at most 150 k: %s: %s\n", label[1], commas(med[k]), verdict(med[k] <= 150000)
  if (("par_faults_smp2" in par) && ("par_faults_smp1" in par)) {
    a = par["par_faults_smp2"]
    printf "- parallel COW faults on 2 CPUs at least 1.6x 1 CPU: %s vs %s faults/s = %sx: %s\n", \
      commas(a), commas(one), ratio(a, one), verdict(a >= 1.6 * one)
  }
  if (("fork,SHARED_PT," big) in med) {
    a = med["fork,SHARED_PT," big]; b = med["fork,SHARED_PT," small]; o = med["fork,OLD," big]
    printf "- SHARED_PT fork of %s at most 2x SHARED_PT fork of %s: %s vs %s = %sx: %s\n", \
      label[nsizes], label[1], commas(a), commas(b), ratio(a, b), verdict(a <= 2 * b)
    printf "- SHARED_PT fork of %s at least 200x fewer instructions than OLD: %s vs %s = %sx: %s\n", \
      label[nsizes], commas(a), commas(o), ratio(o, a), verdict(o >= 200 * a)
  }
}' "$CSV"
