/*
 * cowstorm.c - many copy-on-write faults at once, to see the [cow] trace's rate limit.
 *
 *   cowstorm [PAGES]      PAGES heap pages (default STORM_DEFAULT_PAGES)
 *
 * Writes PAGES heap pages, forks page by page (FORK_POLICY_COW), and the child writes each page
 * once: PAGES copy faults, and a few more on the two stacks. With `trace 1` the kernel shows
 * the first [cow] lines and counts the rest ("[cow] N lines not shown"). Last it prints how
 * many copy-on-write faults the two took, from memstat: each is one [cow] line, so the lines
 * of cowstorm and the numbers of the "not shown" lines add up to it (run/test/test-shell.sh
 * checks that). Nothing else may fault meanwhile (at the shell nothing does). The heap's own
 * first writes (sbrk maps nothing: each is a zero-fill fault) are made with the trace off, so
 * every [cow] line left is a copy-on-write fault.
 */
#include "user.h"

#define STORM_DEFAULT_PAGES 200
#define STORM_MAX_PAGES     4096
#define STORM_PAGE_INTS     (PGSIZE / (int)sizeof(int))

int main(int argc, char *argv[])
{
  int pages = argc > 1 ? atoi(argv[1]) : STORM_DEFAULT_PAGES;
  if (pages < 1 || pages > STORM_MAX_PAGES) {
    printf("usage: cowstorm [PAGES]   (1..%d)\n", STORM_MAX_PAGES);
    return 1;
  }
  int *heap = sbrk(pages * PGSIZE);
  if (heap == (void *)-1) {
    printf("[cowstorm] no room for %d pages\n", pages);
    return 1;
  }
  int trace = cowtrace(0);              /* the zero-fill faults of the setup are not counted */
  for (int i = 0; i < pages; i++)
    heap[i * STORM_PAGE_INTS] = i;
  cowtrace(trace);
  struct memstat before, after;
  memstat(&before);
  int pid = xfork(FORK_POLICY_COW);
  if (pid == 0) {
    for (int i = 0; i < pages; i++)
      heap[i * STORM_PAGE_INTS] = -i;
    exit(0);
  }
  if (pid < 0) {
    printf("[cowstorm] fork failed\n");
    return 1;
  }
  wait(0);
  memstat(&after);
  printf("[cowstorm] %u copy-on-write faults in pid %d and its child %d (one [cow] line each)\n",
         after.cow_faults - before.cow_faults, getpid(), pid);
  return 0;
}
