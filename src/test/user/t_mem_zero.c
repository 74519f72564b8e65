/*
 * t_mem_zero - lazy zero pages: the heap sbrk grows is backed on first touch.
 *
 * sbrk maps nothing (no frame taken, nothing mapped); a read of an untouched
 * page returns zeros and maps the one shared zero frame (outside the user
 * pool; framesnap counts its mappings apart); the first write takes one
 * zeroed frame of its own; a fork gives the child the same zero entries, and
 * a write on either side after the fork stays private; a kernel copy-out
 * into an untouched page backs it, a copy-in from one reads zeros; a shrink
 * over zero pages gives back exactly what was taken. The overcommit edge:
 * growth that fits but is overtaken by other growth kills the writer that
 * finds no frame, and everything comes back. (t_proc_sbrk checks the other
 * edge: the largest growth that fits can be written, one page more fails.)
 * Usage: t_mem_zero [quick]
 */
#include "user.h"
#include "test/utest.h"

#define ZERO_PAGES      16         /* the heap region the checks look at */
#define ZERO_WORDS      (PGSIZE / (int)sizeof(unsigned))
#define ZERO_MARK       0x5A5A0001u
#define ZERO_CHILD_MARK 0xC0DE0002u
#define ZERO_FREE_MAX   2048       /* free frames the overcommit check works with at most */
#define ZERO_KILLED     (-1)       /* a child's status when the kernel killed it */

static unsigned zero_pool_base, zero_pool_frames;

/* Pages of process pid (0: every live one) that map the zero frame, or -1. */
static int zero_pages_of(int pid)
{
  struct framesnap s;
  memset(&s, 0, sizeof s);
  s.mode = pid ? FRAMESNAP_PROC : FRAMESNAP_POOL;
  s.pid = pid;
  if (framesnap(&s) < 0)
    return -1;
  zero_pool_base = s.pool_base;
  zero_pool_frames = s.pool_frames;
  return (int)s.zero_pages;
}

/* Non-zero when pa is a frame of the user pool. */
static int zero_in_pool(unsigned pa)
{
  return pa >= zero_pool_base && (pa - zero_pool_base) / PGSIZE < zero_pool_frames;
}

/* Index of the first non-zero word of page p, or -1. */
static int zero_first_nonzero(const char *p)
{
  const volatile unsigned *w = (const volatile unsigned *)p;
  for (int i = 0; i < ZERO_WORDS; i++)
    if (w[i] != 0)
      return i;
  return -1;
}

static char *zero_heap;            /* ZERO_PAGES pages grown by sbrk */

/* The fork check's child: reads page 1 and 2 (zero entries), then writes page 1. */
struct zero_child_report {
  int zero_pages_before;           /* its zero-frame pages right after starting */
  int page1_zero, page2_zero;      /* pages 1 and 2 read as zeros */
  unsigned pa1_before, pa1_after;  /* page 1's frame before and after its write */
  unsigned free_before, free_after;
};

static void zero_child_body(void *out)
{
  struct zero_child_report *r = out;
  struct memstat m;
  utest_touch_stack();
  r->zero_pages_before = zero_pages_of(getpid());
  r->page1_zero = zero_first_nonzero(zero_heap + PGSIZE) < 0;
  r->page2_zero = zero_first_nonzero(zero_heap + 2 * PGSIZE) < 0;
  r->pa1_before = vtop(zero_heap + PGSIZE);
  memstat(&m);
  r->free_before = m.free_pages;
  *(volatile unsigned *)(zero_heap + PGSIZE) = ZERO_CHILD_MARK;
  memstat(&m);
  r->free_after = m.free_pages;
  r->pa1_after = vtop(zero_heap + PGSIZE);
}

/* The parent writes page 2 after the fork, before the child looks at it. */
static void zero_parent_hook(void)
{
  *(volatile unsigned *)(zero_heap + 2 * PGSIZE) = ZERO_MARK;
}

/* Grow, read, write: frames and mappings at each step. */
static void zero_check_grow_read_write(void)
{
  struct memstat m0, m1, m2, m3;
  char *start = utest_align_break();
  int z0 = zero_pages_of(getpid());

  memstat(&m0);
  zero_heap = sbrk(ZERO_PAGES * PGSIZE);
  memstat(&m1);
  int z1 = zero_pages_of(getpid());
  utest_check("zero_sbrk_maps_nothing",
              zero_heap == start && m1.free_pages == m0.free_pages && vtop(start) == 0 &&
              vtop(start + (ZERO_PAGES - 1) * PGSIZE) == 0 && z1 == z0,
              "sbrk(%d pages) gave 0x%x (want 0x%x); free %u -> %u (want no change); first/last page "
              "mapped at 0x%x/0x%x (want 0); zero-frame pages %d -> %d (want no change)", ZERO_PAGES,
              (unsigned)zero_heap, (unsigned)start, m0.free_pages, m1.free_pages, vtop(start),
              vtop(start + (ZERO_PAGES - 1) * PGSIZE), z0, z1);
  if (zero_heap != start)
    return;

  int bad = -1;
  for (int i = 0; i < ZERO_PAGES && bad < 0; i++)
    if (zero_first_nonzero(zero_heap + i * PGSIZE) >= 0)
      bad = i;
  memstat(&m2);
  int z2 = zero_pages_of(getpid());
  unsigned pa0 = vtop(zero_heap), pa1 = vtop(zero_heap + PGSIZE);
  utest_check("zero_read_maps_zero_frame",
              bad < 0 && m2.free_pages == m1.free_pages && pa0 != 0 && pa0 == pa1 && !zero_in_pool(pa0) &&
              z2 == z1 + ZERO_PAGES,
              "first non-zero page %d (want -1); free %u -> %u (want no change); pages 0 and 1 at "
              "0x%x and 0x%x (want one frame outside the user pool 0x%x+%u frames); zero-frame pages "
              "%d -> %d (want +%d)", bad, m1.free_pages, m2.free_pages, pa0, pa1, zero_pool_base,
              zero_pool_frames, z1, z2, ZERO_PAGES);

  *(volatile unsigned *)zero_heap = ZERO_MARK;
  memstat(&m3);
  unsigned pa0w = vtop(zero_heap);
  int rest = zero_first_nonzero(zero_heap);      /* word 0 is the mark */
  utest_check("zero_first_write_private",
              m2.free_pages - m3.free_pages == 1 && zero_in_pool(pa0w) && vtop(zero_heap + PGSIZE) == pa1 &&
              *(volatile unsigned *)zero_heap == ZERO_MARK && rest == 0 && zero_pages_of(getpid()) == z2 - 1 &&
              zero_first_nonzero(zero_heap + PGSIZE) < 0,
              "free %u -> %u (want -1); page 0 now at 0x%x (want a pool frame), page 1 at 0x%x (want "
              "0x%x, the zero frame); first non-zero word of page 0: %d (want 0, the mark)",
              m2.free_pages, m3.free_pages, pa0w, vtop(zero_heap + PGSIZE), pa1, rest);
}

/* A write to a page never touched at all takes one zeroed frame directly. */
static void zero_check_write_untouched(void)
{
  struct memstat m0, m1;
  volatile unsigned *w = (volatile unsigned *)(zero_heap + (ZERO_PAGES - 1) * PGSIZE);
  char *more = sbrk(PGSIZE);
  int z0 = zero_pages_of(getpid());
  memstat(&m0);
  volatile unsigned *fresh = (volatile unsigned *)more;
  fresh[ZERO_WORDS - 1] = ZERO_MARK;
  memstat(&m1);
  utest_check("zero_write_untouched",
              more != (char *)-1 && m0.free_pages - m1.free_pages == 1 && zero_in_pool(vtop(more)) &&
              zero_pages_of(getpid()) == z0 && fresh[0] == 0 && w[0] == 0,
              "sbrk gave 0x%x; free %u -> %u (want -1); the page at 0x%x (want a pool frame); "
              "zero-frame pages %d -> %d (want no change)", (unsigned)more, m0.free_pages, m1.free_pages,
              vtop(more), z0, zero_pages_of(getpid()));
  sbrk(-PGSIZE);
}

/* Fork: the child gets the zero entries as they are; writes after the fork stay on their side. */
static void zero_check_fork(void)
{
  struct zero_child_report r;
  struct memstat after_fork, m0;
  int got = 0;
  struct utest_child c = { .policy = UTEST_PLAIN_FORK, .body = zero_child_body, .report = &r, .size = sizeof r,
                           .after_fork = &after_fork, .parent_hook = zero_parent_hook, .got_report = &got };
  unsigned zf = vtop(zero_heap + PGSIZE);
  int zparent = zero_pages_of(getpid());
  memset(&r, 0, sizeof r);
  memstat(&m0);
  int st = utest_run_child(&c);
  utest_check("zero_fork_child_reads_zero_frame",
              st == 0 && got && r.page1_zero && r.page2_zero && r.pa1_before == zf && r.zero_pages_before == zparent,
              "child status %d report %d: pages 1/2 zero %d/%d (want 1/1, page 2 written by the parent "
              "after the fork); page 1 at 0x%x (want the zero frame 0x%x); its zero-frame pages %d (parent "
              "had %d)", st, got, r.page1_zero, r.page2_zero, r.pa1_before, zf, r.zero_pages_before, zparent);
  utest_check("zero_fork_child_write_private",
              st == 0 && r.free_before - r.free_after == 1 && r.pa1_after != zf && r.pa1_after != 0 &&
              vtop(zero_heap + PGSIZE) == zf && zero_first_nonzero(zero_heap + PGSIZE) < 0,
              "child's write: free %u -> %u (want -1), page 1 at 0x%x (want a new frame); parent's page 1 "
              "at 0x%x (want still the zero frame 0x%x) and zero %d", r.free_before, r.free_after,
              r.pa1_after, vtop(zero_heap + PGSIZE), zf, zero_first_nonzero(zero_heap + PGSIZE) < 0);
  utest_check("zero_fork_parent_write_private",
              *(volatile unsigned *)(zero_heap + 2 * PGSIZE) == ZERO_MARK && zero_in_pool(vtop(zero_heap + 2 * PGSIZE)),
              "parent's page 2 reads 0x%x (want 0x%x) at 0x%x (want a pool frame)",
              *(volatile unsigned *)(zero_heap + 2 * PGSIZE), ZERO_MARK, vtop(zero_heap + 2 * PGSIZE));
}

/* System calls: read() into an untouched page backs it (kernel copy-out), write() from one
 * sends zeros (kernel copy-in through the zero frame). */
static void zero_check_uaccess(void)
{
  int fds[2];
  char buf[8];
  struct memstat m0, m1;
  char *in = zero_heap + 4 * PGSIZE, *out = zero_heap + 5 * PGSIZE;
  if (pipe(fds) < 0) {
    utest_fail("zero_uaccess", "pipe failed");
    return;
  }
  memstat(&m0);
  int w1 = write(fds[1], "kernel!", 8);
  int r1 = read(fds[0], in, 8);
  memstat(&m1);
  int ok_in = r1 == 8 && strcmp(in, "kernel!") == 0 && m0.free_pages - m1.free_pages == 1 && zero_in_pool(vtop(in));
  int w2 = write(fds[1], out, 8);
  memset(buf, 'x', sizeof buf);
  int r2 = read(fds[0], buf, 8);
  int zeros = 1;
  for (int i = 0; i < 8; i++)
    zeros &= buf[i] == 0;
  utest_check("zero_uaccess",
              w1 == 8 && ok_in && w2 == 8 && r2 == 8 && zeros && !zero_in_pool(vtop(out)) && vtop(out) != 0,
              "read() into an untouched page: %d bytes, free %u -> %u (want -1), page at 0x%x (want a pool "
              "frame); write() from an untouched page: %d, read back %d, all zero %d, page at 0x%x (want "
              "the zero frame)", r1, m0.free_pages, m1.free_pages, vtop(in), w2, r2, zeros, vtop(out));
  close(fds[0]);
  close(fds[1]);
}

/* Shrink over zero and written pages: exactly the frames written come back. */
static void zero_check_shrink(const struct memstat *base, int z_base)
{
  struct memstat m;
  sbrk(-ZERO_PAGES * PGSIZE);
  memstat(&m);
  int z = zero_pages_of(getpid());
  utest_check("zero_shrink", m.free_pages == base->free_pages && z == z_base && vtop(zero_heap) == 0 &&
                               vtop(zero_heap + PGSIZE) == 0,
              "free %u (want %u as before the growth); zero-frame pages %d (want %d); pages 0/1 mapped "
              "at 0x%x/0x%x (want 0)", m.free_pages, base->free_pages, z, z_base, vtop(zero_heap),
              vtop(zero_heap + PGSIZE));
}

/* Overcommit: two growths that each fit the free frames, then every page written: the write that
 * finds no frame kills the child with "out of memory for a zero page". */
static void zero_child_overcommit(void *out)
{
  struct memstat m;
  int *pages_written = out;
  utest_touch_stack();
  memstat(&m);
  int pages = (int)m.free_pages;
  char *a = sbrk(pages * PGSIZE), *b = sbrk(pages * PGSIZE);
  if (a == (char *)-1 || b == (char *)-1)
    return;                                       /* report 0: the growths did not fit */
  for (int i = 0; i < 2 * pages; i++) {
    a[i * PGSIZE] = 1;
    *pages_written = i + 1;
  }
}

static void zero_check_overcommit(void)
{
  struct memstat m0, m1;
  int written = 0, got = 0;
  struct utest_child c = { .policy = UTEST_PLAIN_FORK, .body = zero_child_overcommit, .report = &written,
                           .size = sizeof written, .got_report = &got };
  memstat(&m0);
  int st = utest_run_child(&c);
  memstat(&m1);
  utest_check("zero_overcommit_writer_killed", st == ZERO_KILLED && m1.free_pages == m0.free_pages,
              "child status %d (want %d: killed by the write that found no frame; report %d, %d pages "
              "written); free %u before, %u after it was reaped", st, ZERO_KILLED, got, written,
              m0.free_pages, m1.free_pages);
}

int main(int argc, char *argv[])
{
  struct memstat base;
  int holders = utest_hold_frames(ZERO_FREE_MAX);
  (void)utest_quick(argc, argv);
  utest_align_break();
  utest_warm_heap((ZERO_PAGES + 1) * PGSIZE);
  utest_touch_stack();
  int z_base = zero_pages_of(getpid());
  memstat(&base);
  zero_check_grow_read_write();
  if (zero_heap == (char *)-1)
    return utest_status();
  zero_check_write_untouched();
  zero_check_fork();
  zero_check_uaccess();
  zero_check_shrink(&base, z_base);
  utest_memcheck("zero_memcheck");
  zero_check_overcommit();
  utest_release_check("zero_holders", holders);
  utest_memcheck("zero_overcommit_memcheck");
  return utest_status();
}
