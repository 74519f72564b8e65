/*
 * t_cow_basic - the copy-on-write fork, one page at a time.
 *
 * Right after fork, before the child runs, memcheck finds the shared pages'
 * counts and entries consistent. The parent is write-protected: its first
 * write after fork, to a page it wrote just before (so the TLB holds a
 * writable entry unless fork flushed it), faults and copies instead of
 * landing in the frame the child sees. The child sees
 * the parent's value (114514) at the same virtual address in the same frame
 * (vtop); the child's write copies the frame
 * (cow_copies + 1, one frame) while the parent keeps its value and frame; the
 * parent's later write reuses its frame (cow_reuses + 1, no frame) and leaves
 * an entry memcheck finds consistent (writable, PTE_COW cleared). Text is
 * shared read-only without COW. Follows the course's
 * basic COW test (value 114514, vtop before and after the writes).
 * Usage: t_cow_basic [quick]
 */
#include "user.h"
#include "test/utest.h"

#define BASIC_VALUE        114514
#define BASIC_CHILD_VALUE  1919810
#define BASIC_PARENT_VALUE 810
#define BASIC_TLB_OLD      1
#define BASIC_TLB_NEW      2
#define BASIC_TEXT_BYTES   256      /* text bytes the child reads */
#define BASIC_PAGE_INTS    (PGSIZE / (int)sizeof(int))

int main(int argc, char *argv[]);

/* Each of these owns its page, so no other write lands on it. */
static volatile int basic_value[BASIC_PAGE_INTS] __attribute__((aligned(PGSIZE))) = {
  BASIC_VALUE,
};
static volatile int basic_tlb[BASIC_PAGE_INTS] __attribute__((aligned(PGSIZE)));

/* What a child measured around its own accesses. */
struct basic_report {
  int seen;                /* value read before writing */
  int after;               /* value read back after writing */
  unsigned frame_before;   /* vtop before the write */
  unsigned frame_after;    /* vtop after the write */
  unsigned faults, copies, reuses;   /* counter deltas around the access */
  int frames_used;         /* free_pages drop around the access */
};

/* Put the deltas between two memstat snapshots into r. */
static void basic_deltas(struct basic_report *r, const struct memstat *a,
                         const struct memstat *b)
{
  r->faults = b->cow_faults - a->cow_faults;
  r->copies = b->cow_copies - a->cow_copies;
  r->reuses = b->cow_reuses - a->cow_reuses;
  r->frames_used = (int)a->free_pages - (int)b->free_pages;
}

/* Child (utest_run_child body): read the value and its frame, write it, measure the copy. */
static void basic_child_write(void *report)
{
  struct basic_report *r = report;
  struct memstat a, b;
  int seen = 0;     /* every local is written before the measured window */
  unsigned before = 0, after = 0;

  memstat(&a);                    /* warm-up: our stack page is private from here */
  memstat(&b);
  seen = basic_value[0];
  before = vtop((const void *)&basic_value[0]);
  memstat(&a);
  basic_value[0] = BASIC_CHILD_VALUE;
  memstat(&b);
  after = vtop((const void *)&basic_value[0]);
  basic_deltas(r, &a, &b);
  r->seen = seen;
  r->after = basic_value[0];
  r->frame_before = before;
  r->frame_after = after;
}

/* Parent hook (utest_run_child): memcheck while both spaces share every page, printed at
 * once (a fork broken enough to let the child corrupt the parent could lose it later). */
static void basic_fork_memcheck(void)
{
  int bad = memcheck();
  utest_check("cow_basic_fork_memcheck", bad == 0,
              "memcheck right after fork, before the child ran, reported %d inconsistencies", bad);
}

/* Child (utest_run_child body): nothing; the fork itself is what is checked. */
static void basic_child_nothing(void *report)
{
  (void)report;
}

/* memcheck right after a fork, before the child runs (the hook prints the check); the
 * child's own work is checked by the checks after this one. */
static void basic_check_fork(void)
{
  struct basic_report r;
  struct utest_child child = { .body = basic_child_nothing, .report = &r, .size = sizeof(r),
                               .parent_hook = basic_fork_memcheck };

  memset(&r, 0, sizeof(r));
  (void)utest_run_child(&child);
}

/* The child sees the parent's value and frame, copies on write; the parent keeps both,
 * then reuses its frame on its own write. */
static void basic_check_value(void)
{
  struct basic_report r;
  struct utest_child child = { .body = basic_child_write, .report = &r, .size = sizeof(r) };
  struct memstat before_fork, after_wait, a, b;
  unsigned frame = vtop((const void *)&basic_value[0]), frame_now;
  int status;

  memset(&r, 0, sizeof(r));
  memstat(&before_fork);
  status = utest_run_child(&child);
  memstat(&after_wait);
  utest_check("cow_basic_child_sees_value",
              status == 0 && r.seen == BASIC_VALUE && r.frame_before == frame && frame != 0,
              "child status %d, read %d at 0x%x (want %d), child frame 0x%x, parent frame "
              "0x%x", status, r.seen, (unsigned)&basic_value[0], BASIC_VALUE,
              r.frame_before, frame);
  utest_check("cow_basic_child_write_copies",
              status == 0 && r.faults == 1 && r.copies == 1 && r.reuses == 0 &&
              r.frames_used == 1 && r.after == BASIC_CHILD_VALUE &&
              r.frame_after != r.frame_before && r.frame_after != 0,
              "child write: faults +%u, copies +%u, reuses +%u (want 1, 1, 0), frames used %d "
              "(want 1), read back %d, frame 0x%x -> 0x%x (want a new one)", r.faults,
              r.copies, r.reuses, r.frames_used, r.after, r.frame_before, r.frame_after);
  frame_now = vtop((const void *)&basic_value[0]);
  utest_check("cow_basic_parent_unchanged",
              basic_value[0] == BASIC_VALUE && frame_now == frame,
              "parent value %d (want %d), frame 0x%x (want 0x%x)", basic_value[0],
              BASIC_VALUE, frame_now, frame);
  utest_check("cow_basic_exit_frees", after_wait.free_pages == before_fork.free_pages,
              "free pages %u before fork, %u after the child was reaped",
              before_fork.free_pages, after_wait.free_pages);

  /* Only the parent maps the frame now: its write reuses it. */
  memstat(&a);
  memstat(&b);
  memstat(&a);
  basic_value[0] = BASIC_PARENT_VALUE;
  memstat(&b);
  basic_deltas(&r, &a, &b);
  frame_now = vtop((const void *)&basic_value[0]);
  utest_check("cow_basic_parent_reuse",
              r.faults == 1 && r.reuses == 1 && r.copies == 0 && r.frames_used == 0 &&
              frame_now == frame && basic_value[0] == BASIC_PARENT_VALUE,
              "parent write after the child exited: faults +%u, reuses +%u, copies +%u (want "
              "1, 1, 0), frames used %d (want 0), frame 0x%x -> 0x%x, value %d", r.faults,
              r.reuses, r.copies, r.frames_used, frame, frame_now, basic_value[0]);
  /* The reused entry is writable again: it must have lost PTE_COW (memcheck says so). */
  utest_memcheck("cow_basic_reuse_memcheck");
}

/* Somewhere in the program's text. */
static void basic_text_anchor(void)
{
}

/* The text as bytes. */
static const volatile unsigned char *basic_text(void)
{
  return (const volatile unsigned char *)&basic_text_anchor;
}

/* Child (utest_run_child body): read text bytes, report the frame behind them and the COW
 * fault delta. */
static void basic_child_read_text(void *report)
{
  struct basic_report *r = report;
  struct memstat a, b;
  unsigned sum = 0, frame = 0;
  int i = 0;        /* every local is written before the measured window */

  memstat(&a);
  memstat(&b);
  memstat(&a);
  for (i = 0; i < BASIC_TEXT_BYTES; i++)
    sum += basic_text()[i];
  memstat(&b);
  frame = vtop((const void *)basic_text());
  basic_deltas(r, &a, &b);
  r->seen = (int)sum;
  r->frame_before = frame;
  r->frame_after = vtop((const void *)&main);
}

/* Text is shared, not copied: same frames in the child, no COW fault on reading it. */
static void basic_check_text(void)
{
  struct basic_report r;
  struct utest_child child = { .body = basic_child_read_text, .report = &r, .size = sizeof(r) };
  unsigned frame = vtop((const void *)basic_text());
  unsigned main_frame = vtop((const void *)&main);
  unsigned sum = 0;
  int i, status;

  for (i = 0; i < BASIC_TEXT_BYTES; i++)
    sum += basic_text()[i];
  memset(&r, 0, sizeof(r));
  status = utest_run_child(&child);
  utest_check("cow_basic_text_shared",
              status == 0 && r.frame_before == frame && r.frame_after == main_frame &&
              frame != 0 && r.faults == 0 && (unsigned)r.seen == sum,
              "child status %d: text frames 0x%x/0x%x (parent 0x%x/0x%x), COW faults while "
              "reading %u (want 0), byte sum %u (parent %u)", status, r.frame_before,
              r.frame_after, frame, main_frame, r.faults, (unsigned)r.seen, sum);
}

/* Fork must write-protect the parent, its entries and its TLB: writes right after fork, to
 * a page written just before it, must fault and copy rather than land in the frame the
 * child sees. The
 * fork result itself is the first store (word 0); the parent's word 2 is the evidence.
 * (Meaningful when the parent runs on after fork, as it normally does.) */
static void basic_check_tlb(void)
{
  int go[2], pid, got = -1, status = UTEST_NO_CHILD;
  char c = 'g';
  struct memstat before, after;

  if (pipe(go) < 0) {
    utest_fail("cow_basic_parent_write_protected", "pipe failed");
    return;
  }
  memstat(&before);
  basic_tlb[2] = BASIC_TLB_OLD;   /* the TLB now holds a writable entry for the page */
  basic_tlb[0] = fork();          /* no other store comes first, not even to the stack */
  if (basic_tlb[0] != 0)
    basic_tlb[2] = BASIC_TLB_NEW;
  pid = basic_tlb[0];
  if (pid == 0) {
    close(go[1]);
    read(go[0], &c, 1);
    exit(basic_tlb[2]);
  }
  close(go[0]);
  write(go[1], &c, 1);
  close(go[1]);
  if (pid > 0)
    got = waitpid(pid, &status);
  memstat(&after);
  /* The faults: a fork that copied every page passes the rest of the check without sharing. */
  utest_check("cow_basic_parent_write_protected",
              pid > 0 && got == pid && status == BASIC_TLB_OLD && basic_tlb[2] == BASIC_TLB_NEW &&
              after.cow_faults > before.cow_faults,
              "the child %d read %d (want %d, the value before fork; %d is the parent's write after "
              "fork: the parent's entry stayed writable, or its TLB kept a writable entry), the "
              "parent has %d (want %d); waitpid %d; copy-on-write faults meanwhile %u (want at least 1: "
              "fork shares the page)", pid, status, BASIC_TLB_OLD, BASIC_TLB_NEW, basic_tlb[2],
              BASIC_TLB_NEW, got, after.cow_faults - before.cow_faults);
}

/* Run every check; the exit status is 0 when all of them passed. */
int main(int argc, char *argv[])
{
  (void)utest_quick(argc, argv);   /* the same small work in both modes */
  basic_check_fork();   /* first: a broken fork is named before its effects are */
  basic_check_tlb();    /* next: the first stores after a fork */
  basic_check_value();
  basic_check_text();
  utest_memcheck("cow_basic_memcheck");
  return utest_status();
}
