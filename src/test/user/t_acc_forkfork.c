/*
 * t_acc_forkfork - acceptance: generations of forks over a patterned region.
 *
 * Follows xv6 usertests "forkforkfork" and ucore's fork tests. A region of
 * up to 1 MiB holds a known word pattern. Each round forks three children;
 * each child checks the parent's pattern, overwrites the region with its own,
 * forks two grandchildren and exits at once (init reaps the grandchildren).
 * Each grandchild checks the child's pattern, writes its own and checks it.
 * Everyone reports one byte through a pipe. After every round the parent's
 * region still holds exactly its own pattern. Rounds: 50, quick 5.
 * Usage: t_acc_forkfork [quick]
 */
#include "user.h"
#include "test/utest.h"

#define FF_REGION_MAX_PAGES  256    /* 1 MiB */
#define FF_REGION_SHARE      32     /* at most 1/32 of the free frames: 9 writers, and
                                       the last round's may still be exiting */
#define FF_ROUNDS_FULL       50
#define FF_ROUNDS_QUICK      5
#define FF_CHILDREN          3
#define FF_GRANDCHILDREN     2      /* per child */
#define FF_REPORTS           (FF_CHILDREN * (1 + FF_GRANDCHILDREN))
#define FF_PARENT_TAG        1u
#define FF_WORDS_PER_PAGE    (PGSIZE / 4)
#define FF_EXIT              6      /* how children and grandchildren exit (not 0: a parent
                                       wrongly running their code must not pass) */
#define FF_OK                'k'    /* report bytes */
#define FF_BAD_INHERITED     'i'    /* the inherited pattern was wrong */
#define FF_BAD_OWN           'o'    /* its own pattern did not read back */
#define FF_NO_FORK           'f'    /* a child could not fork a grandchild */

/* Check the inherited pattern, write and check our own; the report byte. */
static char ff_take_over(unsigned *region, unsigned nwords, unsigned inherited, unsigned own)
{
  unsigned seen = 0;
  int bad = utest_pattern_find_bad(region, nwords, inherited, &seen);
  if (bad >= 0) {
    printf("acc_forkfork pid %d: inherited word %d at %p is 0x%x, expected 0x%x\n",
           getpid(), bad, &region[bad], seen, utest_pattern_word(inherited, (unsigned)bad));
    return FF_BAD_INHERITED;
  }
  utest_pattern_fill(region, nwords, own);
  bad = utest_pattern_find_bad(region, nwords, own, &seen);
  if (bad >= 0) {
    printf("acc_forkfork pid %d: own word %d at %p is 0x%x, expected 0x%x\n",
           getpid(), bad, &region[bad], seen, utest_pattern_word(own, (unsigned)bad));
    return FF_BAD_OWN;
  }
  return FF_OK;
}

/* Child c: take the region over from the parent, fork two grandchildren, report, exit. */
static void ff_child(unsigned *region, unsigned nwords, int c, int report)
  __attribute__((noreturn));
static void ff_child(unsigned *region, unsigned nwords, int c, int report)
{
  unsigned tag = FF_PARENT_TAG + 1 + (unsigned)c * (1 + FF_GRANDCHILDREN);
  char verdict = ff_take_over(region, nwords, FF_PARENT_TAG, tag);

  for (int g = 1; g <= FF_GRANDCHILDREN; g++) {
    int pid = fork();
    if (pid == 0) {
      char gverdict = ff_take_over(region, nwords, tag, tag + (unsigned)g);
      write(report, &gverdict, 1);
      exit(FF_EXIT);
    }
    if (pid < 0) {
      char failed = FF_NO_FORK;
      write(report, &failed, 1);
    }
  }
  write(report, &verdict, 1);
  exit(FF_EXIT);
}

/* One round: fork the children, collect every report, reap the children; returns the first
 * bad report byte or FF_OK. */
static char ff_round(unsigned *region, unsigned nwords, int *forked, int *reaped)
{
  int fds[2], got, status, n;
  char reports[FF_REPORTS], verdict = FF_OK;

  if (pipe(fds) != 0)
    return FF_NO_FORK;
  for (int c = 0; c < FF_CHILDREN; c++) {
    int pid = fork();
    if (pid == 0) {
      close(fds[0]);
      ff_child(region, nwords, c, fds[1]);
    }
    if (pid > 0)
      (*forked)++;
  }
  close(fds[1]);
  n = 0;
  while (n < FF_REPORTS) {
    int r = read(fds[0], reports + n, FF_REPORTS - n);
    if (r <= 0)
      break;
    n += r;
  }
  close(fds[0]);
  for (int i = 0; i < n; i++)
    if (reports[i] != FF_OK && verdict == FF_OK)
      verdict = reports[i];
  if (n < FF_REPORTS && verdict == FF_OK)
    verdict = FF_NO_FORK;
  while ((got = wait(&status)) > 0)
    if (status == FF_EXIT)
      (*reaped)++;
  return verdict;
}

int main(int argc, char *argv[])
{
  struct memstat base;
  int rounds = utest_quick(argc, argv) ? FF_ROUNDS_QUICK : FF_ROUNDS_FULL;
  int pages, forked = 0, reaped = 0, bad_round = 0, bad = -1, round;
  unsigned nwords, seen = 0;
  char verdict = FF_OK;
  unsigned *region;

  memstat(&base);
  pages = (int)(base.free_pages / FF_REGION_SHARE);
  if (pages > FF_REGION_MAX_PAGES)
    pages = FF_REGION_MAX_PAGES;
  utest_warm_heap(pages * PGSIZE);
  memstat(&base);
  region = sbrk(pages * PGSIZE);
  if (!utest_check("acc_forkfork_region", region != (unsigned *)-1,
                   "sbrk(%d) for %d pages failed", pages * PGSIZE, pages))
    return utest_status();
  nwords = (unsigned)pages * FF_WORDS_PER_PAGE;
  utest_pattern_fill(region, nwords, FF_PARENT_TAG);

  for (round = 1; round <= rounds && bad < 0 && verdict == FF_OK; round++) {
    verdict = ff_round(region, nwords, &forked, &reaped);
    bad = utest_pattern_find_bad(region, nwords, FF_PARENT_TAG, &seen);
    bad_round = round;
  }
  utest_check("acc_forkfork_children", forked == (round - 1) * FF_CHILDREN && reaped == forked,
              "%d rounds: %d children forked, %d exited %d (want %d)", round - 1, forked,
              reaped, FF_EXIT, (round - 1) * FF_CHILDREN);
  utest_check("acc_forkfork_reports", verdict == FF_OK,
              "round %d: a report was '%c' (want 'k'; 'i' inherited pattern wrong, 'o' own "
              "pattern wrong, 'f' fork failed or report missing)", bad_round, verdict);
  utest_check("acc_forkfork_parent_bytes", bad < 0,
              "after round %d word %d at %p is 0x%x, expected 0x%x", bad_round, bad,
              bad < 0 ? region : &region[bad], seen,
              utest_pattern_word(FF_PARENT_TAG, bad < 0 ? 0 : (unsigned)bad));
  sbrk(-pages * PGSIZE);
  utest_check_end("acc_forkfork", &base);
  return utest_status();
}
