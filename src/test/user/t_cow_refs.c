/*
 * t_cow_refs - exit, exec and sbrk-shrink drop COW references.
 *
 * The parent keeps K heap pages with a pattern. After fork they are shared
 * (shared_pages grows by at least K). When the child exits they are the
 * parent's alone again: shared_pages is back to where it was, the frames and
 * data are unchanged and the parent's writes reuse them. A child that writes
 * half of them and then execs gives all of that back: measured from inside
 * the exec'd program (numbers passed in argv, results returned as the exit
 * status). A child that shrinks the shared heap frees nothing (the parent
 * still maps the frames) and regrows it zeroed. memcheck() after each step.
 * Usage: t_cow_refs [quick]
 */
#include "user.h"
#include "test/utest.h"

#define REFS_PROG          "t_cow_refs"
#define REFS_MODE_FREE     "exec_free"    /* exit with BIAS + frames missing beyond our image */
#define REFS_MODE_SHARED   "exec_shared"  /* exit with BIAS + shared_pages above argv[2] */
#define REFS_BIAS          10000          /* keeps results apart from -1 (killed) */
#define REFS_EXEC_FAILED   (3 * REFS_BIAS)
#define REFS_SLACK         16     /* pages the parent's own post-fork copies may take */
#define REFS_QUICK_PAGES   64
#define REFS_MAX_PAGES     4096
#define REFS_TEXT_START    0x08048000u
#define REFS_STACK_PAGES   8
#define REFS_STACK_TOP     0xC0000000u

static char *refs_heap;       /* refs_pages page-aligned pages at the top of the heap */
static int refs_pages;
static unsigned refs_frames[REFS_MAX_PAGES];   /* vtop of each heap page after the fill */

/* The pattern word of page p. */
static unsigned refs_pattern(int p)
{
  return 0x7EF50000u + (unsigned)p;
}

/* Write the pattern into the first word of each heap page. */
static void refs_fill(void)
{
  int p;
  for (p = 0; p < refs_pages; p++)
    *(volatile unsigned *)(refs_heap + p * PGSIZE) = refs_pattern(p);
}

/* Index of the first heap page without its pattern, or -1. */
static int refs_first_bad(void)
{
  int p;
  for (p = 0; p < refs_pages; p++)
    if (*(volatile unsigned *)(refs_heap + p * PGSIZE) != refs_pattern(p))
      return p;
  return -1;
}

/* Index of the first heap page no longer in the frame it had after the fill, or -1. */
static int refs_first_moved(void)
{
  int p;
  for (p = 0; p < refs_pages; p++)
    if (vtop(refs_heap + p * PGSIZE) != refs_frames[p])
      return p;
  return -1;
}

/* Pages mapped in this address space: text/data/bss/heap and the stack. */
static int refs_image_pages(void)
{
  unsigned va, end = (unsigned)sbrk(0);
  int n = 0;
  for (va = REFS_TEXT_START; va < end; va += PGSIZE)
    if (vtop((const void *)va) != 0)
      n++;
  for (va = REFS_STACK_TOP - REFS_STACK_PAGES * PGSIZE; va != REFS_STACK_TOP; va += PGSIZE)
    if (vtop((const void *)va) != 0)
      n++;
  return n;
}

/* Fork a child blocked on a pipe; *go gets the write end that releases it (exit 0). */
static int refs_fork_blocked(int *go)
{
  int fds[2], pid;
  char c;

  if (pipe(fds) < 0)
    return -1;
  pid = xfork(FORK_POLICY_COW);   /* shared_pages counts page-level sharing */
  if (pid == 0) {
    close(fds[1]);
    read(fds[0], &c, 1);
    exit(0);
  }
  close(fds[0]);
  *go = fds[1];
  return pid;
}

/* Fork shares the heap; the child's exit unshares it and leaves the parent's frames. */
static void refs_check_fork_exit(void)
{
  struct memstat base, shared, after, a, b;
  int go = -1, pid, got = -1, status = UTEST_NO_CHILD, bad, moved, p;

  memstat(&base);
  pid = refs_fork_blocked(&go);
  memstat(&shared);
  utest_check("cow_refs_fork_shares",
              pid > 0 && shared.shared_pages >= base.shared_pages + (unsigned)refs_pages,
              "fork returned %d; shared_pages %u before, %u with the child alive (want at "
              "least +%d heap pages)", pid, base.shared_pages, shared.shared_pages, refs_pages);
  utest_memcheck("cow_refs_fork_memcheck");
  if (pid > 0) {
    write(go, "g", 1);
    got = waitpid(pid, &status);
  }
  close(go);
  memstat(&after);
  bad = refs_first_bad();
  moved = refs_first_moved();
  utest_check("cow_refs_exit_unshares",
              got == pid && status == 0 && after.shared_pages == base.shared_pages &&
              bad < 0 && moved < 0,
              "child %d reaped %d status %d; shared_pages %u (want %u as before fork), first "
              "heap page with wrong data %d, with a new frame %d", pid, got, status,
              after.shared_pages, base.shared_pages, bad, moved);
  utest_memcheck("cow_refs_exit_memcheck");

  /* Refcounts are 1 again: writing every heap page reuses the frames. */
  p = 0;            /* the loop counter's stack page must not fault inside the window */
  memstat(&a);
  memstat(&b);
  memstat(&a);
  for (p = 0; p < refs_pages; p++)
    *(volatile unsigned *)(refs_heap + p * PGSIZE) = refs_pattern(p);
  memstat(&b);
  utest_check("cow_refs_exit_reuse",
              b.cow_reuses - a.cow_reuses == (unsigned)refs_pages &&
              b.cow_copies == a.cow_copies && b.free_pages == a.free_pages,
              "writing %d heap pages after the child exited: reuses +%u (want %d), copies "
              "+%u (want 0), free pages %u -> %u", refs_pages, b.cow_reuses - a.cow_reuses,
              refs_pages, b.cow_copies - a.cow_copies, a.free_pages, b.free_pages);
}

/* Fork a child that writes the first half of the heap, then execs us with mode and num. */
static int refs_exec_child(const char *mode, unsigned num)
{
  char num_buf[UTEST_NUM_LEN];
  char *argv[4];
  int pid, p, status = UTEST_NO_CHILD;

  argv[0] = REFS_PROG;
  argv[1] = (char *)mode;
  argv[2] = utest_utoa(num, num_buf);
  argv[3] = 0;
  pid = fork();
  if (pid == 0) {
    for (p = 0; p < refs_pages / 2; p++)
      *(volatile unsigned *)(refs_heap + p * PGSIZE) = 0;
    exec(REFS_PROG, argv);
    exit(REFS_EXEC_FAILED);
  }
  if (pid < 0 || waitpid(pid, &status) != pid)
    return UTEST_NO_CHILD;
  return status;
}

/* Non-zero when status carries a biased result rather than a failure. */
static int refs_biased(int status)
{
  return status > 0 && status < 2 * REFS_BIAS;
}

/* Exec drops the old address space: its copies are freed and its shares released. */
static void refs_check_exec(void)
{
  struct memstat before;
  int free_status, shared_status, bad;

  memstat(&before);
  free_status = refs_exec_child(REFS_MODE_FREE, before.free_pages);
  utest_check("cow_refs_exec_frees",
              refs_biased(free_status) && free_status - REFS_BIAS <= REFS_SLACK,
              "exec'd child: free pages short by %d beyond its image (want <= %d; it copied "
              "%d pages before exec); raw status %d (%d: exec failed, -1: killed)",
              free_status - REFS_BIAS, REFS_SLACK, refs_pages / 2, free_status,
              REFS_EXEC_FAILED);
  shared_status = refs_exec_child(REFS_MODE_SHARED, before.shared_pages);
  utest_check("cow_refs_exec_unshares",
              refs_biased(shared_status) && shared_status - REFS_BIAS <= REFS_SLACK,
              "exec'd child: shared_pages %d above the pre-fork %u (want <= %d; %d heap pages "
              "were still shared at exec); raw status %d", shared_status - REFS_BIAS,
              before.shared_pages, REFS_SLACK, refs_pages - refs_pages / 2, shared_status);
  bad = refs_first_bad();
  utest_check("cow_refs_exec_parent_intact", bad < 0,
              "after the exec'd children, heap page %d of %d lost its pattern", bad, refs_pages);
  utest_memcheck("cow_refs_exec_memcheck");
}

/* What the shrinking child saw. */
struct refs_shrink_report {
  int shrink_ok, regrow_ok;
  int freed;                  /* free_pages gained by the shrink */
  int unshared;               /* shared_pages dropped by the shrink */
  int nonzero;                /* first regrown page not zero, or -1 */
  int same_frame;             /* first regrown page in one of the parent's frames, or -1 */
};

/* Child: shrink the shared heap away, then regrow it; write the report to fd. */
static void refs_shrink_child(int fd) __attribute__((noreturn));
static void refs_shrink_child(int fd)
{
  struct refs_shrink_report r;
  struct memstat a, b;
  int p;

  memset(&r, 0, sizeof(r));
  memstat(&a);
  memstat(&b);
  memstat(&a);
  r.shrink_ok = sbrk(-refs_pages * PGSIZE) != (void *)-1;
  memstat(&b);
  r.freed = (int)b.free_pages - (int)a.free_pages;
  r.unshared = (int)a.shared_pages - (int)b.shared_pages;
  r.regrow_ok = sbrk(refs_pages * PGSIZE) == refs_heap;
  r.nonzero = -1;
  r.same_frame = -1;
  for (p = 0; r.regrow_ok && p < refs_pages; p++) {
    if (*(volatile unsigned *)(refs_heap + p * PGSIZE) != 0 && r.nonzero < 0)
      r.nonzero = p;
    if (vtop(refs_heap + p * PGSIZE) == refs_frames[p] && r.same_frame < 0)
      r.same_frame = p;
  }
  write(fd, &r, sizeof(r));
  exit(0);
}

/* A child's sbrk shrink of the shared heap frees none of the parent's frames. */
static void refs_check_shrink(void)
{
  struct refs_shrink_report r;
  struct memstat before, after;
  int res[2], pid, status = UTEST_NO_CHILD, got = 0, bad, moved;

  memset(&r, 0, sizeof(r));
  if (pipe(res) < 0) {
    utest_fail("cow_refs_shrink_keeps_frames", "pipe failed");
    return;
  }
  memstat(&before);
  pid = xfork(FORK_POLICY_COW);   /* shared_pages counts page-level sharing */
  if (pid == 0) {
    close(res[0]);
    refs_shrink_child(res[1]);
  }
  close(res[1]);
  if (pid > 0) {
    got = read(res[0], &r, sizeof(r));
    waitpid(pid, &status);
  }
  close(res[0]);
  memstat(&after);
  utest_check("cow_refs_shrink_keeps_frames",
              status == 0 && got == (int)sizeof(r) && r.shrink_ok && r.freed == 0 &&
              r.unshared == refs_pages,
              "child %d status %d, report %d bytes: shrink ok %d, freed %d pages (want 0: "
              "the parent still maps them), shared_pages dropped by %d (want %d)", pid,
              status, got, r.shrink_ok, r.freed, r.unshared, refs_pages);
  utest_check("cow_refs_shrink_regrow_zeroed",
              status == 0 && r.regrow_ok && r.nonzero < 0 && r.same_frame < 0,
              "child regrew the heap: ok %d, first non-zero page %d, first page back in the "
              "parent's frame %d (want -1, -1)", r.regrow_ok, r.nonzero, r.same_frame);
  bad = refs_first_bad();
  moved = refs_first_moved();
  utest_check("cow_refs_shrink_parent_intact",
              bad < 0 && moved < 0 && after.free_pages == before.free_pages,
              "parent heap: first page with wrong data %d, with a new frame %d; free pages "
              "%u before fork, %u after", bad, moved, before.free_pages, after.free_pages);
  utest_memcheck("cow_refs_shrink_memcheck");
}

/* Inside the exec'd program: report free or shared pages relative to argv[2]. */
static int refs_exec_main(const char *mode, const char *num)
{
  struct memstat m;
  int ref = atoi(num);

  memstat(&m);
  if (strcmp(mode, REFS_MODE_FREE) == 0)
    return REFS_BIAS + ref - (int)m.free_pages - refs_image_pages();
  return REFS_BIAS + (int)m.shared_pages - ref;
}

/* Make refs_pages page-aligned heap pages; returns 0 on failure. */
static int refs_setup(int quick)
{
  struct memstat m;

  memstat(&m);
  refs_pages = (int)m.free_pages / 8;
  if (refs_pages > REFS_MAX_PAGES)
    refs_pages = REFS_MAX_PAGES;
  if (quick || refs_pages < REFS_QUICK_PAGES)
    refs_pages = REFS_QUICK_PAGES;
  refs_heap = utest_heap_pages(refs_pages);
  return refs_heap != 0;
}

/* Exec'd child modes first (see the constants above); otherwise run every check. */
int main(int argc, char *argv[])
{
  int p;

  if (argc >= 3 && (strcmp(argv[1], REFS_MODE_FREE) == 0 ||
                    strcmp(argv[1], REFS_MODE_SHARED) == 0))
    return refs_exec_main(argv[1], argv[2]);
  if (!refs_setup(utest_quick(argc, argv))) {
    utest_fail("cow_refs_fork_shares", "sbrk of %d heap pages failed", refs_pages);
    return utest_status();
  }
  refs_fill();
  for (p = 0; p < refs_pages; p++)
    refs_frames[p] = vtop(refs_heap + p * PGSIZE);
  refs_check_fork_exit();
  refs_check_exec();
  refs_check_shrink();
  return utest_status();
}
