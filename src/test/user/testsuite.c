/*
 * testsuite.c - runs every test program (src/test/user/t_*.c) in turn.
 *
 * Each program prints its own checks. Around each one the runner checks
 * that it exited 0, that the user and kernel pools are back to their free
 * counts, and that memcheck finds nothing; that verdict is the line
 * `suite_NAME: ok` or `suite_NAME: FAIL: ...`. argv[1] ("quick" or
 * "full", default full) is passed on to every program; argv[2] "smp" picks
 * the order for a machine with several CPUs (below). Two more words may
 * follow (make grade boots one group of programs at a time with them):
 * `only=NAME,NAME,...` runs just those programs, in that order, and
 * `repeat=N` runs the whole list N times in this boot, each round ending
 * with the check `suite_round_K` (all its programs passed); each round
 * starts with a line `[suite] round K of N`, after which run/test/test-qemu.sh
 * counts the round's check and progress lines as new progress.
 *
 * Order: what a check depends on is checked before it, so the first failed
 * check names the most basic broken step. t_cow_basic runs first (fork
 * shares, the child's write copies, the parent is write-protected, the last
 * reference is reused), then the other copy-on-write programs, memory,
 * processes, the shell's argument passing, programs of no group, the
 * acceptance programs (t_acc_*, whole scenarios) and last the programs
 * written for several CPUs (t_smp_*). With "smp" the t_smp_* programs come
 * right after t_cow_basic: such a run follows a one-CPU run that has checked
 * the rest already, and what it is there for is what needs several CPUs.
 * (The kernel self-tests run before all of this, at boot: src/test/kernel.)
 *
 * The runner must survive the kernel it judges: it starts each program
 * with the eager-copy fork, which leaves the runner's own page-table
 * entries alone, so a broken copy-on-write fork (a stale TLB entry, a
 * missing reference) breaks the test programs, never the runner.
 * A process that still finds its way back into the runner's code says so
 * and exits, and the suite stops instead of running twice: the check
 * `suite_runner_alone`.
 */
#include "user.h"
#include "test/utest.h"
#include "lib/fmt.h"

static const char *const suite_tests[] = {
#include "testlist.h"
};

#define SUITE_COUNT (sizeof suite_tests / sizeof suite_tests[0])
#define SUITE_GROUPS 8
#define SUITE_STRAY_STATUS 213   /* exit status of a process caught running the runner's code */

/* The order of the groups: a program belongs to the first non-empty entry that begins its name;
 * the empty entry is where the programs of no group run. Each group runs in name order. */
static const char *const suite_order[SUITE_GROUPS] = {
  "t_cow_basic", "t_cow_", "t_mem_", "t_proc_", "t_sh_", "", "t_acc_", "t_smp_",
};
static const char *const suite_order_smp[SUITE_GROUPS] = {
  "t_cow_basic", "t_smp_", "t_cow_", "t_mem_", "t_proc_", "t_sh_", "", "t_acc_",
};
#define SUITE_REPEAT_MAX 1000
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

/* Non-zero when prefix begins name. */
static int suite_begins(const char *name, const char *prefix)
{
  while (*prefix && *prefix == *name)
    prefix++, name++;
  return *prefix == 0;
}

/* The group of name in order: the first non-empty entry that begins it; the empty entry's
 * index when none does. */
static unsigned suite_group(const char *const *order, const char *name)
{
  unsigned none = SUITE_GROUPS;
  for (unsigned g = 0; g < SUITE_GROUPS; g++) {
    if (order[g][0] == 0)
      none = g;
    else if (suite_begins(name, order[g]))
      return g;
  }
  return none;
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

/* Non-zero when name is one of the comma-separated words of list. */
static int suite_listed(const char *list, const char *name)
{
  unsigned n = strlen(name);
  for (const char *w = list; *w; ) {
    const char *end = w;
    while (*end && *end != ',')
      end++;
    if ((unsigned)(end - w) == n && suite_begins(w, name))
      return 1;
    w = *end ? end + 1 : end;
  }
  return 0;
}

/* Run the programs of only (a comma-separated list, in its order) that exist; or, with only
 * null, every program in order's grouping. Returns the number of programs run. */
static unsigned suite_round(const char *const *order, const char *only, char *mode)
{
  unsigned ran = 0;
  if (only) {
    for (const char *w = only; *w && !suite_stray_seen; ) {
      const char *end = w;
      char name[48];
      while (*end && *end != ',')
        end++;
      unsigned n = (unsigned)(end - w) < sizeof name - 1 ? (unsigned)(end - w) : sizeof name - 1;
      memcpy(name, w, n);
      name[n] = 0;
      for (unsigned i = 0; i < SUITE_COUNT; i++)
        if (strcmp(suite_tests[i], name) == 0) {
          suite_run(suite_tests[i], mode);
          ran++;
        }
      w = *end ? end + 1 : end;
    }
    return ran;
  }
  for (unsigned g = 0; g <= SUITE_GROUPS; g++)
    for (unsigned i = 0; i < SUITE_COUNT && !suite_stray_seen; i++)
      if (suite_group(order, suite_tests[i]) == g) {
        suite_run(suite_tests[i], mode);
        ran++;
      }
  return ran;
}

int main(int argc, char *argv[])
{
  char *mode = argc > 1 ? argv[1] : "full";
  int smp = argc > 2 && strcmp(argv[2], "smp") == 0;
  const char *const *order = smp ? suite_order_smp : suite_order;
  const char *only = 0;
  int repeat = 1;
  unsigned ran = 0;
  for (int i = 3; i < argc; i++) {
    if (suite_begins(argv[i], "only="))
      only = argv[i] + 5;
    else if (suite_begins(argv[i], "repeat=") && atoi(argv[i] + 7) > 0)
      repeat = atoi(argv[i] + 7) < SUITE_REPEAT_MAX ? atoi(argv[i] + 7) : SUITE_REPEAT_MAX;
    else
      printf("[suite] unknown word '%s' (only=NAME,... or repeat=N)\n", argv[i]);
  }
  if (only)
    for (unsigned i = 0; i < SUITE_COUNT; i++)
      if (suite_listed(only, suite_tests[i]))
        ran++;
  int old_trace = cowtrace(0);   /* tests run untraced unless they turn it on */
  suite_pid = getpid();
  printf("[suite] %u test programs, mode %s, %s order\n", only ? ran : (unsigned)SUITE_COUNT, mode,
         only ? "the listed" : smp ? "several-CPU" : "one-CPU");
  ran = 0;
  for (int r = 1; r <= repeat && !suite_stray_seen; r++) {
    if (repeat > 1)
      printf("[suite] round %d of %d\n", r, repeat);   /* its checks and progress lines are new again */
    unsigned passed = suite_passed, n = suite_round(order, only, mode);
    ran += n;
    if (repeat > 1) {
      char label[24];
      fmt_snprintf(label, sizeof label, "suite_round_%d", r);
      utest_check(label, suite_passed - passed == n, "round %d of %d: %u of %u programs passed", r, repeat,
                  suite_passed - passed, n);
    }
  }
  suite_guard("the summary");
  utest_check("suite_runner_alone", !suite_stray_seen,
              "a child came back into the runner's code; the suite stopped there");
  printf("[suite] %u of %u test programs passed\n", suite_passed, ran);
  cowtrace(old_trace);
  return utest_status();
}
