/*
 * t_smp_forkfork - several forkers at once over shared copy-on-write frames.
 *
 * Follows xv6 usertests "forkfork", which exists to expose reference-count
 * races: the root fills a region, then SFF_WORKERS workers (started together
 * by a go pipe) each fork and reap a child in a tight loop for a fixed number
 * of rounds. Every child checks the region holds what its worker had, writes
 * one page of it (a COW fault on a frame up to 2 + SFF_WORKERS processes map)
 * and checks again; every other round the worker writes a page itself, so
 * children also fork from frames the worker owns alone. With processes on
 * several CPUs the forks, faults and exits of the workers' families meet on
 * the same frames' counts. Afterwards every worker's region held exactly what
 * it wrote, the root's region is unchanged, and both pools are back at their
 * free counts with memcheck 0. Rounds: 60 per worker, quick 10.
 * Usage: t_smp_forkfork [quick]
 */
#include "user.h"
#include "test/utest.h"

#define SFF_WORKERS        4
#define SFF_PAGES          16      /* the shared region: 64 KiB */
#define SFF_ROUNDS_FULL    60
#define SFF_ROUNDS_QUICK   10
#define SFF_WORDS_PER_PAGE (PGSIZE / 4)
#define SFF_ROOT_ID        0
#define SFF_CHILD_ID_BASE  1000    /* a child's writer id: base + worker * rounds + round */
#define SFF_CHILD_OK       6       /* a child's status when its checks held (not 0: a worker
                                      wrongly running child code must not pass) */
#define SFF_CHILD_BAD      7       /* a child found the region wrong (it printed what) */
#define SFF_WORKER_DONE    8       /* a worker's status after it sent its report */

enum sff_code { SFF_OK, SFF_MISMATCH, SFF_FORK_FAILED, SFF_CHILD_FAILED, SFF_NO_GO };

/* What a worker sends back to the root. */
struct sff_report {
  int worker, code, round;      /* code: enum sff_code; round: where it first went wrong */
  int forked, reaped_ok;        /* children forked, children reaped with SFF_CHILD_OK */
  int page, word, status;       /* SFF_MISMATCH: where; SFF_CHILD_FAILED: the child's status */
  unsigned want, seen;
};

/* Index of the first page of region not holding its seed from expect[] (word and value
 * in *word, *seen), or -1. */
static int sff_find_bad(const unsigned *region, const unsigned *expect, int *word, unsigned *seen)
{
  for (int p = 0; p < SFF_PAGES; p++) {
    *word = utest_page_find_bad(region + p * SFF_WORDS_PER_PAGE, expect[p], seen);
    if (*word >= 0)
      return p;
  }
  return -1;
}

/* A child: check the inherited region, write page, check again; exits with its verdict. */
static void sff_child(unsigned *region, unsigned *expect, int worker, int round, int page)
  __attribute__((noreturn));
static void sff_child(unsigned *region, unsigned *expect, int worker, int round, int page)
{
  unsigned id = SFF_CHILD_ID_BASE + (unsigned)(worker * SFF_ROUNDS_FULL + round), seen = 0;
  int word, bad = sff_find_bad(region, expect, &word, &seen);
  const char *when = "inherited";

  if (bad < 0) {
    expect[page] = utest_seed_word(id, 1);
    utest_page_fill(region + page * SFF_WORDS_PER_PAGE, expect[page]);
    bad = sff_find_bad(region, expect, &word, &seen);
    when = "after its write";
  }
  if (bad < 0)
    exit(SFF_CHILD_OK);
  printf("smp_forkfork pid %d (worker %d round %d, %s): page %d word %d at %p is 0x%x, "
         "expected 0x%x\n", getpid(), worker, round, when, bad, word,
         &region[bad * SFF_WORDS_PER_PAGE + word], seen, expect[bad] + (unsigned)word);
  exit(SFF_CHILD_BAD);
}

/* Record the first failure in r. */
static void sff_note(struct sff_report *r, int code, int round)
{
  if (r->code != SFF_OK)
    return;
  r->code = code;
  r->round = round;
}

/* A worker: wait for go, then the fork/reap loop; send the report and exit. */
static void sff_worker(unsigned *region, int worker, int rounds, int go, int report)
  __attribute__((noreturn));
static void sff_worker(unsigned *region, int worker, int rounds, int go, int report)
{
  unsigned expect[SFF_PAGES], seen = 0;
  struct sff_report r;
  char token;
  int word;

  memset(&r, 0, sizeof(r));
  r.worker = worker;
  for (int p = 0; p < SFF_PAGES; p++)
    expect[p] = utest_seed_word(SFF_ROOT_ID, (unsigned)p + 1);
  if (read(go, &token, 1) != 0)            /* EOF: the root has started everyone */
    sff_note(&r, SFF_NO_GO, 0);
  for (int round = 1; round <= rounds && r.code == SFF_OK; round++) {
    int page = (round * (SFF_WORKERS + 1) + worker) % SFF_PAGES, status = 0;
    int pid = fork();
    if (pid == 0)
      sff_child(region, expect, worker, round, page);
    if (pid < 0) {
      sff_note(&r, SFF_FORK_FAILED, round);
      break;
    }
    r.forked++;
    if (waitpid(pid, &status) != pid || status != SFF_CHILD_OK) {
      r.status = status;
      sff_note(&r, SFF_CHILD_FAILED, round);
      break;
    }
    r.reaped_ok++;
    if (round % 2 == 0) {                  /* the worker's own write to another page */
      int own = (page + SFF_PAGES / 2) % SFF_PAGES;
      expect[own] = utest_seed_word((unsigned)worker + 1, (unsigned)round);
      utest_page_fill(region + own * SFF_WORDS_PER_PAGE, expect[own]);
    }
    r.page = sff_find_bad(region, expect, &word, &seen);
    if (r.page >= 0) {
      r.word = word;
      r.seen = seen;
      r.want = expect[r.page] + (unsigned)word;
      sff_note(&r, SFF_MISMATCH, round);
    }
  }
  utest_write_full(report, &r, sizeof(r));
  exit(SFF_WORKER_DONE);
}

/* The root's verdict on the workers' reports and exit statuses. */
static void sff_check_reports(const struct sff_report *reports, int got, const int *status,
                              int rounds)
{
  int forked = 0, reaped = 0, bad_status = SFF_WORKER_DONE;
  const struct sff_report *bad = 0;

  for (int i = 0; i < got; i++) {
    forked += reports[i].forked;
    reaped += reports[i].reaped_ok;
    if (!bad && reports[i].code != SFF_OK)
      bad = &reports[i];
  }
  for (int i = 0; i < SFF_WORKERS; i++)
    if (status[i] != SFF_WORKER_DONE && bad_status == SFF_WORKER_DONE)
      bad_status = status[i];
  utest_check("smp_forkfork_workers", got == SFF_WORKERS && bad_status == SFF_WORKER_DONE,
              "%d of %d workers reported; a worker's status was %d (want %d)", got, SFF_WORKERS,
              bad_status, SFF_WORKER_DONE);
  if (bad)
    utest_fail("smp_forkfork_rounds",
               "worker %d round %d: code %d (1 its region changed: page %d word %d is 0x%x, "
               "expected 0x%x; 2 fork failed; 3 a child exited %d, want %d, %d: it saw a wrong "
               "byte; 4 no go)", bad->worker, bad->round, bad->code, bad->page, bad->word,
               bad->seen, bad->want, bad->status, SFF_CHILD_OK, SFF_CHILD_BAD);
  else
    utest_check("smp_forkfork_rounds", forked == got * rounds && reaped == forked,
                "%d children forked and %d reaped with status %d by %d workers (want %d each)",
                forked, reaped, SFF_CHILD_OK, got, got * rounds);
}

int main(int argc, char *argv[])
{
  struct sff_report reports[SFF_WORKERS];
  struct memstat base;
  int rounds = utest_quick(argc, argv) ? SFF_ROUNDS_QUICK : SFF_ROUNDS_FULL;
  int go[2], rep[2], pids[SFF_WORKERS], status[SFF_WORKERS], got, word, bad;
  unsigned expect[SFF_PAGES], seen = 0, *region;

  utest_warm_heap(SFF_PAGES * PGSIZE + PGSIZE);
  utest_touch_stack();
  memstat(&base);
  region = (unsigned *)utest_heap_pages(SFF_PAGES);
  if (!utest_check("smp_forkfork_setup", region && pipe(go) == 0 && pipe(rep) == 0,
                   "heap of %d pages %p, or a pipe, failed", SFF_PAGES, region))
    return utest_status();
  for (int p = 0; p < SFF_PAGES; p++) {
    expect[p] = utest_seed_word(SFF_ROOT_ID, (unsigned)p + 1);
    utest_page_fill(region + p * SFF_WORDS_PER_PAGE, expect[p]);
  }
  for (int i = 0; i < SFF_WORKERS; i++) {
    pids[i] = fork();
    if (pids[i] == 0) {
      close(go[1]);
      close(rep[0]);
      sff_worker(region, i, rounds, go[0], rep[1]);
    }
  }
  close(go[0]);
  close(rep[1]);
  close(go[1]);                            /* go: every worker's read sees EOF */
  got = utest_read_full(rep[0], reports, (int)sizeof(reports)) / (int)sizeof(reports[0]);
  close(rep[0]);
  for (int i = 0; i < SFF_WORKERS; i++) {
    status[i] = UTEST_NO_CHILD;
    if (pids[i] > 0 && waitpid(pids[i], &status[i]) != pids[i])
      status[i] = UTEST_NO_CHILD;
  }
  sff_check_reports(reports, got, status, rounds);
  bad = sff_find_bad(region, expect, &word, &seen);
  utest_check("smp_forkfork_root_bytes", bad < 0,
              "the root's page %d word %d is 0x%x, expected 0x%x", bad, word, seen,
              bad < 0 ? 0 : expect[bad] + (unsigned)word);
  sbrk(-SFF_PAGES * PGSIZE);
  utest_check_end("smp_forkfork", &base);
  return utest_status();
}
