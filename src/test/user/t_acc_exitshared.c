/*
 * t_acc_exitshared - acceptance: children outlive the parent they share with.
 *
 * This program is the grandparent. It forks a parent, which fills a heap,
 * forks EXS_CHILDREN children, overwrites its heap (taking copies) and exits
 * first. Once the grandparent has reaped the parent it grabs and scribbles
 * over fresh frames (a frame wrongly freed at the parent's exit would be
 * among them), then releases the children. Each child checks it now belongs
 * to init, that it still reads the parent's pre-fork data, writes its own
 * pattern, reads it back, and reports one byte through a pipe.
 * Usage: t_acc_exitshared [quick]
 */
#include "user.h"
#include "test/utest.h"

#define EXS_CHILDREN         3
#define EXS_PAGES_FULL       32
#define EXS_PAGES_QUICK      8
#define EXS_JUNK_FACTOR      4       /* the grandparent scribbles over this many heaps' worth */
#define EXS_JUNK_BYTE        0xFF
#define EXS_PARENT_BASE      20      /* the parent exits with this plus the children it forked */
#define EXS_INIT_PID         1
#define EXS_CHILD_EXIT       7       /* children exit with this (init reaps them) */
#define EXS_NOT_REPARENTED   1       /* report bits */
#define EXS_BAD_INHERITED    2
#define EXS_BAD_OWN          4
#define EXS_BITS             0x0F
#define EXS_INDEX_SHIFT      4
#define EXS_WORDS            (PGSIZE / 4)

/* Child i: wait until released, check its new parent and the data, take the heap over, report. */
static void exs_child(unsigned *heap, unsigned nwords, int i, int go, int out)
  __attribute__((noreturn));
static void exs_child(unsigned *heap, unsigned nwords, int i, int go, int out)
{
  unsigned tag = 2 + (unsigned)i, seen = 0;
  int bad, ppid;
  char token;
  unsigned char report = (unsigned char)(i << EXS_INDEX_SHIFT);

  if (read(go, &token, 1) != 1)
    exit(1);
  ppid = getppid();
  if (ppid != EXS_INIT_PID) {
    printf("acc_exitshared child %d: getppid() is %d after its parent exited\n", i, ppid);
    report |= EXS_NOT_REPARENTED;
  }
  bad = utest_pattern_find_bad(heap, nwords, 1, &seen);
  if (bad >= 0) {
    printf("acc_exitshared child %d: inherited word %d at %p is 0x%x, expected 0x%x\n",
           i, bad, &heap[bad], seen, utest_pattern_word(1, (unsigned)bad));
    report |= EXS_BAD_INHERITED;
  }
  utest_pattern_fill(heap, nwords, tag);
  bad = utest_pattern_find_bad(heap, nwords, tag, &seen);
  if (bad >= 0) {
    printf("acc_exitshared child %d: own word %d at %p is 0x%x, expected 0x%x\n",
           i, bad, &heap[bad], seen, utest_pattern_word(tag, (unsigned)bad));
    report |= EXS_BAD_OWN;
  }
  write(out, &report, 1);
  exit(EXS_CHILD_EXIT);
}

/* The parent: fill a heap, fork the children, overwrite the heap, exit before them. */
static void exs_parent(int pages, int go, int out) __attribute__((noreturn));
static void exs_parent(int pages, int go, int out)
{
  unsigned nwords = (unsigned)pages * EXS_WORDS;
  unsigned *heap = sbrk(pages * PGSIZE);
  int forked = 0;

  if (heap == (unsigned *)-1)
    exit(EXS_PARENT_BASE - 1);
  utest_pattern_fill(heap, nwords, 1);
  for (int i = 0; i < EXS_CHILDREN; i++) {
    int pid = fork();
    if (pid == 0)
      exs_child(heap, nwords, i, go, out);
    if (pid > 0)
      forked++;
  }
  utest_pattern_fill(heap, nwords, EXS_CHILDREN + 2);
  exit(EXS_PARENT_BASE + forked);
}

int main(int argc, char *argv[])
{
  struct memstat base;
  int pages = utest_quick(argc, argv) ? EXS_PAGES_QUICK : EXS_PAGES_FULL;
  int junk_bytes = pages * EXS_JUNK_FACTOR * PGSIZE;
  int go[2], res[2], parent, got = -1, status = 0, n, reports = 0, seen_mask = 0;
  int reparent_bad = 0, inherit_bad = 0, own_bad = 0, strays = 0;
  unsigned char buf[EXS_CHILDREN * 2];
  char *junk;

  memstat(&base);
  utest_warm_heap(junk_bytes);
  memstat(&base);
  if (!utest_check("acc_exitshared_setup", pipe(go) == 0 && pipe(res) == 0, "pipe failed"))
    return utest_status();
  parent = fork();
  if (parent == 0) {
    close(go[1]);
    close(res[0]);
    exs_parent(pages, go[0], res[1]);
  }
  close(go[0]);
  close(res[1]);
  if (parent > 0)
    got = waitpid(parent, &status);
  utest_check("acc_exitshared_parent_exit", parent > 0 && got == parent &&
              status == EXS_PARENT_BASE + EXS_CHILDREN,
              "parent %d: waitpid %d, status %d (want %d: it forked all %d children)",
              parent, got, status, EXS_PARENT_BASE + EXS_CHILDREN, EXS_CHILDREN);

  junk = sbrk(junk_bytes);
  if (junk != (char *)-1)
    memset(junk, EXS_JUNK_BYTE, (unsigned)junk_bytes);
  for (int i = 0; i < EXS_CHILDREN; i++)
    write(go[1], "g", 1);
  close(go[1]);
  while ((n = read(res[0], buf, sizeof(buf))) > 0) {
    for (int k = 0; k < n; k++) {
      int index = buf[k] >> EXS_INDEX_SHIFT, bits = buf[k] & EXS_BITS;
      if (index >= EXS_CHILDREN || (seen_mask & (1 << index))) {
        strays++;
        continue;
      }
      seen_mask |= 1 << index;
      reports++;
      reparent_bad += (bits & EXS_NOT_REPARENTED) != 0;
      inherit_bad += (bits & EXS_BAD_INHERITED) != 0;
      own_bad += (bits & EXS_BAD_OWN) != 0;
    }
  }
  close(res[0]);
  utest_check("acc_exitshared_reports", reports == EXS_CHILDREN && strays == 0,
              "%d of %d children reported (mask 0x%x), %d stray or repeated bytes",
              reports, EXS_CHILDREN, seen_mask, strays);
  utest_check("acc_exitshared_reparented", reports > 0 && reparent_bad == 0,
              "%d of %d reporting children did not have getppid() == 1", reparent_bad, reports);
  utest_check("acc_exitshared_read", reports > 0 && inherit_bad == 0,
              "%d of %d reporting children saw the parent's data changed", inherit_bad, reports);
  utest_check("acc_exitshared_write", reports > 0 && own_bad == 0,
              "%d of %d reporting children could not read back their own writes", own_bad,
              reports);
  if (junk != (char *)-1)
    sbrk(-junk_bytes);
  utest_check_end("acc_exitshared", &base);
  return utest_status();
}
