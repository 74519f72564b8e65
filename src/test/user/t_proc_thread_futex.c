/*
 * t_proc_thread_futex - futex_wait and futex_wake, and the user library's
 * mutex and condition variable built on them (uthread.h).
 *
 * Wake counts: futex_wake(n) wakes at most n of the waiters on its word and
 * says how many; waiters on another word are never woken (each waiter
 * marks when it wakes; a wrong one shows). No lost wakeup: two threads pass
 * a turn back and forth through one word FUTEX_ROUNDS times, each sleeping
 * in futex_wait until its turn; a lost wakeup leaves both asleep, and a
 * watchdog thread fails the check by name and ends the process. Mutex:
 * FUTEX_THREADS threads add to one counter with a read-pause-write under
 * the mutex; the total must be exact. Condition variable: a producer and
 * two consumers through a small ring; every item arrives exactly once.
 * Usage: t_proc_thread_futex [quick]
 */
#include "user.h"
#include "uthread.h"
#include "test/utest.h"

#define FUTEX_STACK        4096
#define FUTEX_THREADS      4
#define FUTEX_WAITERS      3
#define FUTEX_ROUNDS_FULL  2000
#define FUTEX_ROUNDS_QUICK 300
#define FUTEX_ADDS_FULL    3000
#define FUTEX_ADDS_QUICK   500
#define FUTEX_ITEMS        600
#define FUTEX_RING         4
#define FUTEX_CONSUMERS    2
#define FUTEX_SETTLE_TICKS 5               /* time for a waiter to get to sleep */
#define FUTEX_WATCH_TICKS  (20 * HZ)       /* far beyond a healthy ping-pong */
#define FUTEX_PAUSE        50              /* loop rounds between a read and its write */
#define FUTEX_STUCK        42              /* exit status when the watchdog fires */

static char futex_stacks[FUTEX_THREADS + 2][FUTEX_STACK] __attribute__((aligned(16)));
static int futex_rounds, futex_adds;

/* The top of stack i. */
static void *futex_top(int i)
{
  return futex_stacks[i] + FUTEX_STACK;
}

/* ---- wake counts and the right waiter ---- */

static int futex_word_x, futex_word_y;
static volatile int futex_woke[FUTEX_WAITERS + 1];

/* Sleep on x (arg < FUTEX_WAITERS) or y (the last one) until woken; mark it. */
static void futex_waiter(void *arg)
{
  int i = (int)arg, *w = i < FUTEX_WAITERS ? &futex_word_x : &futex_word_y;
  while (futex_wait(w, 0) == 0 && !__atomic_load_n(w, __ATOMIC_ACQUIRE))
    ;
  futex_woke[i] = 1;
}

/* How many waiters have marked themselves woken. */
static int futex_count_woke(void)
{
  int n = 0;
  for (int i = 0; i <= FUTEX_WAITERS; i++)
    n += futex_woke[i];
  return n;
}

static void futex_check_wake_counts(void)
{
  int tids[FUTEX_WAITERS + 1], st;
  for (int i = 0; i <= FUTEX_WAITERS; i++)
    tids[i] = thread_create(futex_waiter, (void *)i, futex_top(i));
  sleep(FUTEX_SETTLE_TICKS);
  __atomic_store_n(&futex_word_x, 1, __ATOMIC_RELEASE);
  int two = futex_wake(&futex_word_x, 2);
  sleep(FUTEX_SETTLE_TICKS);
  int after_two = futex_count_woke(), y_woke = futex_woke[FUTEX_WAITERS];
  int rest = futex_wake(&futex_word_x, FUTEX_WAITERS);
  __atomic_store_n(&futex_word_y, 1, __ATOMIC_RELEASE);
  int y = futex_wake(&futex_word_y, 1);
  for (int i = 0; i <= FUTEX_WAITERS; i++)
    if (tids[i] > 0)
      thread_join(tids[i], &st);
  utest_check("proc_futex_wake_count", two == 2 && after_two == 2 && rest == FUTEX_WAITERS - 2 && y == 1,
              "wake(x, 2) said %d and %d woke (want 2, 2); the next wake(x) said %d (want %d); wake(y) said %d "
              "(want 1)", two, after_two, rest, FUTEX_WAITERS - 2, y);
  utest_check("proc_futex_right_waiter", !y_woke, "the waiter on another word woke on a wake of x");
}

/* ---- no lost wakeup: ping-pong ---- */

static int futex_turn;                      /* 0: the first thread's turn, 1: the second's */
static volatile int futex_pingpong_done;

/* Take turns with the other player: wait for turn == me, pass it on, wake the other. */
static void futex_player(void *arg)
{
  int me = (int)arg;
  for (int r = 0; r < futex_rounds; r++) {
    while (__atomic_load_n(&futex_turn, __ATOMIC_ACQUIRE) != me)
      futex_wait(&futex_turn, !me);
    __atomic_store_n(&futex_turn, !me, __ATOMIC_RELEASE);
    futex_wake(&futex_turn, 1);
  }
}

/* Fail the ping-pong by name and end the process if it has not finished in FUTEX_WATCH_TICKS. */
static void futex_watchdog(void *arg)
{
  (void)arg;
  for (int t = 0; t < FUTEX_WATCH_TICKS && !futex_pingpong_done; t++)
    sleep(1);
  if (!futex_pingpong_done) {
    utest_fail("proc_futex_no_lost_wakeup", "both players still asleep after %d ticks: a wakeup was lost (turn %d)",
               FUTEX_WATCH_TICKS, futex_turn);
    exit(FUTEX_STUCK);
  }
}

static void futex_check_pingpong(void)
{
  int st;
  int w = thread_create(futex_watchdog, 0, futex_top(FUTEX_THREADS + 1));
  int a = thread_create(futex_player, (void *)0, futex_top(0));
  int b = thread_create(futex_player, (void *)1, futex_top(1));
  int ja = a > 0 ? thread_join(a, &st) : -1, jb = b > 0 ? thread_join(b, &st) : -1;
  futex_pingpong_done = 1;
  if (w > 0)
    thread_join(w, &st);
  utest_check("proc_futex_no_lost_wakeup", ja == 0 && jb == 0 && w > 0,
              "players %d %d joined %d %d, watchdog %d", a, b, ja, jb, w);
}

/* ---- mutex ---- */

static struct mutex futex_mutex = MUTEX_INIT;
static volatile int futex_counter;

/* Add futex_adds to the counter, each a read, a pause and a write under the mutex. */
static void futex_adder(void *arg)
{
  (void)arg;
  for (int i = 0; i < futex_adds; i++) {
    mutex_lock(&futex_mutex);
    int v = futex_counter;
    for (volatile int k = 0; k < FUTEX_PAUSE; k++)
      ;
    futex_counter = v + 1;
    mutex_unlock(&futex_mutex);
  }
}

static void futex_check_mutex(void)
{
  int tids[FUTEX_THREADS], st, joined = 0;
  for (int i = 0; i < FUTEX_THREADS; i++)
    tids[i] = thread_create(futex_adder, 0, futex_top(i));
  for (int i = 0; i < FUTEX_THREADS; i++)
    joined += tids[i] > 0 && thread_join(tids[i], &st) == 0;
  utest_check("proc_futex_mutex", joined == FUTEX_THREADS && futex_counter == FUTEX_THREADS * futex_adds,
              "%d threads joined, counter %d (want %d)", joined, futex_counter, FUTEX_THREADS * futex_adds);
}

/* ---- condition variable ---- */

static struct mutex futex_ring_lock = MUTEX_INIT;
static struct cond futex_not_empty = COND_INIT, futex_not_full = COND_INIT;
static int futex_ring[FUTEX_RING], futex_head, futex_count, futex_taken;
static volatile unsigned futex_got[FUTEX_ITEMS];

/* Put items 1..FUTEX_ITEMS into the ring, then one 0 per consumer (stop). */
static void futex_producer(void *arg)
{
  (void)arg;
  for (int i = 1; i <= FUTEX_ITEMS + FUTEX_CONSUMERS; i++) {
    mutex_lock(&futex_ring_lock);
    while (futex_count == FUTEX_RING)
      cond_wait(&futex_not_full, &futex_ring_lock);
    futex_ring[(futex_head + futex_count) % FUTEX_RING] = i <= FUTEX_ITEMS ? i : 0;
    futex_count++;
    cond_signal(&futex_not_empty);
    mutex_unlock(&futex_ring_lock);
  }
}

/* Take items until a 0; count each item seen. */
static void futex_consumer(void *arg)
{
  (void)arg;
  for (;;) {
    mutex_lock(&futex_ring_lock);
    while (futex_count == 0)
      cond_wait(&futex_not_empty, &futex_ring_lock);
    int item = futex_ring[futex_head];
    futex_head = (futex_head + 1) % FUTEX_RING;
    futex_count--;
    cond_signal(&futex_not_full);
    if (item)
      futex_taken++;
    mutex_unlock(&futex_ring_lock);
    if (!item)
      return;
    __atomic_add_fetch(&futex_got[item - 1], 1, __ATOMIC_ACQ_REL);
  }
}

static void futex_check_cond(void)
{
  int tids[FUTEX_CONSUMERS + 1], st, bad = -1;
  tids[0] = thread_create(futex_producer, 0, futex_top(0));
  for (int i = 1; i <= FUTEX_CONSUMERS; i++)
    tids[i] = thread_create(futex_consumer, 0, futex_top(i));
  for (int i = 0; i <= FUTEX_CONSUMERS; i++)
    if (tids[i] > 0)
      thread_join(tids[i], &st);
  for (int i = 0; i < FUTEX_ITEMS && bad < 0; i++)
    if (futex_got[i] != 1)
      bad = i;
  utest_check("proc_futex_cond", bad < 0 && futex_taken == FUTEX_ITEMS,
              "%d items taken (want %d); first item not seen exactly once: %d (seen %u times)", futex_taken,
              FUTEX_ITEMS, bad + 1, bad >= 0 ? futex_got[bad] : 1);
}

int main(int argc, char *argv[])
{
  int quick = utest_quick(argc, argv);
  futex_rounds = quick ? FUTEX_ROUNDS_QUICK : FUTEX_ROUNDS_FULL;
  futex_adds = quick ? FUTEX_ADDS_QUICK : FUTEX_ADDS_FULL;
  futex_check_wake_counts();
  futex_check_pingpong();
  futex_check_mutex();
  futex_check_cond();
  return utest_status();
}
