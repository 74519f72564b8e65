/*
 * cowdemo.c - the classic copy-on-write lab experiment, with traces on.
 *
 * A page holds 114514. After fork the child reads it at the same physical
 * address as the parent; the child writes 1919810 and the kernel copies
 * the page ([cow] ... copy); the parent still reads 114514 at its old
 * physical address. With the child gone the parent's write reuses the
 * frame ([cow] ... reuse). fork+exec copies almost nothing. Last, the
 * memstat counters.
 *
 * At each step a frame map shows every frame the parent and the child map,
 * in physical order, coloured by reference count, with the demo page's
 * frames marked D and the cells that changed since the previous map marked.
 * The child waits on a pipe between steps so each map shows one step.
 */
#include "user.h"
#include "user_sys.h"
#include "fmap.h"

#define PAUSE_LINE 64
#define OLD_VALUE 114514
#define NEW_VALUE 1919810

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
  demo_memstat();
  demo_pause(pausing, "memstat");
  return 0;
}
