#!/usr/bin/env bash
# bench-table.sh - the benchmark's Markdown table and goal verdicts from build/bench.csv.
#
#   run/bench/bench-table.sh [CSV [BASE_CSV]]   default build/bench.csv; the table goes to stdout
#
# BASE_CSV (run/bench/bench-base.sh's rows of the kernel before SMP, same -icount), when it exists,
# adds the cost-on-one-CPU comparison and its goal: fork and the COW faults at most 10% more
# guest instructions than before SMP.
#
# One row per metric and policy, one column per region size: median guest instructions
# (the CSV's columns 4-6 come from a QEMU -icount run); a first_write or fault_per_page cell below
# the reuse fault (the cheapest fault there is) took no fault at all and shows as "-", with a note
# under the table giving the store's figure. Then the reference rows and each
# goal of the fork benchmark with the figures it compares and whether it holds (with the
# parallel COW fault rows par_faults_* and par_speedup_*, their table and speed-ups over 1 CPU first). Columns
# 8 (TCG cycles) appear in a second, smaller table for the shape. The threads rows (fork_cow_256k_threadsN,
# cow_copy_fault_threads_*, shootdown_cost) get a table of their own, and par_thread_faults_smpN a column of the
# parallel table. The rows cow_copy_fault_smpN (N processes faulting at once, same -icount run of threadbench)
# get a table of their own (smpf_table) and a goal line (smpf_goal): within 1.10x of the 1-process figure.
# The lazy zero-page rows (sbrk_grow per region size, zero_read, zero_write) get a small table of their own
# with their goals (zero_table below).
set -euo pipefail
cd "$(dirname "$0")/../.."
CSV=${1:-build/bench.csv}
BASE_CSV=${2:-}
[ -s "$CSV" ] || { echo "bench-table: $CSV is missing or empty (run make bench)" >&2; exit 1; }
[ -n "$BASE_CSV" ] && [ -s "$BASE_CSV" ] || BASE_CSV=/dev/null

awk -F, '
function commas(v,   s, n) {
  s = sprintf("%d", v); n = ""
  while (length(s) > 3) { n = "," substr(s, length(s) - 2) n; s = substr(s, 1, length(s) - 3) }
  return s n
}
function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "n/a" }
function verdict(ok) { return ok ? "**holds**" : "**does not hold**" }
# the median parallel boot on n CPUs ran on a loaded host (bench.sh BENCH_LOADED_RULE)
function loaded(n) { return (n in hcpus) && (hbefore[n] > hcpus[n] - n || hafter[n] > hcpus[n] || hcpus[n] < n) }
# the host load cell of the parallel table for n CPUs
function loadcell(n) {
  if (!(n in hcpus)) return "-"
  return sprintf("%.2f, %.2f of %d CPUs%s; %d of %d boots loaded", hbefore[n], hafter[n], hcpus[n], \
    loaded(n) ? ": **not telling**" : "", hloaded[n], hboots[n])
}
# ---- COW copy faults with several CPUs at once (threadbench: rows cow_copy_fault_smpN, _overlap) ----
# SMPF_GOAL: the bound of the goal on N processes over 1; SMPF_OVERLAP_MIN: the percent of the window all loops
# must have shared for the figure to tell (threadbench checks the same)
function smpf_ratio(n) { return smpf["cow_copy_fault_smp" n] / smpf["cow_copy_fault_smp1"] }
function smpf_overlap(n) { return smpfmin["cow_copy_fault_smp" n "_overlap"] }
# The table of the cow_copy_fault_smpN rows and what they measure (nothing without them).
function smpf_table(   i, n, k) {
  if (!("cow_copy_fault_smp1" in smpf)) return
  print ""
  printf "COW copy faults with several CPUs at once (`-icount` on %s CPUs, which QEMU runs in turn on one host thread): N processes, each forked (COW) from one parent and on a CPU of its own, each write one word in every page of their own %s KiB of the shared region, all from the same TSC value, with a pause after each page (under `-icount` a pause ends a CPU'"'"'s turn, so the N CPUs'"'"' faults take turns one by one). Under `-icount` the TSC is one clock for every CPU, advanced by the instructions of all of them: there is no per-CPU instruction count. So the figure is the instructions of all CPUs from the first write loop'"'"'s start to the last one'"'"'s end, over the N x pages faults in that window (median of the runs [min, max]); it is deterministic because QEMU'"'"'s round-robin under `-icount shift=0,sleep=off` depends on the guest'"'"'s instructions only.\n", (thrcpus != "" ? thrcpus : "several"), smpfkib
  print ""
  print "| processes (CPUs) faulting at once | instructions per COW copy fault | over 1 process | all loops running, share of the window (smallest of the runs) |"
  print "|---:|---:|---:|---:|"
  for (i = 1; i <= 3; i++) {
    n = i == 3 ? 4 : i; k = "cow_copy_fault_smp" n
    if (!(k in smpf)) continue
    printf "| %d | %s [%s, %s] | %.3fx | %s%% |\n", n, commas(smpf[k]), commas(smpfmin[k]), commas(smpfmax[k]), smpf_ratio(n), \
      ((k "_overlap") in smpfmin) ? smpf_overlap(n) : "-"
  }
  print ""
  print "What the extra instructions with N > 1 would be: spin iterations on a lock another CPU holds (count lock, pool lock), TLB shootdown IPIs and their acknowledgements, work on structures the CPUs share. What the figure cannot show: time lost to cache-line transfers and memory contention, which are not instructions (the wall-clock table shows those); and because a CPU'"'"'s turn ends only at a pause, an interrupt or the end of its time slice, another CPU finds a lock held only when the holder'"'"'s turn ended inside its critical section."
}
# The goal line on the cow_copy_fault_smpN rows: 2 and 4 processes at once within SMPF_GOAL of 1.
function smpf_goal(   i, n, ok, tell, fig, why) {
  if (!("cow_copy_fault_smp1" in smpf) || !("cow_copy_fault_smp2" in smpf) || !("cow_copy_fault_smp4" in smpf)) return
  ok = 1; tell = 1; fig = ""; why = ""
  for (i = 1; i <= 2; i++) {
    n = i * 2
    fig = fig (i > 1 ? ", " : "") sprintf("%d CPUs %s = %.3fx", n, commas(smpf["cow_copy_fault_smp" n]), smpf_ratio(n))
    ok = ok && smpf_ratio(n) <= SMPF_GOAL
    if (smpf_overlap(n) < SMPF_OVERLAP_MIN) { tell = 0; why = why sprintf(" %d processes shared only %d%% of the window;", n, smpf_overlap(n)) }
  }
  printf "- with 2 and 4 CPUs faulting at once, instructions per COW fault within %.2fx of the 1-CPU figure (%s per fault): %s: %s\n", \
    SMPF_GOAL, commas(smpf["cow_copy_fault_smp1"]), fig, tell ? verdict(ok) : "**not telling** (the write loops did not overlap:" why ")"
}
# why a write under policy p takes no fault (the note under the table)
function nofault_why(p) {
  if (p == "OLD") return "OLD gave the child its own copy of every page at fork"
  if (p == "THREAD") return "THREAD shares the heap writable"
  return p " left the page writable"
}
# ---- lazy zero pages: sbrk_grow (one row per region size), zero_read, zero_write ----
# The table and its goals: sbrk costs the same at every size and takes no frame, a first read takes
# no frame (the shared zero frame), a first write exactly one and costs no more than a COW copy fault.
function zero_table(   i, s, n, lo, hi, big, k, kr, kw, cow) {
  if (nzs == 0) return
  for (i = 1; i <= nzs; i++) for (j = i + 1; j <= nzs; j++)
    if (zsizes[j] + 0 < zsizes[i] + 0) { t = zsizes[i]; zsizes[i] = zsizes[j]; zsizes[j] = t }
  print ""
  print "Lazy zero pages (sbrk maps nothing; a page is backed on first touch), guest instructions, medians [min, max]; frames: free user frames taken:"
  print ""
  print "| measurement | instructions | frames |"
  print "|---|---:|---:|"
  for (i = 1; i <= nzs; i++) {
    s = zsizes[i]; k = "sbrk_grow," s
    printf "| sbrk of %s (`sbrk_grow`) | %s [%s, %s] | %d |\n", (s >= 1024 ? s / 1024 " MiB" : s " KiB"), \
      commas(zmed[k]), commas(zmin[k]), commas(zmax[k]), zfr[k]
  }
  kr = "zero_read,4"; kw = "zero_write,4"
  if (kr in zmed) printf "| first read of an untouched page: maps the zero frame (`zero_read`) | %s [%s, %s] | %d |\n", commas(zmed[kr]), commas(zmin[kr]), commas(zmax[kr]), zfr[kr]
  if (kw in zmed) printf "| first write of an untouched page: a zeroed frame of its own (`zero_write`) | %s [%s, %s] | %d |\n", commas(zmed[kw]), commas(zmin[kw]), commas(zmax[kw]), zfr[kw]
  print ""
  print "Zero-page goals (same run):"
  print ""
  lo = hi = zmed["sbrk_grow," zsizes[1]] + 0
  for (i = 2; i <= nzs; i++) { n = zmed["sbrk_grow," zsizes[i]] + 0; if (n < lo) lo = n; if (n > hi) hi = n }
  printf "- sbrk independent of the size (%s to %s): %s to %s instructions, largest over smallest %sx (at most 1.10x): %s\n", \
    (zsizes[1] >= 1024 ? zsizes[1] / 1024 " MiB" : zsizes[1] " KiB"), (zsizes[nzs] >= 1024 ? zsizes[nzs] / 1024 " MiB" : zsizes[nzs] " KiB"), \
    commas(lo), commas(hi), ratio(hi, lo), verdict(hi <= 1.10 * lo)
  big = "sbrk_grow," zsizes[nzs]
  printf "- user frames a %s sbrk takes before any write: %d (goal 0): %s\n", \
    (zsizes[nzs] >= 1024 ? zsizes[nzs] / 1024 " MiB" : zsizes[nzs] " KiB"), zfr[big], verdict(zfr[big] == 0)
  if (kr in zmed)
    printf "- first read of an untouched page takes no frame (the shared zero frame): %d: %s\n", zfr[kr], verdict(zfr[kr] == 0)
  if (kw in zmed) {
    printf "- first write of an untouched page takes exactly one frame (zeroed, not a copy of the zero frame): %d: %s\n", zfr[kw], verdict(zfr[kw] == 1)
    cow = "fault_per_page,COW," sizes[nsizes]
    if (cow in med)
      printf "- first write of an untouched page at most a COW copy fault (%s per page at %s): %s = %sx: %s\n", \
        commas(med[cow]), label[nsizes], commas(zmed[kw]), ratio(zmed[kw], med[cow]), verdict(zmed[kw] <= med[cow])
  }
}
$1 ~ /^(sbrk_grow|zero_read|zero_write)$/ && FILENAME != base {
  k = $1 "," $3; zmed[k] = $4 + 0; zmin[k] = $5 + 0; zmax[k] = $6 + 0; zfr[k] = $7 + 0
  if ($1 == "sbrk_grow") zsizes[++nzs] = $3
  next
}
FILENAME == base && /^# guest instructions of commit / { basecommit = $0; sub(/^# guest instructions of commit /, "", basecommit); sub(/ .*/, "", basecommit); next }
/^# rows fork_cow_256k_threadsN/ && match($0, /[0-9]+ CPUs run in turn/) { thrcpus = substr($0, RSTART, RLENGTH - length(" CPUs run in turn")) }
/^#/ || /^metric,/ { next }
FILENAME == base { basemed[$1 "," $2 "," $3] = $4; next }
$1 ~ /^par_thread_faults_smp/ { n = substr($1, length("par_thread_faults_smp") + 1); nptf++; ptf[n] = $4; ptfmin[n] = $5; ptfmax[n] = $6; ptkib = $3; next }
$1 ~ /^cow_copy_fault_smp[0-9]+(_overlap)?$/ { smpf[$1] = $4; smpfmin[$1] = $5; smpfmax[$1] = $6; smpfkib = $3; next }
$1 ~ /^(fork_cow_256k_threads|cow_copy_fault_threads_|shootdown_cost)/ { thr[$1] = $4; thrmin[$1] = $5; thrmax[$1] = $6; next }
$1 ~ /^par_hostload_smp/ {
  n = substr($1, length("par_hostload_smp") + 1)
  hcpus[n] = $3; hbefore[n] = $4 / 100; hafter[n] = $5 / 100; hloaded[n] = $6; hboots[n] = $7; nhload++
  next
}
$1 ~ /^par_/ {
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
  reuse = med["reuse_fault,-,4"] + 0; nnf = 0; nnfp = 0
  for (r = 1; r <= nrows; r++) {
    split(rows[r], mp, ","); line = "| " mp[1] " | " mp[2] " |"
    for (i = 1; i <= nsizes; i++) {
      k = rows[r] "," sizes[i]; cell = k in med ? commas(med[k]) : ""
      if ((mp[1] == "first_write" || mp[1] == "fault_per_page") && (k in med) && med[k] + 0 < reuse) {
        cell = "-"
        if (!(mp[1] in nflo)) { nfm[++nnf] = mp[1]; nflo[mp[1]] = nfhi[mp[1]] = med[k] + 0 }
        if (med[k] + 0 < nflo[mp[1]]) nflo[mp[1]] = med[k] + 0
        if (med[k] + 0 > nfhi[mp[1]]) nfhi[mp[1]] = med[k] + 0
        if (!(mp[2] in nfseen)) { nfseen[mp[2]] = 1; nfp[++nnfp] = mp[2] }
      }
      line = line " " cell " |"
    }
    print line
  }
  if (nnf > 0) {
    why = ""
    for (i = 1; i <= nnfp; i++) why = why (i > 1 ? (i < nnfp ? ", " : " and ") : "") nofault_why(nfp[i])
    fig = ""
    for (i = 1; i <= nnf; i++) {
      m = nfm[i]; v = nflo[m] == nfhi[m] ? commas(nflo[m]) : commas(nflo[m]) " to " commas(nfhi[m])
      fig = fig (i > 1 ? (i < nnf ? ", " : " and ") : "") v (m == "fault_per_page" ? " per page (the loop included)" : "") " for " m
    }
    print ""
    printf "`-`: no fault. The child writes a page that is already its own and writable (%s), so the figure is a plain store: %s, in instructions; the cheapest fault, a reuse fault, costs %s.\n", why, fig, commas(reuse)
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
  if ("fork_cow_256k_threads1" in thr) {
    print ""
    printf "Threads of one process (guest instructions of every CPU: `-icount` on %s CPUs, which QEMU runs in turn; each extra thread spins on a CPU of its own, one CPU stays free for the forked child), medians [min, max]:\n", (thrcpus != "" ? thrcpus : "several")
    print ""
    print "| measurement | instructions | over 1 thread |"
    print "|---|---:|---:|"
    throne = thr["fork_cow_256k_threads1"]
    split("1 2 4", tn, " ")
    for (i = 1; i in tn; i++) {
      k = "fork_cow_256k_threads" tn[i]
      if (!(k in thr)) continue
      printf "| COW fork of 256 KiB, %s thread%s (`%s`) | %s [%s, %s] | %sx |\n", tn[i], (tn[i] > 1 ? "s" : ""), k, \
        commas(thr[k]), commas(thrmin[k]), commas(thrmax[k]), ratio(thr[k], throne)
    }
    split("cow_copy_fault_threads_alone cow_copy_fault_threads_sibling shootdown_cost", tk, " ")
    tw["cow_copy_fault_threads_alone"] = "COW copy fault per page, 2 threads, the sibling asleep in futex_wait"
    tw["cow_copy_fault_threads_sibling"] = "COW copy fault per page, 2 threads, the sibling spinning on another CPU"
    tw["shootdown_cost"] = "one TLB shootdown (IPI to acknowledgement): sibling minus asleep, run by run"
    for (i = 1; i in tk; i++) {
      k = tk[i]
      if (k in thr)
        printf "| %s (`%s`) | %s [%s, %s] | |\n", tw[k], k, commas(thr[k]), commas(thrmin[k]), commas(thrmax[k])
    }
    if (("fork,COW," sizes[1]) in med && sizes[1] == 256)
      printf "\nOn 1 CPU (the first table) the same COW fork of 256 KiB takes %s instructions.\n", commas(med["fork,COW,256"])
  }
  smpf_table()
  if (nsmps > 0) {
    for (i = 1; i <= nsmps; i++) for (j = i + 1; j <= nsmps; j++)
      if (smps[j] + 0 < smps[i] + 0) { t = smps[i]; smps[i] = smps[j]; smps[j] = t }
    one = par["par_faults_smp1"]
    print ""
    printf "Parallel COW write faults per second (wall clock, no `-icount`; each process writes its own %s KiB of a freshly forked region), medians [min, max]:\n", parkib
    print ""
    thrcol = nptf > 0 ? sprintf(" threads of one process, %s KiB each, same boot |", ptkib) : ""
    thrcol = thrcol (nhload > 0 ? " host load average before, after the boot |" : "")
    print "| CPUs = processes | faults/s | over the 1-CPU boot | 1 process, same boot | speed-up over it, run by run | that figure in each boot |" thrcol
    print "|---:|---:|---:|---:|---:|---:|" (nptf > 0 ? "---:|" : "") (nhload > 0 ? "---|" : "")
    for (i = 1; i <= nsmps; i++) {
      n = smps[i]; k = "par_faults_smp" n; k1 = "par_faults_1proc_smp" n; ks = "par_speedup_smp" n; kb = "par_boots_smp" n
      boots = "-"
      if (kb in par)
        boots = n + 0 > 1 ? sprintf("%.2fx [%.2f, %.2f]", par[kb] / 1000, parmin[kb] / 1000, parmax[kb] / 1000) \
                      : sprintf("%s [%s, %s]", commas(par[kb]), commas(parmin[kb]), commas(parmax[kb]))
      printf "| %s | %s [%s, %s] | %s | %s | %s | %s |", n, commas(par[k]), commas(parmin[k]), commas(parmax[k]), \
        ("par_faults_smp1" in par) ? ratio(par[k], one) "x" (n + 0 > 1 && (loaded(1) || loaded(n)) ? " (not telling)" : "") : "n/a", \
        (k1 in par) ? commas(par[k1]) : "-", \
        (ks in par) ? sprintf("%.2fx [%.2f, %.2f]%s", par[ks] / 1000, parmin[ks] / 1000, parmax[ks] / 1000, \
                              loaded(n) ? " (not telling)" : "") : "-", boots
      if (nptf > 0)
        printf " %s |", (n in ptf) ? sprintf("%s [%s, %s]", commas(ptf[n]), commas(ptfmin[n]), commas(ptfmax[n])) : "-"
      if (nhload > 0)
        printf " %s |", loadcell(n)
      printf "\n"
    }
    print ""
    if (nptf > 0) {
      print "Threads of one process: N threads each write their own pages of a region a COW child holds; every copy fault takes the space lock, which serialises the faults of one space, and shoots the page down on the CPUs of the other threads, waiting for each acknowledgement (on a busy host, also for virtual CPUs whose host threads are not running)."
      print ""
    }
    print "Each boot runs one untimed warm-up, then alternates a 1-process run and an N-process run; the speed-up column is the median (with min and max) of each N-process run over the 1-process run just before it, so both halves of a ratio see the host in the same state. Each CPU count is booted several times (the host changes more from boot to boot than from run to run); the row shows the boot whose speed-up (on 1 CPU: whose rate) is the median, and the column after it that figure of every boot, median [min, max]."
    if (nhload > 0) {
      print ""
      printf "Host load: the host'"'"'s 1-minute load average (/proc/loadavg) read just before and just after each boot, and its CPU count (nproc). A boot on N virtual CPUs ran on a loaded host when the load before it was above the host CPUs left for those N (host CPUs - N), or the load after it above the host CPUs, or the host has fewer than N CPUs: its wall-clock figures then say how busy the host was, not what the kernel does, and a goal on them is **not telling** rather than holding or not.\n"
    }
  }
  nbase = 0; small = sizes[1]; big = sizes[nsizes]
  if (basecommit != "") {
    print ""
    printf "Cost on one CPU against the kernel before SMP (commit %s, built and measured in this run under the same `-icount`; guest instructions, medians):\n", basecommit
    print ""
    print "| measurement | before SMP | now | now / before |"
    print "|---|---:|---:|---:|"
    split("fork,COW," small " fork,COW," big " fault_per_page,COW," small " fault_per_page,COW," big " first_write,COW," small " reuse_fault,-,4", bk, " ")
    for (i = 1; i in bk; i++) {
      k = bk[i]
      if (!(k in basemed) || !(k in med)) continue
      split(k, kp, ",")
      what = kp[1] (kp[2] != "-" ? " " kp[2] " " (kp[3] >= 1024 ? kp[3] / 1024 " MiB" : kp[3] " KiB") : "")
      printf "| %s | %s | %s | %sx |\n", what, commas(basemed[k]), commas(med[k]), ratio(med[k], basemed[k])
      basek[++nbase] = k; basewhat[nbase] = what
    }
  }
  zero_table()
  print ""
  print "Goals (same run):"
  print ""
  if (nbase > 0) {
    worst = 0
    for (i = 1; i <= nbase; i++) { r = med[basek[i]] / basemed[basek[i]]; if (r > worst) { worst = r; worstwhat = basewhat[i] } }
    printf "- fork and the COW faults on 1 CPU at most 10%% more guest instructions than before SMP (%s): the largest ratio is %.3fx (%s): %s\n", \
      basecommit, worst, worstwhat, verdict(worst <= 1.10)
  }
  small = sizes[1]; big = sizes[nsizes]
  floor = med["reuse_fault,-,4"] + med["memcpy_4k,-,4"]
  k = "fault_per_page,COW," big
  printf "- the reuse fault at most 150 instructions: %s: %s\n", commas(med["reuse_fault,-,4"]), \
    verdict(med["reuse_fault,-,4"] <= 150)
  printf "- COW copy fault within 1.10x of its floor (reuse fault + 4 KiB copy = %s): %s per page at %s = %sx: %s\n", \
    commas(floor), commas(med[k]), label[nsizes], ratio(med[k], floor), verdict(med[k] <= 1.10 * floor)
  if (("fork,COW," small) in med && ("fork,COW," big) in med && big > small) {
    pages = (big - small) / 4
    per = (med["fork,COW," big] - med["fork,COW," small]) / pages
    printf "- COW fork per extra page (a present, writable entry) at most 15 instructions: (%s - %s) / %d pages = %.1f: %s\n", \
      commas(med["fork,COW," big]), commas(med["fork,COW," small]), pages, per, verdict(per <= 15)
  }
  if (nsizes >= 2) {
    for (pi = 1; pi <= 2; pi++) {
      p = pi == 1 ? "COW" : "SHARED_PT"; lo = sizes[nsizes - 1]
      if (!(("exit_wait," p "," lo) in med) || !(("exit_wait," p "," big) in med)) continue
      pages = (big - lo) / 4
      per = (med["exit_wait," p "," big] - med["exit_wait," p "," lo]) / pages
      printf "- %s exit_wait (a child that wrote every page) per extra page from %s to %s at most 30 instructions: (%s - %s) / %d pages = %.1f: %s\n", \
        p, label[nsizes - 1], label[nsizes], commas(med["exit_wait," p "," big]), commas(med["exit_wait," p "," lo]), pages, per, \
        verdict(per <= 30)
    }
  }
  if (("exit_untouched,SHARED_PT," small) in med && ("exit_untouched,SHARED_PT," big) in med && big > small) {
    a = med["exit_untouched,SHARED_PT," big]; b = med["exit_untouched,SHARED_PT," small]; pages = (big - small) / 4
    ntab = int((big + 4095) / 4096) - int((small + 4095) / 4096)
    printf "- SHARED_PT exit of a child that wrote nothing in the region (exit_untouched) does not grow with its pages: at most 1 instruction per extra page: (%s - %s) / %d pages = %.2f (what is left is one table count dropped per 4 MiB table: %d more tables, %.0f instructions each): %s\n", \
      commas(a), commas(b), pages, (a - b) / pages, ntab, (a - b) / ntab, verdict((a - b) / pages <= 1)
  }
  smpf_goal()
  k = "fork,COW," small
  printf "- COW fork of %s at most 40 k: %s: %s\n", label[1], commas(med[k]), verdict(med[k] <= 40000)
  k = "fork_exec,COW," small
  printf "- fork+exec(\"echo\") (+exit+wait, COW, %s heap) at most 150 k: %s: %s\n", label[1], commas(med[k]), verdict(med[k] <= 150000)
  if ("par_speedup_smp2" in par) {
    a = par["par_speedup_smp2"] / 1000
    printf "- parallel COW faults on 2 CPUs at least 1.6x one CPU (2 processes over 1, run by run, the median boot): %.2fx: %s", \
      a, loaded(2) ? sprintf("**not telling** (host loaded: load average %.2f before, %.2f after that boot, %d host CPUs for 2 virtual ones)", \
                             hbefore[2], hafter[2], hcpus[2]) : verdict(a >= 1.6)
    if ("par_boots_smp2" in par)
      printf " (boots from %.2fx to %.2fx)", parmin["par_boots_smp2"] / 1000, parmax["par_boots_smp2"] / 1000
    if ("par_faults_smp1" in par)
      printf " (over the separate 1-CPU boot: %s vs %s faults/s = %sx%s)", commas(par["par_faults_smp2"]), commas(one), \
        ratio(par["par_faults_smp2"], one), loaded(1) || loaded(2) ? ", not telling: a loaded host" : ""
    printf "\n"
  }
  if (("fork,SHARED_PT," big) in med) {
    a = med["fork,SHARED_PT," big]; b = med["fork,SHARED_PT," small]; o = med["fork,OLD," big]
    printf "- SHARED_PT fork of %s at most 2x SHARED_PT fork of %s: %s vs %s = %sx: %s\n", \
      label[nsizes], label[1], commas(a), commas(b), ratio(a, b), verdict(a <= 2 * b)
    printf "- SHARED_PT fork of %s at least 200x fewer instructions than OLD: %s vs %s = %sx: %s\n", \
      label[nsizes], commas(a), commas(o), ratio(o, a), verdict(o >= 200 * a)
  }
}' base="$BASE_CSV" SMPF_GOAL=1.10 SMPF_OVERLAP_MIN=90 "$BASE_CSV" "$CSV"
