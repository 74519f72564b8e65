/*
 * t_proc_orphan - orphaned processes are reparented to init.
 *
 * A child forks a grandchild and exits at once. The grandchild waits on a
 * pipe until the parent has reaped the child, then reports getppid() (it must
 * be 1, init) through another pipe and exits; the parent sees the report and
 * then EOF once the grandchild is gone, and the grandchild is never one of
 * the parent's children. A second case orphans a grandchild that is already
 * a zombie. Frames are checked by the runner (init reaps the orphans).
 * Usage: t_proc_orphan [quick]
 */
#include "user.h"
#include "test/utest.h"

#define ORPHAN_INIT_PID     1
#define ORPHAN_CHILD_CODE   6    /* the middle child's exit code when it forked */
#define ORPHAN_FORK_FAILED  7    /* ... when its fork failed */
#define ORPHAN_NO_EOF       8    /* zombie case: the grandchild's EOF never came */
#define ORPHAN_BATCH_QUICK  2
#define ORPHAN_BATCH_FULL   8
#define ORPHAN_BATCH_MAX    8

/* Grandchild: wait for the go byte, report getppid() on res, exit. */
static void orphan_grandchild(int go, int res) __attribute__((noreturn));
static void orphan_grandchild(int go, int res)
{
  char c;
  int ppid;
  if (read(go, &c, 1) != 1)
    exit(1);
  ppid = getppid();
  write(res, &ppid, sizeof(ppid));
  exit(0);
}

/* Fork batch children that each fork a grandchild and exit; after reaping the
 * children, release the grandchildren and check what they report. */
static void orphan_check_batch(int batch)
{
  int go[2], res[2], pids[ORPHAN_BATCH_MAX];
  int ppids[ORPHAN_BATCH_MAX];
  char release[ORPHAN_BATCH_MAX];
  int i, pid, status, reaped = 0, bad_status = ORPHAN_CHILD_CODE, reports, bytes, eof;
  int wrong_ppid = ORPHAN_INIT_PID;

  if (pipe(go) < 0 || pipe(res) < 0) {
    utest_fail("proc_orphan_child_exit", "pipe failed");
    return;
  }
  for (i = 0; i < batch; i++) {
    pid = fork();
    if (pid == 0) {
      close(go[1]);
      close(res[0]);
      pid = fork();
      if (pid == 0)
        orphan_grandchild(go[0], res[1]);
      exit(pid > 0 ? ORPHAN_CHILD_CODE : ORPHAN_FORK_FAILED);
    }
    pids[i] = pid;
  }
  close(go[0]);
  close(res[1]);
  for (i = 0; i < batch; i++) {
    status = 0;
    if (pids[i] > 0 && waitpid(pids[i], &status) == pids[i]) {
      reaped++;
      if (status != ORPHAN_CHILD_CODE && bad_status == ORPHAN_CHILD_CODE)
        bad_status = status;
    }
  }
  utest_check("proc_orphan_child_exit", reaped == batch && bad_status == ORPHAN_CHILD_CODE,
              "reaped %d of %d children, a status was %d (want %d; %d: its fork failed)",
              reaped, batch, bad_status, ORPHAN_CHILD_CODE, ORPHAN_FORK_FAILED);

  /* Every child is gone: the grandchildren may now look at their parent. */
  memset(release, 'g', sizeof(release));
  write(go[1], release, batch);
  close(go[1]);
  bytes = utest_read_full(res[0], ppids, batch * (int)sizeof(int));
  reports = bytes / (int)sizeof(int);
  for (i = 0; i < reports; i++)
    if (ppids[i] != ORPHAN_INIT_PID && wrong_ppid == ORPHAN_INIT_PID)
      wrong_ppid = ppids[i];
  utest_check("proc_orphan_reparented", reports == batch && wrong_ppid == ORPHAN_INIT_PID,
              "%d of %d grandchildren reported (%d bytes), a getppid() was %d (want %d)",
              reports, batch, bytes, wrong_ppid, ORPHAN_INIT_PID);
  eof = read(res[0], release, 1);
  close(res[0]);
  utest_check("proc_orphan_grandchild_exits", eof == 0,
              "read after the reports returned %d (want 0: every grandchild exited)", eof);
  status = 0;
  pid = wait(&status);
  utest_check("proc_orphan_not_ours", pid == -1,
              "wait returned %d (status %d): an orphan was given to us, not to init",
              pid, status);
}

/* A grandchild that is already a zombie when its parent exits goes to init too. */
static void orphan_check_zombie(void)
{
  int pid, got, extra, status = 0, extra_status = 0;

  pid = fork();
  if (pid == 0) {
    int eof[2];
    char c;
    if (pipe(eof) < 0)
      exit(ORPHAN_FORK_FAILED);
    pid = fork();
    if (pid == 0)
      exit(0);                   /* the grandchild: a zombie nobody reaps */
    close(eof[1]);
    if (pid < 0)
      exit(ORPHAN_FORK_FAILED);
    exit(read(eof[0], &c, 1) == 0 ? ORPHAN_CHILD_CODE : ORPHAN_NO_EOF);
  }
  got = pid < 0 ? -1 : waitpid(pid, &status);
  extra = wait(&extra_status);
  utest_check("proc_orphan_zombie_to_init",
              pid > 0 && got == pid && status == ORPHAN_CHILD_CODE && extra == -1,
              "child %d: waitpid %d status %d (want %d), then wait returned %d (want -1: "
              "the zombie grandchild belongs to init)", pid, got, status, ORPHAN_CHILD_CODE,
              extra);
}

/* Run every check; the exit status is 0 when all of them passed. */
int main(int argc, char *argv[])
{
  int batch = utest_quick(argc, argv) ? ORPHAN_BATCH_QUICK : ORPHAN_BATCH_FULL;

  orphan_check_batch(batch);
  orphan_check_zombie();
  utest_memcheck("proc_orphan_memcheck");
  return utest_status();
}
