/*
 * t_cow_kernel - system calls that write user memory break copy-on-write too.
 *
 * The kernel writes into user pages for read() (the buffer), waitpid/wait
 * (the status), memstat (the struct) and pipe (the two fds). In a forked
 * child each target page is still shared with the parent, so each of these
 * writes must copy the page first: the child sees the new value, the parent
 * keeps its own, and cow_faults/cow_copies count the copies. A read() buffer
 * that straddles two shared pages must copy both. After the child is gone the
 * parent's own read() reuses its frames (cow_reuses, no new frame).
 * Usage: t_cow_kernel [quick]
 */
#include "user.h"
#include "test/utest.h"

#define KERN_PAGES         6             /* heap pages the tests write into */
#define KERN_READ_LEN      8
#define KERN_READ_OFFSET   (PGSIZE - KERN_READ_LEN / 2)   /* straddles pages 0 and 1 */
#define KERN_WAITPID_PAGE  2
#define KERN_MEMSTAT_PAGE  3
#define KERN_PIPE_PAGE     4
#define KERN_WAIT_PAGE     5
#define KERN_FILL          'P'           /* the parent's bytes in the read pages */
#define KERN_SENTINEL      0x5A5A5A5A    /* the parent's words in the other pages */
#define KERN_MEMSTAT_BYTE  0xA5
#define KERN_GRANDCHILD_CODE 77

static const char kern_child_data[KERN_READ_LEN + 1] = "CHILDDAT";
static const char kern_parent_data[KERN_READ_LEN + 1] = "PARENTDT";

static char *kern_heap;       /* KERN_PAGES page-aligned pages */
static int kern_data_fd;      /* read end of a pipe holding data for the read tests */

/* What a child measured around one system call. */
struct kern_report {
  int result;                 /* the call's return value */
  int value;                  /* what the call left in the child's copy of the page */
  int valid;                  /* non-zero when that value checks out */
  unsigned faults, copies, reuses;
  unsigned frame_before, frame_after;     /* vtop of the (first) target page */
  unsigned frame2_before, frame2_after;   /* vtop of the second page (read only) */
};

/* Page i of the test heap. */
static char *kern_page(int i)
{
  return kern_heap + i * PGSIZE;
}

/* Put the COW counter deltas between two snapshots into r. */
static void kern_deltas(struct kern_report *r, const struct memstat *a,
                        const struct memstat *b)
{
  r->faults = b->cow_faults - a->cow_faults;
  r->copies = b->cow_copies - a->cow_copies;
  r->reuses = b->cow_reuses - a->cow_reuses;
}

/* Non-zero when the n bytes at p all equal c. */
static int kern_all(const char *p, int n, char c)
{
  int i;
  for (i = 0; i < n; i++)
    if (p[i] != c)
      return 0;
  return 1;
}

/* Child (utest_run_child body): read() into a buffer straddling two shared pages. */
static void kern_child_read(void *report)
{
  struct kern_report *r = report;
  struct memstat a, b;
  char *buf = kern_page(0) + KERN_READ_OFFSET;
  unsigned f1 = vtop(kern_page(0)), f2 = vtop(kern_page(1));
  int got = 0;      /* every local is written before the measured window */

  memstat(&a);
  memstat(&b);
  memstat(&a);
  got = read(kern_data_fd, buf, KERN_READ_LEN);
  memstat(&b);
  kern_deltas(r, &a, &b);
  r->result = got;
  r->valid = utest_same_bytes(buf, kern_child_data, KERN_READ_LEN);
  r->frame_before = f1;
  r->frame2_before = f2;
  r->frame_after = vtop(kern_page(0));
  r->frame2_after = vtop(kern_page(1));
}

/* read() in the child copies both pages of its buffer; then the parent's read() reuses. */
static void kern_check_read(void)
{
  struct kern_report r;
  struct utest_child child = { .body = kern_child_read, .report = &r, .size = sizeof(r) };
  struct memstat a, b;
  int data[2], status, got = 0;
  char *buf = kern_page(0) + KERN_READ_OFFSET;
  unsigned f1, f2, f1_now, f2_now;

  if (pipe(data) < 0) {
    utest_fail("cow_kernel_read", "pipe failed");
    return;
  }
  memset(kern_page(0), KERN_FILL, 2 * PGSIZE);
  f1 = vtop(kern_page(0));
  f2 = vtop(kern_page(1));
  write(data[1], kern_child_data, KERN_READ_LEN);
  kern_data_fd = data[0];
  memset(&r, 0, sizeof(r));
  status = utest_run_child(&child);
  utest_check("cow_kernel_read",
              status == 0 && r.result == KERN_READ_LEN && r.valid && r.faults == 2 &&
              r.copies == 2 && r.frame_before == f1 && r.frame2_before == f2 &&
              r.frame_after != f1 && r.frame2_after != f2 && r.frame_after != 0 &&
              r.frame2_after != 0,
              "child st %d: read %d (want %d) data ok %d; faults +%u copies +%u (want 2 2); "
              "frames 0x%x/0x%x -> 0x%x/0x%x (parent 0x%x/0x%x)",
              status, r.result, KERN_READ_LEN, r.valid, r.faults, r.copies, r.frame_before,
              r.frame2_before, r.frame_after, r.frame2_after, f1, f2);
  f1_now = vtop(kern_page(0));
  f2_now = vtop(kern_page(1));
  utest_check("cow_kernel_read_parent_intact",
              kern_all(kern_page(0), 2 * PGSIZE, KERN_FILL) && f1_now == f1 && f2_now == f2,
              "parent's read pages: all '%c' %d, frames 0x%x/0x%x (were 0x%x/0x%x)",
              KERN_FILL, kern_all(kern_page(0), 2 * PGSIZE, KERN_FILL), f1_now, f2_now, f1, f2);

  /* The child is gone: the parent's read() into the same pages reuses both frames. */
  write(data[1], kern_parent_data, KERN_READ_LEN);
  got = 0;          /* its stack page must not fault inside the window */
  memstat(&a);
  memstat(&b);
  memstat(&a);
  got = read(data[0], buf, KERN_READ_LEN);
  memstat(&b);
  kern_deltas(&r, &a, &b);
  f1_now = vtop(kern_page(0));
  f2_now = vtop(kern_page(1));
  utest_check("cow_kernel_read_reuse",
              got == KERN_READ_LEN && utest_same_bytes(buf, kern_parent_data, KERN_READ_LEN) &&
              r.faults == 2 && r.reuses == 2 && r.copies == 0 &&
              a.free_pages == b.free_pages && f1_now == f1 && f2_now == f2,
              "parent read %d data ok %d; faults +%u reuses +%u copies +%u (want 2 2 0); "
              "free %u -> %u; frames 0x%x/0x%x (were 0x%x/0x%x)", got,
              utest_same_bytes(buf, kern_parent_data, KERN_READ_LEN), r.faults, r.reuses, r.copies,
              a.free_pages, b.free_pages, f1_now, f2_now, f1, f2);
  close(data[0]);
  close(data[1]);
}

/* Child (utest_run_child body): waitpid() storing the status in a shared page. */
static void kern_child_waitpid(void *report)
{
  struct kern_report *r = report;
  struct memstat a, b;
  int *status = (int *)kern_page(KERN_WAITPID_PAGE);
  int pid = utest_zombie(KERN_GRANDCHILD_CODE), got = 0;

  r->frame_before = vtop(status);
  memstat(&a);
  memstat(&b);
  memstat(&a);
  got = waitpid(pid, status);
  memstat(&b);
  kern_deltas(r, &a, &b);
  r->result = got;
  r->value = *status;
  r->valid = pid > 0 && got == pid;
  r->frame_after = vtop(status);
}

/* Child (utest_run_child body): wait() storing the status in a shared page. */
static void kern_child_wait(void *report)
{
  struct kern_report *r = report;
  struct memstat a, b;
  int *status = (int *)kern_page(KERN_WAIT_PAGE);
  int pid = utest_zombie(KERN_GRANDCHILD_CODE + 1), got = 0;

  r->frame_before = vtop(status);
  memstat(&a);
  memstat(&b);
  memstat(&a);
  got = wait(status);
  memstat(&b);
  kern_deltas(r, &a, &b);
  r->result = got;
  r->value = *status;
  r->valid = pid > 0 && got == pid;
  r->frame_after = vtop(status);
}

/* A status stored by waitpid/wait in the child lands in its copy only. */
static void kern_check_wait_one(const char *name, void (*fn)(void *report), int page, int code)
{
  struct kern_report r;
  struct utest_child child = { .body = fn, .report = &r, .size = sizeof(r) };
  int *word = (int *)kern_page(page), status;
  unsigned frame;

  word[0] = KERN_SENTINEL;
  frame = vtop(word);
  memset(&r, 0, sizeof(r));
  status = utest_run_child(&child);
  utest_check(name,
              status == 0 && r.valid && r.value == code && r.faults == 1 && r.copies == 1 &&
              r.frame_before == frame && r.frame_after != frame && r.frame_after != 0 &&
              word[0] == KERN_SENTINEL && vtop(word) == frame,
              "child st %d: call %d (ok %d) stored %d (want %d); faults +%u copies +%u (want "
              "1 1); frame 0x%x -> 0x%x; parent word 0x%x (want 0x%x) frame 0x%x -> 0x%x",
              status, r.result, r.valid, r.value, code, r.faults,
              r.copies, r.frame_before, r.frame_after, (unsigned)word[0], KERN_SENTINEL, frame,
              vtop(word));
}

/* Child (utest_run_child body): memstat() filling a struct in a shared page. */
static void kern_child_memstat(void *report)
{
  struct kern_report *r = report;
  struct memstat a, b;
  struct memstat *shared = (struct memstat *)kern_page(KERN_MEMSTAT_PAGE);
  int got = 0;

  r->frame_before = vtop(shared);
  memstat(&a);
  memstat(&b);
  memstat(&a);
  got = memstat(shared);
  memstat(&b);
  kern_deltas(r, &a, &b);
  r->result = got;
  r->value = (int)shared->total_pages;
  r->valid = shared->total_pages == a.total_pages && shared->free_pages <= a.total_pages;
  r->frame_after = vtop(shared);
}

/* A struct filled by memstat in the child lands in its copy only. */
static void kern_check_memstat(void)
{
  struct kern_report r;
  struct utest_child child = { .body = kern_child_memstat, .report = &r, .size = sizeof(r) };
  char *page = kern_page(KERN_MEMSTAT_PAGE);
  unsigned frame;
  int status, intact;

  memset(page, KERN_MEMSTAT_BYTE, sizeof(struct memstat));
  frame = vtop(page);
  memset(&r, 0, sizeof(r));
  status = utest_run_child(&child);
  intact = kern_all(page, sizeof(struct memstat), (char)KERN_MEMSTAT_BYTE);
  utest_check("cow_kernel_memstat",
              status == 0 && r.result == 0 && r.valid && r.faults == 1 && r.copies == 1 &&
              r.frame_before == frame && r.frame_after != frame && intact &&
              vtop(page) == frame,
              "child st %d: memstat %d, total %d (sane %d); faults +%u copies +%u (want 1 1); "
              "frame 0x%x -> 0x%x; parent struct intact %d, frame 0x%x -> 0x%x", status,
              r.result, r.value, r.valid, r.faults, r.copies,
              r.frame_before, r.frame_after, intact, frame, vtop(page));
}

/* Child (utest_run_child body): pipe() writing the two fds into a shared page, then using them. */
static void kern_child_pipe(void *report)
{
  struct kern_report *r = report;
  struct memstat a, b;
  int *fds = (int *)kern_page(KERN_PIPE_PAGE);
  int got = 0;
  char c = 0;

  r->frame_before = vtop(fds);
  memstat(&a);
  memstat(&b);
  memstat(&a);
  got = pipe(fds);
  memstat(&b);
  kern_deltas(r, &a, &b);
  r->result = got;
  r->value = fds[0];
  r->valid = got == 0 && fds[0] >= 0 && fds[1] >= 0 && fds[0] != fds[1] &&
             write(fds[1], "p", 1) == 1 && read(fds[0], &c, 1) == 1 && c == 'p';
  r->frame_after = vtop(fds);
}

/* The fds stored by pipe() in the child land in its copy only. */
static void kern_check_pipe(void)
{
  struct kern_report r;
  struct utest_child child = { .body = kern_child_pipe, .report = &r, .size = sizeof(r) };
  int *fds = (int *)kern_page(KERN_PIPE_PAGE);
  unsigned frame;
  int status;

  fds[0] = -77;
  fds[1] = -78;
  frame = vtop(fds);
  memset(&r, 0, sizeof(r));
  status = utest_run_child(&child);
  utest_check("cow_kernel_pipe",
              status == 0 && r.result == 0 && r.valid && r.faults == 1 && r.copies == 1 &&
              r.frame_before == frame && r.frame_after != frame && fds[0] == -77 &&
              fds[1] == -78 && vtop(fds) == frame,
              "child st %d: pipe %d, fds ok %d (fd %d); faults +%u copies +%u (want 1 1); "
              "frame 0x%x -> 0x%x; parent fds %d %d (want -77 -78), frame 0x%x -> 0x%x",
              status, r.result, r.valid, r.value, r.faults,
              r.copies, r.frame_before, r.frame_after, fds[0], fds[1], frame, vtop(fds));
}

/* Run every check; the exit status is 0 when all of them passed. */
int main(int argc, char *argv[])
{
  struct memstat before, after;
  int bad;

  (void)utest_quick(argc, argv);   /* the same small work in both modes */
  kern_heap = utest_heap_pages(KERN_PAGES);
  if (kern_heap == 0) {
    utest_fail("cow_kernel_read", "sbrk of %d pages failed", KERN_PAGES);
    return utest_status();
  }
  memset(kern_heap, 0, KERN_PAGES * PGSIZE);
  memstat(&before);
  kern_check_read();
  kern_check_wait_one("cow_kernel_waitpid", kern_child_waitpid, KERN_WAITPID_PAGE,
                      KERN_GRANDCHILD_CODE);
  kern_check_wait_one("cow_kernel_wait", kern_child_wait, KERN_WAIT_PAGE,
                      KERN_GRANDCHILD_CODE + 1);
  kern_check_memstat();
  kern_check_pipe();
  memstat(&after);
  bad = memcheck();
  utest_check("cow_kernel_no_leak", after.free_pages == before.free_pages && bad == 0,
              "free pages %u -> %u, memcheck %d", before.free_pages, after.free_pages, bad);
  return utest_status();
}
