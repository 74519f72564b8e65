/*
 * t_acc_three - acceptance: three generations writing one shared heap.
 *
 * Follows xv6's cowtest "threetest". The heap is a quarter of the free user
 * frames, filled before fork. A grandchild writes 80% of it and checks, the
 * child writes 50% and exits without waiting (init reaps the grandchild),
 * the parent writes all of it and checks after reaping the child and after
 * the grandchild is gone. Three rounds; the grandchild reports through a pipe.
 * Usage: t_acc_three [quick]
 */
#include "user.h"
#include "test/utest.h"

#define THREE_ROUNDS         3
#define THREE_CHILD_OK       5      /* child exit when all is well (not 0: a parent wrongly
                                       running child code must not pass) */
#define THREE_CHILD_BAD      2      /* child exit: its own half was wrong */
#define THREE_CHILD_LOST     3      /* child exit: the untouched half lost the pre-fork words */
#define THREE_CHILD_NOFORK   4      /* child exit: it could not fork the grandchild */
#define THREE_REPORT_OK      'k'    /* grandchild's byte when all its words read back */
#define THREE_REPORT_BAD     'x'
#define THREE_SETTLE_TICKS   1      /* xv6's sleep(1) after reaping the child */

/* A writer's tag: distinct for every pid, and for the parent's writes before and after fork. */
static unsigned three_tag(int pid, int after_fork)
{
  return (unsigned)pid * 2 + (unsigned)after_fork;
}

/* The word the writer with tag stores in page i. */
static unsigned three_word(unsigned tag, int i)
{
  return (tag << 20) ^ (unsigned)i;
}

/* Store the word of tag in pages [from, to). */
static void three_fill(char *heap, int from, int to, unsigned tag)
{
  for (int i = from; i < to; i++)
    *(unsigned *)(heap + i * PGSIZE) = three_word(tag, i);
}

/* First page in [from, to) not holding tag's word, or -1; *seen gets that page's word. */
static int three_find_bad(char *heap, int from, int to, unsigned tag, unsigned *seen)
{
  for (int i = from; i < to; i++) {
    *seen = *(unsigned *)(heap + i * PGSIZE);
    if (*seen != three_word(tag, i))
      return i;
  }
  return -1;
}

/* Grandchild: write its word into the first 80% of the pages, read them back, report. */
static void three_grandchild(char *heap, int pages, int report) __attribute__((noreturn));
static void three_grandchild(char *heap, int pages, int report)
{
  unsigned tag = three_tag(getpid(), 0), seen;
  int part = pages / 5 * 4, bad;
  char verdict = THREE_REPORT_OK;

  three_fill(heap, 0, part, tag);
  bad = three_find_bad(heap, 0, part, tag, &seen);
  if (bad >= 0) {
    printf("acc_three grandchild %d: page %d holds 0x%x, expected 0x%x\n",
           getpid(), bad, seen, three_word(tag, bad));
    verdict = THREE_REPORT_BAD;
  }
  write(report, &verdict, 1);
  exit(THREE_CHILD_OK);
}

/* Child: fork the grandchild, write half the pages, check both halves, exit without waiting. */
static void three_child(char *heap, int pages, unsigned parent_tag, int report)
  __attribute__((noreturn));
static void three_child(char *heap, int pages, unsigned parent_tag, int report)
{
  unsigned tag = three_tag(getpid(), 0), seen;
  int half = pages / 2, pid, bad;

  pid = fork();
  if (pid == 0)
    three_grandchild(heap, pages, report);
  close(report);
  if (pid < 0)
    exit(THREE_CHILD_NOFORK);
  three_fill(heap, 0, half, tag);
  bad = three_find_bad(heap, 0, half, tag, &seen);
  if (bad >= 0) {
    printf("acc_three child: page %d holds 0x%x, expected 0x%x\n", bad, seen,
           three_word(tag, bad));
    exit(THREE_CHILD_BAD);
  }
  bad = three_find_bad(heap, half, pages, parent_tag, &seen);
  if (bad >= 0) {
    printf("acc_three child: untouched page %d holds 0x%x, expected 0x%x\n",
           bad, seen, three_word(parent_tag, bad));
    exit(THREE_CHILD_LOST);
  }
  exit(THREE_CHILD_OK);
}

/* One round: a quarter of the frames, three writers, every result checked, frames back at base. */
static void three_round(int round, int pages, const struct memstat *base)
{
  char name[UTEST_NAME_MAX];
  int bytes = pages * PGSIZE, me = getpid(), fds[2], pid, got, status = 0, n, bad, eof;
  unsigned before = three_tag(me, 0), after = three_tag(me, 1), seen = 0;
  char verdict = 0, junk;
  char *heap = sbrk(bytes);

  utest_round_name(name, "acc_three_setup_r", round);
  if (!utest_check(name, heap != (char *)-1 && pipe(fds) == 0,
                   "sbrk(%d) returned %p or pipe failed", bytes, heap)) {
    if (heap != (char *)-1)
      sbrk(-bytes);
    return;
  }
  three_fill(heap, 0, pages, before);

  pid = fork();
  if (pid == 0) {
    close(fds[0]);
    three_child(heap, pages, before, fds[1]);
  }
  close(fds[1]);
  three_fill(heap, 0, pages, after);
  got = pid > 0 ? waitpid(pid, &status) : -1;
  sleep(THREE_SETTLE_TICKS);
  utest_round_name(name, "acc_three_child_r", round);
  utest_check(name, pid > 0 && got == pid && status == THREE_CHILD_OK,
              "fork %d, waitpid %d, status %d (want %d; %d own half wrong, %d other half "
              "lost its pre-fork words, %d could not fork)", pid, got, status, THREE_CHILD_OK,
              THREE_CHILD_BAD, THREE_CHILD_LOST, THREE_CHILD_NOFORK);

  n = read(fds[0], &verdict, 1);
  eof = read(fds[0], &junk, 1);   /* 0 once the grandchild has exited */
  close(fds[0]);
  utest_round_name(name, "acc_three_grandchild_r", round);
  utest_check(name, n == 1 && verdict == THREE_REPORT_OK && eof == 0,
              "report: read returned %d, byte '%c' (want 1, 'k'); next read %d (want 0, EOF)",
              n, n == 1 ? verdict : '?', eof);

  bad = three_find_bad(heap, 0, pages, after, &seen);
  utest_round_name(name, "acc_three_parent_r", round);
  utest_check(name, bad < 0, "page %d of %d holds 0x%x, expected 0x%x", bad, pages, seen,
              bad < 0 ? 0 : three_word(after, bad));

  sbrk(-bytes);
  utest_check_round_free("acc_three_free_r", round, base);
}

int main(int argc, char *argv[])
{
  struct memstat base;
  int pages;

  (void)argc;
  (void)argv;
  memstat(&base);
  pages = (int)(base.free_pages / 4);
  utest_warm_heap(pages * PGSIZE);
  memstat(&base);
  for (int round = 1; round <= THREE_ROUNDS; round++)
    three_round(round, pages, &base);
  utest_check_end("acc_three", &base);
  return utest_status();
}
