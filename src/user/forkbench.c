/*
 * forkbench.c - what fork and copy-on-write cost, in TSC cycles (`make bench`).
 *
 * Under `make bench` the first run has QEMU's -icount, so the TSC counts
 * retired guest instructions; a second run without it gives TCG cycles.
 *
 * For heap regions of 256 KiB to 64 MiB (sbrk, one word written per page)
 * and each xfork policy (OLD, COW, THREAD, SHARED_PT) it measures:
 *   fork            the parent's xfork call up to its first write to its stack
 *                   after the call (bench_timed_xfork), and the user frames it took;
 *   fork_grandchild the same for the child's own xfork (same policy) right after
 *                   it starts;
 *   first_write     the child's first write, to the region's last page: for
 *                   SHARED_PT the table-copy fault (table copy, then page copy);
 *   fault_per_page  the child writing one word in every page, per page;
 *   exit_wait       that child, owning its pages now, exiting and being reaped;
 *   exit_untouched  a child that wrote nothing in the region exiting and being
 *                   reaped (SHARED_PT: it drops table counts only, whatever the size);
 *   fork_exec       xfork + exec of echo (no arguments) + its exit + wait.
 * Reference rows: getpid (a null system call), one write fault resolved by
 * reuse, and a 4 KiB memcpy in user space. A COW copy fault costs at least
 * a reuse fault plus the copy; the summary says how close we come.
 *
 * Lazy zero pages (sbrk maps nothing; a page is backed on first touch):
 *   sbrk_grow       sbrk of each region size, and the user frames it took (0);
 *   zero_read       the first read of an untouched heap page (maps the shared
 *                   zero frame: 0 frames);
 *   zero_write      the first write of an untouched heap page (a zeroed frame
 *                   of its own: 1 frame).
 * Every region and page the other rows use is written once right after its
 * sbrk (bench_back), so they measure backed pages as they did before sbrk
 * turned lazy.
 *
 * Every figure is the median of the runs, with min and max. `frames` is the
 * drop in free user frames across the measured operation (median over runs).
 * The host takes the `csv: ` lines (columns BENCH_CSV_HEADER) into
 * build/bench.csv; the table between the BENCH_TABLE_* markers is for people.
 *
 * `forkbench quick`: the two smallest regions and BENCH_RUNS_QUICK runs. Both
 * modes check the rows' format and the frame counts (never a timing), print
 * `bench_*: ok|FAIL` lines and exit 0 only when every check passed.
 *
 * `forkbench par P [quick]` (run/bench/bench.sh boots it on P CPUs, without -icount):
 * COW write faults per second of wall clock, the TSC calibrated against the
 * timer, while 1 and then P processes forked from this one each write their
 * own pages of the region at once. One untimed warm-up of each, then
 * PAR_RUNS_FULL runs that alternate the two; rows par_faults_1proc_smpP
 * (P > 1), par_faults_smpP and par_speedup_smpP (P > 1: each run's P-process
 * rate over the 1-process run just before it, in thousandths), frames
 * checked (every written page is one copy). Each of the first
 * PAR_THREAD_RUNS_FULL runs then has P threads of this one process write
 * their own PAR_THREAD_PAGES_FULL pages of the region
 * while a COW child holds it (row par_thread_faults_smpP): every copy fault
 * takes the space lock and shoots the page down on the other threads' CPUs.
 *
 * `threadbench [quick]` (this file built with FORKBENCH_THREADS, threadbench.c,
 * so that forkbench's own text and the page count of its fork rows stay as
 * they were; run/bench/bench.sh boots it on 5 CPUs under
 * -icount: QEMU runs the CPUs in turn, the TSC counts every CPU's
 * instructions): rows fork_cow_256k_threadsN, the fork row's measurement
 * (COW, 256 KiB) by a process with N = 1, 2, 4 threads, the N - 1 others
 * spinning on CPUs of their own (reading their own page, with a pause: under
 * -icount each CPU's turn then ends at once); rows
 * cow_copy_fault_threads_alone and _sibling, per page, a write to each of 64
 * pages a COW child holds by a 2-thread process whose sibling sleeps in
 * futex_wait (its CPU out of the space: no IPI) or spins on another CPU (one
 * IPI and its acknowledgement per fault); shootdown_cost, their run-by-run
 * difference. Frames checked, never a timing.
 */
#include <stdint.h>
#include "user.h"
#include "test/utest.h"

#define BENCH_RUNS_FULL     7
#define BENCH_RUNS_QUICK    3
#define BENCH_RUNS_MAX      BENCH_RUNS_FULL
#define BENCH_SIZES_FULL    5
#define BENCH_SIZES_QUICK   2
#define BENCH_POLICIES      4
#define BENCH_METRICS       7          /* fork, fork_grandchild, first_write, fault_per_page, exit_wait,
                                          exit_untouched, fork_exec */
#define BENCH_REFERENCES    3          /* getpid, reuse_fault, memcpy_4k */
#define BENCH_ZERO_PAGE_ROWS 2         /* zero_read, zero_write (and one sbrk_grow row per size) */
#define BENCH_ROWS_MAX      (BENCH_SIZES_FULL * BENCH_POLICIES * BENCH_METRICS + BENCH_REFERENCES + \
                             BENCH_SIZES_FULL + BENCH_ZERO_PAGE_ROWS)
#define BENCH_GETPID_BATCH  64         /* calls per getpid sample */
#define BENCH_MEMCPY_BATCH  16         /* copies per memcpy sample */
#define BENCH_COW_FRAMES_MAX 2         /* a COW fork may copy a stack page for parent and child, no more */
#define BENCH_LINE          160
#define BENCH_FIELDS        7
#define BENCH_KIB           1024u
#define BENCH_PAGE_WORDS    (PGSIZE / sizeof(uint32_t))
#define BENCH_PERCENT       100u
#define BENCH_EXIT_NOEXEC   127

#define CPUID_EXT_MAX       0x80000000u
#define CPUID_BRAND_FIRST   0x80000002u
#define CPUID_BRAND_LAST    0x80000004u
#define CPUID_LEAF_VENDOR   0u
#define CPUID_LEAF_FEATURES 1u
#define CPUID_EDX_TSC       (1u << 4)
#define EFLAGS_ID           (1u << 21)

#define BENCH_CSV_PREFIX    "csv: "
#define BENCH_CSV_HEADER    "metric,policy,size_kib,median_tsc,min_tsc,max_tsc,frames"
#define BENCH_TABLE_BEGIN   "---- forkbench table ----"
#define BENCH_TABLE_END     "---- end of forkbench table ----"
#define BENCH_NO_POLICY     "-"
#define PAR_ROW_PREFIX      "par_"          /* every parallel row */
#define PAR_METRIC_PREFIX   "par_faults_"   /* the parallel rate rows: par_faults_smpN, par_faults_1proc_smpN */

static const unsigned bench_sizes_kib[BENCH_SIZES_FULL] = { 256, 1024, 4096, 16384, 65536 };
static const int bench_policies[BENCH_POLICIES] = { FORK_POLICY_OLD, FORK_POLICY_COW, FORK_POLICY_THREAD,
                                                    FORK_POLICY_SHARED_PT };
static const char *const bench_policy_names[BENCH_POLICIES] = { "OLD", "COW", "THREAD", "SHARED_PT" };
static const char *const bench_metric_names[] = { "fork", "fork_grandchild", "first_write", "fault_per_page", "exit_wait",
                                                  "exit_untouched", "fork_exec", "getpid", "reuse_fault", "memcpy_4k", "sbrk_grow",
                                                  "zero_read", "zero_write" };
/* The rows of threadbench (FORKBENCH_THREADS): a multi-threaded process's fork, its copy fault, a shootdown. */
static const char *const thr_metric_names[] = { "fork_cow_256k_threads1", "fork_cow_256k_threads2",
                                                "fork_cow_256k_threads4", "cow_copy_fault_threads_alone",
                                                "cow_copy_fault_threads_sibling", "shootdown_cost" };

/* Median, extremes and frames of one measurement's runs. */
struct bench_stat {
  uint64_t median, min, max;
  int frames, frames_min, frames_max;
};

/* One output row: a CSV line and a table line. */
struct bench_row {
  const char *metric;
  const char *policy;
  unsigned size_kib;
  struct bench_stat st;
};

/* What a child sends back after its own fork and writing its pages. */
struct bench_report {
  uint64_t cycles;
  int frames;
  uint64_t fork_cycles;
  int fork_frames;
  uint64_t first_cycles;
  int first_frames;
};

/* A line under construction, bounded by BENCH_LINE. */
struct bench_line {
  char buf[BENCH_LINE];
  unsigned len;
};

static struct bench_row bench_rows[BENCH_ROWS_MAX];
static int bench_nrows;
static int bench_runs;
static char bench_format_error[BENCH_LINE];
static uint8_t bench_reuse_page[PGSIZE] __attribute__((aligned(PGSIZE)));
static uint8_t bench_copy_src[PGSIZE] __attribute__((aligned(PGSIZE)));
static uint8_t bench_copy_dst[PGSIZE] __attribute__((aligned(PGSIZE)));
static int bench_tsc;                  /* the CPU has a time-stamp counter (CPUID says so) */

/* The time-stamp counter; 0 on a CPU without one (an i486), where rdtsc would fault. */
static inline uint64_t bench_rdtsc(void)
{
  uint32_t lo, hi;
  if (!bench_tsc)
    return 0;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
  return ((uint64_t)hi << 32) | lo;
}

/* Free user frames now. */
static int bench_free_frames(void)
{
  struct memstat st;
  memstat(&st);
  return (int)st.free_pages;
}

/* Report a run that cannot go on, and stop with status 1. */
static void bench_die(const char *what)
{
  utest_fail("bench_run", "%s", what);
  exit(1);
}

/* Write one byte in each page of [start, start + bytes): sbrk maps nothing, so this backs the
 * pages with frames of their own, as sbrk itself did before it turned lazy. */
static void bench_back(char *start, uint32_t bytes)
{
  for (uint32_t off = 0; off < bytes; off += PGSIZE)
    ((volatile char *)start)[off] = 0;
}

/* ---- text helpers (printf has no 64-bit conversion) --------------------- */

/* Append s to l, truncating at the bound. */
static void bench_line_str(struct bench_line *l, const char *s)
{
  while (*s && l->len + 1 < BENCH_LINE)
    l->buf[l->len++] = *s++;
  l->buf[l->len] = 0;
}

/* Decimal digits of v into buf (at least 21 bytes); returns buf. */
static char *bench_u64_str(char *buf, uint64_t v)
{
  char tmp[21];
  int n = 0, i = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n)
    buf[i++] = tmp[--n];
  buf[i] = 0;
  return buf;
}

/* Append v in decimal to l. */
static void bench_line_u64(struct bench_line *l, uint64_t v)
{
  char buf[21];
  bench_line_str(l, bench_u64_str(buf, v));
}

/* Append v in decimal, with a sign when negative, to l. */
static void bench_line_int(struct bench_line *l, int v)
{
  if (v < 0)
    bench_line_str(l, "-");
  bench_line_u64(l, v < 0 ? 0u - (unsigned)v : (unsigned)v);
}

/* Row r as one CSV line in l (BENCH_CSV_HEADER's columns, without the prefix). */
static void bench_row_csv(const struct bench_row *r, struct bench_line *l)
{
  bench_line_str(l, r->metric), bench_line_str(l, ",");
  bench_line_str(l, r->policy), bench_line_str(l, ",");
  bench_line_u64(l, r->size_kib), bench_line_str(l, ",");
  bench_line_u64(l, r->st.median), bench_line_str(l, ",");
  bench_line_u64(l, r->st.min), bench_line_str(l, ",");
  bench_line_u64(l, r->st.max), bench_line_str(l, ",");
  bench_line_int(l, r->st.frames);
}

/* Print ratio num/den rounded to two decimal places, e.g. "12.34". */
static void bench_print_ratio(uint64_t num, uint64_t den)
{
  char buf[21];
  if (den == 0) {
    printf("n/a");
    return;
  }
  uint64_t hundredths = (num * BENCH_PERCENT + den / 2) / den;
  printf("%s.%02u", bench_u64_str(buf, hundredths / BENCH_PERCENT), (unsigned)(hundredths % BENCH_PERCENT));
}

/* ---- statistics ---------------------------------------------------------- */

/* Sort n values in place, ascending. */
static void bench_sort_u64(uint64_t *v, int n)
{
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
      uint64_t t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
}

/* Sort n values in place, ascending. */
static void bench_sort_int(int *v, int n)
{
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
      int t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
}

/* Median, min and max of n cycle counts and n frame counts (both reordered). */
static struct bench_stat bench_stat_of(uint64_t *cycles, int *frames, int n)
{
  struct bench_stat s;
  bench_sort_u64(cycles, n);
  bench_sort_int(frames, n);
  s.median = cycles[n / 2];
  s.min = cycles[0];
  s.max = cycles[n - 1];
  s.frames = frames[n / 2];
  s.frames_min = frames[0];
  s.frames_max = frames[n - 1];
  return s;
}

/* Record a result row. */
static void bench_add_row(const char *metric, const char *policy, unsigned size_kib, struct bench_stat st)
{
  if (bench_nrows == BENCH_ROWS_MAX)
    bench_die("more rows than BENCH_ROWS_MAX");
  struct bench_row *r = &bench_rows[bench_nrows++];
  r->metric = metric;
  r->policy = policy;
  r->size_kib = size_kib;
  r->st = st;
}

/* The row for metric/policy/size, or 0. */
static const struct bench_row *bench_find(const char *metric, const char *policy, unsigned size_kib)
{
  for (int i = 0; i < bench_nrows; i++)
    if (strcmp(bench_rows[i].metric, metric) == 0 && strcmp(bench_rows[i].policy, policy) == 0 &&
        bench_rows[i].size_kib == size_kib)
      return &bench_rows[i];
  return 0;
}

/* ---- reference figures ---------------------------------------------------- */

/* Cycles per getpid call. */
static void bench_ref_getpid(void)
{
  uint64_t cycles[BENCH_RUNS_MAX];
  int frames[BENCH_RUNS_MAX];
  for (int r = 0; r < bench_runs; r++) {
    int before = bench_free_frames();
    uint64_t t0 = bench_rdtsc();
    for (int i = 0; i < BENCH_GETPID_BATCH; i++)
      getpid();
    uint64_t t1 = bench_rdtsc();
    frames[r] = before - bench_free_frames();
    cycles[r] = (t1 - t0) / BENCH_GETPID_BATCH;
  }
  bench_add_row("getpid", BENCH_NO_POLICY, 0, bench_stat_of(cycles, frames, bench_runs));
}

/* Cycles of one write that takes a COW fault resolved by reuse (the child that shared the page is gone). */
static void bench_ref_reuse(void)
{
  uint64_t cycles[BENCH_RUNS_MAX];
  int frames[BENCH_RUNS_MAX];
  volatile uint32_t *word = (volatile uint32_t *)bench_reuse_page;
  for (int r = 0; r < bench_runs; r++) {
    *word = (uint32_t)r;
    int pid = xfork(FORK_POLICY_COW);
    if (pid == 0)
      exit(0);
    if (pid < 0)
      bench_die("fork for the reuse fault failed");
    if (waitpid(pid, 0) != pid)
      bench_die("waitpid for the reuse-fault child failed");
    int before = bench_free_frames();
    uint64_t t0 = bench_rdtsc();
    *word = (uint32_t)r + 1;
    uint64_t t1 = bench_rdtsc();
    frames[r] = before - bench_free_frames();
    cycles[r] = t1 - t0;
  }
  bench_add_row("reuse_fault", BENCH_NO_POLICY, PGSIZE / BENCH_KIB, bench_stat_of(cycles, frames, bench_runs));
}

/* Cycles per 4 KiB memcpy between two cached pages. */
static void bench_ref_memcpy(void)
{
  uint64_t cycles[BENCH_RUNS_MAX];
  int frames[BENCH_RUNS_MAX];
  memset(bench_copy_src, 0x5a, PGSIZE);
  memcpy(bench_copy_dst, bench_copy_src, PGSIZE);
  for (int r = 0; r < bench_runs; r++) {
    int before = bench_free_frames();
    uint64_t t0 = bench_rdtsc();
    for (int i = 0; i < BENCH_MEMCPY_BATCH; i++)
      memcpy(bench_copy_dst, bench_copy_src, PGSIZE);
    uint64_t t1 = bench_rdtsc();
    frames[r] = before - bench_free_frames();
    cycles[r] = (t1 - t0) / BENCH_MEMCPY_BATCH;
  }
  bench_add_row("memcpy_4k", BENCH_NO_POLICY, PGSIZE / BENCH_KIB, bench_stat_of(cycles, frames, bench_runs));
}

/* ---- region measurements ------------------------------------------------- */

/* xfork(policy), timed into *cycles up to and including the caller's first write to its stack
 * after the call returns (the pid, stored there before the clock is read). After every policy but
 * OLD that write faults: a COW copy of the stack page, for SHARED_PT a copy of the stack's shared
 * page table and then of the page. Every process pays it right after fork, so both fork rows count
 * it, whatever the compiler keeps in registers. */
static int bench_timed_xfork(int policy, uint64_t *cycles)
{
  volatile int pid;
  uint64_t t0 = bench_rdtsc();
  pid = xfork(policy);
  *cycles = bench_rdtsc() - t0;
  return pid;
}

/* Write one word in each of pages pages at base (makes every page private and writable again). */
static void bench_touch(volatile uint32_t *base, uint32_t pages, uint32_t value)
{
  for (uint32_t i = 0; i < pages; i++)
    base[i * BENCH_PAGE_WORDS] = value + i;
}

/* The child of a fork run: fork once more (the grandchild exits at once), wait for the
 * parent's go, write every page, report cycles and frames, exit at the parent's second go. */
static void bench_child(int go_fd, int report_fd, volatile uint32_t *base, uint32_t pages, int policy)
{
  char go;
  struct bench_report rep;
  int before = bench_free_frames();
  int pid = bench_timed_xfork(policy, &rep.fork_cycles);
  if (pid == 0)
    exit(0);
  rep.fork_frames = before - bench_free_frames();
  if (pid < 0 || waitpid(pid, 0) != pid)
    exit(1);
  if (read(go_fd, &go, 1) != 1)
    exit(1);
  volatile uint32_t *last = base + (pages - 1) * BENCH_PAGE_WORDS;
  before = bench_free_frames();
  uint64_t t0 = bench_rdtsc();
  *last = pages;
  uint64_t t1 = bench_rdtsc();
  rep.first_frames = before - bench_free_frames();
  rep.first_cycles = t1 - t0;
  before = bench_free_frames();
  t0 = bench_rdtsc();
  bench_touch(base, pages, 0);
  t1 = bench_rdtsc();
  rep.frames = before - bench_free_frames();
  rep.cycles = t1 - t0;
  write(report_fd, &rep, sizeof rep);
  read(go_fd, &go, 1);
  exit(0);
}

/* Read exactly n bytes from fd; 0 on success. */
static int bench_read_all(int fd, void *buf, int n)
{
  char *p = buf;
  while (n > 0) {
    int got = read(fd, p, n);
    if (got <= 0)
      return -1;
    p += got;
    n -= got;
  }
  return 0;
}

/* The fork, fork_grandchild, fault_per_page and exit_wait rows of one region and policy. */
static void bench_fork_runs(volatile uint32_t *base, uint32_t pages, int pi, unsigned size_kib)
{
  uint64_t fork_cycles[BENCH_RUNS_MAX], fault_cycles[BENCH_RUNS_MAX];
  uint64_t gfork_cycles[BENCH_RUNS_MAX], exit_cycles[BENCH_RUNS_MAX], first_cycles[BENCH_RUNS_MAX];
  int fork_frames[BENCH_RUNS_MAX], fault_frames[BENCH_RUNS_MAX];
  int gfork_frames[BENCH_RUNS_MAX], exit_frames[BENCH_RUNS_MAX], first_frames[BENCH_RUNS_MAX];
  for (int r = 0; r < bench_runs; r++) {
    int go[2], back[2];
    struct bench_report rep;
    bench_touch(base, pages, (uint32_t)r);
    if (pipe(go) < 0 || pipe(back) < 0)
      bench_die("pipe failed");
    int before = bench_free_frames();
    int pid = bench_timed_xfork(bench_policies[pi], &fork_cycles[r]);
    if (pid == 0)
      bench_child(go[0], back[1], base, pages, bench_policies[pi]);
    int after = bench_free_frames();
    if (pid < 0)
      bench_die("xfork failed");
    if (write(go[1], "g", 1) != 1 || bench_read_all(back[0], &rep, sizeof rep) < 0)
      bench_die("no report from the child");
    int before_exit = bench_free_frames();
    uint64_t t2 = bench_rdtsc();
    if (write(go[1], "x", 1) != 1 || waitpid(pid, 0) != pid)
      bench_die("waitpid for the fork child failed");
    uint64_t t3 = bench_rdtsc();
    exit_frames[r] = before_exit - bench_free_frames();
    exit_cycles[r] = t3 - t2;
    close(go[0]), close(go[1]), close(back[0]), close(back[1]);
    fork_frames[r] = before - after;
    gfork_cycles[r] = rep.fork_cycles;
    gfork_frames[r] = rep.fork_frames;
    first_cycles[r] = rep.first_cycles;
    first_frames[r] = rep.first_frames;
    fault_cycles[r] = rep.cycles / pages;
    fault_frames[r] = rep.frames;
  }
  const char *policy = bench_policy_names[pi];
  bench_add_row("fork", policy, size_kib, bench_stat_of(fork_cycles, fork_frames, bench_runs));
  bench_add_row("fork_grandchild", policy, size_kib, bench_stat_of(gfork_cycles, gfork_frames, bench_runs));
  bench_add_row("first_write", policy, size_kib, bench_stat_of(first_cycles, first_frames, bench_runs));
  bench_add_row("fault_per_page", policy, size_kib, bench_stat_of(fault_cycles, fault_frames, bench_runs));
  bench_add_row("exit_wait", policy, size_kib, bench_stat_of(exit_cycles, exit_frames, bench_runs));
}

/* The exit_untouched row of one region and policy: a child that writes nothing in the region (its
 * only write is bench_timed_xfork's, to its stack) waits for the go, exits, and is reaped; timed from
 * the go to waitpid's return. */
static void bench_exit_untouched_runs(int pi, unsigned size_kib)
{
  uint64_t cycles[BENCH_RUNS_MAX];
  int frames[BENCH_RUNS_MAX];
  for (int r = 0; r < bench_runs; r++) {
    int go[2];
    uint64_t fork_cycles;
    char c;
    if (pipe(go) < 0)
      bench_die("pipe failed");
    int pid = bench_timed_xfork(bench_policies[pi], &fork_cycles);
    if (pid == 0) {
      read(go[0], &c, 1);
      exit(0);
    }
    if (pid < 0)
      bench_die("xfork failed");
    int before = bench_free_frames();
    uint64_t t0 = bench_rdtsc();
    if (write(go[1], "x", 1) != 1 || waitpid(pid, 0) != pid)
      bench_die("waitpid for the untouched child failed");
    uint64_t t1 = bench_rdtsc();
    frames[r] = before - bench_free_frames();
    cycles[r] = t1 - t0;
    close(go[0]), close(go[1]);
  }
  bench_add_row("exit_untouched", bench_policy_names[pi], size_kib, bench_stat_of(cycles, frames, bench_runs));
}

/* The fork_exec row of one region and policy: xfork, exec echo, its exit, wait. */
static void bench_fork_exec_runs(volatile uint32_t *base, uint32_t pages, int pi, unsigned size_kib)
{
  uint64_t cycles[BENCH_RUNS_MAX];
  int frames[BENCH_RUNS_MAX];
  for (int r = 0; r < bench_runs; r++) {
    int status;
    bench_touch(base, pages, (uint32_t)r);
    int before = bench_free_frames();
    uint64_t t0 = bench_rdtsc();
    int pid = xfork(bench_policies[pi]);
    if (pid == 0) {
      char *argv[] = { "echo", 0 };
      exec("echo", argv);
      exit(BENCH_EXIT_NOEXEC);
    }
    if (pid < 0 || waitpid(pid, &status) != pid)
      bench_die("xfork or waitpid for fork_exec failed");
    uint64_t t1 = bench_rdtsc();
    if (status != 0)
      bench_die("the exec'd echo did not exit 0");
    frames[r] = before - bench_free_frames();
    cycles[r] = t1 - t0;
  }
  bench_add_row("fork_exec", bench_policy_names[pi], size_kib, bench_stat_of(cycles, frames, bench_runs));
}

/* ---- lazy zero pages -------------------------------------------------------- */

/* The sbrk_grow row of one region size: sbrk(size) alone, and the frames it took (it maps nothing). */
static void bench_zero_sbrk(unsigned size_kib)
{
  uint64_t cycles[BENCH_RUNS_MAX];
  int frames[BENCH_RUNS_MAX];
  int bytes = (int)(size_kib * BENCH_KIB);
  for (int r = 0; r < bench_runs; r++) {
    int before = bench_free_frames();
    uint64_t t0 = bench_rdtsc();
    char *p = sbrk(bytes);
    uint64_t t1 = bench_rdtsc();
    frames[r] = before - bench_free_frames();
    cycles[r] = t1 - t0;
    if (p == (char *)-1 || sbrk(-bytes) == (char *)-1)
      bench_die("sbrk of a region for the sbrk_grow row failed");
  }
  bench_add_row("sbrk_grow", BENCH_NO_POLICY, size_kib, bench_stat_of(cycles, frames, bench_runs));
}

/* One first touch (a read, or a write) of a heap page just grown: cycles and frames taken. */
static uint64_t bench_zero_touch(char *page, int write, int *frames)
{
  volatile uint32_t *w = (volatile uint32_t *)page;
  int before = bench_free_frames();
  uint64_t t0 = bench_rdtsc();
  if (write)
    *w = 1;
  else
    (void)*w;
  uint64_t t1 = bench_rdtsc();
  *frames = before - bench_free_frames();
  return t1 - t0;
}

/* The zero_read or zero_write row: the first touch of a page sbrk has just added, the page given
 * back after each run. One untouched warm-up first (its page table stays for the runs). */
static void bench_zero_fault(const char *metric, int write)
{
  uint64_t cycles[BENCH_RUNS_MAX];
  int frames[BENCH_RUNS_MAX], warm;
  uint32_t brk = (uint32_t)sbrk(0), pad = (PGSIZE - brk % PGSIZE) % PGSIZE;
  if (pad && sbrk((int)pad) == (char *)-1)
    bench_die("sbrk could not align the break");
  for (int r = -1; r < bench_runs; r++) {
    char *page = sbrk(PGSIZE);
    if (page == (char *)-1)
      bench_die("sbrk of one page failed");
    if (r < 0)
      bench_zero_touch(page, 1, &warm);
    else
      cycles[r] = bench_zero_touch(page, write, &frames[r]);
    if (sbrk(-PGSIZE) == (char *)-1)
      bench_die("sbrk could not give the page back");
  }
  bench_add_row(metric, BENCH_NO_POLICY, PGSIZE / BENCH_KIB, bench_stat_of(cycles, frames, bench_runs));
}

/* Every lazy zero-page row: sbrk of each of the first nsizes region sizes, first read, first write. */
static void bench_zero_rows(int nsizes)
{
  for (int s = 0; s < nsizes; s++)
    bench_zero_sbrk(bench_sizes_kib[s]);
  bench_zero_fault("zero_read", 0);
  bench_zero_fault("zero_write", 1);
}

/* The zero-page frame checks: sbrk takes no frame at any size, a first read none, a first write one. */
static void bench_check_zero_frames(int nsizes)
{
  int ok = 1;
  for (int s = 0; s < nsizes; s++) {
    const struct bench_row *r = bench_find("sbrk_grow", BENCH_NO_POLICY, bench_sizes_kib[s]);
    if (r->st.frames_min != 0 || r->st.frames_max != 0)
      ok = 0;
  }
  const struct bench_row *rd = bench_find("zero_read", BENCH_NO_POLICY, PGSIZE / BENCH_KIB);
  const struct bench_row *wr = bench_find("zero_write", BENCH_NO_POLICY, PGSIZE / BENCH_KIB);
  utest_check("bench_zero_frames",
              ok && rd->st.frames_min == 0 && rd->st.frames_max == 0 && wr->st.frames_min == 1 && wr->st.frames_max == 1,
              "sbrk took frames at some size (%d: want 0 at every size); first read took %d..%d frames (want 0), "
              "first write %d..%d (want 1)", !ok, rd->st.frames_min, rd->st.frames_max, wr->st.frames_min,
              wr->st.frames_max);
}

/* All rows of one region size: allocate and touch it, run every policy, free it. */
static void bench_region(unsigned size_kib)
{
  uint32_t bytes = size_kib * BENCH_KIB, pages = bytes / PGSIZE;
  uint32_t brk = (uint32_t)sbrk(0);
  uint32_t pad = (PGSIZE - brk % PGSIZE) % PGSIZE;
  char *start = sbrk((int)(pad + bytes));
  if (start == (char *)-1)
    bench_die("sbrk could not allocate the region");
  bench_back(start + pad, bytes);
  volatile uint32_t *base = (volatile uint32_t *)(start + pad);
  printf("[forkbench] region %u KiB (%u pages)\n", size_kib, pages);
  for (int pi = 0; pi < BENCH_POLICIES; pi++) {
    bench_fork_runs(base, pages, pi, size_kib);
    bench_exit_untouched_runs(pi, size_kib);
    bench_fork_exec_runs(base, pages, pi, size_kib);
  }
  if (sbrk(-(int)(pad + bytes)) == (char *)-1)
    bench_die("sbrk could not free the region");
}

/* ---- output and checks ----------------------------------------------------- */

/* Non-zero when s is one or more decimal digits. */
static int bench_is_digits(const char *s)
{
  if (!*s)
    return 0;
  for (; *s; s++)
    if (*s < '0' || *s > '9')
      return 0;
  return 1;
}

/* Value of a digit string. */
static uint64_t bench_parse_u64(const char *s)
{
  uint64_t v = 0;
  for (; *s; s++)
    v = v * 10 + (uint64_t)(*s - '0');
  return v;
}

/* Non-zero when s is one of the n names. */
static int bench_in(const char *s, const char *const *names, int n)
{
  for (int i = 0; i < n; i++)
    if (strcmp(s, names[i]) == 0)
      return 1;
  return 0;
}

/* 0 when s begins with prefix. */
static int strncmp_prefix(const char *s, const char *prefix)
{
  for (; *prefix; s++, prefix++)
    if (*s != *prefix)
      return 1;
  return 0;
}

/* Remember the first format problem (for bench_format's FAIL line). */
static void bench_format_fail(const char *what, const char *line)
{
  if (bench_format_error[0])
    return;
  struct bench_line l = { .len = 0 };
  bench_line_str(&l, what);
  bench_line_str(&l, " in '");
  bench_line_str(&l, line);
  bench_line_str(&l, "'");
  strcpy(bench_format_error, l.buf);
}

/* Check one CSV data line against the column contract; 0 when it holds. */
static int bench_check_csv(const char *line)
{
  char copy[BENCH_LINE];
  char *field[BENCH_FIELDS];
  int n = 0;
  strcpy(copy, line);
  field[n++] = copy;
  for (char *p = copy; *p; p++)
    if (*p == ',') {
      *p = 0;
      if (n == BENCH_FIELDS) {
        bench_format_fail("more than 7 fields", line);
        return -1;
      }
      field[n++] = p + 1;
    }
  if (n != BENCH_FIELDS) {
    bench_format_fail("fewer than 7 fields", line);
    return -1;
  }
  int nmetrics = (int)(sizeof bench_metric_names / sizeof bench_metric_names[0]);
  int nthr = (int)(sizeof thr_metric_names / sizeof thr_metric_names[0]);
  if (!bench_in(field[0], bench_metric_names, nmetrics) && !bench_in(field[0], thr_metric_names, nthr) &&
      strncmp_prefix(field[0], PAR_ROW_PREFIX) != 0) {
    bench_format_fail("unknown metric", line);
    return -1;
  }
  if (!bench_in(field[1], bench_policy_names, BENCH_POLICIES) && strcmp(field[1], BENCH_NO_POLICY) != 0) {
    bench_format_fail("unknown policy", line);
    return -1;
  }
  for (int i = 2; i < 6; i++)
    if (!bench_is_digits(field[i])) {
      bench_format_fail("a size or cycle field is not a number", line);
      return -1;
    }
  if (!bench_is_digits(field[6][0] == '-' ? field[6] + 1 : field[6])) {
    bench_format_fail("frames is not an integer", line);
    return -1;
  }
  uint64_t med = bench_parse_u64(field[3]), min = bench_parse_u64(field[4]), max = bench_parse_u64(field[5]);
  if (min > med || med > max) {
    bench_format_fail("not min <= median <= max", line);
    return -1;
  }
  return 0;
}

/* The kernel's processor probes, linked into this program too (src/kernel/arch/cpu_probe.asm). */
int cpu_eflags_toggles(uint32_t mask);
void cpu_cpuid(uint32_t leaf, uint32_t r[4]);

/* Non-zero when the CPU has the cpuid instruction (EFLAGS.ID can be toggled). */
static int bench_has_cpuid(void)
{
  return cpu_eflags_toggles(EFLAGS_ID);
}

/* Non-zero when CPUID reports a time-stamp counter (every Pentium; no i486). */
static int bench_has_tsc(void)
{
  uint32_t r[4];
  if (!bench_has_cpuid())
    return 0;
  cpu_cpuid(CPUID_LEAF_VENDOR, r);
  if (r[0] < CPUID_LEAF_FEATURES)
    return 0;
  cpu_cpuid(CPUID_LEAF_FEATURES, r);
  return (r[3] & CPUID_EDX_TSC) != 0;
}

/* The cpuid brand string into brand (at least 49 bytes); 0 when the CPU has none. */
static int bench_cpu_brand(char *brand)
{
  if (!bench_has_cpuid())
    return 0;
  uint32_t r[4];
  cpu_cpuid(CPUID_EXT_MAX, r);
  if (r[0] < CPUID_BRAND_LAST)
    return 0;
  char *p = brand;
  for (uint32_t leaf = CPUID_BRAND_FIRST; leaf <= CPUID_BRAND_LAST; leaf++) {
    cpu_cpuid(leaf, r);
    memcpy(p, r, sizeof r);
    p += sizeof r;
  }
  *p = 0;
  return brand[0] != 0;
}

/* Print the CSV lines (header, cpu comment, rows), checking each row's format. */
static void bench_print_csv(int expected_rows)
{
  char brand[3 * 16 + 1];
  printf(BENCH_CSV_PREFIX "%s\n", BENCH_CSV_HEADER);
  if (bench_cpu_brand(brand)) {
    char *b = brand;
    while (*b == ' ')
      b++;
    printf(BENCH_CSV_PREFIX "# cpu=%s\n", b);
  }
  for (int i = 0; i < bench_nrows; i++) {
    struct bench_line l = { .len = 0 };
    bench_row_csv(&bench_rows[i], &l);
    bench_check_csv(l.buf);
    printf(BENCH_CSV_PREFIX "%s\n", l.buf);
  }
  if (bench_nrows != expected_rows && !bench_format_error[0]) {
    struct bench_line l = { .len = 0 };
    bench_line_str(&l, "rows printed ");
    bench_line_u64(&l, (unsigned)bench_nrows);
    bench_line_str(&l, ", expected ");
    bench_line_u64(&l, (unsigned)expected_rows);
    strcpy(bench_format_error, l.buf);
  }
}

/* Print a 64-bit value right-aligned in width columns. */
static void bench_print_u64(uint64_t v, int width)
{
  char buf[21];
  bench_u64_str(buf, v);
  for (int pad = width - (int)strlen(buf); pad > 0; pad--)
    printf(" ");
  printf("%s", buf);
}

/* Print the readable table and the two comparisons (COW vs OLD fork, COW fault vs its bound). */
static void bench_print_table(int nsizes)
{
  printf("%s\n", BENCH_TABLE_BEGIN);
  printf("TSC counts (guest instructions under -icount, else cycles), median of %d runs [min, max];\n"
         "frames: free user frames taken by the operation\n", bench_runs);
  printf("%-15s %-9s %8s %12s %12s %12s %7s\n", "metric", "policy", "size_KiB", "median", "min", "max", "frames");
  for (int i = 0; i < bench_nrows; i++) {
    const struct bench_row *r = &bench_rows[i];
    printf("%-15s %-9s %8u ", r->metric, r->policy, r->size_kib);
    bench_print_u64(r->st.median, 12), printf(" ");
    bench_print_u64(r->st.min, 12), printf(" ");
    bench_print_u64(r->st.max, 12);
    printf(" %7d\n", r->st.frames);
  }
  const struct bench_row *reuse = bench_find("reuse_fault", BENCH_NO_POLICY, PGSIZE / BENCH_KIB);
  const struct bench_row *copy = bench_find("memcpy_4k", BENCH_NO_POLICY, PGSIZE / BENCH_KIB);
  uint64_t bound = reuse->st.median + copy->st.median;
  printf("COW fork speed-up over OLD fork (OLD median / COW median):\n");
  for (int s = 0; s < nsizes; s++) {
    const struct bench_row *old = bench_find("fork", "OLD", bench_sizes_kib[s]);
    const struct bench_row *cow = bench_find("fork", "COW", bench_sizes_kib[s]);
    printf("  %8u KiB: ", bench_sizes_kib[s]);
    bench_print_ratio(old->st.median, cow->st.median);
    printf("x\n");
  }
  printf("COW copy fault against its bound, reuse fault + 4 KiB memcpy = ");
  bench_print_u64(bound, 0);
  printf(" TSC counts:\n");
  for (int s = 0; s < nsizes; s++) {
    const struct bench_row *cow = bench_find("fault_per_page", "COW", bench_sizes_kib[s]);
    printf("  %8u KiB: ", bench_sizes_kib[s]);
    bench_print_u64(cow->st.median, 0);
    printf(" per page = ");
    bench_print_ratio(cow->st.median, bound);
    printf(" x bound\n");
  }
  printf("%s\n", BENCH_TABLE_END);
}

/* The frame checks: OLD copies the region, COW takes (almost) nothing from the user pool. */
static void bench_check_frames(int nsizes)
{
  int old_ok = 1, cow_ok = 1;
  unsigned old_size = 0, cow_size = 0;
  int old_seen = 0, cow_seen = 0;
  for (int s = 0; s < nsizes; s++) {
    int pages = (int)(bench_sizes_kib[s] * BENCH_KIB / PGSIZE);
    const struct bench_row *old = bench_find("fork", "OLD", bench_sizes_kib[s]);
    const struct bench_row *cow = bench_find("fork", "COW", bench_sizes_kib[s]);
    if (old_ok && old->st.frames_min < pages)
      old_ok = 0, old_size = bench_sizes_kib[s], old_seen = old->st.frames_min;
    if (cow_ok && cow->st.frames_max > BENCH_COW_FRAMES_MAX)
      cow_ok = 0, cow_size = bench_sizes_kib[s], cow_seen = cow->st.frames_max;
  }
  utest_check("bench_old_frames", old_ok, "OLD fork of %u KiB took %d frames, fewer than the region's %u pages",
              old_size, old_seen, old_size * BENCH_KIB / PGSIZE);
  utest_check("bench_cow_frames", cow_ok, "COW fork of %u KiB took %d user frames, more than %d", cow_size,
              cow_seen, BENCH_COW_FRAMES_MAX);
}

/* Check name: every median, min and max is above zero, but in row skip (a difference; 0 for none). */
static void bench_check_positive(const char *name, const char *skip)
{
  for (int i = 0; i < bench_nrows; i++) {
    const struct bench_row *r = &bench_rows[i];
    if (skip && strcmp(r->metric, skip) == 0)
      continue;
    if (r->st.min == 0 || r->st.median == 0 || r->st.max == 0) {
      utest_fail(name, "row %s,%s,%u has a zero cycle count", r->metric, r->policy, r->size_kib);
      return;
    }
  }
  utest_ok(name);
}


/* ---- threads: a multi-threaded process forking and faulting (`threadbench [quick]`) ------- */

#define THR_MAX             9              /* threads of one process: the caller and up to 8 created */
#define THR_STACK_PAGES     4              /* each created thread's stack (no guard page) */
#define THR_FORK_KIB        256            /* the region of the threads fork rows */
#define THR_FORK_COUNTS     3              /* thread counts of the fork rows: 1, 2, 4 */
#define THR_FAULT_KIB       256            /* the region written by the copy-fault rows */
#define THR_SPIN_FRAMES_MAX 2              /* a spinner's faults while a fork's child lives: its page, its stack */
#define THR_SETTLE_TICKS    2              /* a parked sibling is given this long to fall asleep */
#define THR_CHECK_TURNS     64             /* the caller's turns while it looks at the spinners */
#define THR_SPIN_TRIES      50             /* looks (a tick apart) before the spinners are given up on */
#define THR_ROWS            (THR_FORK_COUNTS + 3)

/* A created thread's own page (the word it writes while it spins) and stack, taken from the heap by
 * thr_memory (in the data segment they would grow every other mode's fork). */
static uint8_t (*thr_pages)[PGSIZE];
static uint8_t (*thr_stacks)[THR_STACK_PAGES * PGSIZE];
static int thr_tids[THR_MAX];
static volatile int thr_stop;          /* spinners and workers end when set */
static volatile int thr_park;          /* a spinner sleeps in futex_wait while this is 1 */

/* Let another CPU run: under -icount QEMU's round-robin moves to the next CPU at a pause. */
static inline void thr_relax(void)
{
  __asm__ volatile("pause" ::: "memory");
}

/* Take the threads' pages and stacks from the heap, page-aligned (once; before any region the caller
 * gives back with sbrk, which shrinks from the top). */
static void thr_memory(void)
{
  uint32_t brk = (uint32_t)sbrk(0), pad = (PGSIZE - brk % PGSIZE) % PGSIZE;
  uint32_t bytes = THR_MAX * (PGSIZE + THR_STACK_PAGES * PGSIZE);
  if (thr_pages)
    return;
  char *start = sbrk((int)(pad + bytes));
  if (start == (char *)-1)
    bench_die("sbrk could not allocate the threads' pages and stacks");
  bench_back(start + pad, bytes);
  thr_pages = (uint8_t(*)[PGSIZE])(start + pad);
  thr_stacks = (uint8_t(*)[THR_STACK_PAGES * PGSIZE])(start + pad + THR_MAX * PGSIZE);
}

/* Start fn(i) on created thread i for i in [1, n) (thread 0 is the caller). */
static void thr_start(int n, void (*fn)(void *))
{
  thr_stop = 0;
  for (int i = 1; i < n; i++) {
    thr_tids[i] = thread_create(fn, (void *)(uintptr_t)i, thr_stacks[i] + THR_STACK_PAGES * PGSIZE);
    if (thr_tids[i] < 0)
      bench_die("thread_create failed");
  }
}

/* Stop threads 1..n-1 (thr_stop, a wake for any parked one) and join each. */
static void thr_stop_all(int n)
{
  thr_stop = 1;
  thr_park = 0;
  futex_wake((int *)&thr_park, THR_MAX);
  for (int i = 1; i < n; i++)
    if (thread_join(thr_tids[i], 0) != 0)
      bench_die("thread_join failed");
}

#ifdef FORKBENCH_THREADS   /* threadbench.c: the -icount threads rows */

static const int thr_fork_counts[THR_FORK_COUNTS] = { 1, 2, 4 };
static const char *const thr_fork_names[THR_FORK_COUNTS] = { "fork_cow_256k_threads1", "fork_cow_256k_threads2",
                                                             "fork_cow_256k_threads4" };

static volatile int thr_parked;        /* spinners that saw thr_park and are going to sleep */
static volatile uint32_t thr_ping;     /* bumped by the caller; each running spinner answers it */

/* The word spinner i writes: the last ping it answered. */
static volatile uint32_t *thr_pong(int i)
{
  return (volatile uint32_t *)thr_pages[i];
}

/* A spinner (arg: its index): reads its own page in a loop with a pause, in user mode, so its CPU
 * stays in the space's set without a fault of its own after a fork; it writes its page only to
 * answer a new thr_ping. While thr_park is 1 it sleeps in futex_wait instead; ends at thr_stop. */
static void thr_spinner(void *arg)
{
  int i = (int)(uintptr_t)arg;
  volatile uint32_t *pong = thr_pong(i);
  while (!thr_stop) {
    if (thr_park) {
      __atomic_add_fetch(&thr_parked, 1, __ATOMIC_SEQ_CST);
      futex_wait((int *)&thr_park, 1);
      __atomic_sub_fetch(&thr_parked, 1, __ATOMIC_SEQ_CST);
      continue;
    }
    uint32_t ping = thr_ping;
    if (*pong != ping)
      *pong = ping;
    thr_relax();
  }
}

/* Non-zero when spinners 1..n-1 all run at once: each answers a new ping while the caller turns
 * THR_CHECK_TURNS times. A spinner waiting for a CPU (it shares one with another spinner until a
 * timer tick) does not answer in so short a window. */
static int thr_all_spinning(int n)
{
  uint32_t ping = ++thr_ping;
  for (int t = 0; t < THR_CHECK_TURNS; t++)
    thr_relax();
  for (int i = 1; i < n; i++)
    if (*thr_pong(i) != ping)
      return 0;
  return 1;
}

/* Wait until spinners 1..n-1 all run on CPUs of their own at once. Each failed look sleeps a tick:
 * this CPU goes to a waiting spinner, and the caller comes back on the idle CPU it is woken on. */
static void thr_wait_spinning(int n)
{
  for (int tries = 0; !thr_all_spinning(n); tries++) {
    if (tries == THR_SPIN_TRIES)
      bench_die("the spinner threads never ran on CPUs of their own at once (fewer CPUs than threads?)");
    sleep(1);
  }
}

/* Park the spinners (n - 1 of them): each sleeps in futex_wait, its CPU out of the space. */
static void thr_park_spinners(int n)
{
  thr_park = 1;
  while (thr_parked < n - 1)
    thr_relax();
  sleep(THR_SETTLE_TICKS);               /* from "going to sleep" to asleep */
}

/* Wake the parked spinners and wait until each runs again. */
static void thr_unpark_spinners(int n)
{
  thr_park = 0;
  futex_wake((int *)&thr_park, THR_MAX);
  thr_wait_spinning(n);
}

/* The fork_cow_256k_threadsN row: a COW fork of a touched 256 KiB region (bench_timed_xfork, the
 * child exits at once) with nthreads - 1 spinners running beside the caller. */
static void thr_fork_runs(volatile uint32_t *base, uint32_t pages, int ci)
{
  uint64_t cycles[BENCH_RUNS_MAX];
  int frames[BENCH_RUNS_MAX], n = thr_fork_counts[ci];
  thr_start(n, thr_spinner);
  thr_wait_spinning(n);
  for (int r = 0; r < bench_runs; r++) {
    bench_touch(base, pages, (uint32_t)r);
    int before = bench_free_frames();
    int pid = bench_timed_xfork(FORK_POLICY_COW, &cycles[r]);
    if (pid == 0)
      exit(0);
    frames[r] = before - bench_free_frames();
    if (pid < 0 || waitpid(pid, 0) != pid)
      bench_die("xfork or waitpid of a threads fork failed");
  }
  thr_stop_all(n);
  bench_add_row(thr_fork_names[ci], "COW", THR_FORK_KIB, bench_stat_of(cycles, frames, bench_runs));
}

/* Per page, a write to each of pages pages shared with a live COW child (each a copy fault);
 * *frames: the frames the writes took. With spinning, the caller's sibling spinner is running: it
 * takes its own fault on its page (write-protected by the fork) before the clock starts. */
static uint64_t thr_copy_faults(volatile uint32_t *base, uint32_t pages, uint32_t value, int spinning, int *frames)
{
  int hold[2];
  char c;
  bench_touch(base, pages, value);       /* the caller's own pages before the fork */
  if (pipe(hold) < 0)
    bench_die("pipe failed");
  int pid = xfork(FORK_POLICY_COW);
  if (pid == 0) {
    close(hold[1]);
    read(hold[0], &c, 1);
    exit(0);
  }
  if (pid < 0)
    bench_die("xfork for the copy faults failed");
  close(hold[0]);
  if (spinning)
    thr_wait_spinning(2);
  int before = bench_free_frames();
  uint64_t t0 = bench_rdtsc();
  bench_touch(base, pages, value + 1);
  uint64_t t1 = bench_rdtsc();
  *frames = before - bench_free_frames();
  close(hold[1]);
  if (waitpid(pid, 0) != pid)
    bench_die("waitpid for the copy-fault child failed");
  return (t1 - t0) / pages;
}

/* Rows cow_copy_fault_threads_alone and _sibling (a copy fault in a 2-thread process, the sibling
 * asleep in futex_wait or spinning on another CPU) and shootdown_cost (their run-by-run difference:
 * the IPI to the sibling's CPU and the wait for its acknowledgement). */
static void thr_shootdown_runs(volatile uint32_t *base, uint32_t pages, int *frames_ok)
{
  uint64_t alone[BENCH_RUNS_MAX], sibling[BENCH_RUNS_MAX], diff[BENCH_RUNS_MAX];
  int alone_frames[BENCH_RUNS_MAX], sibling_frames[BENCH_RUNS_MAX], diff_frames[BENCH_RUNS_MAX];
  thr_start(2, thr_spinner);
  thr_wait_spinning(2);
  for (int r = 0; r < bench_runs; r++) {
    thr_park_spinners(2);
    alone[r] = thr_copy_faults(base, pages, (uint32_t)r, 0, &alone_frames[r]);
    thr_unpark_spinners(2);
    sibling[r] = thr_copy_faults(base, pages, (uint32_t)r, 1, &sibling_frames[r]);
    diff[r] = sibling[r] > alone[r] ? sibling[r] - alone[r] : 0;
    diff_frames[r] = sibling_frames[r] - alone_frames[r];
    if (alone_frames[r] < (int)pages || sibling_frames[r] < (int)pages)
      *frames_ok = 0;
  }
  thr_stop_all(2);
  bench_add_row("cow_copy_fault_threads_alone", "COW", PGSIZE / BENCH_KIB,
                bench_stat_of(alone, alone_frames, bench_runs));
  bench_add_row("cow_copy_fault_threads_sibling", "COW", PGSIZE / BENCH_KIB,
                bench_stat_of(sibling, sibling_frames, bench_runs));
  bench_add_row("shootdown_cost", "COW", PGSIZE / BENCH_KIB, bench_stat_of(diff, diff_frames, bench_runs));
}

/* Print the threads table: the fork rows against one thread, the copy faults and their difference. */
static void thr_print_table(void)
{
  const struct bench_row *one = bench_find(thr_fork_names[0], "COW", THR_FORK_KIB);
  printf("%s\n", BENCH_TABLE_BEGIN);
  printf("threads of one process (every extra thread spins on a CPU of its own), TSC counts (guest\n"
         "instructions under -icount), median of %d runs [min, max]; frames: free user frames taken\n", bench_runs);
  printf("%-30s %8s %10s %10s %10s %6s %8s\n", "metric", "size_KiB", "median", "min", "max", "frames", "vs_1thr");
  for (int i = 0; i < bench_nrows; i++) {
    const struct bench_row *r = &bench_rows[i];
    printf("%-30s %8u ", r->metric, r->size_kib);
    bench_print_u64(r->st.median, 10), printf(" ");
    bench_print_u64(r->st.min, 10), printf(" ");
    bench_print_u64(r->st.max, 10);
    printf(" %6d ", r->st.frames);
    if (i < THR_FORK_COUNTS)
      bench_print_ratio(r->st.median, one->st.median), printf("x");
    printf("\n");
  }
  printf("shootdown_cost: per copy fault, sibling spinning on another CPU minus sibling asleep, run by run\n");
  printf("%s\n", BENCH_TABLE_END);
}

/* `threadbench [quick]` (booted on 5 CPUs under -icount): the fork_cow_256k_threadsN rows and the
 * copy fault with and without a running sibling; frames checked, never a timing. */
static int bench_threads(void)
{
  thr_memory();
  uint32_t bytes = THR_FORK_KIB * BENCH_KIB, brk = (uint32_t)sbrk(0);
  uint32_t pad = (PGSIZE - brk % PGSIZE) % PGSIZE;
  int fault_frames_ok = 1, fork_ok = 1, fork_seen = 0, fork_threads = 0;
  char *start = sbrk((int)(pad + bytes));
  if (start == (char *)-1)
    bench_die("sbrk could not allocate the threads region");
  bench_back(start + pad, bytes);
  volatile uint32_t *base = (volatile uint32_t *)(start + pad);
  printf("[forkbench] threads: COW fork of %u KiB with 1, 2 and 4 threads; copy faults of %u KiB with the "
         "sibling asleep and running; %d runs each\n", THR_FORK_KIB, THR_FAULT_KIB, bench_runs);
  for (int ci = 0; ci < THR_FORK_COUNTS; ci++) {
    thr_fork_runs(base, bytes / PGSIZE, ci);
    int allowed = BENCH_COW_FRAMES_MAX + (thr_fork_counts[ci] - 1) * THR_SPIN_FRAMES_MAX;
    const struct bench_row *r = &bench_rows[bench_nrows - 1];
    if (fork_ok && r->st.frames_max > allowed)
      fork_ok = 0, fork_seen = r->st.frames_max, fork_threads = thr_fork_counts[ci];
  }
  thr_shootdown_runs(base, THR_FAULT_KIB * BENCH_KIB / PGSIZE, &fault_frames_ok);
  if (sbrk(-(int)(pad + bytes)) == (char *)-1)
    bench_die("sbrk could not free the threads region");
  bench_print_csv(THR_ROWS);
  thr_print_table();
  utest_check("bench_threads_format", bench_format_error[0] == 0, "%s", bench_format_error);
  if (bench_tsc)
    bench_check_positive("bench_threads_positive", "shootdown_cost");
  utest_check("bench_threads_fork_frames", fork_ok,
              "a COW fork with %d threads took %d user frames, more than %d per process and %d per spinner",
              fork_threads, fork_seen, BENCH_COW_FRAMES_MAX, THR_SPIN_FRAMES_MAX);
  utest_check("bench_threads_fault_frames", fault_frames_ok,
              "a run of copy faults took fewer frames than the %u pages it wrote", THR_FAULT_KIB * BENCH_KIB / PGSIZE);
  return utest_status();
}

#endif /* FORKBENCH_THREADS */

/* ---- parallel COW fault throughput (`forkbench par P [quick]`) -------------- */

#define PAR_PAGES_FULL      16384      /* pages each process writes: 64 MiB */
#define PAR_PAGES_QUICK     64
#define PAR_THREAD_PAGES_FULL  32      /* pages each thread of one process writes: 128 KiB (every fault */
#define PAR_THREAD_PAGES_QUICK 16      /* waits for the other CPUs' acknowledgements) */
#define PAR_RUNS_FULL       11         /* timed runs of each configuration */
#define PAR_THREAD_RUNS_FULL 5         /* ... but the threads of one process: the first 5 runs */
#define PAR_RUNS_MAX        PAR_RUNS_FULL
#define PAR_PROCS_MAX       8
#define PAR_CAL_TICKS       50         /* timer ticks the TSC is calibrated over */
#define PAR_CONFIGS_MAX     2          /* one process, then P processes (P > 1) */
#define PAR_NAME_LEN        32
#define PAR_MILLI           1000       /* par_speedup rows are in thousandths */
#define PAR_SMP_PREFIX      "smp"
#define PAR_ONE_PREFIX      "1proc_smp"
#define PAR_SPEEDUP_METRIC  "par_speedup_smp"
#define PAR_THREAD_METRIC   "par_thread_faults_smp"

/* The benchmark clock: the TSC, or the timer tick on a CPU without one. */
static uint64_t par_now(void)
{
  return bench_tsc ? bench_rdtsc() : (uint64_t)uptime();
}

/* par_now counts per second: the TSC measured over PAR_CAL_TICKS timer ticks, else HZ. */
static uint64_t par_clock_hz(void)
{
  int start;
  uint64_t t0, t1;
  if (!bench_tsc)
    return HZ;
  start = uptime();
  while (uptime() == start)            /* begin on a tick edge */
    ;
  start = uptime();
  t0 = bench_rdtsc();
  while (uptime() < start + PAR_CAL_TICKS)
    ;
  t1 = bench_rdtsc();
  return (t1 - t0) * HZ / PAR_CAL_TICKS;
}

/* A worker: say it is ready, wait for go (EOF), write one word in each page of its own
 * slice (each a COW copy fault), say it is done, exit when hold reaches EOF. */
static void par_worker(volatile uint32_t *slice, uint32_t pages, int back, int go, int hold)
  __attribute__((noreturn));
static void par_worker(volatile uint32_t *slice, uint32_t pages, int back, int go, int hold)
{
  char c = 'r';
  if (write(back, &c, 1) != 1 || read(go, &c, 1) != 0)
    exit(1);
  bench_touch(slice, pages, 1);
  c = 'd';
  write(back, &c, 1);
  read(hold, &c, 1);
  exit(0);
}

/* One run: nproc processes forked (COW) from this one each write their own pages of the region
 * at the same moment; returns faults per second of the clock at hz, *frames the frames taken. */
static uint64_t par_run(volatile uint32_t *region, uint32_t pages, int nproc, uint64_t hz, int *frames)
{
  int go[2], hold[2], back[2], pids[PAR_PROCS_MAX], status;
  char bytes[PAR_PROCS_MAX];
  uint64_t t0, t1;

  bench_touch(region, pages * (uint32_t)nproc, 0);   /* every page the parent's own again */
  if (pipe(go) < 0 || pipe(hold) < 0 || pipe(back) < 0)
    bench_die("pipe failed");
  for (int i = 0; i < nproc; i++) {
    pids[i] = xfork(FORK_POLICY_COW);
    if (pids[i] == 0) {
      close(go[1]), close(hold[1]), close(back[0]);
      par_worker(region + (uint32_t)i * pages * BENCH_PAGE_WORDS, pages, back[1], go[0], hold[0]);
    }
    if (pids[i] < 0)
      bench_die("xfork of a parallel worker failed");
  }
  close(go[0]), close(hold[0]), close(back[1]);
  if (bench_read_all(back[0], bytes, nproc) < 0)
    bench_die("a parallel worker did not get ready");
  int before = bench_free_frames();
  t0 = par_now();
  close(go[1]);                          /* go: every worker's read sees EOF */
  if (bench_read_all(back[0], bytes, nproc) < 0)
    bench_die("a parallel worker did not finish");
  t1 = par_now();
  *frames = before - bench_free_frames();
  close(hold[1]), close(back[0]);
  for (int i = 0; i < nproc; i++)
    if (waitpid(pids[i], &status) != pids[i] || status != 0)
      bench_die("a parallel worker did not exit 0");
  return (uint64_t)nproc * pages * hz / (t1 > t0 ? t1 - t0 : 1);
}

static volatile uint32_t *par_thr_region;  /* the threads run: the region, pages per thread, threads */
static uint32_t par_thr_pages;
static int par_thr_n;
static volatile int par_thr_ready, par_thr_go, par_thr_done;

/* A worker thread of one process (arg: its index, from 1): say it is ready, spin until go, write
 * one word in each page of its own slice (each a COW copy fault), count itself done; the last one
 * wakes the caller. */
static void par_thread_worker(void *arg)
{
  uint32_t i = (uint32_t)(uintptr_t)arg - 1;
  __atomic_add_fetch(&par_thr_ready, 1, __ATOMIC_SEQ_CST);
  while (!par_thr_go)
    thr_relax();
  bench_touch(par_thr_region + i * par_thr_pages * BENCH_PAGE_WORDS, par_thr_pages, 1);
  if (__atomic_add_fetch(&par_thr_done, 1, __ATOMIC_SEQ_CST) == par_thr_n)
    futex_wake((int *)&par_thr_done, 1);
}

/* One run: nthreads threads of this process each write their own pages of the region, shared with
 * a COW child that holds it, at the same moment; returns faults per second of the clock at hz,
 * *frames the frames taken. The caller sleeps in futex_wait meanwhile. */
static uint64_t par_thread_run(volatile uint32_t *region, uint32_t pages, int nthreads, uint64_t hz, int *frames)
{
  int hold[2], done;
  char c;
  bench_touch(region, pages * (uint32_t)nthreads, 0);   /* every page the caller's own again */
  if (pipe(hold) < 0)
    bench_die("pipe failed");
  int pid = xfork(FORK_POLICY_COW);
  if (pid == 0) {
    close(hold[1]);
    read(hold[0], &c, 1);
    exit(0);
  }
  if (pid < 0)
    bench_die("xfork of the region's holder failed");
  close(hold[0]);
  par_thr_region = region, par_thr_pages = pages, par_thr_n = nthreads;
  par_thr_ready = par_thr_go = par_thr_done = 0;
  thr_start(nthreads + 1, par_thread_worker);
  while (par_thr_ready < nthreads)
    thr_relax();
  int before = bench_free_frames();
  uint64_t t0 = par_now();
  par_thr_go = 1;
  while ((done = par_thr_done) < nthreads)
    futex_wait((int *)&par_thr_done, done);
  uint64_t t1 = par_now();
  *frames = before - bench_free_frames();
  thr_stop_all(nthreads + 1);
  close(hold[1]);
  if (waitpid(pid, 0) != pid)
    bench_die("waitpid for the region's holder failed");
  return (uint64_t)nthreads * pages * hz / (t1 > t0 ? t1 - t0 : 1);
}

/* `forkbench par P`: COW write faults per second with 1 and with P processes, each writing its
 * own pages of a region forked from this one; csv rows par_faults_1proc_smpP (P > 1),
 * par_faults_smpP and par_speedup_smpP (P > 1), frames checked (each process copies all its
 * pages), never a timing. */
static int bench_par(int nproc, int quick)
{
  static char names[PAR_CONFIGS_MAX + 1][PAR_NAME_LEN], thread_name[PAR_NAME_LEN];
  uint64_t rates[PAR_CONFIGS_MAX][PAR_RUNS_MAX], speedups[PAR_RUNS_MAX], thread_rates[PAR_RUNS_MAX];
  int frames[PAR_CONFIGS_MAX][PAR_RUNS_MAX], counts[PAR_CONFIGS_MAX], nconfigs = 0, unused;
  int thread_frames[PAR_RUNS_MAX];
  int runs = quick ? BENCH_RUNS_QUICK : PAR_RUNS_FULL;
  int thread_runs = quick ? BENCH_RUNS_QUICK : PAR_THREAD_RUNS_FULL;
  uint32_t pages = quick ? PAR_PAGES_QUICK : PAR_PAGES_FULL;
  uint32_t thread_pages = quick ? PAR_THREAD_PAGES_QUICK : PAR_THREAD_PAGES_FULL;
  uint32_t bytes = pages * (uint32_t)nproc * PGSIZE, brk, pad;
  char num[UTEST_NUM_LEN];
  int frames_ok = 1, frames_seen = 0, frames_want = 0;

  if (nproc < 1 || nproc > PAR_PROCS_MAX)
    bench_die("par: the process count must be 1..8");
  thr_memory();
  brk = (uint32_t)sbrk(0);
  pad = (PGSIZE - brk % PGSIZE) % PGSIZE;
  char *start = sbrk((int)(pad + bytes));
  if (start == (char *)-1)
    bench_die("sbrk could not allocate the parallel region");
  bench_back(start + pad, bytes);
  volatile uint32_t *region = (volatile uint32_t *)(start + pad);
  uint64_t hz = par_clock_hz();
  if (nproc > 1)
    counts[nconfigs++] = 1;
  counts[nconfigs++] = nproc;
  for (int c = 0; c < nconfigs; c++) {
    strcpy(names[c], PAR_METRIC_PREFIX);
    strcpy(names[c] + strlen(names[c]), counts[c] == nproc ? PAR_SMP_PREFIX : PAR_ONE_PREFIX);
    strcpy(names[c] + strlen(names[c]), utest_itoa(nproc, num));
  }
  strcpy(names[nconfigs], PAR_SPEEDUP_METRIC);
  strcpy(names[nconfigs] + strlen(names[nconfigs]), utest_itoa(nproc, num));
  strcpy(thread_name, PAR_THREAD_METRIC);
  strcpy(thread_name + strlen(thread_name), utest_itoa(nproc, num));
  printf("[forkbench] parallel COW faults: %s%d process(es) x %u pages, a warm-up and %d runs each, then in the "
         "first %d runs %d thread(s) of one process x %u pages; clock %s, ", nproc > 1 ? "1 and " : "", nproc, pages,
         runs, thread_runs, nproc, thread_pages, bench_tsc ? "TSC" : "timer ticks");
  bench_print_u64(hz, 0);
  printf(" per second\n");
  for (int c = 0; c < nconfigs; c++)          /* warm-up: the host backs the frames, code is translated */
    par_run(region, pages, counts[c], hz, &unused);
  par_thread_run(region, thread_pages, nproc, hz, &unused);
  for (int r = 0; r < runs; r++) {
    for (int c = 0; c < nconfigs; c++)
      rates[c][r] = par_run(region, pages, counts[c], hz, &frames[c][r]);
    if (r < thread_runs)
      thread_rates[r] = par_thread_run(region, thread_pages, nproc, hz, &thread_frames[r]);
    if (nconfigs > 1)
      speedups[r] = rates[0][r] ? rates[1][r] * PAR_MILLI / rates[0][r] : 0;
  }
  for (int c = 0; c < nconfigs; c++) {
    struct bench_stat st = bench_stat_of(rates[c], frames[c], runs);
    int want = counts[c] * (int)pages;
    if (frames_ok && st.frames_min < want)
      frames_ok = 0, frames_seen = st.frames_min, frames_want = want;
    bench_add_row(names[c], "COW", pages * PGSIZE / BENCH_KIB, st);
    printf("[forkbench] %d process(es) on a %d-CPU machine: ", counts[c], nproc);
    bench_print_u64(st.median, 0);
    printf(" faults/s median\n");
  }
  struct bench_stat tst = bench_stat_of(thread_rates, thread_frames, thread_runs);
  if (frames_ok && tst.frames_min < nproc * (int)thread_pages)
    frames_ok = 0, frames_seen = tst.frames_min, frames_want = nproc * (int)thread_pages;
  bench_add_row(thread_name, "COW", thread_pages * PGSIZE / BENCH_KIB, tst);
  printf("[forkbench] %d thread(s) of one process on a %d-CPU machine: ", nproc, nproc);
  bench_print_u64(tst.median, 0);
  printf(" faults/s median\n");
  if (nconfigs > 1) {
    struct bench_stat st = bench_stat_of(speedups, frames[1], runs);
    bench_add_row(names[nconfigs], "COW", pages * PGSIZE / BENCH_KIB, st);
    printf("[forkbench] %d processes over 1, run by run: median ", nproc);
    bench_print_u64(st.median, 0);
    printf(" thousandths\n");
  }
  if (sbrk(-(int)(pad + bytes)) == (char *)-1)
    bench_die("sbrk could not free the parallel region");
  bench_print_csv(nconfigs + 1 + (nconfigs > 1));
  utest_check("bench_par_format", bench_format_error[0] == 0, "%s", bench_format_error);
  bench_check_positive("bench_par_positive", 0);
  utest_check("bench_par_frames", frames_ok,
              "a run took %d frames, fewer than the %d pages its processes wrote", frames_seen,
              frames_want);
  return utest_status();
}

int main(int argc, char *argv[])
{
  int quick = utest_quick(argc, argv);
  int nsizes = quick ? BENCH_SIZES_QUICK : BENCH_SIZES_FULL;
  bench_runs = quick ? BENCH_RUNS_QUICK : BENCH_RUNS_FULL;
  cowtrace(0);
#ifdef FORKBENCH_THREADS
  bench_tsc = bench_has_tsc();
  return bench_threads();
#endif
  if (argc > 2 && strcmp(argv[1], "par") == 0) {
    quick = argc > 3 && strcmp(argv[3], "quick") == 0;
    bench_runs = quick ? BENCH_RUNS_QUICK : BENCH_RUNS_FULL;
    bench_tsc = bench_has_tsc();
    return bench_par(atoi(argv[2]), quick);
  }
  printf("[forkbench] %s mode: %d region sizes, %d runs each\n", quick ? "quick" : "full", nsizes, bench_runs);
  bench_tsc = bench_has_tsc();
  if (!bench_tsc)
    printf("[forkbench] no time-stamp counter on this CPU (CPUID): cycle counts read 0 and are not checked\n");

  bench_ref_getpid();
  bench_ref_reuse();
  bench_ref_memcpy();
  bench_zero_rows(nsizes);
  for (int s = 0; s < nsizes; s++)
    bench_region(bench_sizes_kib[s]);

  bench_print_csv(nsizes * BENCH_POLICIES * BENCH_METRICS + BENCH_REFERENCES + nsizes + BENCH_ZERO_PAGE_ROWS);
  bench_print_table(nsizes);
  utest_check("bench_format", bench_format_error[0] == 0, "%s", bench_format_error);
  if (bench_tsc)
    bench_check_positive("bench_positive", 0);
  bench_check_frames(nsizes);
  bench_check_zero_frames(nsizes);
  return utest_status();
}
