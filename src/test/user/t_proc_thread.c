/*
 * t_proc_thread - threads of one process: create, join, exit, and what
 * exit, exec, kill, a fault and fork do to a process with several threads.
 *
 * Life: a thread sees the creator's memory and writes back into it; a
 * returning function ends its thread with status 0, thread_exit(s) with s;
 * gettid differs from getpid in a new thread and equals it in the first.
 * Joining: a thread is joined once (a second join, an unknown id, the
 * caller itself and another process's thread all get -1).
 * Bad input: a function or a stack outside user memory gets -1, as do
 * futex calls on an unaligned or unmapped word; futex_wait on a word that
 * differs returns 1 at once.
 * Whole process (each in a child, with sibling threads spinning): exit()
 * from a thread gives its status to wait; exec from a thread replaces the
 * program; kill() ends every thread (status -1); a thread's fatal fault
 * ends the process (status -1); fork from a thread gives a child with one
 * thread that cannot join its parent's threads; the last thread to
 * thread_exit gives the process its status.
 * Memory: thread_create until it fails (records or memory run out), then
 * everything joined: -1 is an answer, and nothing leaks (the runner checks).
 * Usage: t_proc_thread [quick]
 */
#include "user.h"
#include "test/utest.h"

#define THR_STACK        4096              /* bytes of each test thread's stack */
#define THR_MAX          8                 /* threads one check starts */
#define THR_EXIT_CODE    23
#define THR_LAST_CODE    31
#define THR_SPIN_LIMIT   0x20000000u       /* a spinner gives up (and its process fails) after this */
#define THR_SURVIVED     9                 /* status of a process whose spinners were never ended */
#define THR_EXEC_PROG    "echo"
#define THR_BAD_ADDR     0xC0000000u       /* kernel memory */
#define THR_FLOOD_MAX    200               /* more than PROC_MAX: the flood must meet a -1 */
#define THR_FLOOD_STACK  1024

static char thr_stacks[THR_MAX][THR_STACK] __attribute__((aligned(16)));
static volatile int thr_seen[THR_MAX];
static volatile int thr_go;

/* The top of test stack i. */
static void *thr_top(int i)
{
  return thr_stacks[i] + THR_STACK;
}

/* Record this thread's id in thr_seen[arg] and return (thread_exit(0)). */
static void thr_note(void *arg)
{
  thr_seen[(int)arg] = gettid();
}

/* thread_exit with the status in arg. */
static void thr_exit_with(void *arg)
{
  thread_exit((int)arg);
}

/* Spin in user mode until thr_go is cleared (return: the thread ends with 0) or the limit (the
 * process exits THR_SURVIVED: whatever should have ended it did not). */
static void thr_spin(void *arg)
{
  (void)arg;
  for (unsigned i = 0; thr_go && i < THR_SPIN_LIMIT; i++)
    ;
  if (thr_go)
    exit(THR_SURVIVED);
}

/* Sleep a few ticks, then thread_exit with the status in arg. */
static void thr_late_exit(void *arg)
{
  sleep(5);
  thread_exit((int)arg);
}

/* Start n spinners (threads 1..n) in the current process; 0, or -1 when one did not start. */
static int thr_start_spinners(int n)
{
  thr_go = 1;
  for (int i = 1; i <= n; i++)
    if (thread_create(thr_spin, 0, thr_top(i)) < 0)
      return -1;
  return 0;
}

static void thr_check_basics(void)
{
  int tid = thread_create(thr_note, (void *)0, thr_top(0)), st = -5;
  int j = tid > 0 ? thread_join(tid, &st) : -2;
  utest_check("proc_thread_create_join", tid > 0 && j == 0 && st == 0 && thr_seen[0] == tid,
              "thread_create %d, join %d, status %d (want 0), the thread saw tid %d", tid, j, st, thr_seen[0]);
  utest_check("proc_thread_ids", gettid() == getpid() && tid != getpid(),
              "first thread's tid %d, pid %d, new thread's tid %d", gettid(), getpid(), tid);
  int again = tid > 0 ? thread_join(tid, &st) : -2;
  utest_check("proc_thread_join_twice", again == -1, "a second join of %d returned %d (want -1)", tid, again);
  utest_check("proc_thread_join_unknown", thread_join(999999, &st) == -1 && thread_join(gettid(), &st) == -1,
              "join of an unknown id or of itself did not return -1");
  int t2 = thread_create(thr_exit_with, (void *)THR_EXIT_CODE, thr_top(1));
  j = t2 > 0 ? thread_join(t2, &st) : -2;
  utest_check("proc_thread_exit_status", j == 0 && st == THR_EXIT_CODE, "join %d, status %d (want %d)", j, st,
              THR_EXIT_CODE);
}

static void thr_check_bad_input(void)
{
  int a = thread_create((void (*)(void *))THR_BAD_ADDR, 0, thr_top(0));
  int b = thread_create(thr_note, 0, (void *)(THR_BAD_ADDR + PGSIZE));
  int c = thread_create(thr_note, 0, (void *)PGSIZE);
  int d = thread_create((void (*)(void *))0, 0, thr_top(0));
  utest_check("proc_thread_bad_args", a == -1 && b == -1 && c == -1 && d == -1,
              "kernel fn %d, kernel stack %d, unmapped stack %d, null fn %d (want -1 each)", a, b, c, d);
  static int word = 5;
  int u = futex_wait((int *)((char *)&word + 1), 5), m = futex_wait((int *)PGSIZE, 0);
  int w = futex_wake((int *)THR_BAD_ADDR, 1), diff = futex_wait(&word, 6), none = futex_wake(&word, 3);
  utest_check("proc_thread_futex_args", u == -1 && m == -1 && w == -1 && diff == 1 && none == 0,
              "unaligned %d, unmapped %d, kernel wake %d (want -1 each), other value %d (want 1), wake with "
              "no waiter %d (want 0)", u, m, w, diff, none);
}

/* The status of a child that runs body (with spinning sibling threads set up by body). */
static int thr_child_status(void (*body)(void))
{
  int pid = fork(), st = UTEST_NO_CHILD;
  if (pid == 0) {
    body();
    exit(0);
  }
  if (pid < 0 || waitpid(pid, &st) != pid)
    return UTEST_NO_CHILD;
  return st;
}

/* exit() from a thread while the others spin. */
static void thr_exit_from_thread(void *arg)
{
  (void)arg;
  exit(THR_EXIT_CODE);
}
static void thr_body_exit(void)
{
  if (thr_start_spinners(2) == 0)
    thread_create(thr_exit_from_thread, 0, thr_top(3));
  for (;;)
    yield();
}

/* exec from a thread while the others spin: echo exits 0. */
static void thr_exec_from_thread(void *arg)
{
  (void)arg;
  char *argv[] = { THR_EXEC_PROG, 0 };
  exec(THR_EXEC_PROG, argv);
  exit(THR_EXIT_CODE);                     /* exec failed */
}
static void thr_body_exec(void)
{
  if (thr_start_spinners(2) == 0)
    thread_create(thr_exec_from_thread, 0, thr_top(3));
  thr_spin(0);
}

/* A thread writes to kernel memory while the others spin: the whole process dies. */
static void thr_fault(void *arg)
{
  (void)arg;
  *(volatile int *)THR_BAD_ADDR = 1;
}
static void thr_body_fault(void)
{
  if (thr_start_spinners(2) == 0)
    thread_create(thr_fault, 0, thr_top(3));
  thr_spin(0);
}

/* Every thread, the first one too, ends by thread_exit; the last one's status is the process's. */
static void thr_body_last(void)
{
  if (thread_create(thr_late_exit, (void *)THR_LAST_CODE, thr_top(1)) < 0)
    exit(THR_SURVIVED);
  thread_exit(THR_LAST_CODE - 1);          /* the first thread ends first */
}

static void thr_check_whole_process(void)
{
  int st = thr_child_status(thr_body_exit);
  utest_check("proc_thread_exit_ends_all", st == THR_EXIT_CODE, "status %d (want %d)", st, THR_EXIT_CODE);
  st = thr_child_status(thr_body_exec);
  utest_check("proc_thread_exec_ends_others", st == 0, "status %d (want 0: echo ran)", st);
  st = thr_child_status(thr_body_fault);
  utest_check("proc_thread_fault_ends_all", st == EXIT_KILLED, "status %d (want %d)", st, EXIT_KILLED);
  st = thr_child_status(thr_body_last);
  utest_check("proc_thread_last_exit_status", st == THR_LAST_CODE, "status %d (want %d, the last thread's)", st,
              THR_LAST_CODE);

  int pid = fork();
  if (pid == 0) {
    thr_start_spinners(3);
    thr_spin(0);
  }
  sleep(3);
  int k = pid > 0 ? kill(pid) : -2, got = pid > 0 ? waitpid(pid, &st) : -2;
  utest_check("proc_thread_kill_ends_all", k == 0 && got == pid && st == EXIT_KILLED,
              "kill %d, waitpid %d (want %d), status %d (want %d)", k, got, pid, st, EXIT_KILLED);
}

/* fork from a second thread: the child has one thread and cannot join the parent's. */
static volatile int thr_fork_status = -7, thr_fork_pid;
static void thr_fork_from_thread(void *arg)
{
  int spinner = (int)arg, pid = fork();
  if (pid == 0) {
    int st, j = thread_join(spinner, &st), alone = thread_join(getpid(), &st);
    exit(j == -1 && alone == -1 && gettid() == getpid() ? 0 : 1);
  }
  thr_fork_pid = pid;
  if (pid > 0)
    waitpid(pid, (int *)&thr_fork_status);
}
static void thr_check_fork(void)
{
  thr_go = 1;
  int spinner = thread_create(thr_spin, 0, thr_top(1));
  int forker = spinner > 0 ? thread_create(thr_fork_from_thread, (void *)spinner, thr_top(2)) : -1;
  int st = -1, j = forker > 0 ? thread_join(forker, &st) : -2;
  int ppid_ok = thr_fork_pid > 0 && thr_fork_pid != getpid();
  thr_go = 0;
  int js = spinner > 0 ? thread_join(spinner, &st) : -2;
  utest_check("proc_thread_fork_one_thread", j == 0 && js == 0 && thr_fork_status == 0 && ppid_ok,
              "join of the forking thread %d and the spinner %d (want 0), child status %d (want 0: one thread, "
              "no parent's thread to join), child pid %d", j, js, thr_fork_status, thr_fork_pid);
}

/* Start threads until thread_create says -1, then join them all: -1 is an answer, not a crash. */
static void thr_check_flood(void)
{
  static int tids[THR_FLOOD_MAX];
  char *stacks = sbrk(THR_FLOOD_MAX * THR_FLOOD_STACK);
  int n = 0, joined = 0, st;
  if (stacks == (char *)-1) {
    utest_fail("proc_thread_flood", "sbrk for the stacks failed");
    return;
  }
  thr_go = 1;
  while (n < THR_FLOOD_MAX && (tids[n] = thread_create(thr_note, (void *)0, stacks + (n + 1) * THR_FLOOD_STACK)) > 0)
    n++;
  for (int i = 0; i < n; i++)
    joined += thread_join(tids[i], &st) == 0;
  sbrk(-(THR_FLOOD_MAX * THR_FLOOD_STACK));
  utest_check("proc_thread_flood", n > 1 && n < THR_FLOOD_MAX && joined == n,
              "%d threads started before -1 (want between 2 and %d), %d joined", n, THR_FLOOD_MAX - 1, joined);
}

int main(int argc, char *argv[])
{
  (void)argc, (void)argv;
  thr_check_basics();
  thr_check_bad_input();
  thr_check_whole_process();
  thr_check_fork();
  thr_check_flood();
  return utest_status();
}
