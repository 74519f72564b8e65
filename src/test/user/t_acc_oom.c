/*
 * t_acc_oom - acceptance: running out of frames in a COW fault.
 *
 * The heap takes all free user frames but OOM_MARGIN, so a child (the hog)
 * that writes every shared heap page runs out of frames after a few dozen
 * copies. The kernel must kill the hog alone (status -1): the parent and a
 * bystander child sharing the same pages keep their data, every frame the
 * hog took comes back, memcheck stays 0 and nothing leaks. Before the hog is
 * released the parent and the bystander write their own stack pages so they
 * need no frame while memory is exhausted. The heap holds at most OOM_HEAP_MAX
 * pages: on more RAM (which may hold more frames than one address space can map)
 * holder processes take the rest first (utest_hold_frames) and give it back at the end.
 * Usage: t_acc_oom [quick]
 */
#include "user.h"
#include "test/utest.h"

#define OOM_MARGIN           64      /* free frames left beside the heap */
#define OOM_HEAP_MAX         65536   /* heap pages at most (256 MiB); holders take the rest */
#define OOM_WORD             0x0D0D0000u
#define OOM_HOG_WORD         0xDEADBEEFu
#define OOM_HOG_SURVIVED     3       /* the hog's exit code if it was never killed */
#define OOM_BYSTANDER_OK     4       /* the bystander's exit code when the data was right (not 0:
                                        a parent wrongly running its code must not pass) */
#define OOM_BYSTANDER_BAD    2       /* ... when it was wrong */
#define OOM_KILLED           (-1)
#define OOM_LAST_WORD        (PGSIZE / 4 - 1)

/* Put the pattern into the first and last word of every page. */
static void oom_fill(unsigned *heap, int pages)
{
  for (int i = 0; i < pages; i++) {
    heap[i * (PGSIZE / 4)] = OOM_WORD ^ (unsigned)i;
    heap[i * (PGSIZE / 4) + OOM_LAST_WORD] = ~(OOM_WORD ^ (unsigned)i);
  }
}

/* First page whose pattern is wrong, or -1; *seen gets the first word of that page. */
static int oom_find_bad(const unsigned *heap, int pages, unsigned *seen)
{
  for (int i = 0; i < pages; i++) {
    *seen = heap[i * (PGSIZE / 4)];
    if (*seen != (OOM_WORD ^ (unsigned)i) ||
        heap[i * (PGSIZE / 4) + OOM_LAST_WORD] != ~(OOM_WORD ^ (unsigned)i))
      return i;
  }
  return -1;
}

/* Bystander: make its stack private, say ready, wait for the gate, check the data. */
static void oom_bystander(unsigned *heap, int pages, int ready, int gate) __attribute__((noreturn));
static void oom_bystander(unsigned *heap, int pages, int ready, int gate)
{
  unsigned seen = 0;
  int bad;
  char token = 'r';

  utest_touch_stack();
  write(ready, &token, 1);
  read(gate, &token, 1);
  bad = oom_find_bad(heap, pages, &seen);
  if (bad >= 0) {
    printf("acc_oom bystander: page %d starts with 0x%x, expected 0x%x\n", bad, seen,
           OOM_WORD ^ (unsigned)bad);
    exit(OOM_BYSTANDER_BAD);
  }
  exit(OOM_BYSTANDER_OK);
}

/* Hog: once released, write every shared page; the kernel must kill it on the way. */
static void oom_hog(unsigned *heap, int pages, int go) __attribute__((noreturn));
static void oom_hog(unsigned *heap, int pages, int go)
{
  char token;
  read(go, &token, 1);
  for (int i = 0; i < pages; i++)
    heap[i * (PGSIZE / 4)] = OOM_HOG_WORD;
  exit(OOM_HOG_SURVIVED);
}

int main(int argc, char *argv[])
{
  struct memstat base, held, before, after;
  int ready[2], gate[2], go[2], pages, bystander, hog, got, status = 0, bad, mc, holders;
  unsigned seen = 0;
  unsigned *heap;
  char token = 0;

  (void)argc;
  (void)argv;
  memstat(&base);
  pages = (int)base.free_pages - OOM_MARGIN;
  if (pages > OOM_HEAP_MAX)
    pages = OOM_HEAP_MAX;
  if (pages > 0)
    utest_warm_heap(pages * PGSIZE);
  memstat(&base);
  holders = utest_hold_frames(OOM_HEAP_MAX + OOM_MARGIN);
  memstat(&held);
  pages = (int)held.free_pages - OOM_MARGIN;
  heap = holders >= 0 && pages > OOM_MARGIN ? sbrk(pages * PGSIZE) : (unsigned *)-1;
  if (!utest_check("acc_oom_setup", heap != (unsigned *)-1 && pipe(ready) == 0 &&
                   pipe(gate) == 0 && pipe(go) == 0,
                   "heap of %d pages (all but %d of %u free frames; %d holder processes took "
                   "%u of %u): sbrk returned %p, or a pipe failed", pages, OOM_MARGIN,
                   held.free_pages, holders, base.free_pages - held.free_pages, base.free_pages,
                   heap)) {
    utest_release_check("acc_oom_holders", holders);
    return utest_status();
  }
  oom_fill(heap, pages);

  memset(&before, 0, sizeof(before));
  memset(&after, 0, sizeof(after));
  bystander = fork();
  if (bystander == 0)
    oom_bystander(heap, pages, ready[1], gate[0]);
  if (bystander > 0)
    read(ready[0], &token, 1);
  utest_touch_stack();     /* private from the bystander for good */
  memstat(&before);
  hog = fork();
  if (hog == 0)
    oom_hog(heap, pages, go[0]);
  utest_touch_stack();     /* whoever of us copies, the hog's frames go back when it dies */
  write(go[1], "g", 1);
  got = hog > 0 ? waitpid(hog, &status) : -1;
  memstat(&after);
  mc = memcheck();
  utest_check("acc_oom_hog_killed", hog > 0 && got == hog && status == OOM_KILLED,
              "hog %d: waitpid %d, status %d (want -1; %d means it wrote %d pages unharmed)",
              hog, got, status, OOM_HOG_SURVIVED, pages);
  utest_check("acc_oom_frames_back", after.free_pages == before.free_pages,
              "free_pages %u before the hog was forked, %u after it was reaped", before.free_pages,
              after.free_pages);
  utest_check("acc_oom_memcheck_after_kill", mc == 0, "memcheck() returned %d", mc);

  status = 0;
  write(gate[1], "g", 1);
  got = bystander > 0 ? waitpid(bystander, &status) : -1;
  utest_check("acc_oom_bystander", bystander > 0 && token == 'r' && got == bystander &&
              status == OOM_BYSTANDER_OK, "bystander %d: ready byte '%c', waitpid %d, status %d "
              "(want %d; %d data wrong)", bystander, token ? token : '?', got, status,
              OOM_BYSTANDER_OK, OOM_BYSTANDER_BAD);
  bad = oom_find_bad(heap, pages, &seen);
  utest_check("acc_oom_parent_data", bad < 0, "page %d of %d starts with 0x%x, expected 0x%x",
              bad, pages, seen, OOM_WORD ^ (unsigned)(bad < 0 ? 0 : bad));

  for (int i = 0; i < 2; i++) {
    close(ready[i]);
    close(gate[i]);
    close(go[i]);
  }
  sbrk(-pages * PGSIZE);
  utest_release_check("acc_oom_holders", holders);
  utest_check_end("acc_oom", &base);
  return utest_status();
}
