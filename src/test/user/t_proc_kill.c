/*
 * t_proc_kill - kill() of children in different states.
 *
 * A killed process dies with status -1 the next time it enters or leaves the
 * kernel or at its next timer tick: a child spinning in user mode, one blocked
 * in read() on a pipe, one in sleep(), one that kills itself, and a batch of
 * spinning children. kill() of a pid that does not exist returns -1. A storm of
 * kills, each landing at a different moment of a child's way into read() on
 * an empty pipe: no kill may be lost between the child's last look at its
 * kill mark and its sleep (the child would sleep for ever).
 * Usage: t_proc_kill [quick]
 */
#include "user.h"
#include "test/utest.h"

#define KILL_STATUS        (-1)  /* status of a process the kernel killed */
#define KILL_CHILD_CODE    5     /* what a child exits with if it survives */
#define KILL_SETTLE_TICKS  3     /* let a fresh child reach its loop or block */
#define KILL_CHILD_SLEEP   HZ    /* the sleeping child's nap */
#define KILL_NO_SUCH_PID   99999
#define KILL_BATCH_QUICK   2
#define KILL_BATCH_FULL    10
#define KILL_BATCH_MAX     10
#define KILL_STORM_QUICK   40
#define KILL_STORM_FULL    300
#define KILL_STORM_SPREAD  64    /* delays before the kill, in steps of KILL_STORM_STEP loop rounds */
#define KILL_STORM_STEP    40
#define KILL_STORM_TICKS   (2 * HZ)  /* a killed child is gone long before this */

/* Kill a spinning child after it got going; waitpid must give its pid and -1. */
static int kill_check_spinning(void)
{
  int pid, r, got, status = 0;

  pid = fork();
  if (pid == 0)
    utest_spin();
  if (pid < 0) {
    utest_fail("proc_kill_spinning", "fork returned %d", pid);
    return -1;
  }
  sleep(KILL_SETTLE_TICKS);
  r = kill(pid);
  got = waitpid(pid, &status);
  utest_check("proc_kill_spinning", r == 0 && got == pid && status == KILL_STATUS,
              "kill(%d) returned %d (want 0), waitpid %d, status %d (want -1)",
              pid, r, got, status);
  return pid;
}

/* Kill a child blocked in read(); then close the writer so it must leave the kernel. */
static void kill_check_blocked(void)
{
  int fds[2], pid, r, got, status = 0;
  char c;

  if (pipe(fds) < 0) {
    utest_fail("proc_kill_blocked", "pipe failed");
    return;
  }
  pid = fork();
  if (pid == 0) {
    close(fds[1]);
    read(fds[0], &c, 1);
    exit(KILL_CHILD_CODE);
  }
  close(fds[0]);
  sleep(KILL_SETTLE_TICKS);
  r = pid < 0 ? -1 : kill(pid);
  close(fds[1]);
  got = pid < 0 ? -1 : waitpid(pid, &status);
  utest_check("proc_kill_blocked", pid > 0 && r == 0 && got == pid && status == KILL_STATUS,
              "child %d blocked in read: kill returned %d, waitpid %d, status %d (want -1)",
              pid, r, got, status);
}

/* Kill a child in sleep(); it dies at the latest when the nap ends. */
static void kill_check_sleeping(void)
{
  int pid, r, got, status = 0;

  pid = fork();
  if (pid == 0) {
    sleep(KILL_CHILD_SLEEP);
    exit(KILL_CHILD_CODE);
  }
  sleep(KILL_SETTLE_TICKS);
  r = pid < 0 ? -1 : kill(pid);
  got = pid < 0 ? -1 : waitpid(pid, &status);
  utest_check("proc_kill_sleeping", pid > 0 && r == 0 && got == pid && status == KILL_STATUS,
              "sleeping child %d: kill returned %d, waitpid %d, status %d (want -1)",
              pid, r, got, status);
}

/* A child that kills itself dies on its way out of kill(). */
static void kill_check_self(void)
{
  int pid, got, status = 0;

  pid = fork();
  if (pid == 0) {
    kill(getpid());
    exit(KILL_CHILD_CODE);
  }
  got = pid < 0 ? -1 : waitpid(pid, &status);
  utest_check("proc_kill_self", pid > 0 && got == pid && status == KILL_STATUS,
              "child %d killed itself: waitpid %d, status %d (want -1)", pid, got, status);
}

/* Several spinning children killed together all come back with -1. */
static void kill_check_batch(int batch)
{
  int pids[KILL_BATCH_MAX], i, r, got, status;
  int started = 0, killed = 0, reaped = 0, bad_status = KILL_STATUS;

  for (i = 0; i < batch; i++) {
    pids[i] = fork();
    if (pids[i] == 0)
      utest_spin();
    if (pids[i] > 0)
      started++;
  }
  sleep(KILL_SETTLE_TICKS);
  for (i = 0; i < batch; i++) {
    r = pids[i] > 0 ? kill(pids[i]) : -1;
    if (r == 0)
      killed++;
  }
  for (i = 0; i < batch; i++) {
    status = 0;
    got = pids[i] > 0 ? waitpid(pids[i], &status) : -1;
    if (got == pids[i]) {
      reaped++;
      if (status != KILL_STATUS && bad_status == KILL_STATUS)
        bad_status = status;
    }
  }
  utest_check("proc_kill_batch",
              started == batch && killed == batch && reaped == batch &&
              bad_status == KILL_STATUS,
              "%d children: %d forked, %d kills returned 0, %d reaped, a status was %d",
              batch, started, killed, reaped, bad_status);
}

/* Non-zero while process pid exists and still has its address space (not yet exited). */
static int kill_alive(int pid)
{
  unsigned char b;
  struct framesnap snap = { FRAMESNAP_PROC, pid, 0, 1, &b, 0, 0, 0 };
  return framesnap(&snap) >= 0;
}

/* Kill children on their way into read() on an empty pipe, each after a different delay; every
 * one must be gone within KILL_STORM_TICKS. A kill lost between the child's last look at its
 * kill mark and its sleep leaves it asleep: found, reported, then freed by closing the pipe. */
static void kill_check_storm(int rounds)
{
  int lost = 0, first_lost = 0, first_round = -1, bad = 0, bad_status = KILL_STATUS;
  for (int r = 0; r < rounds; r++) {
    int fds[2], status = 0;
    char c;
    if (pipe(fds) < 0) {
      bad++;
      continue;
    }
    int pid = fork();
    if (pid == 0) {
      close(fds[1]);
      read(fds[0], &c, 1);
      exit(KILL_CHILD_CODE);
    }
    close(fds[0]);
    for (volatile int spin = 0; spin < (r % KILL_STORM_SPREAD) * KILL_STORM_STEP; spin++) {
    }
    if (pid < 0 || kill(pid) < 0) {
      bad++;
      close(fds[1]);
      if (pid > 0)
        waitpid(pid, &status);
      continue;
    }
    int t0 = uptime();
    while (kill_alive(pid) && uptime() - t0 < KILL_STORM_TICKS)
      sleep(1);
    if (kill_alive(pid) && lost++ == 0) {
      first_lost = pid;
      first_round = r;
    }
    close(fds[1]);                       /* a child that slept through its kill wakes and dies */
    if (waitpid(pid, &status) != pid)
      bad++;
    else if (status != KILL_STATUS && bad_status == KILL_STATUS)
      bad_status = status;
  }
  utest_check("proc_kill_storm", lost == 0 && bad == 0 && bad_status == KILL_STATUS,
              "%d of %d children blocked in read() still lived %d ticks after kill (first: pid %d, round %d: "
              "the kill was lost); %d rounds failed to fork, kill or reap; a status was %d",
              lost, rounds, KILL_STORM_TICKS, first_lost, first_round, bad, bad_status);
}

/* kill() of pids that do not exist (one just reaped, one never used) fails. */
static void kill_check_nonexistent(int reaped_pid)
{
  int r_reaped = reaped_pid > 0 ? kill(reaped_pid) : -1;
  int r_never = kill(KILL_NO_SUCH_PID);

  utest_check("proc_kill_nonexistent", r_reaped == -1 && r_never == -1,
              "kill(%d) (reaped) returned %d, kill(%d) returned %d (want -1 both)",
              reaped_pid, r_reaped, KILL_NO_SUCH_PID, r_never);
}

/* Run every check; the exit status is 0 when all of them passed. */
int main(int argc, char *argv[])
{
  struct memstat before, after;
  int batch = utest_quick(argc, argv) ? KILL_BATCH_QUICK : KILL_BATCH_FULL;
  int reaped_pid, bad;

  memstat(&before);
  reaped_pid = kill_check_spinning();
  kill_check_nonexistent(reaped_pid);
  kill_check_blocked();
  kill_check_sleeping();
  kill_check_self();
  kill_check_batch(batch);
  kill_check_storm(utest_quick(argc, argv) ? KILL_STORM_QUICK : KILL_STORM_FULL);
  memstat(&after);
  bad = memcheck();
  utest_check("proc_kill_no_leak", after.free_pages == before.free_pages && bad == 0,
              "user free pages %u -> %u, memcheck %d", before.free_pages, after.free_pages,
              bad);
  return utest_status();
}
