/*
 * t_smp_thread_fork - fork from a process whose other threads are storing on
 * other CPUs, and a copy-on-write copy while sibling threads read the page.
 *
 * Fork: TF_WRITERS threads each count up in a word of their own page in a
 * tight loop (never entering the kernel). The first thread forks. Right
 * after fork returns it reads every word; the child reads them too and
 * sends them back. A writer's stores go to the frame fork now shares with
 * the child only until fork's TLB shootdown reaches its CPU; after it, its
 * next store faults and copies. So for every word the child must see a
 * value no newer than the parent read after fork returned, and the
 * parent's words must keep moving. Without the shootdown a writer on
 * another CPU keeps its writable translation and stores on into the child's
 * frame: the child sees newer values.
 *
 * Copy: the first thread writes r into a page and forks a child (the page
 * is now shared, read-only) while TC_READERS sibling threads read the page
 * in a loop. It then writes r + 1 (the copy-on-write copy: its space gets
 * a new frame), and only then tells the child to write TC_POISON into its
 * own page: the old frame, which the child now reuses in place. A reader
 * must never read TC_POISON: the copy's shootdown removed every CPU's
 * translation of the old frame before the new one was installed. Without
 * it a reader on another CPU keeps reading the old frame, the child's.
 *
 * On one CPU the threads take turns and every switch flushes: both hold
 * trivially there; the checks are for 2 and 4 CPUs.
 * Usage: t_smp_thread_fork [quick]
 */
#include "user.h"
#include "test/utest.h"

#define TF_WRITERS        3
#define TF_ROUNDS_FULL    60
#define TF_ROUNDS_QUICK   15
#define TF_WARM_ROUNDS    2000000u      /* loop rounds the first thread waits for the writers to move */
#define TF_STACK          4096
#define TC_READERS        2
#define TC_ROUNDS_FULL    300
#define TC_ROUNDS_QUICK   60
#define TC_LINGER         20000         /* loop rounds the readers get before and after the write */
#define TF_PROGRESS_EVERY 10

static char tf_stacks[TF_WRITERS + TC_READERS][TF_STACK] __attribute__((aligned(16)));
static volatile unsigned *tf_words[TF_WRITERS];   /* one page each */
static volatile int tf_stop;

/* The top of stack i. */
static void *tf_top(int i)
{
  return tf_stacks[i] + TF_STACK;
}

/* Count up in this writer's word until told to stop. */
static void tf_writer(void *arg)
{
  volatile unsigned *w = tf_words[(int)arg];
  unsigned v = 0;
  while (!tf_stop)
    *w = ++v;
}

/* Wait until every word moved (the writers run); 0, or -1 when one never did. */
static int tf_wait_moving(void)
{
  unsigned start[TF_WRITERS];
  for (int i = 0; i < TF_WRITERS; i++)
    start[i] = *tf_words[i];
  for (unsigned n = 0; n < TF_WARM_ROUNDS; n++) {
    int all = 1;
    for (int i = 0; i < TF_WRITERS; i++)
      all &= *tf_words[i] != start[i];
    if (all)
      return 0;
    if (n % 1024 == 0)
      yield();
  }
  return -1;
}

/* One fork: the child's view of the words against the parent's right after fork returned.
 * Returns the index of a word the child saw newer (its values in *child, *parent), or -1;
 * -2 when the fork or the pipe failed. */
static int tf_fork_round(unsigned *child, unsigned *parent)
{
  int fds[2], st;
  unsigned seen[TF_WRITERS], back[TF_WRITERS];
  if (pipe(fds) < 0)
    return -2;
  int pid = fork();
  if (pid == 0) {
    for (int i = 0; i < TF_WRITERS; i++)
      back[i] = *tf_words[i];
    write(fds[1], back, sizeof back);
    exit(0);
  }
  for (int i = 0; i < TF_WRITERS; i++)
    seen[i] = *tf_words[i];
  int got = pid > 0 ? utest_read_full(fds[0], back, sizeof back) : -1;
  close(fds[0]);
  close(fds[1]);
  if (pid < 0 || waitpid(pid, &st) != pid || got != (int)sizeof back)
    return -2;
  for (int i = 0; i < TF_WRITERS; i++)
    if (back[i] > seen[i]) {
      *child = back[i];
      *parent = seen[i];
      return i;
    }
  return -1;
}

static void tf_check_fork(int rounds)
{
  char *pages = utest_heap_pages(TF_WRITERS);
  int tids[TF_WRITERS], st, bad = -1, failed = 0, r;
  unsigned child = 0, parent = 0;
  if (!pages) {
    utest_fail("smp_thread_fork_child_older", "no heap pages");
    return;
  }
  for (int i = 0; i < TF_WRITERS; i++)
    tf_words[i] = (volatile unsigned *)(pages + i * PGSIZE);
  tf_stop = 0;
  for (int i = 0; i < TF_WRITERS; i++)
    tids[i] = thread_create(tf_writer, (void *)i, tf_top(i));
  int moving = tf_wait_moving();
  for (r = 0; r < rounds && bad < 0 && !failed && moving == 0; r++) {
    bad = tf_fork_round(&child, &parent);
    failed = bad == -2;
    if (r % TF_PROGRESS_EVERY == 0)
      utest_progress("smp_thread_fork_rounds", r, rounds);
  }
  unsigned before[TF_WRITERS];
  for (int i = 0; i < TF_WRITERS; i++)
    before[i] = *tf_words[i];
  int still = moving == 0 ? tf_wait_moving() : -1;
  tf_stop = 1;
  for (int i = 0; i < TF_WRITERS; i++)
    if (tids[i] > 0)
      thread_join(tids[i], &st);
  utest_check("smp_thread_fork_child_older", moving == 0 && bad < 0 && !failed,
              "round %d of %d: word %d: the child saw %u, newer than the %u the parent read when fork returned "
              "(writers moving: %s, a fork or pipe failed: %s)", r, rounds, bad, child, parent,
              moving == 0 ? "yes" : "no", failed ? "yes" : "no");
  utest_check("smp_thread_fork_parent_moves", still == 0, "after the forks the writers' words stopped at %u %u %u",
              before[0], before[1], before[2]);
  sbrk(-(TF_WRITERS * PGSIZE));
}

/* ---- the copy against sibling readers ---- */

#define TC_POISON 0xDEADBEEFu            /* only the child writes it, into its own frame */

static volatile unsigned *tc_page;       /* the copy-on-write page */
static volatile int tc_stale_reader = -1, tc_round;

/* Read the page until told to stop; note the first time it shows the child's value. */
static void tc_reader(void *arg)
{
  while (!tf_stop)
    if (*tc_page == TC_POISON && tc_stale_reader < 0)
      tc_stale_reader = (int)arg;
}

/* Busy-wait n loop rounds (the readers keep reading meanwhile). */
static void tc_linger(unsigned n)
{
  for (volatile unsigned i = 0; i < n; i++)
    ;
}

static void tf_check_copy(int rounds)
{
  char *pages = utest_heap_pages(1);
  int tids[TC_READERS], st, r, failed = 0;
  if (!pages) {
    utest_fail("smp_thread_cow_no_stale_read", "no heap pages");
    return;
  }
  tc_page = (volatile unsigned *)pages;
  *tc_page = 0;
  tf_stop = 0;
  for (int i = 0; i < TC_READERS; i++)
    tids[i] = thread_create(tc_reader, (void *)i, tf_top(TF_WRITERS + i));
  for (r = 0; r < rounds && tc_stale_reader < 0 && !failed; r++) {
    int fds[2];
    tc_round = r;
    *tc_page = (unsigned)r;
    if (pipe(fds) < 0) {
      failed = 1;
      break;
    }
    int pid = fork();
    if (pid == 0) {
      char c;
      read(fds[0], &c, 1);                 /* until the parent's copy is done */
      *tc_page = TC_POISON;                /* count 1 now: the old frame, reused in place */
      tc_linger(TC_LINGER);
      exit(0);
    }
    tc_linger(TC_LINGER);
    *tc_page = (unsigned)r + 1;            /* the copy, with the readers on other CPUs */
    write(fds[1], "x", 1);
    close(fds[0]);
    close(fds[1]);
    failed = pid < 0 || waitpid(pid, &st) != pid;
    if (r % (TF_PROGRESS_EVERY * 5) == 0)
      utest_progress("smp_thread_cow_rounds", r, rounds);
  }
  tf_stop = 1;
  for (int i = 0; i < TC_READERS; i++)
    if (tids[i] > 0)
      thread_join(tids[i], &st);
  utest_check("smp_thread_cow_no_stale_read", tc_stale_reader < 0 && !failed,
              "round %d: reader %d read 0x%x, which only the child wrote into the old frame after the parent's "
              "copy: it kept the old frame's translation; a fork or pipe failed: %s", tc_round, tc_stale_reader,
              TC_POISON, failed ? "yes" : "no");
  sbrk(-PGSIZE);
}

int main(int argc, char *argv[])
{
  int quick = utest_quick(argc, argv);
  tf_check_fork(quick ? TF_ROUNDS_QUICK : TF_ROUNDS_FULL);
  tf_check_copy(quick ? TC_ROUNDS_QUICK : TC_ROUNDS_FULL);
  return utest_status();
}
