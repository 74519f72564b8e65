/*
 * cowdemo.c - the classic copy-on-write lab experiment, with traces on.
 *
 *   cowdemo          the whole demo: frame maps, fork+exec, shared page tables, memstat
 *   cowdemo short    the boot demo: fork, the child's copy, the parent's reuse, and nothing
 *                    else, so it fits on the 80x25 VGA screen with the shell's prompt
 *   cowdemo pause    the whole demo, stopping after each step until Enter is pressed
 *                    (run/docs/screenshots.sh takes its pictures there)
 *
 * A page holds 114514. After fork both processes write their stacks first
 * (the first writer copies its stack page, the other then reuses it; which
 * one is first varies, so these two faults are not traced, only told). The
 * child reads the page at the same physical address as the parent; the
 * child writes 1919810 and the kernel copies the page ([cow] ... copy); the
 * parent still reads 114514 at its old physical address. With the child
 * gone the parent's write reuses the frame ([cow] ... reuse). fork+exec
 * copies almost nothing. Then a 64 MiB process forks with shared page
 * tables: the fork copies no PTE; the stack's table becomes private at the
 * first stack write; the child's first heap write copies one more table
 * ([cow] ... table copy); the parent's then reuses its own ([cow] ... table
 * reuse). Last, the memstat counters.
 *
 * Parent and child take turns through two pipes (struct demo_turns), so
 * every figure and every frame map is taken at a moment the other process
 * has reached and not passed: the same lines, in the same order, on every
 * boot at any CPU count (only frame numbers, pids and CPU numbers differ).
 */
#include "user.h"
#include "user_sys.h"
#include "fmap.h"

#define PAUSE_LINE 64
#define OLD_VALUE 114514
#define NEW_VALUE 1919810
#define DEMO_BIG_PAGES 16384          /* 64 MiB */
#define DEMO_BIG_SHARE 4              /* at most three quarters of the free frames */
#define DEMO_PAGE_WORDS (PGSIZE / sizeof(int))
#define DEMO_FULL  0
#define DEMO_SHORT 1
#define DEMO_PAUSE 2

static int demo_page[PGSIZE / sizeof(int)] __attribute__((aligned(PGSIZE))) = { OLD_VALUE };

/* Two pipes: the parent hands the turn to the child on one, the child hands it back on the other. */
struct demo_turns {
  int to_child[2];
  int to_parent[2];
};

/* Open both pipes; -1 when there is no pipe left. */
static int demo_turns_open(struct demo_turns *t)
{
  if (pipe(t->to_child) < 0)
    return -1;
  if (pipe(t->to_parent) < 0) {
    close(t->to_child[0]), close(t->to_child[1]);
    return -1;
  }
  return 0;
}

/* Close all four ends (each process closes its own copies). */
static void demo_turns_close(struct demo_turns *t)
{
  close(t->to_child[0]), close(t->to_child[1]), close(t->to_parent[0]), close(t->to_parent[1]);
}

/* Hand the turn to the other side: len bytes of msg down fd. */
static void demo_turn_give(int fd, const void *msg, int len)
{
  write(fd, msg, len);
}

/* Wait until the other side hands the turn back; its message (len bytes) into msg. */
static void demo_turn_take(int fd, void *msg, int len)
{
  read(fd, msg, len);
}

/* With "pause" on the command line: stop until Enter so the screen can be read. */
static void demo_pause(int mode, const char *what)
{
  char line[PAUSE_LINE];
  if (mode != DEMO_PAUSE)
    return;
  printf("[pause] %s: press Enter to continue\n", what);
  read(0, line, sizeof line);
}

/* Take a new snapshot of the parent's and child's frames and draw it (none in the short demo). */
static void demo_map(struct fmap_list *map, const char *title)
{
  struct fmap_out out;
  if (!map)
    return;
  fmap_out_fd(&out, 1);
  if (fmap_list_update(map) < 0) {
    printf("[cowdemo] framesnap failed\n");
    return;
  }
  fmap_list_render(map, title, &out);
  fmap_out_flush(&out);
}

/* The demo page's frame in the parent before the fork (the child compares its own with it). */
static unsigned demo_parent_frame;

/* The child (forked untraced): tell the parent it runs (its stack written), wait for the go,
 * read and write the demo page traced, hand the parent its new frame, wait, exit. */
static void demo_child(struct demo_turns *t)
{
  char token = 'r';
  demo_turn_give(t->to_parent[1], &token, 1);
  demo_turn_take(t->to_child[0], &token, 1);
  cowtrace(1);
  unsigned before = vtop(demo_page);
  printf("[cowdemo] child pid %d: reads %d at va %p, phys 0x%08x (%s)\n", getpid(), demo_page[0],
         (void *)demo_page, before, before == demo_parent_frame ? "same frame" : "not the parent's frame");
  printf("[cowdemo] child writes %d ...\n", NEW_VALUE);
  demo_page[0] = NEW_VALUE;
  unsigned frame = vtop(demo_page);
  printf("[cowdemo] child now reads %d at phys 0x%08x (%s)\n", demo_page[0], frame,
         frame != demo_parent_frame ? "its own copy" : "still the parent's frame");
  demo_turn_give(t->to_parent[1], &frame, sizeof frame);
  demo_turn_take(t->to_child[0], &token, 1);
  exit(0);
}

/* The first experiment: fork, the child's copy, the parent's reuse; frame maps unless map is 0. */
static int demo_fork_copy_reuse(struct fmap_list *map, int mode)
{
  struct demo_turns t;
  unsigned child_frame = 0;
  char token;
  if (demo_turns_open(&t) < 0) {
    printf("[cowdemo] no pipe\n");
    return -1;
  }
  if (map)
    fmap_list_set_pid(map, 0, getpid(), vtop(demo_page));
  printf("[cowdemo] parent pid %d: value %d at va %p, phys 0x%08x\n", getpid(), demo_page[0], (void *)demo_page,
         vtop(demo_page));
  demo_map(map, "before fork");
  demo_parent_frame = vtop(demo_page);
  unsigned stack_frame = vtop(&token);
  int old_trace = cowtrace(0);                     /* the two stack writes race: untraced */
  int pid = fork();
  if (pid == 0)
    demo_child(&t);
  demo_turn_take(t.to_parent[0], &token, 1);       /* the child runs: both stacks written */
  cowtrace(old_trace);
  int parent_copied = vtop(&token) != stack_frame;
  printf("[cowdemo] fork: pid %d shares all pages; stack writes (untraced): pid %d copied, pid %d reused\n", pid,
         parent_copied ? getpid() : pid, parent_copied ? pid : getpid());
  if (map)
    fmap_list_set_pid(map, 1, pid, vtop(demo_page));
  demo_map(map, "after fork: all shared by 2, no copy but the stack page written first");
  demo_pause(mode, "fork");
  demo_turn_give(t.to_child[1], "g", 1);
  demo_turn_take(t.to_parent[0], &child_frame, sizeof child_frame);
  if (map)
    fmap_list_set_pid(map, 1, pid, child_frame);
  demo_map(map, "after the child's write: its new copy has 1 reference, the old frame 1");
  demo_pause(mode, "copy");
  demo_turn_give(t.to_child[1], "x", 1);
  wait(0);
  demo_turns_close(&t);
  demo_map(map, "after the child's exit: its frames are free, the parent's back to 1");
  demo_pause(mode, "exit");
  printf("[cowdemo] parent pid %d: still reads %d at phys 0x%08x\n", getpid(), demo_page[0], vtop(demo_page));
  printf("[cowdemo] parent writes %d with the child gone (reference count 1) ...\n", NEW_VALUE + 1);
  unsigned before_write = vtop(demo_page);
  demo_page[0] = NEW_VALUE + 1;
  printf("[cowdemo] parent reads %d at phys 0x%08x (%s)\n", demo_page[0], vtop(demo_page),
         vtop(demo_page) == before_write ? "same frame, no copy" : "a new frame: copied");
  demo_map(map, "after the parent's write: reuse, nothing changed");
  return 0;
}

/* fork + exec of echo, untraced: how many pages the pair copied. */
static void demo_fork_exec(void)
{
  struct memstat before, after;
  int old_trace = cowtrace(0);
  memstat(&before);
  int pid = fork();
  if (pid == 0) {
    char *argv[] = { "echo", "[cowdemo] child exec'd echo: hello from a fresh image", 0 };
    exec("echo", argv);
    exit(127);
  }
  wait(0);
  memstat(&after);
  printf("[cowdemo] fork+exec+exit copied %u page(s)\n", after.cow_copies - before.cow_copies);
  cowtrace(old_trace);
}

/* The shared-table child: hand the turn back (only its stack written), write the last heap page
 * traced when told, hand the turn back again, exit when told. */
static void demo_shared_child(struct demo_turns *t, int *big, int last)
{
  char token = 'r';
  demo_turn_give(t->to_parent[1], &token, 1);
  demo_turn_take(t->to_child[0], &token, 1);
  cowtrace(1);
  printf("[cowdemo] child writes the last heap page: table copy, then page copy\n");
  big[last] = -1;
  cowtrace(0);
  demo_turn_give(t->to_parent[1], &token, 1);
  demo_turn_take(t->to_child[0], &token, 1);
  exit(0);
}

/* What xfork(FORK_POLICY_SHARED_PT) did, from m0 (before it) and m1 (child alive and waiting,
 * both stacks written, the heap not). */
static void demo_shared_after_fork(const struct memstat *m0, const struct memstat *m1)
{
  unsigned tcopies = m1->table_copies - m0->table_copies, treuses = m1->table_reuses - m0->table_reuses;
  printf("[cowdemo] no PTE copied; %u kernel frames (directory, kernel stack), %u user\n",
         m0->kernel_free_pages - m1->kernel_free_pages - tcopies, m0->free_pages - m1->free_pages -
         (m1->cow_copies - m0->cow_copies));
  printf("[cowdemo] stacks written: the 1st writer copied the stack's table, the 2nd reused it "
         "(table copies +%u, reuses +%u)\n", tcopies, treuses);
  printf("[cowdemo] child waiting: page tables shared %u -> %u (all but the stack's), frames "
         "shared %u -> %u (stack pages but the one written)\n",
         m0->shared_tables, m1->shared_tables, m0->shared_pages, m1->shared_pages);
}

/* What the child's write did, from m1 (before it) and m2 (after it, the child waiting). */
static void demo_shared_after_write(const struct memstat *m1, const struct memstat *m2)
{
  printf("[cowdemo] then: page tables shared %u -> %u, table copies +%u; frames shared %u -> %u "
         "(the last table's pages, now in two tables)\n",
         m1->shared_tables, m2->shared_tables, m2->table_copies - m1->table_copies, m1->shared_pages,
         m2->shared_pages);
}

/* The same fork page by page (FORK_POLICY_COW), measured while the child waits. */
static void demo_cow_fork_shares(void)
{
  struct memstat m0, m1;
  struct demo_turns t;
  char token = 'r';
  if (demo_turns_open(&t) < 0)
    return;
  memstat(&m0);
  int pid = xfork(FORK_POLICY_COW);
  if (pid < 0) {
    printf("[cowdemo] page by page (FORK_POLICY_COW): the fork failed (no memory for copies)\n");
    demo_turns_close(&t);
    return;
  }
  if (pid == 0) {
    demo_turn_give(t.to_parent[1], &token, 1);
    demo_turn_take(t.to_child[0], &token, 1);
    exit(0);
  }
  demo_turn_take(t.to_parent[0], &token, 1);
  memstat(&m1);
  demo_turn_give(t.to_child[1], &token, 1);
  wait(0);
  demo_turns_close(&t);
  printf("[cowdemo] page by page (FORK_POLICY_COW), child waiting: frames shared %u -> %u, "
         "page tables shared %u -> %u\n", m0.shared_pages, m1.shared_pages, m0.shared_tables, m1.shared_tables);
}

/* Fork a large process with shared page tables and with page-level COW, and compare. */
static void demo_shared_tables(int mode)
{
  struct memstat m0, m1, m2;
  struct demo_turns t;
  char token = 'g';
  memstat(&m0);
  int room = (int)(m0.free_pages - m0.free_pages / DEMO_BIG_SHARE);
  int pages = room < DEMO_BIG_PAGES ? room : DEMO_BIG_PAGES;
  int *big = sbrk(pages * PGSIZE);
  if (big == (void *)-1 || demo_turns_open(&t) < 0) {
    printf("[cowdemo] no room for the shared-table step\n");
    return;
  }
  for (int i = 0; i < pages; i++)
    big[i * DEMO_PAGE_WORDS] = i;
  int last = (pages - 1) * (int)DEMO_PAGE_WORDS;
  int old_trace = cowtrace(0);
  printf("[cowdemo] %d KiB heap (%d pages) written; xfork(FORK_POLICY_SHARED_PT):\n", pages * 4, pages);
  memstat(&m0);
  int pid = xfork(FORK_POLICY_SHARED_PT);
  if (pid < 0) {
    printf("[cowdemo] the fork failed (no memory for copies of the heap)\n");
    demo_turns_close(&t);
    sbrk(-(pages * PGSIZE));
    cowtrace(old_trace);
    demo_pause(mode, "sharedpt");
    return;
  }
  if (pid == 0)
    demo_shared_child(&t, big, last);
  demo_turn_take(t.to_parent[0], &token, 1);
  memstat(&m1);
  demo_shared_after_fork(&m0, &m1);
  demo_turn_give(t.to_child[1], &token, 1);
  demo_turn_take(t.to_parent[0], &token, 1);
  memstat(&m2);
  demo_shared_after_write(&m1, &m2);
  demo_turn_give(t.to_child[1], &token, 1);
  wait(0);
  demo_turns_close(&t);
  cowtrace(1);
  printf("[cowdemo] parent writes it, the child gone: table reuse, then page reuse\n");
  big[last] = pages;
  cowtrace(0);
  demo_cow_fork_shares();
  sbrk(-(pages * PGSIZE));
  cowtrace(old_trace);
  demo_pause(mode, "sharedpt");
}

/* Print the memstat counters as a table. */
static void demo_memstat(void)
{
  struct memstat st;
  memstat(&st);
  memstat_print(&st);
}

/* The whole demo (DEMO_FULL, DEMO_PAUSE). The map lives on the stack: after the fork the
 * parent's bookkeeping writes then fall in the stack page it copied first, not in its data. */
static int demo_full(int mode)
{
  struct fmap_list map;
  if (fmap_list_init(&map, "demo page") < 0) {
    printf("[cowdemo] no framesnap\n");
    return 1;
  }
  if (demo_fork_copy_reuse(&map, mode) < 0)
    return 1;
  demo_pause(mode, "reuse");
  demo_fork_exec();
  demo_shared_tables(mode);
  demo_memstat();
  demo_pause(mode, "memstat");
  return 0;
}

int main(int argc, char *argv[])
{
  int mode = DEMO_FULL;
  if (argc > 1 && strcmp(argv[1], "pause") == 0)
    mode = DEMO_PAUSE;
  else if (argc > 1 && strcmp(argv[1], "short") == 0)
    mode = DEMO_SHORT;
  else if (argc > 1) {
    printf("usage: cowdemo [short|pause]\n");
    return 1;
  }
  int old_trace = cowtrace(1);
  int status = 0;
  if (mode == DEMO_SHORT) {
    status = demo_fork_copy_reuse(0, mode) < 0;
    printf("[cowdemo] more (frame maps, fork+exec, shared page tables, memstat): type cowdemo\n");
  } else {
    status = demo_full(mode);
  }
  cowtrace(old_trace);
  return status;
}
