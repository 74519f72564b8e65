/*
 * t_mem_checkrace - memcheck and framesnap while address spaces change under them.
 *
 * A child (the mutator) loops: it grows and shrinks its own heap, and forks
 * a grandchild that grows and shrinks its heap and then execs this program
 * as a "leaf" (grow, shrink, exit). Meanwhile the parent calls memcheck and
 * snapshots the frames of the mutator and its recent children. On a
 * consistent kernel every memcheck finds nothing and every snapshot either
 * succeeds or refuses the pid: a space switched by exec, torn down by exit or
 * shrunk by sbrk is never seen half-way. On several CPUs the two sides run
 * at the same time; on one, preemption interleaves them.
 * Usage: t_mem_checkrace [quick]
 */
#include "user.h"
#include "test/utest.h"

#define CR_PROG         "t_mem_checkrace"
#define CR_MODE_LEAF    "leaf"
#define CR_HEAP_PAGES   8          /* pages each heap grows by and gives back */
#define CR_CHECKS_QUICK 40         /* memcheck calls of the parent */
#define CR_CHECKS_FULL  200
#define CR_PID_WINDOW   16         /* pids after the mutator's that the parent snapshots */
#define CR_SNAP_FRAMES  256        /* frames per snapshot */
#define CR_EXEC_FAILED  99         /* a grandchild's status when exec returned */
#define CR_PAGE         4096

/* Grow the heap by CR_HEAP_PAGES pages, write each, and give them back. */
static void cr_heap_cycle(void)
{
  char *p = sbrk(CR_HEAP_PAGES * CR_PAGE);
  if (p == (char *)-1)
    return;
  for (int i = 0; i < CR_HEAP_PAGES; i++)
    p[i * CR_PAGE] = (char)i;
  sbrk(-CR_HEAP_PAGES * CR_PAGE);
}

/* The mutator: heap cycles, forks, execs and exits until it is killed. */
static void cr_mutator(void)
{
  static char *leaf_argv[] = { CR_PROG, CR_MODE_LEAF, 0 };
  for (;;) {
    cr_heap_cycle();
    int pid = fork();
    if (pid == 0) {
      cr_heap_cycle();
      exec(CR_PROG, leaf_argv);
      exit(CR_EXEC_FAILED);
    }
    if (pid > 0)
      waitpid(pid, 0);
  }
}

int main(int argc, char *argv[])
{
  if (argc > 1 && strcmp(argv[1], CR_MODE_LEAF) == 0) {
    cr_heap_cycle();
    return 0;
  }
  int checks = utest_quick(argc, argv) ? CR_CHECKS_QUICK : CR_CHECKS_FULL;
  static unsigned char buf[CR_SNAP_FRAMES];
  struct memstat base;
  memset(buf, 0, sizeof buf);            /* written once: no copy-on-write break during a snapshot */
  memstat(&base);

  int mutator = fork();
  if (mutator < 0) {
    utest_fail("checkrace_fork", "fork failed");
    return utest_status();
  }
  if (mutator == 0)
    cr_mutator();

  int bad_call = -1, bad_found = 0, snap_bad_pid = 0, snap_bad_r = 0, snaps_ok = 0;
  for (int i = 0; i < checks; i++) {
    int found = memcheck();
    if (found != 0 && bad_call < 0)
      bad_call = i, bad_found = found;
    struct framesnap s = { FRAMESNAP_PROC, mutator + (i % CR_PID_WINDOW), 0, 0, buf, 0, 0, 0 };
    int r = framesnap(&s);                 /* count 0: learn the pool size */
    if (r == 0) {
      s.count = s.pool_frames < CR_SNAP_FRAMES ? s.pool_frames : CR_SNAP_FRAMES;
      r = framesnap(&s);
    }
    if (r == (int)s.count && r > 0)
      snaps_ok++;
    else if (r != -1 && !snap_bad_pid)
      snap_bad_pid = s.pid, snap_bad_r = r;
  }
  kill(mutator);
  int status = 0;
  waitpid(mutator, &status);

  utest_check("checkrace_memcheck_clean", bad_call < 0,
              "memcheck call %d of %d found %d problems (the kernel log names them)", bad_call + 1, checks,
              bad_found);
  utest_check("checkrace_framesnap", snap_bad_pid == 0 && snaps_ok > 0,
              "framesnap of pid %d returned %d; %d snapshots succeeded", snap_bad_pid, snap_bad_r, snaps_ok);
  utest_check_end("checkrace", &base);
  return utest_status();
}
