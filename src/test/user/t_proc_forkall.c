/*
 * t_proc_forkall - fork until the process table (or memory) runs out.
 *
 * The parent forks children that block on a pipe until fork returns -1;
 * then it releases them, and exactly that many waits must succeed, each
 * with a distinct forked pid and the children's exit code, and one more
 * wait must return -1. Also getpid/getppid sanity between parent and child.
 * Full mode repeats the whole round to show the slots and frames come back.
 * Usage: t_proc_forkall [quick]
 */
#include "user.h"
#include "test/utest.h"

#define FORKALL_PROC_MAX    64   /* the kernel's process table size */
#define FORKALL_CHILD_CODE  9    /* exit code of every released child */
#define FORKALL_BAD_PPID    (-2) /* getpid child: getppid() was not the parent */
#define FORKALL_ROUNDS_QUICK 1
#define FORKALL_ROUNDS_FULL  3

/* What one round of fork-until-failure saw. */
struct forkall_round {
  int forked;                     /* children created before fork returned -1 */
  int reaped;                     /* waits that returned one of them */
  int bad_wait;                   /* first wait result that was not a fresh child pid */
  int bad_status;                 /* first status that was not FORKALL_CHILD_CODE */
  int extra_wait;                 /* result of the wait after the last child */
  int pids[FORKALL_PROC_MAX];
};

/* Child body: wait for EOF on the release pipe, then exit with FORKALL_CHILD_CODE. */
static void forkall_child(int release[2]) __attribute__((noreturn));
static void forkall_child(int release[2])
{
  char c;
  close(release[1]);
  while (read(release[0], &c, 1) > 0)
    ;
  exit(FORKALL_CHILD_CODE);
}

/* Index of pid in pids[0..n), or -1. */
static int forkall_find(const int *pids, int n, int pid)
{
  int i;
  for (i = 0; i < n; i++)
    if (pids[i] == pid)
      return i;
  return -1;
}

/* Fork until -1, release every child, then reap them all plus one extra wait. */
static void forkall_round(struct forkall_round *r)
{
  int release[2], pid, status, i;

  memset(r, 0, sizeof(*r));
  r->bad_status = FORKALL_CHILD_CODE;
  if (pipe(release) < 0) {
    r->forked = -1;
    return;
  }
  while (r->forked < FORKALL_PROC_MAX) {
    pid = fork();
    if (pid == 0)
      forkall_child(release);
    if (pid < 0)
      break;
    r->pids[r->forked++] = pid;
  }
  close(release[0]);
  close(release[1]);
  for (;;) {
    status = 0;
    pid = wait(&status);
    if (pid < 0)
      break;
    i = forkall_find(r->pids, r->forked, pid);
    if (i < 0) {
      if (r->bad_wait == 0)
        r->bad_wait = pid;
      continue;
    }
    r->pids[i] = 0;   /* a second wait returning the same pid will not match */
    r->reaped++;
    if (status != FORKALL_CHILD_CODE && r->bad_status == FORKALL_CHILD_CODE)
      r->bad_status = status;
  }
  r->extra_wait = wait(&status);
}

/* Non-zero when a round saw what it should: forks within the table, each reaped once, then -1. */
static int forkall_round_ok(const struct forkall_round *r)
{
  return r->forked >= 1 && r->forked <= FORKALL_PROC_MAX - 2 && r->reaped == r->forked &&
         r->bad_wait == 0 && r->extra_wait == -1 && r->bad_status == FORKALL_CHILD_CODE;
}

/* getpid/getppid: the child sees its own pid (as fork returned it) and the parent's. */
static void forkall_check_ids(void)
{
  int me = getpid(), parent = getppid(), pid, got, status = 0;

  utest_check("proc_forkall_getpid", me > 1 && parent >= 1 && parent != me &&
              getpid() == me,
              "getpid %d (want > 1, stable), getppid %d (want >= 1, not ourselves)",
              me, parent);
  pid = fork();
  if (pid == 0)
    exit(getppid() == me ? getpid() : FORKALL_BAD_PPID);
  got = pid < 0 ? -1 : waitpid(pid, &status);
  utest_check("proc_forkall_child_ids", pid > 0 && pid != me && got == pid && status == pid,
              "fork returned %d, waitpid %d, child exited with %d (want its pid; -2: its "
              "getppid was not %d)", pid, got, status, me);
}

/* Run every check; the exit status is 0 when all of them passed. */
int main(int argc, char *argv[])
{
  static struct forkall_round round, bad;
  struct memstat before, after;
  int rounds = utest_quick(argc, argv) ? FORKALL_ROUNDS_QUICK : FORKALL_ROUNDS_FULL;
  int i, first = 0, bad_round = 0, unequal = 0, unequal_count = 0, pid, got, status;

  forkall_check_ids();
  memstat(&before);
  for (i = 1; i <= rounds; i++) {
    forkall_round(&round);
    if (i == 1)
      first = round.forked;
    if (round.forked != first && unequal == 0) {
      unequal = i;
      unequal_count = round.forked;
    }
    if ((bad_round == 0 && !forkall_round_ok(&round)) || i == 1) {
      bad = round;
      if (!forkall_round_ok(&round))
        bad_round = i;
    }
  }
  memstat(&after);
  utest_check("proc_forkall_forked", bad.forked >= 1 && bad.forked <= FORKALL_PROC_MAX - 2,
              "round %d: %d forks succeeded before -1 (want 1..%d)", bad_round, bad.forked,
              FORKALL_PROC_MAX - 2);
  utest_check("proc_forkall_waits",
              bad.reaped == bad.forked && bad.bad_wait == 0 && bad.extra_wait == -1,
              "round %d: forked %d, waits returned %d of them, unexpected pid %d, "
              "wait after the last returned %d (want -1)", bad_round, bad.forked, bad.reaped,
              bad.bad_wait, bad.extra_wait);
  utest_check("proc_forkall_status", bad.bad_status == FORKALL_CHILD_CODE,
              "round %d: a child's status was %d (want %d)", bad_round, bad.bad_status,
              FORKALL_CHILD_CODE);
  utest_check("proc_forkall_rounds_equal", unequal == 0,
              "round 1 forked %d, round %d forked %d", first, unequal, unequal_count);
  utest_check("proc_forkall_no_leak",
              after.free_pages == before.free_pages &&
              after.kernel_free_pages == before.kernel_free_pages,
              "user free %u -> %u, kernel free %u -> %u after %d rounds",
              before.free_pages, after.free_pages, before.kernel_free_pages,
              after.kernel_free_pages, rounds);
  pid = fork();
  if (pid == 0)
    exit(FORKALL_CHILD_CODE);
  status = 0;
  got = pid < 0 ? -1 : waitpid(pid, &status);
  utest_check("proc_forkall_refork", pid > 0 && got == pid && status == FORKALL_CHILD_CODE,
              "fork after the rounds returned %d, waitpid %d, status %d", pid, got, status);
  return utest_status();
}
