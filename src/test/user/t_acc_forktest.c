/*
 * t_acc_forktest - acceptance: fork until the process table is full.
 *
 * Follows xv6's forktest. Children exit at once and stay zombies until
 * reaped, so fork must fail (-1) before FORKTEST_TRIES. Then exactly that
 * many waits succeed, each with a distinct child and its status, one more wait
 * fails, and fork works again once the table has room.
 * Usage: t_acc_forktest [quick]
 */
#include "user.h"
#include "test/utest.h"

#define FORKTEST_TRIES       1000   /* xv6's N: far beyond PROC_MAX */
#define FORKTEST_PROC_MAX    64     /* the contract's process limit */
#define FORKTEST_MIN_FORKS   8      /* a table this empty must take at least this many */
#define FORKTEST_CHILD_CODE  3      /* children exit with this (not 0: a parent wrongly running
                                       child code must not pass) */
#define FORKTEST_AGAIN_CODE  7

static int forktest_pids[FORKTEST_PROC_MAX];   /* unreaped children; 0 once reaped */

/* Take pid out of the first n entries of the unreaped table; 0 if it was not there. */
static int forktest_claim(int pid, int n)
{
  for (int i = 0; i < n && i < FORKTEST_PROC_MAX; i++) {
    if (forktest_pids[i] == pid) {
      forktest_pids[i] = 0;
      return 1;
    }
  }
  return 0;
}

int main(int argc, char *argv[])
{
  struct memstat base;
  int n, pid, got, status, waited = 0, bad_status = FORKTEST_CHILD_CODE, strangers = 0;
  int last, again, again_status = -2;

  (void)argc;
  (void)argv;
  memstat(&base);
  for (n = 0; n < FORKTEST_TRIES; n++) {
    pid = fork();
    if (pid < 0)
      break;
    if (pid == 0)
      exit(FORKTEST_CHILD_CODE);
    if (n < FORKTEST_PROC_MAX)
      forktest_pids[n] = pid;
  }
  utest_check("acc_forktest_fork_fails", n >= FORKTEST_MIN_FORKS && n < FORKTEST_PROC_MAX,
              "fork worked %d times before returning -1 (want %d..%d)", n,
              FORKTEST_MIN_FORKS, FORKTEST_PROC_MAX - 1);

  for (; waited < n; waited++) {
    status = 0;
    got = wait(&status);
    if (got < 0)
      break;
    if (status != FORKTEST_CHILD_CODE)
      bad_status = status;
    if (!forktest_claim(got, n))
      strangers++;
  }
  utest_check("acc_forktest_waits", waited == n && bad_status == FORKTEST_CHILD_CODE &&
              strangers == 0, "%d of %d waits returned a child; a status was %d (want %d); %d "
              "returned a pid that was not an unreaped child", waited, n, bad_status,
              FORKTEST_CHILD_CODE, strangers);
  last = wait(&status);
  utest_check("acc_forktest_extra_wait", last == -1, "one more wait returned %d (want -1)", last);

  again = fork();
  if (again == 0)
    exit(FORKTEST_AGAIN_CODE);
  got = again > 0 ? waitpid(again, &again_status) : -1;
  utest_check("acc_forktest_fork_again", again > 0 && got == again &&
              again_status == FORKTEST_AGAIN_CODE,
              "after reaping: fork %d, waitpid %d, status %d (want %d)", again, got,
              again_status, FORKTEST_AGAIN_CODE);
  utest_check_end("acc_forktest", &base);
  return utest_status();
}
