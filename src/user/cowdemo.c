/*
 * cowdemo.c - the classic copy-on-write lab experiment, with traces on.
 *
 * A page holds 114514. After fork the child reads it at the same physical
 * address as the parent; the child writes 1919810 and the kernel copies
 * the page ([cow] ... copy); the parent still reads 114514 at its old
 * physical address. With the child gone the parent's write reuses the
 * frame ([cow] ... reuse). fork+exec copies almost nothing. Last, the
 * memstat counters.
 */
#include "user.h"
#include "user_sys.h"

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
  printf("[cowdemo] parent pid %d: value %d at va %p, phys 0x%08x\n", getpid(), demo_page[0], (void *)demo_page,
         vtop(demo_page));
  int pid = fork();
  if (pid == 0) {
    printf("[cowdemo] child pid %d: reads %d at va %p, phys 0x%08x (same frame)\n", getpid(), demo_page[0],
           (void *)demo_page, vtop(demo_page));
    printf("[cowdemo] child writes %d ...\n", NEW_VALUE);
    demo_page[0] = NEW_VALUE;
    printf("[cowdemo] child now reads %d at phys 0x%08x (its own copy)\n", demo_page[0], vtop(demo_page));
    exit(0);
  }
  wait(0);
  demo_pause(pausing, "copy");
  printf("[cowdemo] parent pid %d: still reads %d at phys 0x%08x\n", getpid(), demo_page[0], vtop(demo_page));
  printf("[cowdemo] parent writes %d with the child gone (reference count 1) ...\n", NEW_VALUE + 1);
  demo_page[0] = NEW_VALUE + 1;
  printf("[cowdemo] parent reads %d at phys 0x%08x (same frame, no copy)\n", demo_page[0], vtop(demo_page));

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
