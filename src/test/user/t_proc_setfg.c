/*
 * t_proc_setfg - naming the console's foreground process (setfg, the
 * process Ctrl-C kills): 0, the caller and its own child are accepted;
 * the parent, init, a grandchild, a reaped child, an unused pid and a
 * negative one get -1. Usage: t_proc_setfg [quick]
 */
#include "user.h"
#include "test/utest.h"

#define FG_NO_SUCH_PID 30000
#define FG_INIT_PID    1
#define FG_CHILD_WAIT  (HZ * 5)   /* a child's life: longer than the checks take */

/* A child that sleeps until killed (or a timeout); returns its pid. */
static int fg_sleeper(void)
{
  int pid = fork();
  if (pid == 0) {
    sleep(FG_CHILD_WAIT);
    exit(0);
  }
  return pid;
}

int main(void)
{
  utest_check("setfg_none", setfg(0) == 0, "setfg(0) refused");
  utest_check("setfg_self", setfg(getpid()) == 0, "setfg(own pid) refused");
  utest_check("setfg_parent_refused", setfg(getppid()) == -1, "setfg(parent %d) accepted", getppid());
  utest_check("setfg_init_refused", getppid() == FG_INIT_PID || setfg(FG_INIT_PID) == -1, "setfg(1) accepted");
  utest_check("setfg_unused_pid_refused", setfg(FG_NO_SUCH_PID) == -1, "setfg(%d) accepted", FG_NO_SUCH_PID);
  utest_check("setfg_negative_refused", setfg(-5) == -1, "setfg(-5) accepted");

  int child = fg_sleeper();
  if (child < 0) {
    utest_fail("setfg_child", "fork failed");
    return utest_status();
  }
  utest_check("setfg_child", setfg(child) == 0, "setfg(child %d) refused", child);

  /* A grandchild is not the caller's to name. */
  int fds[2];
  if (pipe(fds) < 0) {
    utest_fail("setfg_grandchild_refused", "pipe failed");
  } else {
    int mid = fork();
    if (mid == 0) {
      int grandchild = fg_sleeper();
      write(fds[1], &grandchild, sizeof grandchild);
      waitpid(grandchild, 0);
      exit(0);
    }
    int grandchild = -1;
    read(fds[0], &grandchild, sizeof grandchild);
    utest_check("setfg_grandchild_refused", grandchild > 0 && setfg(grandchild) == -1,
                "setfg(grandchild %d) accepted", grandchild);
    kill(grandchild);
    waitpid(mid, 0);
    close(fds[0]);
    close(fds[1]);
  }

  kill(child);
  int status = 0;
  waitpid(child, &status);
  utest_check("setfg_reaped_child_refused", setfg(child) == -1, "setfg(reaped child %d) accepted", child);
  utest_check("setfg_back_to_none", setfg(0) == 0, "setfg(0) refused at the end");
  return utest_status();
}
