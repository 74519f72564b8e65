/*
 * t_proc_sbrk - growing and shrinking the heap with sbrk.
 *
 * Growing maps nothing (free_pages stays; the memory reads as zeros) and the
 * first write to each page takes exactly one frame (free_pages drops by the
 * pages written); shrinking unmaps and frees them again; partial pages are
 * counted once; asking for more than the free frames returns (void *)-1 and
 * changes neither the break nor free_pages; every free frame can be grown
 * into and written, then one more page fails.
 * Sizes come from memstat, so the program runs on any memory size; above
 * SBRK_FREE_MAX free frames (more than one address space or one sbrk increment
 * can take) holder processes keep the rest while the checks run.
 * Usage: t_proc_sbrk [quick]
 */
#include "user.h"
#include "test/utest.h"

#define SBRK_FAIL        ((void *)-1)
#define SBRK_QUICK_PAGES 16      /* at most this many pages in quick mode */
#define SBRK_REGROW_PAGES 8
#define SBRK_SMALL       100     /* a step smaller than a page */
#define SBRK_HUGE        0x7FFFF000
#define SBRK_WORDS       (PGSIZE / (int)sizeof(unsigned))
#define SBRK_FREE_MAX    65536   /* free frames the checks work with at most (256 MiB) */

/* Index of the first non-zero word in [p, p + pages pages), or -1. */
static int sbrk_first_nonzero(const char *p, int pages)
{
  const volatile unsigned *w = (const volatile unsigned *)p;
  int i;
  for (i = 0; i < pages * SBRK_WORDS; i++)
    if (w[i] != 0)
      return i;
  return -1;
}

/* Write a per-page pattern into three words of each page; return the first page that
 * does not read back, or -1. */
static int sbrk_write_readback(char *p, int pages)
{
  volatile unsigned *w;
  int i;
  for (i = 0; i < pages; i++) {
    w = (volatile unsigned *)(p + i * PGSIZE);
    w[0] = 0xA5000000u + i;
    w[SBRK_WORDS / 2] = 0x5A000000u + i;
    w[SBRK_WORDS - 1] = ~(unsigned)i;
  }
  for (i = 0; i < pages; i++) {
    w = (volatile unsigned *)(p + i * PGSIZE);
    if (w[0] != 0xA5000000u + i || w[SBRK_WORDS / 2] != 0x5A000000u + i ||
        w[SBRK_WORDS - 1] != ~(unsigned)i)
      return i;
  }
  return -1;
}

/* Grow by pages, check frames, zeroing and use; shrink and check everything is back. */
static void sbrk_check_grow_shrink(int pages)
{
  struct memstat m0, m1, m2, m3;
  char *start = utest_align_break(), *p, *q, *end;
  int nonzero, bad_page;

  memstat(&m0);
  p = sbrk(pages * PGSIZE);
  memstat(&m1);
  end = sbrk(0);
  utest_check("proc_sbrk_grow",
              p == start && end == start + pages * PGSIZE &&
              m0.free_pages == m1.free_pages && vtop(start) == 0,
              "sbrk(%d pages) returned 0x%x (want 0x%x), break now 0x%x, free pages %u -> %u "
              "(want no change), first page mapped at 0x%x (want 0: nothing mapped)", pages, (unsigned)p,
              (unsigned)start, (unsigned)end, m0.free_pages, m1.free_pages, vtop(start));
  if (p != start) {
    utest_fail("proc_sbrk_zeroed", "no heap to look at: sbrk returned 0x%x", (unsigned)p);
    utest_fail("proc_sbrk_usable", "no heap to look at: sbrk returned 0x%x", (unsigned)p);
    utest_fail("proc_sbrk_shrink", "no heap to shrink: sbrk returned 0x%x", (unsigned)p);
    return;
  }
  nonzero = sbrk_first_nonzero(p, pages);
  utest_check("proc_sbrk_zeroed", nonzero < 0, "word %d (address 0x%x) of the new heap is "
              "0x%x, not 0", nonzero, (unsigned)(p + nonzero * 4),
              nonzero < 0 ? 0 : ((unsigned *)p)[nonzero]);
  bad_page = sbrk_write_readback(p, pages);
  memstat(&m2);
  utest_check("proc_sbrk_usable", bad_page < 0 && m1.free_pages - m2.free_pages == (unsigned)pages,
              "page %d of %d did not read back what was written (-1: all did); free pages %u -> %u "
              "after writing (want -%d)", bad_page, pages, m1.free_pages, m2.free_pages, pages);

  q = sbrk(-pages * PGSIZE);
  memstat(&m3);
  utest_check("proc_sbrk_shrink",
              q == end && sbrk(0) == start && m3.free_pages == m0.free_pages &&
              vtop(start) == 0 && vtop(end - 1) == 0,
              "sbrk(-%d pages) gave 0x%x (want old break 0x%x), break 0x%x (want 0x%x), "
              "free pages %u (want %u), vtop of first/last page 0x%x/0x%x (want 0)",
              pages, (unsigned)q, (unsigned)end, (unsigned)sbrk(0), (unsigned)start,
              m3.free_pages, m0.free_pages, vtop(start), vtop(end - 1));
}

/* Pages that come back after a shrink must be zeroed again, not hold old data. */
static void sbrk_check_regrow(void)
{
  char *start = utest_align_break(), *p;
  int nonzero = -2;

  p = sbrk(SBRK_REGROW_PAGES * PGSIZE);
  if (p == start) {
    sbrk_write_readback(p, SBRK_REGROW_PAGES);
    sbrk(-SBRK_REGROW_PAGES * PGSIZE);
    p = sbrk(SBRK_REGROW_PAGES * PGSIZE);
    if (p == start)
      nonzero = sbrk_first_nonzero(p, SBRK_REGROW_PAGES);
    sbrk(-SBRK_REGROW_PAGES * PGSIZE);
  }
  utest_check("proc_sbrk_regrow_zeroed", p == start && nonzero == -1,
              "regrown heap at 0x%x (want 0x%x): first non-zero word %d (-1: none)",
              (unsigned)p, (unsigned)start, nonzero);
}

/* Sub-page steps: a page is allocated when it is first written below the break, freed when the
 * break leaves it. */
static void sbrk_check_partial(void)
{
  struct memstat m0, m1, m2, m3, m4;
  char *start = utest_align_break();
  volatile char *last;

  memstat(&m0);
  sbrk(SBRK_SMALL);
  *(volatile char *)start = 'a';
  memstat(&m1);
  sbrk(PGSIZE - SBRK_SMALL);
  *(volatile char *)(start + PGSIZE - 1) = 'b';
  memstat(&m2);
  sbrk(1);
  last = (volatile char *)start + PGSIZE;
  *last = 'z';
  memstat(&m3);
  sbrk(-(PGSIZE + 1));
  memstat(&m4);
  utest_check("proc_sbrk_partial",
              m0.free_pages - m1.free_pages == 1 && m1.free_pages == m2.free_pages &&
              m2.free_pages - m3.free_pages == 1 && m4.free_pages == m0.free_pages &&
              sbrk(0) == start,
              "free pages %u, +%d bytes %u, to a page %u, +1 byte %u, back %u (want -1, 0, "
              "-1, all back); break 0x%x (want 0x%x)", m0.free_pages, SBRK_SMALL,
              m1.free_pages, m2.free_pages, m3.free_pages, m4.free_pages,
              (unsigned)sbrk(0), (unsigned)start);
}

/* Requests beyond the free frames fail with (void *)-1 and change nothing. */
static void sbrk_check_too_big(void)
{
  struct memstat m0, m1;
  char *start = utest_align_break();
  void *r_over, *r_huge;

  memstat(&m0);
  r_over = sbrk((int)(m0.free_pages + 1) * PGSIZE);
  r_huge = sbrk(SBRK_HUGE);
  memstat(&m1);
  utest_check("proc_sbrk_too_big",
              r_over == SBRK_FAIL && r_huge == SBRK_FAIL && sbrk(0) == start &&
              m1.free_pages == m0.free_pages,
              "sbrk(%u free + 1 pages) returned 0x%x, sbrk(0x%x) returned 0x%x (want -1); "
              "break 0x%x (want 0x%x), free pages %u -> %u", m0.free_pages,
              (unsigned)r_over, SBRK_HUGE, (unsigned)r_huge, (unsigned)sbrk(0),
              (unsigned)start, m0.free_pages, m1.free_pages);
}

/* Every free frame can be grown into (nothing taken yet), read as zeros and written (then none
 * is free); then one more page fails; all comes back on shrink. */
static void sbrk_check_all_memory(void)
{
  struct memstat m0, m1, m2, m3;
  char *start = utest_align_break(), *p;
  void *more = SBRK_FAIL;
  int pages, zero_ok = 0;

  memstat(&m0);
  pages = (int)m0.free_pages;
  p = sbrk(pages * PGSIZE);
  memstat(&m1);
  m2 = m1;
  if (p == start) {
    zero_ok = sbrk_first_nonzero(p, 1) < 0 &&
              sbrk_first_nonzero(p + (pages - 1) * PGSIZE, 1) < 0;
    for (int i = 0; i < pages; i++)
      p[i * PGSIZE] = 1;
    memstat(&m2);
    more = sbrk(PGSIZE);
    if (more != SBRK_FAIL)
      sbrk(-PGSIZE);
    sbrk(-pages * PGSIZE);
  }
  memstat(&m3);
  utest_check("proc_sbrk_all_memory",
              p == start && m1.free_pages == m0.free_pages && m2.free_pages == 0 && more == SBRK_FAIL &&
              zero_ok && m3.free_pages == m0.free_pages && sbrk(0) == start,
              "sbrk(all %d free pages) gave 0x%x (want 0x%x), free then %u (want %u), after writing "
              "every page %u (want 0), 1 more page 0x%x (want -1), zeroed %d, free after shrink %u "
              "(want %u)", pages, (unsigned)p, (unsigned)start, m1.free_pages, m0.free_pages,
              m2.free_pages, (unsigned)more, zero_ok, m3.free_pages, m0.free_pages);
}

/* Run every check; the exit status is 0 when all of them passed. */
int main(int argc, char *argv[])
{
  struct memstat m;
  int pages, holders = utest_hold_frames(SBRK_FREE_MAX);

  memstat(&m);
  pages = (int)m.free_pages / 2;
  if (utest_quick(argc, argv) && pages > SBRK_QUICK_PAGES)
    pages = SBRK_QUICK_PAGES;
  if (pages < 1)
    pages = 1;
  sbrk_check_grow_shrink(pages);
  sbrk_check_regrow();
  sbrk_check_partial();
  sbrk_check_too_big();
  sbrk_check_all_memory();
  utest_release_check("proc_sbrk_holders", holders);
  utest_memcheck("proc_sbrk_memcheck");
  return utest_status();
}
