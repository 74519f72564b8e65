/*
 * cowdemo.c - the classic copy-on-write lab experiment, with traces on.
 *
 * A page holds 114514. After fork the child reads it at the same physical
 * address as the parent; the child writes 1919810 and the kernel copies
 * the page ([cow] ... copy); the parent still reads 114514 at its old
 * physical address. With the child gone the parent's write reuses the
 * frame ([cow] ... reuse). fork+exec copies almost nothing. Then a 64 MiB
 * process forks with shared page tables: the fork touches no PTE, the
 * child's first write copies one table ([cow] ... table copy), the
 * parent's then reuses its own ([cow] ... table reuse). Last, the memstat
 * counters.
 *
 * At each step of the first experiment a frame map shows every frame the
 * parent and the child map, in physical order, coloured by reference count,
 * with the demo page's frames marked D and the cells that changed since the
 * previous map marked. The child waits on a pipe between steps so each map
 * shows one step.
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

static int demo_page[PGSIZE / sizeof(int)] __attribute__((aligned(PGSIZE))) = { OLD_VALUE };

/* With "pause" on the command line: stop until Enter so the screen can be read. */
static void demo_pause(int on, const char *what)
{
  char line[PAUSE_LINE];
  if (!on)
    return;
  printf("[pause] %s: press Enter to continue\n", what);
  read(0, line, sizeof line);
}

/* Take a new snapshot of the parent's and child's frames and draw it. */
static void demo_map(struct fmap_list *map, const char *title)
{
  struct fmap_out out;
  fmap_out_fd(&out, 1);
  if (fmap_list_update(map) < 0) {
    printf("[cowdemo] framesnap failed\n");
    return;
  }
  fmap_list_render(map, title, &out);
  fmap_out_flush(&out);
}

/* The child: wait for the go, read and write the demo page, report its frame, wait, exit. */
static void demo_child(int go, int done)
{
  char token;
  read(go, &token, 1);
  printf("[cowdemo] child pid %d: reads %d at va %p, phys 0x%08x (same frame)\n", getpid(), demo_page[0],
         (void *)demo_page, vtop(demo_page));
  printf("[cowdemo] child writes %d ...\n", NEW_VALUE);
  demo_page[0] = NEW_VALUE;
  unsigned frame = vtop(demo_page);
  printf("[cowdemo] child now reads %d at phys 0x%08x (its own copy)\n", demo_page[0], frame);
  write(done, &frame, sizeof frame);
  read(go, &token, 1);
  exit(0);
}

/* Print the memstat counters as a table. */
static void demo_memstat(void)
{
  struct memstat st;
  memstat(&st);
  memstat_print(&st);
}

/* Fork a large process with shared page tables and with page-level COW, and compare. */
static void demo_shared_tables(int pausing)
{
  struct memstat m0, m1;
  memstat(&m0);
  int room = (int)(m0.free_pages - m0.free_pages / DEMO_BIG_SHARE);
  int pages = room < DEMO_BIG_PAGES ? room : DEMO_BIG_PAGES;
  int *big = sbrk(pages * PGSIZE);
  if (big == (void *)-1) {
    printf("[cowdemo] no room for the shared-table step\n");
    return;
  }
  for (int i = 0; i < pages; i++)
    big[i * DEMO_PAGE_WORDS] = i;
  int last = (pages - 1) * (int)DEMO_PAGE_WORDS;
  int old_trace = cowtrace(0);
  printf("[cowdemo] %d KiB of heap written (%d pages); xfork(FORK_POLICY_SHARED_PT) ...\n", pages * 4, pages);
  memstat(&m0);
  int pid = xfork(FORK_POLICY_SHARED_PT);
  if (pid == 0) {
    cowtrace(1);
    printf("[cowdemo] child writes the last heap page: its page table is copied, then the page\n");
    big[last] = -1;
    cowtrace(0);
    exit(0);
  }
  memstat(&m1);
  printf("[cowdemo] the fork took %u kernel frames (its page directory and kernel stack) and %u user frames;\n",
         m0.kernel_free_pages - m1.kernel_free_pages - (m1.table_copies - m0.table_copies),
         m0.free_pages - m1.free_pages - (m1.cow_copies - m0.cow_copies));
  printf("[cowdemo] frames shared %u -> %u: no PTE touched; page tables shared now %u\n", m0.shared_pages,
         m1.shared_pages, m1.shared_tables);
  wait(0);
  cowtrace(1);
  printf("[cowdemo] parent writes the same page with the child gone: its table is reused, then the page\n");
  big[last] = pages;
  cowtrace(0);
  memstat(&m0);
  pid = xfork(FORK_POLICY_COW);
  if (pid == 0)
    exit(0);
  memstat(&m1);
  wait(0);
  printf("[cowdemo] the same fork page by page (FORK_POLICY_COW): frames shared %u -> %u\n", m0.shared_pages,
         m1.shared_pages);
  sbrk(-(pages * PGSIZE));
  cowtrace(old_trace);
  demo_pause(pausing, "sharedpt");
}

int main(int argc, char *argv[])
{
  struct memstat before, after;
  int pausing = argc > 1 && strcmp(argv[1], "pause") == 0;
  int old_trace = cowtrace(1);
  int go[2], done[2];
  unsigned child_frame = 0;
  struct fmap_list map;
  if (pipe(go) < 0 || pipe(done) < 0 || fmap_list_init(&map, "demo page") < 0) {
    printf("[cowdemo] no pipe or no framesnap\n");
    return 1;
  }
  fmap_list_set_pid(&map, 0, getpid(), vtop(demo_page));
  printf("[cowdemo] parent pid %d: value %d at va %p, phys 0x%08x\n", getpid(), demo_page[0], (void *)demo_page,
         vtop(demo_page));
  demo_map(&map, "before fork");
  int pid = fork();
  if (pid == 0)
    demo_child(go[0], done[1]);
  fmap_list_set_pid(&map, 1, pid, vtop(demo_page));
  demo_map(&map, "after fork: all shared by 2, no copy but the stack page written first");
  demo_pause(pausing, "fork");
  write(go[1], "g", 1);
  read(done[0], &child_frame, sizeof child_frame);
  fmap_list_set_pid(&map, 1, pid, child_frame);
  demo_map(&map, "after the child's write: its new copy has 1 reference, the old frame 1");
  demo_pause(pausing, "copy");
  write(go[1], "x", 1);
  wait(0);
  close(go[0]), close(go[1]), close(done[0]), close(done[1]);
  demo_map(&map, "after the child's exit: its frames are free, the parent's back to 1");
  demo_pause(pausing, "exit");
  printf("[cowdemo] parent pid %d: still reads %d at phys 0x%08x\n", getpid(), demo_page[0], vtop(demo_page));
  printf("[cowdemo] parent writes %d with the child gone (reference count 1) ...\n", NEW_VALUE + 1);
  demo_page[0] = NEW_VALUE + 1;
  printf("[cowdemo] parent reads %d at phys 0x%08x (same frame, no copy)\n", demo_page[0], vtop(demo_page));
  demo_map(&map, "after the parent's write: reuse, nothing changed");

  demo_pause(pausing, "reuse");
  cowtrace(0);
  memstat(&before);
  pid = fork();
  if (pid == 0) {
    char *argv[] = { "echo", "[cowdemo] child exec'd echo: hello from a fresh image", 0 };
    exec("echo", argv);
    exit(127);
  }
  wait(0);
  memstat(&after);
  printf("[cowdemo] fork+exec+exit copied %u page(s)\n", after.cow_copies - before.cow_copies);
  cowtrace(old_trace);
  demo_shared_tables(pausing);
  demo_memstat();
  demo_pause(pausing, "memstat");
  return 0;
}
