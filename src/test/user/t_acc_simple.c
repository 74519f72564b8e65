/*
 * t_acc_simple - acceptance: a fork only copy-on-write can afford.
 *
 * Follows xv6's cowtest "simpletest". The heap takes two thirds of the free
 * user frames and one word per page is written; then fork. An eager copy
 * would need more frames than exist, copy-on-write needs almost none. The
 * child reads the words back and exits, the parent waits and shrinks the
 * heap. Two rounds; after each the free frame count is where it started.
 * Usage: t_acc_simple [quick]
 */
#include "user.h"
#include "test/utest.h"

#define SIMPLE_ROUNDS        2
#define SIMPLE_CHILD_OK      3        /* child exit code when every word was right (not 0:
                                         a parent wrongly running child code must not pass) */
#define SIMPLE_CHILD_BAD     2        /* child exit code: a word was wrong */
#define SIMPLE_WORD_SALT     0x5100u  /* mixed into each page's word */

/* The word simpletest stores in page i of a heap owned by pid. */
static unsigned simple_word(int pid, int i)
{
  return ((unsigned)pid << 20) ^ SIMPLE_WORD_SALT ^ (unsigned)i;
}

/* Child: every page must still hold the parent's word; exit SIMPLE_CHILD_OK or SIMPLE_CHILD_BAD. */
static void simple_child(char *heap, int pages, int parent) __attribute__((noreturn));
static void simple_child(char *heap, int pages, int parent)
{
  for (int i = 0; i < pages; i++) {
    unsigned seen = *(unsigned *)(heap + i * PGSIZE);
    if (seen != simple_word(parent, i)) {
      printf("acc_simple child: page %d at %p holds 0x%x, expected 0x%x\n",
             i, heap + i * PGSIZE, seen, simple_word(parent, i));
      exit(SIMPLE_CHILD_BAD);
    }
  }
  exit(SIMPLE_CHILD_OK);
}

/* One round: two thirds of the free frames in the heap, fork, reap, shrink, frames back at base. */
static void simple_round(int round, const struct memstat *base)
{
  char name[UTEST_NAME_MAX];
  struct memstat st;
  int pages, bytes, me = getpid(), pid, got, status = 0;
  char *heap;

  memstat(&st);
  pages = (int)(st.free_pages / 3 * 2);
  bytes = pages * PGSIZE;
  heap = sbrk(bytes);
  utest_round_name(name, "acc_simple_sbrk_r", round);
  if (!utest_check(name, heap != (char *)-1, "sbrk(%d) for %d of %u free frames failed",
                   bytes, pages, st.free_pages))
    return;
  for (int i = 0; i < pages; i++)
    *(unsigned *)(heap + i * PGSIZE) = simple_word(me, i);

  pid = fork();
  if (pid == 0)
    simple_child(heap, pages, me);
  utest_round_name(name, "acc_simple_fork_r", round);
  utest_check(name, pid > 0, "fork returned %d with a heap of %d pages and %u frames free",
              pid, pages, st.free_pages - (unsigned)pages);
  if (pid > 0) {
    got = waitpid(pid, &status);
    utest_round_name(name, "acc_simple_child_r", round);
    utest_check(name, got == pid && status == SIMPLE_CHILD_OK,
                "waitpid(%d) returned %d, status %d (want %d; %d a word was wrong)", pid, got,
                status, SIMPLE_CHILD_OK, SIMPLE_CHILD_BAD);
  }

  utest_round_name(name, "acc_simple_shrink_r", round);
  utest_check(name, sbrk(-bytes) != (void *)-1, "sbrk(-%d) failed", bytes);
  utest_check_round_free("acc_simple_free_r", round, base);
}

int main(int argc, char *argv[])
{
  struct memstat base;

  (void)argc;
  (void)argv;
  memstat(&base);
  utest_warm_heap((int)(base.free_pages / 3 * 2) * PGSIZE);
  memstat(&base);
  for (int round = 1; round <= SIMPLE_ROUNDS; round++)
    simple_round(round, &base);
  utest_check_end("acc_simple", &base);
  return utest_status();
}
