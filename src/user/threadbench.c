/*
 * threadbench.c - what a multi-threaded process pays to fork and to copy a
 * page, and what a COW copy fault costs while several CPUs fault at once
 * (`make bench` boots it on 5 CPUs under -icount).
 *
 * The threads rows are forkbench.c's threads mode, built into this program so
 * that forkbench's text, and with it the pages every forkbench fork row copies
 * or shares, stays as it was.
 *
 * Rows cow_copy_fault_smpN (N = 1, 2, 4): N processes, each freshly forked
 * (COW) from this one and on a CPU of its own, each write one word in every
 * page of their own SMPF_PAGES pages of the shared region, with a pause after
 * each page. The barrier is the TSC: each waits (pausing) for the same start
 * value, and after its loop for the same end value, so no report or wakeup
 * falls inside another's loop. Under -icount QEMU runs the CPUs in turn on one
 * host thread, a pause ends a CPU's turn (so the N CPUs' faults take turns one
 * by one), and the TSC is one clock for all of them, advanced by the
 * instructions of every CPU: there is no per-CPU instruction count. So the
 * figure is the instructions of all CPUs from the first loop's start to the
 * last loop's end, over the N * SMPF_PAGES faults in that window (the median
 * over runs): with N = 1 the cost of one fault, with more that plus what the
 * CPUs spend on each other (spinning on a held lock, shootdowns). Rows
 * cow_copy_fault_smpN_overlap: the part of that window, in percent, in which
 * all N loops ran (median, min and max over runs); checked at least
 * SMPF_OVERLAP_MIN.
 */
#define FORKBENCH_THREADS 1
#define main forkbench_threads_main   /* forkbench's threads mode; main below runs it, then the SMP rows */
int forkbench_threads_main(int argc, char *argv[]);
#include "forkbench.c"
#undef main

#define SMPF_COUNTS        3              /* process counts of the rows: 1, 2, 4 */
#define SMPF_PROCS_MAX     4
#define SMPF_PAGES         256            /* pages each process writes: 1 MiB */
#define SMPF_PAGES_QUICK   64
#define SMPF_START_DELAY   150000u        /* instructions, per process, from before the first fork to the start */
#define SMPF_FAULT_GUESS   4000u          /* instructions a fault takes, until a 1-process run says */
#define SMPF_END_PERCENT   110u           /* the workers wait until this percent of the expected window */
#define SMPF_OVERLAP_MIN   90u            /* percent of the window all loops must share */
#define SMPF_ROWS          (2 * SMPF_COUNTS)

static const int smpf_counts[SMPF_COUNTS] = { 1, 2, 4 };
static const char *const smpf_names[SMPF_COUNTS] = { "cow_copy_fault_smp1", "cow_copy_fault_smp2",
                                                     "cow_copy_fault_smp4" };
static const char *const smpf_overlap_names[SMPF_COUNTS] = { "cow_copy_fault_smp1_overlap",
                                                             "cow_copy_fault_smp2_overlap",
                                                             "cow_copy_fault_smp4_overlap" };

static uint64_t smpf_fault_estimate = SMPF_FAULT_GUESS;   /* the last 1-process run's figure */

/* What a worker sends back: when it was ready to start, and its write loop's first and last TSC. */
struct smpf_report {
  uint64_t ready, t0, t1;
};

/* One run's outcome: instructions per fault over the window, the percent of it all loops shared,
 * whether every worker was waiting before the start, and the frames the run took. */
struct smpf_run {
  uint64_t per_fault, overlap;
  int all_ready, all_ended, frames;
};

/* A worker: wait (a pause a turn) until the TSC reaches start, write one word in each of its pages
 * (each a COW copy fault) with a pause after each, wait (a pause a turn) until the TSC reaches end,
 * report, and exit when hold reaches EOF. Under -icount a pause ends the CPU's turn: the workers'
 * faults then take turns one by one, and a worker done early adds a few instructions a turn to the
 * others' window, not a report and a wakeup. */
static void smpf_worker(volatile uint32_t *slice, uint32_t pages, uint64_t start, uint64_t end, int back, int hold)
  __attribute__((noreturn));
static void smpf_worker(volatile uint32_t *slice, uint32_t pages, uint64_t start, uint64_t end, int back, int hold)
{
  struct smpf_report rep;
  char c;
  rep.ready = bench_rdtsc();
  while (bench_rdtsc() < start)
    thr_relax();
  rep.t0 = bench_rdtsc();
  for (uint32_t i = 0; i < pages; i++) {
    slice[i * BENCH_PAGE_WORDS] = 1 + i;
    thr_relax();
  }
  rep.t1 = bench_rdtsc();
  while (bench_rdtsc() < end)
    thr_relax();
  if (write(back, &rep, sizeof rep) != (int)sizeof rep)
    exit(1);
  read(hold, &c, 1);
  exit(0);
}

/* One run: nproc processes forked (COW) from this one write their own pages of the region from the
 * same TSC value on; the window is the first t0 to the last t1 of the workers. */
static struct smpf_run smpf_run_once(volatile uint32_t *region, uint32_t pages, int nproc, int verbose)
{
  int hold[2], back[2], pids[SMPF_PROCS_MAX], status;
  struct smpf_report reps[SMPF_PROCS_MAX];
  struct smpf_run run = { .all_ready = 1, .all_ended = 1 };

  bench_touch(region, pages * (uint32_t)nproc, 0);   /* every page the parent's own again */
  if (pipe(hold) < 0 || pipe(back) < 0)
    bench_die("pipe failed");
  uint64_t start = bench_rdtsc() + SMPF_START_DELAY * (uint64_t)nproc;
  uint64_t end = start + SMPF_END_PERCENT * smpf_fault_estimate * (uint64_t)nproc * pages / BENCH_PERCENT;
  for (int i = 0; i < nproc; i++) {
    pids[i] = xfork(FORK_POLICY_COW);
    if (pids[i] == 0) {
      close(hold[1]), close(back[0]);
      smpf_worker(region + (uint32_t)i * pages * BENCH_PAGE_WORDS, pages, start, end, back[1], hold[0]);
    }
    if (pids[i] < 0)
      bench_die("xfork of an SMP fault worker failed");
  }
  close(hold[0]), close(back[1]);
  int before = bench_free_frames();
  if (bench_read_all(back[0], reps, nproc * (int)sizeof reps[0]) < 0)
    bench_die("an SMP fault worker did not report");
  run.frames = before - bench_free_frames();
  close(hold[1]), close(back[0]);
  for (int i = 0; i < nproc; i++)
    if (waitpid(pids[i], &status) != pids[i] || status != 0)
      bench_die("an SMP fault worker did not exit 0");

  uint64_t first0 = reps[0].t0, last0 = reps[0].t0, first1 = reps[0].t1, last1 = reps[0].t1;
  for (int i = 0; i < nproc; i++) {
    run.all_ready &= reps[i].ready < start;
    run.all_ended &= reps[i].t1 < end;
    first0 = reps[i].t0 < first0 ? reps[i].t0 : first0;
    last0 = reps[i].t0 > last0 ? reps[i].t0 : last0;
    first1 = reps[i].t1 < first1 ? reps[i].t1 : first1;
    last1 = reps[i].t1 > last1 ? reps[i].t1 : last1;
  }
  uint64_t window = last1 - first0;
  run.per_fault = window / ((uint64_t)nproc * pages);
  run.overlap = first1 > last0 ? (first1 - last0) * BENCH_PERCENT / window : 0;
  if (nproc == 1)
    smpf_fault_estimate = run.per_fault;
  if (verbose) {
    uint64_t last_ready = reps[0].ready;
    for (int i = 1; i < nproc; i++)
      last_ready = reps[i].ready > last_ready ? reps[i].ready : last_ready;
    printf("[threadbench] smp%d: last worker ready ", nproc);
    bench_print_u64(last_ready < start ? start - last_ready : 0, 0);
    printf(" instructions before the start; window ");
    bench_print_u64(window, 0);
    printf(" instructions, all loops %u%% of it; loops (start..end after the first start):", (unsigned)run.overlap);
    for (int i = 0; i < nproc; i++) {
      printf(" %s", reps[i].ready < start ? "" : "LATE");
      bench_print_u64(reps[i].t0 - first0, 0);
      printf("..");
      bench_print_u64(reps[i].t1 - first0, 0);
    }
    printf("\n");
  }
  return run;
}

/* Print the rows from index first on as csv lines (forkbench's csv header is printed already). */
static void smpf_print_csv(int first)
{
  for (int i = first; i < bench_nrows; i++) {
    struct bench_line l = { .len = 0 };
    bench_row_csv(&bench_rows[i], &l);
    printf(BENCH_CSV_PREFIX "%s\n", l.buf);
  }
}

/* Rows cow_copy_fault_smpN and _overlap for N = 1, 2, 4 (the configurations alternate run by run);
 * checks that each run took a frame per page written, every worker waited for the start, and the
 * loops shared SMPF_OVERLAP_MIN percent of the window. */
static void smpf_rows(int quick)
{
  uint64_t per_fault[SMPF_COUNTS][BENCH_RUNS_MAX], overlap[SMPF_COUNTS][BENCH_RUNS_MAX];
  int frames[SMPF_COUNTS][BENCH_RUNS_MAX], none[BENCH_RUNS_MAX] = { 0 };
  uint32_t pages = quick ? SMPF_PAGES_QUICK : SMPF_PAGES;
  uint32_t bytes = pages * SMPF_PROCS_MAX * PGSIZE, brk = (uint32_t)sbrk(0);
  uint32_t pad = (PGSIZE - brk % PGSIZE) % PGSIZE;
  int frames_ok = 1, ready_ok = 1, ended_ok = 1, first = bench_nrows;
  uint64_t overlap_min = BENCH_PERCENT;

  char *mem = sbrk((int)(pad + bytes));
  if (mem == (char *)-1)
    bench_die("sbrk could not allocate the SMP fault region");
  volatile uint32_t *region = (volatile uint32_t *)(mem + pad);
  printf("[threadbench] COW copy faults with 1, 2 and 4 processes at once, %u pages each, %d runs; a warm-up "
         "of each\n", pages, bench_runs);
  for (int c = 0; c < SMPF_COUNTS; c++)
    smpf_run_once(region, pages, smpf_counts[c], 1);
  for (int r = 0; r < bench_runs; r++)
    for (int c = 0; c < SMPF_COUNTS; c++) {
      struct smpf_run run = smpf_run_once(region, pages, smpf_counts[c], 1);
      per_fault[c][r] = run.per_fault, overlap[c][r] = run.overlap, frames[c][r] = run.frames;
      frames_ok &= run.frames >= smpf_counts[c] * (int)pages;
      ready_ok &= run.all_ready;
      ended_ok &= run.all_ended;
      if (smpf_counts[c] > 1 && run.overlap < overlap_min)
        overlap_min = run.overlap;
    }
  for (int c = 0; c < SMPF_COUNTS; c++) {
    bench_add_row(smpf_names[c], "COW", pages * PGSIZE / BENCH_KIB, bench_stat_of(per_fault[c], frames[c], bench_runs));
    bench_add_row(smpf_overlap_names[c], BENCH_NO_POLICY, pages * PGSIZE / BENCH_KIB,
                  bench_stat_of(overlap[c], none, bench_runs));
  }
  if (sbrk(-(int)(pad + bytes)) == (char *)-1)
    bench_die("sbrk could not free the SMP fault region");
  smpf_print_csv(first);
  for (int c = 0; c < SMPF_COUNTS; c++) {
    printf("[threadbench] %d process(es) faulting at once: ", smpf_counts[c]);
    bench_print_u64(bench_rows[first + 2 * c].st.median, 0);
    printf(" instructions per COW copy fault (median), ");
    bench_print_ratio(bench_rows[first + 2 * c].st.median, bench_rows[first].st.median);
    printf("x the 1-process figure\n");
  }
  if (!ended_ok)
    printf("[threadbench] a write loop ended after the end the workers waited for: a report fell inside another "
           "loop (a few thousand instructions more in that window)\n");
  utest_check("bench_smp_rows", bench_nrows - first == SMPF_ROWS, "%d rows, expected %d", bench_nrows - first,
              SMPF_ROWS);
  utest_check("bench_smp_frames", frames_ok, "a run took fewer frames than the pages its processes wrote");
  utest_check("bench_smp_ready", ready_ok, "a worker reached the start barrier after the start");
  utest_check("bench_smp_overlap", overlap_min >= SMPF_OVERLAP_MIN,
              "the write loops shared only %u%% of a run's window (at least %u%% wanted)", (unsigned)overlap_min,
              SMPF_OVERLAP_MIN);
}

int main(int argc, char *argv[])
{
  forkbench_threads_main(argc, argv);
  smpf_rows(utest_quick(argc, argv));
  return utest_status();
}
