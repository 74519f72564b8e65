/*
 * t_cow_oom - running out of frames in the middle of copy-on-write.
 *
 * User mode: the parent fills three quarters of free memory with a pattern
 * and forks; the child writes every page, so its COW copies need more frames
 * than exist: it must be killed (status -1), the parent's pattern must be
 * intact and every frame the child took must come back. Kernel mode: a child
 * takes every free frame with sbrk and then read()s into a page it still
 * shares with the parent: the read returns -1 (or the child is killed), the
 * parent's page is untouched, and nothing leaks.
 * Usage: t_cow_oom [quick]
 */
#include "user.h"
#include "utest.h"

#define OOM_KILLED        (-1)
#define OOM_NO_CHILD      (-100)   /* fork, pipe or waitpid failed */
#define OOM_SURVIVED      42       /* the child wrote every page: memory did not run out */
#define OOM_FILL_NUM      3        /* the parent fills 3/4 of free memory */
#define OOM_FILL_DEN      4
#define OOM_READ_LEN      8
#define OOM_STACK_TOUCH   (2 * PGSIZE)   /* stack the kernel-mode child makes private first */
#define OOM_WORDS         (PGSIZE / (int)sizeof(unsigned))
#define OOM_QUICK_STRIDE  (OOM_WORDS / 4)  /* quick mode: four words per page */

static int oom_stride;        /* words between pattern words: 1 in full mode */
static int oom_user_pages;    /* pages the user-mode child writes */
static int oom_data_fd;       /* read end of the pipe the kernel-mode child reads */

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

/* Page-aligned heap pages, or 0. */
static char *oom_heap_pages(int pages)
{
  unsigned cur = (unsigned)sbrk(0);
  unsigned pad = (PGSIZE - cur % PGSIZE) % PGSIZE;
  char *p;

  if (pad != 0 && sbrk((int)pad) == (void *)-1)
    return 0;
  p = sbrk(pages * PGSIZE);
  return p == (void *)-1 ? 0 : p;
}

/* Read exactly n bytes unless EOF or an error comes first; returns bytes read. */
static int oom_read_full(int fd, void *buf, int n)
{
  int got = 0, r;
  while (got < n) {
    r = read(fd, (char *)buf + got, n - got);
    if (r <= 0)
      break;
    got += r;
  }
  return got;
}

/* Fork a child that runs fn(arg, report) only after the parent has made all its own
 * post-fork writes (so the parent never needs a frame while the child holds them
 * all). Returns the child's status, OOM_NO_CHILD on failure; *got_report says
 * whether the child's report arrived. */
static int oom_run_child(void (*fn)(char *, struct oom_report *), char *arg,
                         struct oom_report *report, int *got_report)
{
  int go[2], res[2], pid, status;
  char token = 'g';

  *got_report = 0;
  if (pipe(go) < 0)
    return OOM_NO_CHILD;
  if (pipe(res) < 0) {
    close(go[0]);
    close(go[1]);
    return OOM_NO_CHILD;
  }
  pid = fork();
  if (pid == 0) {
    close(go[1]);
    close(res[0]);
    if (read(go[0], &token, 1) != 1)
      exit(OOM_NO_CHILD);
    fn(arg, report);
    write(res[1], report, sizeof(*report));
    exit(0);
  }
  status = OOM_NO_CHILD;
  close(go[0]);
  close(res[1]);
  if (pid > 0) {
    write(go[1], &token, 1);
    close(go[1]);
    if (waitpid(pid, &status) != pid)
      status = OOM_NO_CHILD;
  } else {
    close(go[1]);
  }
  *got_report = oom_read_full(res[0], report, sizeof(*report)) == sizeof(*report);
  close(res[0]);
  return status;
}

/* User-mode child: write one word in every shared page until memory runs out. */
static void oom_child_write_all(char *base, struct oom_report *report)
{
  int p;
  (void)report;
  for (p = 0; p < oom_user_pages; p++)
    *(volatile unsigned *)(base + p * PGSIZE) = 0;
  exit(OOM_SURVIVED);
}

/* The child's COW copies cannot all be made: it dies, the parent's data and frames survive. */
static void oom_check_user(void)
{
  struct memstat m0, m1, m2, m3;
  struct oom_report r;
  char *base;
  int pages, status, bad, got_report;

  memstat(&m0);
  pages = (int)(m0.free_pages / OOM_FILL_DEN * OOM_FILL_NUM);
  base = oom_heap_pages(pages);
  if (base == 0) {
    utest_fail("cow_oom_user_killed", "sbrk of %d of %u free pages failed", pages,
               m0.free_pages);
    return;
  }
  oom_fill(base, pages, oom_stride);
  oom_user_pages = pages;
  memstat(&m1);
  status = oom_run_child(oom_child_write_all, base, &r, &got_report);
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

/* Kernel-mode child: take every free frame, then read() into a page shared with the parent. */
static void oom_child_grab_and_read(char *page, struct oom_report *report)
{
  struct memstat m;
  int chunk = 0, grabbed = 0, got = 0;

  memset(report, 0, sizeof(*report));
  memstat(&m);
  oom_touch_stack();
  memstat(&m);
  chunk = (int)m.free_pages;
  while (chunk > 0) {
    if (sbrk(chunk * PGSIZE) != (void *)-1)
      grabbed += chunk;
    else
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
  char *page;

  page = oom_heap_pages(1);
  if (page == 0 || pipe(data) < 0) {
    utest_fail("cow_oom_kernel_read", "no heap page or no pipe");
    return;
  }
  oom_fill(page, 1, 1);
  oom_data_fd = data[0];
  write(data[1], "CHILDDAT", OOM_READ_LEN);
  memset(&r, 0, sizeof(r));
  memstat(&m0);
  status = oom_run_child(oom_child_grab_and_read, page, &r, &got_report);
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
  int bad;

  oom_stride = utest_quick(argc, argv) ? OOM_QUICK_STRIDE : 1;
  oom_check_user();
  oom_check_kernel();
  bad = memcheck();
  utest_check("cow_oom_memcheck", bad == 0, "memcheck reported %d inconsistencies", bad);
  return utest_status();
}
