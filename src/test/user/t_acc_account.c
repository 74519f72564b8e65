/*
 * t_acc_account - acceptance: copy-on-write costs exactly what it should.
 *
 * The kernel's counters are checked to the page. A fork itself takes no user
 * frame beyond the copies made meanwhile. The child writing k distinct
 * shared heap pages costs exactly k copies and k frames and leaves k fewer
 * shared frames; writing them again costs nothing. Once the child has exited
 * the parent's write to a page they shared is a reuse: no copy, no frame.
 * Before each measurement the process writes its own stack pages and the
 * structs it measures into, so only the heap writes can fault in between;
 * the other process is blocked meanwhile (pipes sequence the two).
 * Usage: t_acc_account [quick]
 */
#include "user.h"
#include "test/utest.h"

#define ACCOUNT_K_FULL        64
#define ACCOUNT_K_QUICK       8
#define ACCOUNT_K_SHARE       4       /* k is at most a quarter of the free frames */
#define ACCOUNT_CHILD_WORD    0xC0C0C0C0u
#define ACCOUNT_CHILD_EXIT    6       /* the child's exit (not 0: a parent wrongly running child
                                         code must not pass) */
#define ACCOUNT_PARENT_WORD   0x9A9A9A9Au
#define ACCOUNT_QUIET_TICKS   10      /* free_pages must hold still this long before measuring */
#define ACCOUNT_QUIET_TRIES   30

/* What the child measured, sent to the parent (all deltas, as counts). */
struct account_report {
  int copies;        /* cow_copies increase over the first k writes */
  int frames;        /* free_pages decrease over them */
  int unshared;      /* shared_pages decrease over them */
  int re_faults;     /* cow_faults increase over the second round of the same writes */
  int re_frames;     /* free_pages decrease over it */
};

/* Wait until free_pages holds still, so exiting leftovers of earlier programs do not count. */
static void account_wait_quiet(void)
{
  struct memstat a, b;
  memstat(&b);
  for (int i = 0; i < ACCOUNT_QUIET_TRIES; i++) {
    a = b;
    sleep(ACCOUNT_QUIET_TICKS);
    memstat(&b);
    if (a.free_pages == b.free_pages && a.cow_faults == b.cow_faults)
      return;
  }
}

/* Write word into the first word of pages [from, to). */
static void account_write(char *heap, int from, int to, unsigned word)
{
  for (int i = from; i < to; i++)
    *(unsigned *)(heap + i * PGSIZE) = word ^ (unsigned)i;
}

/* Child: once released, write k shared pages twice, measuring each round; report and exit. */
static void account_child(char *heap, int k, int go, int out) __attribute__((noreturn));
static void account_child(char *heap, int k, int go, int out)
{
  struct memstat a, b, c;
  struct account_report rep;
  char token;

  memset(&a, 0, sizeof(a));
  memset(&b, 0, sizeof(b));
  memset(&c, 0, sizeof(c));
  memset(&rep, 0, sizeof(rep));
  read(go, &token, 1);
  utest_touch_stack();
  memstat(&a);
  account_write(heap, 0, k, ACCOUNT_CHILD_WORD);
  memstat(&b);
  account_write(heap, 0, k, ACCOUNT_CHILD_WORD);
  memstat(&c);
  rep.copies = (int)(b.cow_copies - a.cow_copies);
  rep.frames = (int)(a.free_pages - b.free_pages);
  rep.unshared = (int)(a.shared_pages - b.shared_pages);
  rep.re_faults = (int)(c.cow_faults - b.cow_faults);
  rep.re_frames = (int)(b.free_pages - c.free_pages);
  write(out, &rep, sizeof(rep));
  exit(ACCOUNT_CHILD_EXIT);
}

/* The parent's write to a page the exited child shared: a reuse, no copy, no frame. */
static void account_check_reuse(char *heap, int page)
{
  struct memstat x, y;

  memset(&x, 0, sizeof(x));
  memset(&y, 0, sizeof(y));
  utest_touch_stack();
  memstat(&x);
  account_write(heap, page, page + 1, ACCOUNT_PARENT_WORD);
  memstat(&y);
  utest_check("acc_account_parent_reuse",
              y.cow_reuses - x.cow_reuses == 1 && y.cow_copies == x.cow_copies &&
              y.free_pages == x.free_pages,
              "one write after the child exited: cow_reuses +%u (want 1), cow_copies +%u "
              "(want 0), free_pages %u -> %u (want unchanged)", y.cow_reuses - x.cow_reuses,
              y.cow_copies - x.cow_copies, x.free_pages, y.free_pages);
}

int main(int argc, char *argv[])
{
  struct memstat base, before, after;
  struct account_report rep;
  int k = utest_quick(argc, argv) ? ACCOUNT_K_QUICK : ACCOUNT_K_FULL;
  int go[2], res[2], pid, got = -1, status = 0, n = 0;
  char *heap;

  account_wait_quiet();
  memstat(&base);
  if ((int)(base.free_pages / ACCOUNT_K_SHARE) < k)
    k = (int)(base.free_pages / ACCOUNT_K_SHARE);
  utest_warm_heap((k + 1) * PGSIZE);
  memstat(&base);
  heap = sbrk((k + 1) * PGSIZE);
  if (!utest_check("acc_account_setup", heap != (char *)-1 && pipe(go) == 0 && pipe(res) == 0,
                   "sbrk(%d) returned %p or a pipe failed", (k + 1) * PGSIZE, heap))
    return utest_status();
  account_write(heap, 0, k + 1, ACCOUNT_PARENT_WORD);
  memset(&rep, 0, sizeof(rep));
  memset(&after, 0, sizeof(after));

  memstat(&before);
  pid = xfork(FORK_POLICY_COW);   /* page-level accounting: the policy is named */
  if (pid == 0) {
    close(go[1]);
    close(res[0]);
    account_child(heap, k, go[0], res[1]);
  }
  memstat(&after);
  utest_check("acc_account_fork_free",
              pid > 0 &&
              before.free_pages - after.free_pages == after.cow_copies - before.cow_copies,
              "fork %d: free_pages %u -> %u while cow_copies went up by %u (a COW fork takes no "
              "user frame of its own)", pid, before.free_pages, after.free_pages,
              after.cow_copies - before.cow_copies);
  close(go[0]);
  close(res[1]);
  if (pid > 0) {
    utest_touch_stack();
    write(go[1], "g", 1);
    n = read(res[0], &rep, sizeof(rep));
    got = waitpid(pid, &status);
  }
  close(go[1]);
  close(res[0]);
  utest_check("acc_account_child", n == (int)sizeof(rep) && got == pid &&
              status == ACCOUNT_CHILD_EXIT, "report of %d bytes (want %d), waitpid %d, status %d "
              "(want %d)", n, (int)sizeof(rep), got, status, ACCOUNT_CHILD_EXIT);
  utest_check("acc_account_copies", rep.copies == k,
              "writing %d shared pages: cow_copies +%d (want %d)", k, rep.copies, k);
  utest_check("acc_account_frames", rep.frames == k,
              "writing %d shared pages: free_pages -%d (want %d)", k, rep.frames, k);
  utest_check("acc_account_unshared", rep.unshared == k,
              "writing %d shared pages: shared_pages -%d (want %d)", k, rep.unshared, k);
  utest_check("acc_account_rewrite", rep.re_faults == 0 && rep.re_frames == 0,
              "writing the same %d pages again: cow_faults +%d, free_pages -%d (want 0, 0)",
              k, rep.re_faults, rep.re_frames);

  account_check_reuse(heap, k);
  sbrk(-(k + 1) * PGSIZE);
  utest_check_end("acc_account", &base);
  return utest_status();
}
