/*
 * testsuite.c - runs every test program (src/user/t_*.c) in turn.
 *
 * Each program prints its own checks. Around each one the runner checks
 * that it exited 0, that the user and kernel pools are back to their free
 * counts, and that memcheck finds nothing; that verdict is the line
 * `suite_NAME: ok` or `suite_NAME: FAIL: ...`. argv[1] ("quick" or
 * "full", default full) is passed on to every program.
 */
#include "user.h"
#include "utest.h"

static const char *const suite_tests[] = {
#include "testlist.h"
};

#define SUITE_COUNT (sizeof suite_tests / sizeof suite_tests[0])
#define SUITE_SETTLE_TICKS 20   /* ticks a frame count may take to come back (init reaping orphans) */

static unsigned suite_passed;

/* Run one test program with mode; print its verdict line. */
static void suite_run(const char *name, char *mode)
{
  struct memstat before, after;
  char label[48];
  int status = -1;
  char *argv[] = { (char *)name, mode, 0 };
  memstat(&before);
  int pid = fork();
  if (pid == 0) {
    exec(name, argv);
    printf("suite: cannot exec %s\n", name);
    exit(127);
  }
  if (pid < 0 || waitpid(pid, &status) != pid)
    status = -999;
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
  printf("[suite] %u test programs, mode %s\n", (unsigned)SUITE_COUNT, mode);
  for (unsigned i = 0; i < SUITE_COUNT; i++)
    suite_run(suite_tests[i], mode);
  printf("[suite] %u of %u test programs passed\n", suite_passed, (unsigned)SUITE_COUNT);
  cowtrace(old_trace);
  return utest_status();
}
