/*
 * t_cow_policy - the three xfork policies side by side.
 *
 * FORK_POLICY_OLD copies every user page at fork (free_pages drops by at least
 * the heap and the stack; no COW fault afterwards). FORK_POLICY_COW shares
 * (free_pages does not drop by the heap size; each first write copies).
 * FORK_POLICY_THREAD shares data, bss and heap writable: the child's writes to
 * a global and a heap page reach the parent, its stack stays private, and its
 * sbrk growth is its own. Unknown policies (0, 4, -1) return -1 and create
 * nothing. memcheck() after each.
 * Usage: t_cow_policy [quick]
 */
#include "user.h"
#include "test/utest.h"

#define POLICY_LEAKED        55       /* an unknown policy created a child after all */
#define POLICY_STACK_PAGES   8
#define POLICY_QUICK_PAGES   32
#define POLICY_MAX_PAGES     2048
#define POLICY_PARENT_VALUE  111
#define POLICY_POST_FORK     555      /* written by the parent after a THREAD fork */
#define POLICY_CHILD_GLOBAL  222
#define POLICY_CHILD_HEAP    333
#define POLICY_CHILD_STACK   444
#define POLICY_PAGE_INTS     (PGSIZE / (int)sizeof(int))

/* Word 0: written by children; word 1: written by the parent after a THREAD fork. */
static volatile int policy_global[POLICY_PAGE_INTS] __attribute__((aligned(PGSIZE))) = {
  POLICY_PARENT_VALUE, POLICY_PARENT_VALUE,
};
static char *policy_heap;           /* policy_pages page-aligned heap pages */
static int policy_pages;
static volatile int *policy_stack_var;   /* a variable in the parent's stack frame */

/* What a child saw and measured. */
struct policy_report {
  int seen_global;            /* policy_global[0] before writing */
  int seen_heap;              /* first word of heap page 0 before writing */
  int seen_post_fork;         /* policy_global[1]: the parent's post-fork write */
  unsigned heap_frame;        /* vtop of heap page 0 before writing */
  unsigned faults, copies;    /* COW counter deltas around the child's writes */
  unsigned new_page;          /* THREAD: the child's sbrk growth */
  int new_ok;                 /* THREAD: the growth is mapped and writable in the child */
};

/* Write value into the first word of every heap page. */
static void policy_fill(int value)
{
  int p;
  for (p = 0; p < policy_pages; p++)
    *(volatile int *)(policy_heap + p * PGSIZE) = value;
}

/* Index of the first heap page whose first word is not value, or -1. */
static int policy_first_bad(int value)
{
  int p;
  for (p = 0; p < policy_pages; p++)
    if (*(volatile int *)(policy_heap + p * PGSIZE) != value)
      return p;
  return -1;
}

/* Child (OLD, COW; utest_run_child body): note what it inherited, then write the global
 * and every heap page. */
static void policy_child_write_all(void *report)
{
  struct policy_report *r = report;
  struct memstat a, b;
  int p = 0;        /* every local is written before the measured window */

  r->seen_global = policy_global[0];
  r->seen_heap = *(volatile int *)policy_heap;
  r->heap_frame = vtop(policy_heap);
  memstat(&a);
  memstat(&b);
  memstat(&a);
  policy_global[0] = POLICY_CHILD_GLOBAL;
  for (p = 0; p < policy_pages; p++)
    *(volatile int *)(policy_heap + p * PGSIZE) = POLICY_CHILD_HEAP;
  memstat(&b);
  r->faults = b.cow_faults - a.cow_faults;
  r->copies = b.cow_copies - a.cow_copies;
}

/* OLD: fork copies everything up front; no write afterwards faults; nothing is shared. */
static void policy_check_old(void)
{
  struct policy_report r;
  struct memstat m0, m1, a, b;
  struct utest_child child = { .policy = FORK_POLICY_OLD, .body = policy_child_write_all,
                               .report = &r, .size = sizeof(r), .after_fork = &m1 };
  unsigned frame = vtop(policy_heap);
  int status, bad, drop, p = 0;

  memset(&r, 0, sizeof(r));
  memstat(&m0);
  status = utest_run_child(&child);
  drop = (int)m0.free_pages - (int)m1.free_pages;
  utest_check("cow_policy_old_copies",
              status == 0 && drop >= policy_pages + POLICY_STACK_PAGES &&
              r.heap_frame != frame && r.heap_frame != 0 &&
              r.seen_heap == POLICY_PARENT_VALUE && r.seen_global == POLICY_PARENT_VALUE,
              "child st %d: free pages -%d at fork (want >= %d heap + %d stack); child heap "
              "frame 0x%x (parent 0x%x: want another); child saw %d/%d (want %d)",
              status, drop, policy_pages, POLICY_STACK_PAGES, r.heap_frame, frame,
              r.seen_global, r.seen_heap, POLICY_PARENT_VALUE);

  p = 0;            /* the loop counter's stack page must not fault inside the window */
  memstat(&a);
  memstat(&b);
  memstat(&a);
  for (p = 0; p < policy_pages; p++)
    *(volatile int *)(policy_heap + p * PGSIZE) = POLICY_PARENT_VALUE;
  memstat(&b);
  utest_check("cow_policy_old_no_faults", status == 0 && r.faults == 0 &&
              b.cow_faults == a.cow_faults,
              "COW faults while writing %d heap pages and the global: child +%u, parent "
              "(heap only) +%u (want 0, 0)", policy_pages, r.faults,
              b.cow_faults - a.cow_faults);
  bad = policy_first_bad(POLICY_PARENT_VALUE);
  utest_check("cow_policy_old_private",
              policy_global[0] == POLICY_PARENT_VALUE && bad < 0 && vtop(policy_heap) == frame,
              "after the child's writes: parent global %d (want %d), first changed heap page "
              "%d, heap frame 0x%x (was 0x%x)", policy_global[0], POLICY_PARENT_VALUE, bad,
              vtop(policy_heap), frame);
  utest_memcheck("cow_policy_old_memcheck");
}

/* COW: fork shares everything; every first write copies exactly one page. */
static void policy_check_cow(void)
{
  struct policy_report r;
  struct memstat m0, m1;
  struct utest_child child = { .policy = FORK_POLICY_COW, .body = policy_child_write_all,
                               .report = &r, .size = sizeof(r), .after_fork = &m1 };
  unsigned frame = vtop(policy_heap);
  int status, bad, drop;

  memset(&r, 0, sizeof(r));
  memstat(&m0);
  status = utest_run_child(&child);
  drop = (int)m0.free_pages - (int)m1.free_pages;
  utest_check("cow_policy_cow_shares",
              status == 0 && drop < policy_pages && r.heap_frame == frame && frame != 0 &&
              r.seen_heap == POLICY_PARENT_VALUE,
              "child status %d: free pages dropped by %d at fork (want < %d heap pages), "
              "child heap frame 0x%x (want the parent's 0x%x), child saw %d", status, drop,
              policy_pages, r.heap_frame, frame, r.seen_heap);
  utest_check("cow_policy_cow_copies",
              status == 0 && r.copies == (unsigned)policy_pages + 1 &&
              r.faults == (unsigned)policy_pages + 1,
              "child wrote the global and %d heap pages: copies +%u, faults +%u (want %d)",
              policy_pages, r.copies, r.faults, policy_pages + 1);
  bad = policy_first_bad(POLICY_PARENT_VALUE);
  utest_check("cow_policy_cow_private",
              policy_global[0] == POLICY_PARENT_VALUE && bad < 0 && vtop(policy_heap) == frame,
              "after the child's writes: parent global %d (want %d), first changed heap page "
              "%d, heap frame 0x%x (was 0x%x)", policy_global[0], POLICY_PARENT_VALUE, bad,
              vtop(policy_heap), frame);
  utest_memcheck("cow_policy_cow_memcheck");
}

/* Parent, right after a THREAD fork: a write the child must see. */
static void policy_parent_post_fork(void)
{
  policy_global[1] = POLICY_POST_FORK;
}

/* The first word of the last heap page. */
static volatile int *policy_last_page(void)
{
  return (volatile int *)(policy_heap + (policy_pages - 1) * PGSIZE);
}

/* Child (THREAD; utest_run_child body): write the global, the first and last heap pages
 * and a stack variable; grow the heap. */
static void policy_child_thread(void *report)
{
  struct policy_report *r = report;
  struct memstat a, b;
  char *fresh = 0;

  r->seen_global = policy_global[0];
  r->seen_heap = *(volatile int *)policy_heap;
  r->seen_post_fork = policy_global[1];
  r->heap_frame = vtop(policy_heap);
  memstat(&a);
  memstat(&b);
  memstat(&a);
  policy_global[0] = POLICY_CHILD_GLOBAL;
  *(volatile int *)policy_heap = POLICY_CHILD_HEAP;
  *policy_last_page() = POLICY_CHILD_HEAP;
  memstat(&b);
  r->faults = b.cow_faults - a.cow_faults;
  r->copies = b.cow_copies - a.cow_copies;
  *policy_stack_var = POLICY_CHILD_STACK;
  fresh = sbrk(PGSIZE);
  r->new_page = (unsigned)fresh;
  r->new_ok = fresh != (char *)-1;
  if (r->new_ok) {
    *(volatile int *)fresh = POLICY_CHILD_HEAP;
    r->new_ok = *(volatile int *)fresh == POLICY_CHILD_HEAP && vtop(fresh) != 0;
  }
}

/* THREAD: data/bss/heap writes are seen both ways; stack and sbrk growth stay private. */
static void policy_check_thread(const char *name_global, const char *name_heap,
                                const char *name_stack, const char *name_sbrk,
                                const char *name_memcheck)
{
  struct policy_report r;
  struct memstat m1;
  struct utest_child child = { .policy = FORK_POLICY_THREAD, .body = policy_child_thread,
                               .report = &r, .size = sizeof(r), .after_fork = &m1,
                               .parent_hook = policy_parent_post_fork };
  volatile int stack_var = POLICY_PARENT_VALUE;
  unsigned frame = vtop(policy_heap);
  char *brk = sbrk(0);
  int status, restored;

  memset(&r, 0, sizeof(r));
  /* The values are already in place; rewriting them would clear COW marks we want kept. */
  restored = policy_global[0] == POLICY_PARENT_VALUE &&
             policy_global[1] == POLICY_PARENT_VALUE &&
             policy_first_bad(POLICY_PARENT_VALUE) < 0;
  policy_stack_var = &stack_var;
  status = utest_run_child(&child);
  utest_check(name_global,
              restored && status == 0 && policy_global[0] == POLICY_CHILD_GLOBAL &&
              r.seen_global == POLICY_PARENT_VALUE && r.seen_post_fork == POLICY_POST_FORK,
              "child st %d: parent's global %d (want child's %d); child saw %d before "
              "writing, %d from the parent's post-fork write (want %d); restored %d", status,
              policy_global[0], POLICY_CHILD_GLOBAL,
              r.seen_global, r.seen_post_fork, POLICY_POST_FORK, restored);
  utest_check(name_heap,
              status == 0 && *(volatile int *)policy_heap == POLICY_CHILD_HEAP &&
              *policy_last_page() == POLICY_CHILD_HEAP && r.heap_frame == frame &&
              r.faults == 0 && r.copies == 0,
              "child st %d: parent's first/last heap words %d/%d (want %d); child frame 0x%x "
              "(want parent's 0x%x); faults +%u copies +%u on shared writes (want 0)", status,
              *(volatile int *)policy_heap,
              *policy_last_page(), POLICY_CHILD_HEAP, r.heap_frame, frame, r.faults, r.copies);
  utest_check(name_stack, status == 0 && stack_var == POLICY_PARENT_VALUE,
              "child status %d: parent's stack variable now %d (want %d, the child wrote %d)",
              status, stack_var, POLICY_PARENT_VALUE, POLICY_CHILD_STACK);
  utest_check(name_sbrk,
              status == 0 && r.new_ok && r.new_page == (unsigned)brk && sbrk(0) == brk &&
              vtop(brk) == 0,
              "child status %d: child's sbrk gave 0x%x (usable %d, want 0x%x); parent's break "
              "0x%x (want 0x%x), parent's vtop there 0x%x (want 0)", status, r.new_page,
              r.new_ok, (unsigned)brk, (unsigned)sbrk(0), (unsigned)brk, vtop(brk));
  utest_memcheck(name_memcheck);
  policy_global[0] = POLICY_PARENT_VALUE;
  policy_global[1] = POLICY_PARENT_VALUE;
  policy_fill(POLICY_PARENT_VALUE);
}

/* Unknown policies fail without creating a child or taking frames. */
static void policy_check_unknown(void)
{
  static const int bad_policies[] = { 0, FORK_POLICY_SHARED_PT + 1, -1 };
  struct memstat m0, m1;
  int i, r, status = 0, bad_policy = 0, bad_r = -1, extra;

  memstat(&m0);
  for (i = 0; i < (int)(sizeof(bad_policies) / sizeof(bad_policies[0])); i++) {
    r = xfork(bad_policies[i]);
    if (r == 0)
      exit(POLICY_LEAKED);
    if (r > 0)
      waitpid(r, &status);
    if (r != -1 && bad_r == -1) {
      bad_policy = bad_policies[i];
      bad_r = r;
    }
  }
  extra = wait(&status);
  memstat(&m1);
  utest_check("cow_policy_unknown",
              bad_r == -1 && extra == -1 && m1.free_pages == m0.free_pages,
              "xfork(%d) returned %d (want -1); wait afterwards %d (want -1); free pages %u "
              "-> %u", bad_policy, bad_r, extra, m0.free_pages, m1.free_pages);
  utest_memcheck("cow_policy_unknown_memcheck");
}

/* Make policy_pages page-aligned heap pages holding POLICY_PARENT_VALUE; 0 on failure. */
static int policy_setup(int quick)
{
  struct memstat m;

  memstat(&m);
  policy_pages = (int)m.free_pages / 8;
  if (policy_pages > POLICY_MAX_PAGES)
    policy_pages = POLICY_MAX_PAGES;
  if (quick || policy_pages < POLICY_QUICK_PAGES)
    policy_pages = POLICY_QUICK_PAGES;
  policy_heap = utest_heap_pages(policy_pages);
  if (policy_heap == 0)
    return 0;
  policy_fill(POLICY_PARENT_VALUE);
  return 1;
}

/* Run every check; the exit status is 0 when all of them passed. */
int main(int argc, char *argv[])
{
  if (!policy_setup(utest_quick(argc, argv))) {
    utest_fail("cow_policy_old_copies", "sbrk of %d heap pages failed", policy_pages);
    return utest_status();
  }
  /* OLD first: the parent's pages have never been COW-shared, so its writes cannot fault. */
  policy_check_old();
  policy_check_thread("cow_policy_thread_global", "cow_policy_thread_heap",
                      "cow_policy_thread_stack_private", "cow_policy_thread_sbrk_private",
                      "cow_policy_thread_memcheck");
  policy_check_cow();
  /* Again, now that the global and heap pages still carry the marks of the COW fork
   * (read-only, refcount 1): THREAD must make them writable on both sides. */
  policy_check_thread("cow_policy_thread_after_cow_global", "cow_policy_thread_after_cow_heap",
                      "cow_policy_thread_after_cow_stack", "cow_policy_thread_after_cow_sbrk",
                      "cow_policy_thread_after_cow_memcheck");
  policy_check_unknown();
  return utest_status();
}
