/*
 * t_cow_oom - running out of frames in the middle of copy-on-write.
 *
 * User mode: the parent fills three quarters of free memory with a pattern
 * and forks; the child writes every page, so its COW copies need more frames
 * than exist: it must be killed (status -1), the parent's pattern must be
 * intact and every frame the child took must come back. Kernel mode: a child
 * takes every free frame with sbrk and then read()s into a page it still
 * shares with the parent: the read returns -1 (or the child is killed), the
 * parent's page is untouched, and nothing leaks. Above OOM_FREE_MAX free frames
 * (more than one address space or one sbrk increment can take) holder processes
 * keep the rest while the checks run.
 * Usage: t_cow_oom [quick]
 */
#include "user.h"
#include "test/utest.h"

#define OOM_KILLED        (-1)
#define OOM_SURVIVED      42       /* the child wrote every page: memory did not run out */
#define OOM_FILL_NUM      3        /* the parent fills 3/4 of free memory */
#define OOM_FILL_DEN      4
#define OOM_FREE_MAX      65536    /* free frames the checks work with at most (256 MiB) */
#define OOM_READ_LEN      8
#define OOM_STACK_TOUCH   (2 * PGSIZE)   /* stack the kernel-mode child makes private first */
#define OOM_WORDS         (PGSIZE / (int)sizeof(unsigned))
#define OOM_QUICK_STRIDE  (OOM_WORDS / 4)  /* quick mode: four words per page */

static int oom_stride;        /* words between pattern words: 1 in full mode */
static int oom_user_pages;    /* pages the user-mode child writes */
static int oom_data_fd;       /* read end of the pipe the kernel-mode child reads */
static char *oom_child_pages; /* the shared pages the child works on */

/* What the kernel-mode child saw. */
struct oom_report {
  int result;                 /* read()'s return value */
  int intact;                 /* the child's copy of the page still holds the pattern */
  unsigned free_left;         /* free_pages after grabbing everything */
  int grabbed;                /* pages taken with sbrk */
};

/* The pattern word for word w of page p. */
static unsigned oom_pattern(int p, int w)
{
  return 0xC0FE0000u ^ ((unsigned)p << 10) ^ (unsigned)w;
}

/* Write the pattern into pages [0, n) of base, every stride-th word. */
static void oom_fill(char *base, int n, int stride)
{
  int p, w;
  for (p = 0; p < n; p++) {
    volatile unsigned *page = (volatile unsigned *)(base + p * PGSIZE);
    for (w = 0; w < OOM_WORDS; w += stride)
      page[w] = oom_pattern(p, w);
  }
}

/* Index of the first page of base that lost its pattern (every stride-th word), or -1. */
static int oom_first_bad(const char *base, int n, int stride)
{
  int p, w;
  for (p = 0; p < n; p++) {
    const volatile unsigned *page = (const volatile unsigned *)(base + p * PGSIZE);
    for (w = 0; w < OOM_WORDS; w += stride)
      if (page[w] != oom_pattern(p, w))
        return p;
  }
  return -1;
}

/* User-mode child (utest_run_child body): write one word in every shared page until
 * memory runs out. */
static void oom_child_write_all(void *report)
{
  int p;
  (void)report;
  for (p = 0; p < oom_user_pages; p++)
    *(volatile unsigned *)(oom_child_pages + p * PGSIZE) = 0;
  exit(OOM_SURVIVED);
}

/* The child's COW copies cannot all be made: it dies, the parent's data and frames survive. */
static void oom_check_user(void)
{
  struct memstat m0, m1, m2, m3;
  struct oom_report r;
  int got_report;
  struct utest_child child = { .body = oom_child_write_all, .report = &r, .size = sizeof(r),
                               .got_report = &got_report };
  char *base;
  int pages, status, bad;

  memstat(&m0);
  pages = (int)(m0.free_pages / OOM_FILL_DEN * OOM_FILL_NUM);
  base = utest_heap_pages(pages);
  if (base == 0) {
    utest_fail("cow_oom_user_killed", "sbrk of %d of %u free pages failed", pages,
               m0.free_pages);
    return;
  }
  oom_fill(base, pages, oom_stride);
  oom_user_pages = pages;
  oom_child_pages = base;
  memstat(&m1);
  status = utest_run_child(&child);
  memstat(&m2);
  utest_check("cow_oom_user_killed", status == OOM_KILLED,
              "child writing %d shared pages with %u frames free: status %d (want -1; %d: "
              "it wrote them all)", pages, m1.free_pages, status, OOM_SURVIVED);
  bad = oom_first_bad(base, pages, oom_stride);
  utest_check("cow_oom_user_parent_intact", bad < 0,
              "parent's page %d of %d lost its pattern", bad, pages);
  utest_check("cow_oom_user_frames_back", m2.free_pages == m1.free_pages,
              "free pages %u before fork, %u after the killed child was reaped",
              m1.free_pages, m2.free_pages);
  sbrk(-pages * PGSIZE);
  memstat(&m3);
  utest_check("cow_oom_user_heap_back", m3.free_pages == m0.free_pages,
              "free pages %u at start, %u after the parent shrank its %d pages",
              m0.free_pages, m3.free_pages, pages);
}

/* Write over OOM_STACK_TOUCH bytes of stack below the caller, making those pages private. */
static int oom_touch_stack(void)
{
  volatile char deep[OOM_STACK_TOUCH];
  int i;
  for (i = 0; i < OOM_STACK_TOUCH; i += PGSIZE / 4)
    deep[i] = 0;
  return deep[0];
}

/* Kernel-mode child (utest_run_child body): take every free frame, then read() into a page
 * shared with the parent. */
static void oom_child_grab_and_read(void *out)
{
  struct oom_report *report = out;
  char *page = oom_child_pages;
  struct memstat m;
  int chunk = 0, grabbed = 0, got = 0;

  memset(report, 0, sizeof(*report));
  memstat(&m);
  oom_touch_stack();
  memstat(&m);
  chunk = (int)m.free_pages;
  while (chunk > 0) {
    char *got_pages = sbrk(chunk * PGSIZE);
    if (got_pages != (char *)-1) {
      for (int i = 0; i < chunk; i++)
        got_pages[i * PGSIZE] = 0;       /* sbrk maps nothing: the write takes the frame */
      grabbed += chunk;
    } else
      chunk /= 2;
  }
  memstat(&m);
  got = read(oom_data_fd, page, OOM_READ_LEN);
  report->result = got;
  report->intact = oom_first_bad(page, 1, 1) < 0;
  report->free_left = m.free_pages;
  report->grabbed = grabbed;
}

/* A COW break inside read() with no frame left fails cleanly. */
static void oom_check_kernel(void)
{
  struct memstat m0, m1;
  struct oom_report r;
  int data[2], status, got_report, bad;
  struct utest_child child = { .body = oom_child_grab_and_read, .report = &r,
                               .size = sizeof(r), .got_report = &got_report };
  char *page;

  page = utest_heap_pages(1);
  if (page == 0 || pipe(data) < 0) {
    utest_fail("cow_oom_kernel_read", "no heap page or no pipe");
    return;
  }
  oom_fill(page, 1, 1);
  oom_data_fd = data[0];
  oom_child_pages = page;
  write(data[1], "CHILDDAT", OOM_READ_LEN);
  memset(&r, 0, sizeof(r));
  memstat(&m0);
  status = utest_run_child(&child);
  memstat(&m1);
  bad = oom_first_bad(page, 1, 1);
  utest_check("cow_oom_kernel_read",
              status == OOM_KILLED ||
              (status == 0 && got_report && r.result == -1 && r.intact),
              "child status %d (want -1, or 0 with read -1): report %d, read returned %d, "
              "child's page intact %d, free pages left %u after grabbing %d",
              status, got_report, r.result, r.intact, r.free_left, r.grabbed);
  utest_check("cow_oom_kernel_parent_intact", bad < 0,
              "parent's shared page lost its pattern (first bad page %d)", bad);
  utest_check("cow_oom_kernel_frames_back", m1.free_pages == m0.free_pages,
              "free pages %u before fork, %u after the child was reaped",
              m0.free_pages, m1.free_pages);
  close(data[0]);
  close(data[1]);
  sbrk(-PGSIZE);
}

/* Run every check; the exit status is 0 when all of them passed. */
int main(int argc, char *argv[])
{
  int holders = utest_hold_frames(OOM_FREE_MAX);
  oom_stride = utest_quick(argc, argv) ? OOM_QUICK_STRIDE : 1;
  oom_check_user();
  oom_check_kernel();
  utest_release_check("cow_oom_holders", holders);
  utest_memcheck("cow_oom_memcheck");
  return utest_status();
}
