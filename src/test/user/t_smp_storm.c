/*
 * t_smp_storm - a seeded copy-on-write storm of more processes than CPUs.
 *
 * The root fills a shared region and forks STORM_PROCS processes, which start
 * together (a go pipe) and each draw STORM_STEPS operations from their own
 * generator, seeded from the run's seed and their id: write a page with a new
 * pattern, check every page, fork a kid, reap the oldest kid, or yield. A kid
 * runs STORM_KID_STEPS writes and checks of its own over what it inherited,
 * then exits. Every process keeps the seed of each page's last fill, so its
 * region must hold exactly what it (or, before its own first write, its
 * parent) wrote; all of them hammer the same frames, which start shared by
 * every process. Everyone sends one report through a pipe (a mismatch also
 * prints pid, page, address, expected and seen at once); the root checks that
 * every process and kid reported success, that its own region is unchanged,
 * and that both pools are back at their free counts with memcheck 0. The
 * sequence of each process's operations depends on the seed only (the
 * interleaving is the scheduler's); `t_smp_storm full SEED` replays a seed.
 * Usage: t_smp_storm [quick|full] [seed]
 */
#include "user.h"
#include "test/utest.h"

#define STORM_PROCS         8
#define STORM_PAGES         16      /* the shared region: 64 KiB */
#define STORM_STEPS_FULL    200
#define STORM_STEPS_QUICK   40
#define STORM_KID_STEPS     12
#define STORM_KIDS_MAX      2       /* live kids per process: 8 + 16 + root + suite fit PROC_MAX */
#define STORM_DEFAULT_SEED  20261129u
#define STORM_SEED_MUL      0x9E3779B9u
#define STORM_KID_ID_MUL    100     /* a kid's writer id: parent id * this + kid number */
#define STORM_WORDS         (PGSIZE / 4)
#define STORM_ROOT_ID       0
#define STORM_DONE          6       /* a process's status when it reported (not 0: the root
                                       wrongly running process code must not pass) */
#define STORM_KID_OK        7       /* a kid's status when its checks held */
#define STORM_KID_BAD       9       /* a kid found its region wrong */
#define STORM_PERCENT       100
/* Cumulative weights out of STORM_PERCENT: write, check, fork, reap, yield. */
#define STORM_W_WRITE       45
#define STORM_W_CHECK       60
#define STORM_W_FORK        78
#define STORM_W_REAP        95

enum storm_code { STORM_OK, STORM_MISMATCH, STORM_FORK_FAILED, STORM_KID_FAILED, STORM_NO_GO };

/* One report per process and per kid. */
struct storm_report {
  int id, pid, code, step;      /* code: enum storm_code; step: where it first went wrong */
  int steps, writes, forks;
  int page, word, status;       /* STORM_MISMATCH: where; STORM_KID_FAILED: the kid's status */
  unsigned want, seen;
};

/* This process's state (a kid inherits it, then takes its own id). */
static struct {
  int id;
  unsigned *region;
  unsigned expect[STORM_PAGES];  /* seed of each page's last fill */
  unsigned fills, rng;
  int kids[STORM_KIDS_MAX], nkids;
  int report_fd;
  struct storm_report r;
} storm;

/* Record the first failure of this process. */
static void storm_note(int code, int step)
{
  if (storm.r.code != STORM_OK)
    return;
  storm.r.code = code;
  storm.r.step = step;
}

/* Check every page; on a mismatch print it, note it and return -1. */
static int storm_check(int step)
{
  unsigned seen = 0;
  for (int p = 0; p < STORM_PAGES; p++) {
    const unsigned *page = storm.region + p * STORM_WORDS;
    int w = utest_page_find_bad(page, storm.expect[p], &seen);
    if (w < 0)
      continue;
    printf("smp_storm mismatch: pid %d (id %d) step %d page %d address %p expected 0x%x "
           "seen 0x%x\n", getpid(), storm.id, step, p, &page[w], storm.expect[p] + (unsigned)w,
           seen);
    storm.r.page = p;
    storm.r.word = w;
    storm.r.want = storm.expect[p] + (unsigned)w;
    storm.r.seen = seen;
    storm_note(STORM_MISMATCH, step);
    return -1;
  }
  return 0;
}

/* Fill page p with a pattern no process has written before, and check it. */
static int storm_write(int p, int step)
{
  storm.expect[p] = utest_seed_word((unsigned)storm.id, ++storm.fills);
  utest_page_fill(storm.region + p * STORM_WORDS, storm.expect[p]);
  storm.r.writes++;
  return storm_check(step);
}

/* Send the report and exit with code. */
static void storm_finish(int code) __attribute__((noreturn));
static void storm_finish(int code)
{
  storm.r.id = storm.id;
  storm.r.pid = getpid();
  utest_write_full(storm.report_fd, &storm.r, sizeof(storm.r));
  exit(code);
}

/* A kid: writes and checks over the inherited region, then its report and exit. */
static void storm_kid(int id) __attribute__((noreturn));
static void storm_kid(int id)
{
  storm.id = id;
  storm.fills = 0;
  storm.nkids = 0;
  memset(&storm.r, 0, sizeof(storm.r));
  for (int step = 0; step < STORM_KID_STEPS && storm.r.code == STORM_OK; step++) {
    unsigned draw = utest_rand(&storm.rng);
    if (draw % 2 == 0)
      storm_write((int)(draw / 2 % STORM_PAGES), step);
    else
      storm_check(step);
    storm.r.steps++;
  }
  storm_check(STORM_KID_STEPS);
  storm_finish(storm.r.code == STORM_OK ? STORM_KID_OK : STORM_KID_BAD);
}

/* Reap the oldest kid; a status other than STORM_KID_OK is a failure. */
static void storm_reap(int step)
{
  int status = 0, pid = storm.kids[0];

  if (waitpid(pid, &status) != pid || status != STORM_KID_OK) {
    storm.r.status = status;
    storm_note(STORM_KID_FAILED, step);
  }
  for (int k = 1; k < storm.nkids; k++)
    storm.kids[k - 1] = storm.kids[k];
  storm.nkids--;
}

/* Fork a kid that takes the next kid id. */
static void storm_fork(int step)
{
  int id = storm.id * STORM_KID_ID_MUL + storm.r.forks + 1;
  unsigned kid_seed = utest_rand(&storm.rng);
  int pid = fork();

  if (pid == 0) {
    storm.rng = kid_seed;
    storm_kid(id);
  }
  if (pid < 0) {
    storm_note(STORM_FORK_FAILED, step);
    return;
  }
  storm.kids[storm.nkids++] = pid;
  storm.r.forks++;
}

/* A storm process: wait for go, run steps seeded operations, reap its kids, report. */
static void storm_process(int id, unsigned seed, int steps, int go) __attribute__((noreturn));
static void storm_process(int id, unsigned seed, int steps, int go)
{
  char token;
  int step;

  storm.id = id;
  storm.rng = (seed ^ (unsigned)id * STORM_SEED_MUL) | 1;
  if (read(go, &token, 1) != 0)            /* EOF: the root has started everyone */
    storm_note(STORM_NO_GO, 0);
  close(go);
  for (step = 0; step < steps && storm.r.code == STORM_OK; step++) {
    unsigned draw = utest_rand(&storm.rng) % STORM_PERCENT, arg = utest_rand(&storm.rng);
    if (draw < STORM_W_FORK && draw >= STORM_W_CHECK && storm.nkids == STORM_KIDS_MAX)
      draw = 0;                            /* no room for a kid: write instead */
    if (draw >= STORM_W_FORK && draw < STORM_W_REAP && storm.nkids == 0)
      draw = STORM_W_WRITE;                /* no kid to reap: check instead */
    if (draw < STORM_W_WRITE)
      storm_write((int)(arg % STORM_PAGES), step);
    else if (draw < STORM_W_CHECK)
      storm_check(step);
    else if (draw < STORM_W_FORK)
      storm_fork(step);
    else if (draw < STORM_W_REAP)
      storm_reap(step);
    else
      yield();
    storm.r.steps++;
  }
  while (storm.nkids > 0)
    storm_reap(step);
  storm_check(step);
  storm_finish(STORM_DONE);
}

/* The root's verdict on every report (reports[0..got)) and the processes' statuses. */
static void storm_verdict(const struct storm_report *reports, int got, const int *status,
                          unsigned seed, int quick)
{
  int forks = 0, bad_status = STORM_DONE, writes = 0, procs = 0;
  const struct storm_report *bad = 0;

  for (int i = 0; i < got; i++) {
    forks += reports[i].forks;
    writes += reports[i].writes;
    procs += reports[i].id <= STORM_PROCS;
    if (!bad && reports[i].code != STORM_OK)
      bad = &reports[i];
  }
  for (int i = 0; i < STORM_PROCS; i++)
    if (status[i] != STORM_DONE && bad_status == STORM_DONE)
      bad_status = status[i];
  printf("smp_storm: %d reports, %d kids forked, %d page writes\n", got, forks, writes);
  utest_check("smp_storm_procs", procs == STORM_PROCS && bad_status == STORM_DONE,
              "%d of %d processes reported; a status was %d (want %d; replay: t_smp_storm %s %u)",
              procs, STORM_PROCS, bad_status, STORM_DONE, quick ? "quick" : "full", seed);
  if (bad)
    utest_fail("smp_storm_reports",
               "id %d pid %d step %d: code %d (1 page %d word %d is 0x%x, expected 0x%x; 2 fork "
               "failed; 3 a kid exited %d, want %d; 4 no go); replay: t_smp_storm %s %u", bad->id,
               bad->pid, bad->step, bad->code, bad->page, bad->word, bad->seen, bad->want,
               bad->status, STORM_KID_OK, quick ? "quick" : "full", seed);
  else
    utest_check("smp_storm_reports", got == STORM_PROCS + forks,
                "%d reports, want %d processes + %d kids (replay: t_smp_storm %s %u)", got,
                STORM_PROCS, forks, quick ? "quick" : "full", seed);
}

/* Unsigned decimal value of s (atoi stops at 2^31). */
static unsigned storm_parse(const char *s)
{
  unsigned v = 0;
  for (; *s >= '0' && *s <= '9'; s++)
    v = v * 10 + (unsigned)(*s - '0');
  return v;
}

#define STORM_REPORTS_MAX (STORM_PROCS * (1 + STORM_STEPS_FULL))

static struct storm_report storm_reports[STORM_REPORTS_MAX];

int main(int argc, char *argv[])
{
  struct memstat base;
  int quick = utest_quick(argc, argv), steps = quick ? STORM_STEPS_QUICK : STORM_STEPS_FULL;
  unsigned seed = argc > 2 ? storm_parse(argv[2]) : STORM_DEFAULT_SEED;
  int go[2], rep[2], pids[STORM_PROCS], status[STORM_PROCS], got;

  printf("smp_storm seed=%u processes=%d steps=%d pages=%d\n", seed, STORM_PROCS, steps,
         STORM_PAGES);
  utest_warm_heap(STORM_PAGES * PGSIZE + PGSIZE);
  utest_touch_stack();
  memset(storm_reports, 0, sizeof(storm_reports));   /* the reports' pages are ours before base */
  memstat(&base);
  storm.region = (unsigned *)utest_heap_pages(STORM_PAGES);
  if (!utest_check("smp_storm_setup", storm.region && pipe(go) == 0 && pipe(rep) == 0,
                   "heap of %d pages %p, or a pipe, failed", STORM_PAGES, storm.region))
    return utest_status();
  for (int p = 0; p < STORM_PAGES; p++) {
    storm.expect[p] = utest_seed_word(STORM_ROOT_ID, (unsigned)p + 1);
    utest_page_fill(storm.region + p * STORM_WORDS, storm.expect[p]);
  }
  storm.report_fd = rep[1];
  for (int i = 0; i < STORM_PROCS; i++) {
    pids[i] = fork();
    if (pids[i] == 0) {
      close(go[1]);
      close(rep[0]);
      storm_process(i + 1, seed, steps, go[0]);
    }
  }
  close(go[0]);
  close(rep[1]);
  close(go[1]);                            /* go: every process's read sees EOF */
  got = utest_read_full(rep[0], storm_reports, (int)sizeof(storm_reports)) /
        (int)sizeof(storm_reports[0]);
  close(rep[0]);
  for (int i = 0; i < STORM_PROCS; i++) {
    status[i] = UTEST_NO_CHILD;
    if (pids[i] > 0 && waitpid(pids[i], &status[i]) != pids[i])
      status[i] = UTEST_NO_CHILD;
  }
  storm_verdict(storm_reports, got, status, seed, quick);
  storm.id = STORM_ROOT_ID;
  utest_check("smp_storm_root_bytes", storm_check(steps) == 0,
              "the root's region changed (the line above says where)");
  sbrk(-STORM_PAGES * PGSIZE);
  utest_check_end("smp_storm", &base);
  return utest_status();
}
