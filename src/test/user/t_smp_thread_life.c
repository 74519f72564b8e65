/*
 * t_smp_thread_life - the lives of threads racing on several CPUs.
 *
 * Create and join: LIFE_ROUNDS rounds of LIFE_THREADS threads that each
 * start a thread of their own, write their tid into the process's memory
 * and end; every id is joined once, by a thread other than its creator too.
 * Exit while siblings run: a child whose threads spin on every CPU calls
 * exit from one of them; its status arrives, whatever the others were
 * doing. Exec while siblings run: the same with exec (echo). Kill: a child
 * with spinning threads on every CPU is killed at a varying moment; it dies
 * with -1. Thread exit racing join: a thread ends while its joiner goes to
 * sleep. After each part the runner checks memcheck and that no frame
 * leaked (the whole program); here each part checks its statuses.
 * Usage: t_smp_thread_life [quick]
 */
#include "user.h"
#include "test/utest.h"

#define LIFE_THREADS       4
#define LIFE_STACK         4096
#define LIFE_ROUNDS_FULL   150
#define LIFE_ROUNDS_QUICK  30
#define LIFE_PROCS_FULL    30
#define LIFE_PROCS_QUICK   8
#define LIFE_SPINNERS      4
#define LIFE_EXIT_CODE     17
#define LIFE_SPIN_LIMIT    0x20000000u
#define LIFE_SURVIVED      9
#define LIFE_KILL_SPREAD   4                /* kill after 0..3 ticks */

static char life_stacks[2 * LIFE_THREADS + LIFE_SPINNERS + 1][LIFE_STACK] __attribute__((aligned(16)));
static volatile int life_seen[2 * LIFE_THREADS];
static volatile int life_inner[LIFE_THREADS];

/* The top of stack i. */
static void *life_top(int i)
{
  return life_stacks[i] + LIFE_STACK;
}

/* A grandchild thread: note its tid in slot arg and end. */
static void life_note(void *arg)
{
  life_seen[(int)arg] = gettid();
}

/* A thread that starts one of its own (joined by the first thread, not by it) and ends. */
static void life_parent_thread(void *arg)
{
  int i = (int)arg;
  life_inner[i] = thread_create(life_note, (void *)(LIFE_THREADS + i), life_top(LIFE_THREADS + i));
  life_seen[i] = gettid();
  thread_exit(i);
}

static void life_check_create_join(int rounds)
{
  int bad = 0, r;
  for (r = 0; r < rounds && !bad; r++) {
    int tids[LIFE_THREADS], st;
    for (int i = 0; i < LIFE_THREADS; i++)
      tids[i] = thread_create(life_parent_thread, (void *)i, life_top(i));
    for (int i = 0; i < LIFE_THREADS; i++) {
      st = -1;
      if (tids[i] <= 0 || thread_join(tids[i], &st) != 0 || st != i || life_seen[i] != tids[i])
        bad = 1;
      if (!bad && (life_inner[i] <= 0 || thread_join(life_inner[i], &st) != 0 || st != 0 ||
                   life_seen[LIFE_THREADS + i] != life_inner[i]))
        bad = 2;
    }
    if (r % 50 == 0)
      utest_progress("smp_thread_create_join_rounds", r, rounds);
  }
  utest_check("smp_thread_create_join", !bad, "round %d: %s", r,
              bad == 1 ? "a thread's status or tid was wrong" : "a thread's own thread was not joined right");
}

/* ---- whole processes ---- */

static volatile int life_go = 1;

/* Spin until the limit (the process was not ended: exit LIFE_SURVIVED). */
static void life_spin(void *arg)
{
  (void)arg;
  for (unsigned i = 0; life_go && i < LIFE_SPIN_LIMIT; i++)
    ;
  exit(LIFE_SURVIVED);
}

/* Start the spinners in this (child) process. */
static void life_start_spinners(void)
{
  for (int i = 0; i < LIFE_SPINNERS; i++)
    thread_create(life_spin, 0, life_top(i));
}

static void life_exit_now(void *arg)
{
  (void)arg;
  exit(LIFE_EXIT_CODE);
}

static void life_exec_now(void *arg)
{
  (void)arg;
  char *argv[] = { "echo", 0 };
  exec("echo", argv);
  exit(LIFE_EXIT_CODE + 1);
}

/* A child: spinners on every CPU, then (kind 0) exit or (kind 1) exec from another thread, or
 * (kind 2) just the spinners (the parent kills it). */
static int life_child(int kind, int kill_after)
{
  int pid = fork(), st = UTEST_NO_CHILD;
  if (pid == 0) {
    life_start_spinners();
    if (kind == 0)
      thread_create(life_exit_now, 0, life_top(LIFE_SPINNERS));
    else if (kind == 1)
      thread_create(life_exec_now, 0, life_top(LIFE_SPINNERS));
    life_spin(0);
  }
  if (pid < 0)
    return UTEST_NO_CHILD;
  if (kind == 2) {
    sleep(kill_after);
    kill(pid);
  }
  return waitpid(pid, &st) == pid ? st : UTEST_NO_CHILD;
}

static void life_check_processes(int rounds)
{
  static const char *const names[] = { "smp_thread_exit_with_siblings", "smp_thread_exec_with_siblings",
                                       "smp_thread_kill_on_every_cpu" };
  static const int want[] = { LIFE_EXIT_CODE, 0, EXIT_KILLED };
  for (int kind = 0; kind < 3; kind++) {
    int r, st = want[kind];
    for (r = 0; r < rounds && st == want[kind]; r++)
      st = life_child(kind, r % LIFE_KILL_SPREAD);
    utest_check(names[kind], st == want[kind], "round %d of %d: status %d (want %d)", r, rounds, st, want[kind]);
  }
}

int main(int argc, char *argv[])
{
  int quick = utest_quick(argc, argv);
  life_check_create_join(quick ? LIFE_ROUNDS_QUICK : LIFE_ROUNDS_FULL);
  life_check_processes(quick ? LIFE_PROCS_QUICK : LIFE_PROCS_FULL);
  return utest_status();
}
