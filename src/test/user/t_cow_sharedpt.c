/*
 * t_cow_sharedpt - xfork(FORK_POLICY_SHARED_PT): page tables shared until a write.
 *
 * A region of heap (up to 64 MiB, at most half of the free frames, spanning
 * several page tables) holds a pattern. Checked, with memcheck() after each:
 *   accounting   the fork takes exactly a page directory and a kernel stack from
 *                the kernel pool whatever the region's size, no user frame but
 *                the copies made meanwhile, and makes no page shared (no PTE
 *                touched) while every table of the region becomes shared;
 *   copy, reuse  the child's first write copies the table (one table copy, one
 *                page copy); the parent's later write reuses both;
 *   page level   inside a table that was shared and then copied, a second page
 *                is still copy-on-write: the child's write copies it alone, the
 *                parent's later write reuses it;
 *   reads        reading the whole region unshares nothing;
 *   kernel       read() from a pipe into a shared table copies it; the other
 *                side's bytes stay;
 *   sbrk         a sharer shrinks or grows its heap; the other keeps its view;
 *   exits        a grandchild (fork of a fork) and its parent exit in both orders;
 *   policies     OLD and THREAD forks of a process whose tables are shared.
 * Running out of kernel frames during a table copy is the kernel self-test
 * kt_ptshare_oom (user programs cannot empty the kernel pool).
 * Between a measured fork and its memstat the parent writes only its stack: a
 * write anywhere else would unshare that table before the numbers are taken.
 * Usage: t_cow_sharedpt [quick]
 */
#include "user.h"
#include "test/utest.h"

#define SPT_REGION_MAX_PAGES  16384     /* 64 MiB */
#define SPT_REGION_MIN_PAGES  1024      /* 4 MiB, one table's worth: what a 16 MiB machine can give */
#define SPT_FREE_SHARE        2         /* the region takes at most half of the free frames (OLD copies it) */
#define SPT_FORK_KFRAMES      3         /* a page directory and a two-page kernel stack (KSTACK_PAGES) */
#define SPT_STACK_PAGES       8         /* USER_STACK_PAGES: a stack-table copy shares at most these */
#define SPT_TABLE_PAGES       1024      /* pages behind one page table */
#define SPT_TABLE_BYTES       (SPT_TABLE_PAGES * PGSIZE)
#define SPT_WORDS             (PGSIZE / 4)
#define SPT_TAG               0x5A17
#define SPT_CHILD_WORD        0xC0DEC0DEu
#define SPT_PARENT_WORD       0xFA7E0000u
#define SPT_GROW_PAGES        16
#define SPT_MSG               "through the pipe into a shared table"
#define SPT_MSG_LEN           ((int)sizeof SPT_MSG)

static unsigned *spt_base;
static int spt_pages;

/* Word 0 of page i as the pattern has it. */
static unsigned spt_word(int i)
{
  return utest_pattern_word(SPT_TAG, (unsigned)i);
}

/* Write the pattern's word into the first word of every page. */
static void spt_fill(void)
{
  for (int i = 0; i < spt_pages; i++)
    spt_base[i * SPT_WORDS] = spt_word(i);
}

/* Index of the first of pages [from, to) whose first word is not the pattern's, or -1. */
static int spt_find_bad(int from, int to)
{
  for (int i = from; i < to; i++)
    if (spt_base[i * SPT_WORDS] != spt_word(i))
      return i;
  return -1;
}

/* Fork with shared tables; the child runs body and exits with its result. Returns the
 * child's exit status, or UTEST_NO_CHILD. */
static int spt_child(int (*body)(void))
{
  int status, go[2];
  char c = 'g';
  if (pipe(go) < 0)
    return UTEST_NO_CHILD;
  int pid = xfork(FORK_POLICY_SHARED_PT);
  if (pid == 0) {
    close(go[1]);
    int n = read(go[0], &c, 1);   /* the parent's own stack table is settled by now */
    close(go[0]);
    exit(n == 1 ? body() : UTEST_NO_CHILD);
  }
  /* The parent's first stack writes after the fork copy or reuse its stack table; they come
   * before the child starts measuring, so a child preempted mid-body sees only its own. */
  close(go[0]);
  int sent = pid > 0 ? write(go[1], &c, 1) : -1;
  close(go[1]);
  if (pid < 0 || waitpid(pid, &status) != pid || sent != 1)
    return UTEST_NO_CHILD;
  return status;
}

/* ---- accounting --------------------------------------------------------- */

struct spt_cost {
  int kernel;          /* kernel frames taken by the fork itself */
  int user;            /* user frames taken beyond the page copies made meanwhile */
  int shared_pages;    /* pages that became shared */
  int shared_tables;   /* tables shared right after the fork */
};

/* What one shared fork of the current process costs; the child blocks until released. */
static struct spt_cost spt_measure_fork(void)
{
  static struct memstat m0, m1;
  struct spt_cost c = { -1, -1, -1, -1 };
  int go[2];
  char byte;
  if (pipe(go) < 0)
    return c;
  utest_touch_stack();
  memstat(&m0);
  int pid = xfork(FORK_POLICY_SHARED_PT);
  if (pid == 0) {
    read(go[0], &byte, 1);
    exit(0);
  }
  memstat(&m1);
  c.kernel = (int)(m0.kernel_free_pages - m1.kernel_free_pages) - (int)(m1.table_copies - m0.table_copies);
  c.user = (int)(m0.free_pages - m1.free_pages) - (int)(m1.cow_copies - m0.cow_copies);
  c.shared_pages = (int)(m1.shared_pages - m0.shared_pages);
  c.shared_tables = (int)m1.shared_tables;
  write(go[1], "x", 1);
  if (pid < 0 || waitpid(pid, 0) != pid)
    c.kernel = -1;
  close(go[0]);
  close(go[1]);
  return c;
}

static void spt_check_accounting(void)
{
  struct spt_cost warm = spt_measure_fork();   /* the kernel heap has a record slot afterwards */
  struct spt_cost big = spt_measure_fork();
  int tables = spt_pages / SPT_TABLE_PAGES;
  utest_check("sharedpt_fork_kernel_frames", big.kernel == SPT_FORK_KFRAMES && warm.kernel >= 0,
              "fork of %d pages took %d kernel frames (want %d: a page directory and a kernel stack; warm-up %d)",
              spt_pages, big.kernel, SPT_FORK_KFRAMES, warm.kernel);
  utest_check("sharedpt_fork_user_frames", big.user == 0, "fork took %d user frames beyond its page copies", big.user);
  utest_check("sharedpt_fork_no_pte", big.shared_pages >= 0 && big.shared_pages <= SPT_STACK_PAGES &&
              big.shared_tables >= tables,
              "%d pages became shared (want at most the %d of a copied stack table; page-level COW shares %d), "
              "%d tables shared (want at least %d)", big.shared_pages, SPT_STACK_PAGES, spt_pages,
              big.shared_tables, tables);
  utest_memcheck("sharedpt_fork_memcheck");
}

/* ---- first write: table copy, then table reuse --------------------------- */

struct spt_write_report {
  int table_copies, table_reuses, page_copies;
  unsigned seen;
};

/* Counter deltas around one write of value to page i (no other write in between but the stack). */
static struct spt_write_report spt_write_page(int i, unsigned value)
{
  struct memstat a, b;
  struct spt_write_report r;
  memstat(&a);
  spt_base[i * SPT_WORDS] = value;
  memstat(&b);
  r.table_copies = (int)(b.table_copies - a.table_copies);
  r.table_reuses = (int)(b.table_reuses - a.table_reuses);
  r.page_copies = (int)(b.cow_copies - a.cow_copies);
  r.seen = spt_base[i * SPT_WORDS];
  return r;
}

static void spt_check_copy_then_reuse(void)
{
  int go[2], back[2], last = spt_pages - 1;
  struct spt_write_report child, parent;
  char byte;
  if (pipe(go) < 0 || pipe(back) < 0) {
    utest_fail("sharedpt_first_write_copy", "pipe failed");
    return;
  }
  utest_touch_stack();
  int pid = xfork(FORK_POLICY_SHARED_PT);
  if (pid == 0) {
    utest_touch_stack();
    struct spt_write_report r = spt_write_page(last, SPT_CHILD_WORD);
    write(back[1], &r, sizeof r);
    read(go[0], &byte, 1);
    exit(spt_base[last * SPT_WORDS] == SPT_CHILD_WORD ? 0 : 1);
  }
  int got = pid > 0 && utest_read_full(back[0], &child, sizeof child) == (int)sizeof child;
  unsigned parent_saw = spt_base[last * SPT_WORDS];
  utest_touch_stack();
  parent = spt_write_page(last, SPT_PARENT_WORD);
  int status = -1;
  write(go[1], "x", 1);
  if (pid > 0)
    waitpid(pid, &status);
  utest_check("sharedpt_first_write_copy", got && child.table_copies == 1 && child.page_copies == 1 &&
              child.seen == SPT_CHILD_WORD && parent_saw == spt_word(last),
              "child's write: %d table copies, %d page copies (want 1, 1), it reads 0x%x; the parent reads 0x%x "
              "(want 0x%x)", child.table_copies, child.page_copies, child.seen, parent_saw, spt_word(last));
  utest_check("sharedpt_then_reuse", parent.table_copies == 0 && parent.table_reuses == 1 && parent.page_copies == 0 &&
              parent.seen == SPT_PARENT_WORD && status == 0,
              "parent's write after the child's copy: %d table copies, %d table reuses, %d page copies (want 0, 1, "
              "0); child status %d", parent.table_copies, parent.table_reuses, parent.page_copies, status);
  spt_base[last * SPT_WORDS] = spt_word(last);
  close(go[0]), close(go[1]), close(back[0]), close(back[1]);
  utest_memcheck("sharedpt_write_memcheck");
}

/* ---- page-level copy-on-write inside a table that was shared ---------------- */

/* Whether pages i and j of the region lie behind one page table. */
static int spt_same_table(int i, int j)
{
  return ((unsigned)&spt_base[i * SPT_WORDS] / SPT_TABLE_BYTES) == ((unsigned)&spt_base[j * SPT_WORDS] / SPT_TABLE_BYTES);
}

static void spt_check_page_cow(void)
{
  int go[2], back[2], a = spt_pages - 1, b = spt_pages - 2;
  struct spt_write_report child[2], parent;
  char byte;
  if (!spt_same_table(a, b))
    a--, b--;                      /* a table boundary lies between the last two pages */
  if (pipe(go) < 0 || pipe(back) < 0) {
    utest_fail("sharedpt_page_cow_copy", "pipe failed");
    return;
  }
  utest_touch_stack();
  int pid = xfork(FORK_POLICY_SHARED_PT);
  if (pid == 0) {
    utest_touch_stack();
    struct spt_write_report r[2];
    r[0] = spt_write_page(a, SPT_CHILD_WORD);   /* the table is copied, page a with it */
    r[1] = spt_write_page(b, SPT_CHILD_WORD);   /* page b, still shared in the copied table */
    write(back[1], r, sizeof r);
    read(go[0], &byte, 1);
    exit(spt_base[a * SPT_WORDS] == SPT_CHILD_WORD && spt_base[b * SPT_WORDS] == SPT_CHILD_WORD ? 0 : 1);
  }
  int got = pid > 0 && utest_read_full(back[0], child, sizeof child) == (int)sizeof child;
  unsigned parent_saw = spt_base[b * SPT_WORDS];
  utest_touch_stack();
  parent = spt_write_page(b, SPT_PARENT_WORD);
  int status = -1;
  write(go[1], "x", 1);
  if (pid > 0)
    waitpid(pid, &status);
  int shared = got && child[0].table_copies == 1;
  utest_check("sharedpt_page_cow_copy", shared && child[1].table_copies == 0 && child[1].page_copies == 1 &&
              child[1].seen == SPT_CHILD_WORD && parent_saw == spt_word(b),
              "child's first write: %d table copies (want 1: the fork shared the table); its second write in "
              "that table: %d table copies, %d page copies (want 0, 1), it reads 0x%x; the parent reads 0x%x "
              "(want 0x%x)", got ? child[0].table_copies : -1, got ? child[1].table_copies : -1,
              got ? child[1].page_copies : -1, got ? child[1].seen : 0, parent_saw, spt_word(b));
  utest_check("sharedpt_page_cow_reuse", shared && parent.table_reuses == 1 && parent.page_copies == 0 &&
              parent.seen == SPT_PARENT_WORD && status == 0,
              "the fork shared the table: %s; the parent's write to the page the child copied: %d table "
              "reuses, %d page copies (want 1, 0: the last reference), it reads 0x%x; child status %d (1: "
              "the parent's write showed in the child)", shared ? "yes" : "no", parent.table_reuses,
              parent.page_copies, parent.seen, status);
  spt_base[a * SPT_WORDS] = spt_word(a);
  spt_base[b * SPT_WORDS] = spt_word(b);
  close(go[0]), close(go[1]), close(back[0]), close(back[1]);
  utest_memcheck("sharedpt_page_cow_memcheck");
}

/* ---- reads never unshare ------------------------------------------------- */

/* Child: read every page; 0 when the pattern is intact and nothing was unshared meanwhile. */
static int spt_body_read(void)
{
  struct memstat a, b;
  utest_touch_stack();
  memstat(&a);
  int bad = spt_find_bad(0, spt_pages);
  memstat(&b);
  if (bad >= 0)
    return 1;
  return b.table_copies == a.table_copies && b.table_reuses == a.table_reuses ? 0 : 2;
}

/* ---- kernel writes into a shared table ----------------------------------- */

static int spt_pipe_fd;

/* Child: read() the message into the last page (a shared table); 0 when it arrived and the
 * table was copied once. */
static int spt_body_kernel_write(void)
{
  struct memstat a, b;
  char *dst = (char *)&spt_base[(spt_pages - 1) * SPT_WORDS];
  utest_touch_stack();
  memstat(&a);
  int n = read(spt_pipe_fd, dst, SPT_MSG_LEN);
  memstat(&b);
  if (n != SPT_MSG_LEN || !utest_same_bytes(dst, SPT_MSG, SPT_MSG_LEN))
    return 1;
  return b.table_copies - a.table_copies == 1 ? 0 : 2;
}

static void spt_check_reads_and_kernel(void)
{
  int st = spt_child(spt_body_read);
  utest_check("sharedpt_reads_share", st == 0,
              "child reading every page: status %d (1: pattern wrong, 2: a read unshared a table)", st);
  int fds[2];
  if (pipe(fds) < 0) {
    utest_fail("sharedpt_kernel_write", "pipe failed");
    return;
  }
  spt_pipe_fd = fds[0];
  write(fds[1], SPT_MSG, SPT_MSG_LEN);
  st = spt_child(spt_body_kernel_write);
  int bad = spt_find_bad(0, spt_pages);
  utest_check("sharedpt_kernel_write", st == 0 && bad < 0,
              "child status %d (1: bytes wrong, 2: not one table copy); parent's first bad page %d", st, bad);
  close(fds[0]), close(fds[1]);
  utest_memcheck("sharedpt_kernel_memcheck");
}

/* ---- sbrk of sharers ------------------------------------------------------- */

/* Child: give back the upper half of the region, check the lower half. */
static int spt_body_shrink(void)
{
  int half = spt_pages / 2;
  if (sbrk(-(half * PGSIZE)) == (void *)-1)
    return 1;
  return spt_find_bad(0, spt_pages - half) < 0 ? 0 : 2;
}

/* Child: grow by SPT_GROW_PAGES (zeroed, writable), write them, check the region. */
static int spt_body_grow(void)
{
  unsigned *p = (unsigned *)sbrk(SPT_GROW_PAGES * PGSIZE);
  if (p == (void *)-1)
    return 1;
  for (int i = 0; i < SPT_GROW_PAGES; i++) {
    if (p[i * SPT_WORDS] != 0)
      return 2;
    p[i * SPT_WORDS] = SPT_CHILD_WORD;
  }
  return spt_find_bad(0, spt_pages) < 0 ? 0 : 3;
}

static void spt_check_sbrk(void)
{
  char *brk = sbrk(0);
  int st = spt_child(spt_body_shrink);
  int bad = spt_find_bad(0, spt_pages);
  utest_check("sharedpt_child_shrinks", st == 0 && bad < 0,
              "child status %d; parent's first bad page %d (want -1)", st, bad);
  st = spt_child(spt_body_grow);
  bad = spt_find_bad(0, spt_pages);
  unsigned beyond = vtop(brk);
  utest_check("sharedpt_child_grows", st == 0 && bad < 0 && beyond == 0 && sbrk(0) == brk,
              "child status %d; parent's first bad page %d, its break page mapped at 0x%x (want 0)", st, bad, beyond);

  /* The parent shrinks while a child shares; the child still sees everything. */
  int go[2], half = spt_pages / 2, status = -1;
  char byte;
  if (pipe(go) < 0) {
    utest_fail("sharedpt_parent_shrinks", "pipe failed");
    return;
  }
  int pid = xfork(FORK_POLICY_SHARED_PT);
  if (pid == 0) {
    read(go[0], &byte, 1);
    exit(spt_find_bad(0, spt_pages) < 0 ? 0 : 1);
  }
  int shrunk = sbrk(-(half * PGSIZE)) != (void *)-1;
  write(go[1], "x", 1);
  if (pid > 0)
    waitpid(pid, &status);
  int regrown = sbrk(half * PGSIZE) != (void *)-1;
  spt_fill();
  utest_check("sharedpt_parent_shrinks", shrunk && regrown && status == 0,
              "parent shrink %d, regrow %d; child checking the whole region: status %d", shrunk, regrown, status);
  close(go[0]), close(go[1]);
  utest_memcheck("sharedpt_sbrk_memcheck");
}

/* ---- exits of sharers in both orders, fork of a fork ------------------------ */

static int spt_report_fd;

/* Grandchild: wait until its parent (parent_pid) has exited and it belongs to init, check
 * the region, report. */
static int spt_body_grandchild_last(int parent_pid)
{
  char ok;
  while (getppid() == parent_pid)
    yield();
  ok = spt_find_bad(0, spt_pages) < 0 ? 'y' : 'n';
  write(spt_report_fd, &ok, 1);
  return 0;
}

/* Child: fork a grandchild that outlives it, write a page, exit first. */
static int spt_body_parent_first(void)
{
  int me = getpid();
  int pid = xfork(FORK_POLICY_SHARED_PT);
  if (pid == 0)
    exit(spt_body_grandchild_last(me));
  if (pid < 0)
    return 1;
  spt_base[0] = SPT_CHILD_WORD;     /* a write of its own: the first table is copied */
  return 0;
}

/* Child: fork a grandchild that writes and exits first, then check the region. */
static int spt_body_child_last(void)
{
  int gst = spt_child(spt_body_shrink);
  return gst == 0 && spt_find_bad(0, spt_pages) < 0 ? 0 : 1;
}

static void spt_check_exits(void)
{
  int rep[2];
  char ok = 0;
  int st = spt_child(spt_body_child_last);
  int bad = spt_find_bad(0, spt_pages);
  utest_check("sharedpt_grandchild_exits_first", st == 0 && bad < 0,
              "child (whose sharing grandchild shrank and exited) status %d; parent's first bad page %d", st, bad);
  if (pipe(rep) < 0) {
    utest_fail("sharedpt_child_exits_first", "pipe failed");
    return;
  }
  spt_report_fd = rep[1];
  st = spt_child(spt_body_parent_first);
  close(rep[1]);                    /* a grandchild that never wrote (none forked) ends in EOF */
  int got = utest_read_full(rep[0], &ok, 1);
  bad = spt_find_bad(0, spt_pages);
  utest_check("sharedpt_child_exits_first", st == 0 && got == 1 && ok == 'y' && bad < 0,
              "child status %d; orphaned grandchild reported %d byte '%c' (want 'y'); parent's first bad page %d",
              st, got, ok ? ok : '?', bad);
  close(rep[0]);
  utest_memcheck("sharedpt_exit_memcheck");
}

/* ---- OLD and THREAD forks of a sharer ------------------------------------------ */

/* Child sharing tables with the test: an OLD child writes everywhere, then a THREAD child
 * writes page 0, which this process sees and the test must not. */
static int spt_body_policies(void)
{
  int status;
  int pid = xfork(FORK_POLICY_OLD);
  if (pid == 0) {
    for (int i = 0; i < spt_pages; i++)
      spt_base[i * SPT_WORDS] = SPT_CHILD_WORD;
    exit(0);
  }
  if (pid < 0 || waitpid(pid, &status) != pid || status != 0 || spt_find_bad(0, spt_pages) >= 0)
    return 1;
  pid = xfork(FORK_POLICY_THREAD);
  if (pid == 0) {
    spt_base[0] = SPT_CHILD_WORD;
    exit(0);
  }
  if (pid < 0 || waitpid(pid, &status) != pid || status != 0)
    return 2;
  return spt_base[0] == SPT_CHILD_WORD ? 0 : 3;
}

static void spt_check_policies(void)
{
  int st = spt_child(spt_body_policies);
  int bad = spt_find_bad(0, spt_pages);
  utest_check("sharedpt_old_thread_of_sharer", st == 0 && bad < 0,
              "sharer status %d (1: OLD child's writes showed, 2: THREAD fork failed, 3: THREAD write not "
              "shared); test's first bad page %d (want -1)", st, bad);
  utest_memcheck("sharedpt_policies_memcheck");
}

int main(int argc, char *argv[])
{
  struct memstat base;
  (void)utest_quick(argc, argv);
  memstat(&base);
  spt_pages = (int)(base.free_pages / SPT_FREE_SHARE);
  if (spt_pages > SPT_REGION_MAX_PAGES)
    spt_pages = SPT_REGION_MAX_PAGES;
  spt_pages -= spt_pages % SPT_TABLE_PAGES;
  utest_warm_heap((spt_pages + 1) * PGSIZE);   /* its page tables exist before the baseline */
  memstat(&base);
  if (spt_pages < SPT_REGION_MIN_PAGES) {
    utest_fail("sharedpt_region", "only %u free frames: need %d", base.free_pages,
               SPT_REGION_MIN_PAGES * SPT_FREE_SHARE);
    return utest_status();
  }
  spt_base = (unsigned *)utest_heap_pages(spt_pages);
  if (!spt_base) {
    utest_fail("sharedpt_region", "sbrk of %d pages failed", spt_pages);
    return utest_status();
  }
  printf("[t_cow_sharedpt] region of %d pages (%d KiB)\n", spt_pages, spt_pages * (PGSIZE / 1024));
  spt_fill();
  spt_check_accounting();
  spt_check_copy_then_reuse();
  spt_check_page_cow();
  spt_check_reads_and_kernel();
  spt_check_sbrk();
  spt_check_exits();
  spt_check_policies();
  sbrk(-(spt_pages * PGSIZE));
  utest_check_end("sharedpt_end", &base);
  return utest_status();
}
