/*
 * testsuite.c - runs every test program (src/test/user/t_*.c) in turn.
 *
 * Each program prints its own checks. Around each one the runner checks
 * that it exited 0, that the user and kernel pools are back to their free
 * counts, and that memcheck finds nothing; that verdict is the line
 * `suite_NAME: ok` or `suite_NAME: FAIL: ...`. argv[1] ("quick" or
 * "full", default full) is passed on to every program.
 *
 * The runner must survive the kernel it judges: it starts each program
 * with the eager-copy fork, which leaves the runner's own page-table
 * entries alone, so a broken copy-on-write fork (a stale TLB entry, a
 * missing reference) breaks the test programs, never the runner. t_cow_basic
 * runs first, so the first failed check names the most basic broken step.
 * A process that still finds its way back into the runner's code says so
 * and exits, and the suite stops instead of running twice: the check
 * `suite_runner_alone`.
 */
#include "user.h"
#include "test/utest.h"

static const char *const suite_tests[] = {
#include "testlist.h"
};

#define SUITE_COUNT (sizeof suite_tests / sizeof suite_tests[0])
#define SUITE_FIRST_COUNT (sizeof suite_first / sizeof suite_first[0])
#define SUITE_STRAY_STATUS 213   /* exit status of a process caught running the runner's code */

/* Programs run before the rest, in this order: the most basic checks. */
static const char *const suite_first[] = { "t_cow_basic" };
#define SUITE_SETTLE_TICKS 20   /* ticks a frame count may take to come back (init reaping orphans) */

static unsigned suite_passed;
static int suite_pid;            /* the runner; any other pid here came back through a bad fork */
static int suite_stray_seen;     /* a child exited SUITE_STRAY_STATUS: stop the suite */

/* Return only in the runner itself; any other process here (a child whose fork returned
 * into the runner's memory) prints one FAIL line naming where and exits. */
static void suite_guard(const char *where)
{
  int pid = getpid();
  if (pid == suite_pid)
    return;
  utest_fail("suite_runner_alone", "pid %d is running the runner's code (%s); the runner is pid %d: "
             "a fork returned into the runner's memory", pid, where, suite_pid);
  exit(SUITE_STRAY_STATUS);
}

/* Non-zero when name is one of the n names in list. */
static int suite_listed(const char *const *list, unsigned n, const char *name)
{
  for (unsigned i = 0; i < n; i++)
    if (strcmp(list[i], name) == 0)
      return 1;
  return 0;
}

/* Run one test program with mode; print its verdict line. */
static void suite_run(const char *name, char *mode)
{
  struct memstat before, after;
  char label[48];
  int status = -1;
  char *argv[] = { (char *)name, mode, 0 };
  memstat(&before);
  int pid = xfork(FORK_POLICY_OLD);
  if (pid == 0) {
    exec(name, argv);
    printf("suite: cannot exec %s\n", name);
    exit(127);
  }
  if (pid < 0 || waitpid(pid, &status) != pid)
    status = -999;
  suite_guard(name);
  if (status == SUITE_STRAY_STATUS)
    suite_stray_seen = 1;
  memstat(&after);
  /* An orphan's record and stack are freed when init reaps it, maybe on another CPU a moment
   * later: give init a few ticks before calling a difference a leak. */
  for (int t = 0; t < SUITE_SETTLE_TICKS && (after.free_pages != before.free_pages ||
                                              after.kernel_free_pages != before.kernel_free_pages); t++) {
    sleep(1);
    memstat(&after);
  }
  int bad = memcheck();
  int ulost = (int)before.free_pages - (int)after.free_pages;
  int klost = (int)before.kernel_free_pages - (int)after.kernel_free_pages;
  strcpy(label, "suite_");
  strcpy(label + 6, name);
  suite_passed += (unsigned)utest_check(label, status == 0 && ulost == 0 && klost == 0 && bad == 0,
              "exit status %d, user frames leaked %d, kernel frames leaked %d, memcheck %d", status, ulost, klost, bad);
}

int main(int argc, char *argv[])
{
  char *mode = argc > 1 ? argv[1] : "full";
  int old_trace = cowtrace(0);   /* tests run untraced unless they turn it on */
  suite_pid = getpid();
  printf("[suite] %u test programs, mode %s\n", (unsigned)SUITE_COUNT, mode);
  for (unsigned i = 0; i < SUITE_FIRST_COUNT && !suite_stray_seen; i++)
    if (suite_listed(suite_tests, SUITE_COUNT, suite_first[i]))
      suite_run(suite_first[i], mode);
  for (unsigned i = 0; i < SUITE_COUNT && !suite_stray_seen; i++)
    if (!suite_listed(suite_first, SUITE_FIRST_COUNT, suite_tests[i]))
      suite_run(suite_tests[i], mode);
  suite_guard("the summary");
  utest_check("suite_runner_alone", !suite_stray_seen,
              "a child came back into the runner's code; the suite stopped there");
  printf("[suite] %u of %u test programs passed\n", suite_passed, (unsigned)SUITE_COUNT);
  cowtrace(old_trace);
  return utest_status();
}
