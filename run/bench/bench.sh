#!/usr/bin/env bash
# bench.sh - run the fork benchmark image and collect its results (`make bench`).
#
# Boots build/bench.img (init.conf runs `forkbench`) headless through run/launch/qemu.sh twice:
#   1. TCG with `-icount shift=0,sleep=off`: the guest TSC advances one per retired
#      instruction, so every figure is a count of guest instructions (deterministic:
#      repeated runs agree to within a fraction of a percent). This is the primary table.
#   2. the same image without -icount (KVM when usable, TCG otherwise): TSC cycles,
#      kept as a second column for the shape only.
#   3. for each N in BENCH_SMP (default "1 2 4"): build/bench-parN.img on N CPUs (SMP=N; under
#      TCG run/launch/qemu.sh adds thread=multi), no -icount, whose `forkbench par N` measures COW write
#      faults per second of wall clock with 1 and with N processes writing their own pages of
#      a freshly forked region (rows par_faults_1proc_smpN, par_faults_smpN and the run-by-run
#      ratio par_speedup_smpN). Each is booted BENCH_PAR_BOOTS times: the host's state moves
#      from boot to boot more than from run to run, so the boot with the median figure gives the
#      rows and row par_boots_smpN keeps every boot's figure. The host's load average is read
#      before and after each boot (row par_hostload_smpN, with nproc): a figure from a loaded host
#      (BENCH_LOADED_RULE) is shown as not telling, never as a goal that holds or not.
#   4. build/bench-threads.img (`threadbench`, src/user/threadbench.c) under the same -icount on BENCH_THREADS_SMP CPUs
#      (default 5: QEMU then runs the CPUs in turn on one host thread, and the TSC counts the guest
#      instructions of every CPU): a COW fork of 256 KiB by a process with 1, 2 and 4 threads
#      (rows fork_cow_256k_threadsN, the extra threads spinning on CPUs of their own; one CPU
#      stays free for the forked child, as in every row), and a COW copy fault in a 2-thread
#      process with its sibling asleep and spinning on another CPU (rows
#      cow_copy_fault_threads_alone and _sibling, and their run-by-run difference shootdown_cost:
#      the IPI to the sibling's CPU and the wait for its acknowledgement); and a COW copy fault with 1, 2
#      and 4 processes faulting at once, each on a CPU of its own (rows cow_copy_fault_smpN: the
#      instructions of all CPUs from the first write loop's start to the last one's end, per fault;
#      cow_copy_fault_smpN_overlap: the percent of that window in which all N loops ran).
#   The parallel boots of 3 also measure N threads of one process each writing its own pages of a
#   region a COW child holds (row par_thread_faults_smpN).
# Between runs 1 and 2, run/bench/bench-base.sh builds and measures the kernel before SMP under the
# same -icount (build/bench-base.csv), for the table's cost-on-one-CPU comparison.
# Writes build/bench.csv (one row per measurement, columns BENCH_CSV_COLUMNS, comment lines
# saying what each column counts), build/bench.md (the instruction table and the goals, in
# Markdown), prints both, and draws the figures (run/bench/plot-bench.sh) from the instruction
# columns. Builds nothing. Fails, with the last serial lines, unless each run ended with
# `[kernel] result: PASS`.
#
#   run/bench/bench.sh [IMAGE]      BENCH_MEM (MiB, default 512), BENCH_TIMEOUT (s, default 1800),
#                             BENCH_ICOUNT_RUNS (default 1; 2 repeats the instruction run
#                             and prints the largest difference between the two),
#                             BENCH_SMP (CPU counts of the parallel rows, default "1 2 4"; empty:
#                             none), BENCH_PAR_MEM (MiB for those boots, default 1024),
#                             BENCH_PAR_BOOTS (boots of each, default 3: the median one is kept),
#                             BENCH_THREADS_SMP (CPUs of the threads run, default 5; 0: no threads run)
set -euo pipefail

cd "$(dirname "$0")/../.."

BENCH_IMG=${1:-build/bench.img}
BENCH_MEM=${BENCH_MEM:-512}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-1800}
BENCH_ICOUNT_RUNS=${BENCH_ICOUNT_RUNS:-1}
BENCH_ICOUNT='-icount shift=0,sleep=off'
BENCH_SMP=${BENCH_SMP-1 2 4}
BENCH_PAR_MEM=${BENCH_PAR_MEM:-1024}
BENCH_PAR_BOOTS=${BENCH_PAR_BOOTS:-3}
BENCH_THREADS_SMP=${BENCH_THREADS_SMP:-5}
BENCH_THREADS_IMG=build/bench-threads.img
BENCH_CSV=build/bench.csv
BENCH_MD=build/bench.md
BENCH_FIGURES=report/figures
BENCH_TAIL_LINES=30
BENCH_PASS='[kernel] result: PASS'
BENCH_TABLE_BEGIN='---- forkbench table ----'
BENCH_TABLE_END='---- end of forkbench table ----'
BENCH_CSV_COLUMNS='metric,policy,size_kib,median_instructions,min_instructions,max_instructions,frames,median_tcg_cycles'

BENCH_HOST_CPUS=$(nproc 2>/dev/null || echo 1)
# A parallel boot on N vCPUs ran on a loaded host, and its wall-clock figures tell nothing about the
# kernel, when the host's 1-minute load average exceeded the host CPUs left for those N vCPUs
# (host CPUs - N) before the boot, or exceeded the host CPUs after it (the boot's own N vCPU
# threads count then), or the host has fewer CPUs than N. bench-table.sh applies the same rule.
BENCH_LOADED_RULE='load before > host CPUs - vCPUs, or load after > host CPUs, or host CPUs < vCPUs'

# The host's 1-minute load average (/proc/loadavg's first field; 0 where there is none).
bench_load() {
  awk '{ print $1; exit }' /proc/loadavg 2>/dev/null || echo 0
}

# Print a message and the end of serial log $2 on stderr, then stop with status 1.
bench_fail() {
  echo "bench: $1" >&2
  if [ -n "${2:-}" ] && [ -s "$2" ]; then
    echo "bench: last $BENCH_TAIL_LINES lines of $2:" >&2
    tr -d '\r' < "$2" | tail -n "$BENCH_TAIL_LINES" >&2
  fi
  exit 1
}

# bench_boot NAME EXTRA [CPUS IMAGE MEM]: boot IMAGE (default $BENCH_IMG) once on CPUS CPUs
# (default 1) with MEM MiB (default $BENCH_MEM) and QEMU_EXTRA=EXTRA (and QEMU_ACCEL=tcg when
# EXTRA is set: -icount needs TCG); the forkbench csv rows go to build/bench-NAME.rows and the
# accelerator name to BENCH_ACCEL.
bench_boot() {
  local name=$1 extra=$2 cpus=${3:-1} img=${4:-$BENCH_IMG} mem=${5:-$BENCH_MEM}
  local serial=build/bench-serial-$1.log qlog=build/bench-qemu-$1.log
  local status start elapsed log result accel_env=${QEMU_ACCEL:-auto}
  rm -f "$serial" "$qlog"
  [ -z "$extra" ] || accel_env=tcg
  echo "bench: run '$name': booting $img with ${mem} MiB on $cpus CPU(s) ${extra:+($extra) }(timeout ${BENCH_TIMEOUT}s)"
  start=$(date +%s)
  set +e
  SMP=$cpus QEMU_ACCEL=$accel_env QEMU_EXTRA="$extra" timeout --kill-after=10 "$BENCH_TIMEOUT" \
    run/launch/qemu.sh headless "$img" "$mem" "$serial" </dev/null 2>"$qlog"
  status=$?
  set -e
  elapsed=$(( $(date +%s) - start ))
  cat "$qlog" >&2
  BENCH_ACCEL=$(sed -n 's/^qemu: accelerator \([a-z]*\).*/\1/p' "$qlog" | head -n 1)
  BENCH_ACCEL=${BENCH_ACCEL:-unknown}
  [ -s "$serial" ] || bench_fail "run '$name': no serial output (QEMU exit status $status after ${elapsed}s)"
  log=$(tr -d '\r' < "$serial")
  result=$(grep -F '[kernel] result:' <<<"$log" | tail -n 1 || true)
  [ "$result" = "$BENCH_PASS" ] ||
    bench_fail "run '$name' did not end with '$BENCH_PASS' (saw '${result:-nothing}', QEMU exit status $status, ${elapsed}s)" "$serial"
  sed -n '/^csv: #/d; /^csv: metric,/d; s/^csv: //p' <<<"$log" > "build/bench-$name.rows"
  [ -s "build/bench-$name.rows" ] || bench_fail "run '$name': no csv: rows in the serial log" "$serial"
  BENCH_GUEST_CPU=$(sed -n 's/^csv: # cpu=//p' <<<"$log" | head -n 1)
  echo "bench: run '$name' took ${elapsed}s (accelerator $BENCH_ACCEL)"
}

mkdir -p build
[ -f "$BENCH_IMG" ] || bench_fail "$BENCH_IMG is missing (make bench builds it)"
[ -x run/launch/qemu.sh ] || bench_fail "run/launch/qemu.sh is missing or not executable"

bench_boot icount "$BENCH_ICOUNT"
run/bench/bench-base.sh                  # the kernel before SMP, same -icount: build/bench-base.csv
if [ "$BENCH_ICOUNT_RUNS" -ge 2 ]; then
  bench_boot icount2 "$BENCH_ICOUNT"
  # largest relative difference of the medians between the two instruction runs
  awk -F, 'NR == FNR { a[$1 "," $2 "," $3] = $4; next }
           ($1 "," $2 "," $3) in a && $4 > 0 { d = a[$1 "," $2 "," $3] - $4; if (d < 0) d = -d;
             r = 100 * d / $4; if (r > worst) { worst = r; row = $1 " " $2 " " $3 } }
           END { printf "bench: two -icount runs: largest difference of a median %.3f%% (%s)\n", worst, row ? row : "none" }' \
    build/bench-icount.rows build/bench-icount2.rows
fi
bench_boot cycles ""
cycles_accel=$BENCH_ACCEL
: > build/bench-threads.rows
if [ "$BENCH_THREADS_SMP" -gt 0 ]; then
  [ -f "$BENCH_THREADS_IMG" ] || bench_fail "$BENCH_THREADS_IMG is missing (make bench builds it)"
  bench_boot threads "$BENCH_ICOUNT" "$BENCH_THREADS_SMP" "$BENCH_THREADS_IMG"
fi
par_accel=
: > build/bench-par.rows
for n in $BENCH_SMP; do
  [ -f "build/bench-par$n.img" ] || bench_fail "build/bench-par$n.img is missing (make bench builds it)"
  key=par_speedup_smp$n
  [ "$n" -gt 1 ] || key=par_faults_smp$n
  : > "build/bench-par$n.boots"
  : > "build/bench-par$n.load"
  for b in $(seq 1 "$BENCH_PAR_BOOTS"); do
    load_before=$(bench_load)
    bench_boot "par$n-$b" "" "$n" "build/bench-par$n.img" "$BENCH_PAR_MEM"
    load_after=$(bench_load)
    par_accel=$BENCH_ACCEL
    v=$(awk -F, -v k="$key" '$1 == k { print $4 }' "build/bench-par$n-$b.rows")
    [ -n "$v" ] || bench_fail "run 'par$n-$b': no $key row" "build/bench-serial-par$n-$b.log"
    echo "$v $b" >> "build/bench-par$n.boots"
    echo "$b $load_before $load_after" >> "build/bench-par$n.load"
    echo "bench: run 'par$n-$b': host load average $load_before before, $load_after after ($BENCH_HOST_CPUS host CPUs)"
  done
  # the boot whose key figure is the median of the boots gives the rows; par_boots_smpN keeps
  # every boot's key figure (median, min, max over the boots; column 7 the number of boots)
  mid=$(sort -n "build/bench-par$n.boots" | awk '{ v[NR] = $2 } END { print v[int((NR + 1) / 2)] }')
  grep '^par_' "build/bench-par$n-$mid.rows" >> build/bench-par.rows
  sort -n "build/bench-par$n.boots" | awk -v n="$n" -v kib="$(awk -F, -v k="$key" '$1 == k { print $3 }' "build/bench-par$n-$mid.rows")" \
    '{ v[NR] = $1 } END { printf "par_boots_smp%s,COW,%s,%s,%s,%s,%d\n", n, kib, v[int((NR + 1) / 2)], v[1], v[NR], NR }' \
    >> build/bench-par.rows
  # par_hostload_smpN: how loaded the host was around the median boot, and how many boots were
  # loaded (BENCH_LOADED_RULE)
  awk -v n="$n" -v cpus="$BENCH_HOST_CPUS" -v mid="$mid" '
    { loaded += $2 > cpus - n || $3 > cpus || cpus < n }
    $1 == mid { before = $2; after = $3 }
    END { printf "par_hostload_smp%s,-,%d,%d,%d,%d,%d\n", n, cpus, before * 100 + 0.5, after * 100 + 0.5, loaded, NR }' \
    "build/bench-par$n.load" >> build/bench-par.rows
  echo "bench: $n CPU(s): $key of each boot: $(sort -n "build/bench-par$n.boots" | awk '{ printf "%s%s", (NR > 1 ? ", " : ""), $1 }'); the median boot ($mid) gives the rows"
done

host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
cpu=${BENCH_GUEST_CPU:-${host_cpu:-unknown}}
{
  echo "# columns 4-6: guest instructions retired (QEMU TCG -icount shift=0,sleep=off: the TSC counts instructions); median of runs, min, max"
  echo "# column 7: free user frames taken by the operation (median); column 8: median TSC cycles of a second run without -icount (accelerator $cycles_accel), for the shape only"
  [ ! -s build/bench-par.rows ] ||
    echo "# rows par_faults_*: columns 4-6 are COW write faults per second of wall clock (guest TSC against the timer, no -icount, accelerator $par_accel), column 7 the frames a run took; par_faults_smpN: N processes on N CPUs, par_faults_1proc_smpN: 1 process in that same boot; par_speedup_smpN: each N-process run's rate over the 1-process run just before it, in thousandths; these rows come from the median one of $BENCH_PAR_BOOTS boots; par_boots_smpN: that boot figure (par_faults_smp1, par_speedup_smpN) of every boot, median min max, column 7 the boots; par_hostload_smpN: column 3 the host CPUs (nproc), 4 and 5 the host's 1-minute load average (hundredths) before and after the median boot, 6 the boots on a loaded host ($BENCH_LOADED_RULE), 7 the boots"
  [ ! -s build/bench-threads.rows ] ||
    echo "# rows fork_cow_256k_threadsN, cow_copy_fault_threads_*, shootdown_cost: guest instructions of every CPU (-icount, $BENCH_THREADS_SMP CPUs run in turn); fork_cow_256k_threadsN: the fork row's measurement with N threads running; cow_copy_fault_threads_alone/_sibling: per page, a write to each of 64 pages a COW child holds, in a 2-thread process whose sibling sleeps in futex_wait (its CPU out of the space) or spins on another CPU; shootdown_cost: sibling minus alone, run by run (one IPI and its acknowledgement); column 7 the frames taken (for shootdown_cost the difference)"
  ! grep -q '^cow_copy_fault_smp' build/bench-threads.rows ||
    echo "# rows cow_copy_fault_smpN: N processes, each forked (COW) from one parent and on a CPU of its own, write one word in each of their own pages (column 3: KiB each) from the same TSC value, a pause after each page (the CPUs' faults take turns); columns 4-6: guest instructions of every CPU from the first write loop's start to the last one's end, per fault; column 7 the frames taken; rows cow_copy_fault_smpN_overlap: columns 4-6 the percent of that window in which all N loops ran"
  [ ! -s build/bench-par.rows ] || ! grep -q '^par_thread_' build/bench-par.rows ||
    echo "# rows par_thread_faults_smpN: COW copy faults per second of wall clock while N threads of one process each write their own pages (column 3: KiB per thread) of a region a COW child holds; each fault shoots the page down on the other threads' CPUs"
  echo "# accelerator=tcg-icount cpu=$cpu host_cpu=${host_cpu:-unknown}"
  echo "$BENCH_CSV_COLUMNS"
  awk -F, -v OFS=, 'NR == FNR { c[$1 "," $2 "," $3] = $4; next }
                    { k = $1 "," $2 "," $3; print $0, (k in c ? c[k] : "") }' \
    build/bench-cycles.rows build/bench-icount.rows
  sed 's/$/,/' build/bench-threads.rows
  sed 's/$/,/' build/bench-par.rows
} > "$BENCH_CSV"

run/bench/bench-table.sh "$BENCH_CSV" build/bench-base.csv > "$BENCH_MD"
cat "$BENCH_MD"
rows=$(grep -vc '^#\|^metric,' "$BENCH_CSV" || true)
echo "bench: $rows rows in $BENCH_CSV, table in $BENCH_MD"

run/bench/plot-bench.sh "$BENCH_CSV" "$BENCH_FIGURES"
