/*
 * t_acc_forkexec - acceptance: fork followed by exec copies almost nothing.
 *
 * The parent touches a large heap, then forks a child that execs this very
 * program with argv[1] = "child" and more arguments. Copy-on-write means
 * the fork+exec costs at most FE_MAX_COPIES page copies however large the
 * heap. The exec'd child checks its arguments arrived intact and that its
 * memory is a fresh image, and answers through its exit status. exec of a
 * missing program returns -1 with the caller intact; a path with a leading
 * '/' works too.
 * Usage: t_acc_forkexec [quick]   (t_acc_forkexec child ARGS... is the exec'd side)
 */
#include "user.h"
#include "test/utest.h"

#define FE_PROGRAM           "t_acc_forkexec"
#define FE_SLASH_PROGRAM     "/t_acc_forkexec"
#define FE_MISSING_PROGRAM   "t_acc_no_such_program"
#define FE_CHILD_ARG         "child"
#define FE_ARGC              4       /* the exec'd child's argc */
#define FE_HEAP_SHARE        4       /* the heap is at most a quarter of the free frames */
#define FE_HEAP_FULL         4096    /* pages */
#define FE_HEAP_QUICK        64
#define FE_MAX_COPIES        4       /* stack pages the parent and the child may touch */
#define FE_MARKER            0x5EC0DE5u
#define FE_CHILD_OK          42      /* exit codes of the exec'd child */
#define FE_BAD_ARGC          11
#define FE_BAD_ARG           12      /* plus the argument's index */
#define FE_NOT_FRESH         19
#define FE_EXEC_FAILED       20      /* exit code of a child whose exec returned */
#define FE_IMAGE_LOST        21      /* exec of a missing program spoiled the caller */
#define FE_MISSING_OK        22      /* ... left it intact */

static unsigned fe_marker;   /* set by the parent; a fresh image has 0 here */

static char *fe_child_argv[] = { FE_PROGRAM, FE_CHILD_ARG, "alpha", "beta gamma", 0 };

/* The exec'd side: arguments as sent and a fresh image; returns the exit status. */
static int fe_child(int argc, char *argv[])
{
  if (argc != FE_ARGC) {
    printf("acc_forkexec child: argc %d, want %d\n", argc, FE_ARGC);
    return FE_BAD_ARGC;
  }
  for (int i = 0; i < FE_ARGC; i++) {
    if (!argv[i] || strcmp(argv[i], fe_child_argv[i]) != 0) {
      printf("acc_forkexec child: argv[%d] is '%s', want '%s'\n", i,
             argv[i] ? argv[i] : "(null)", fe_child_argv[i]);
      return FE_BAD_ARG + i;
    }
  }
  if (fe_marker != 0) {
    printf("acc_forkexec child: the parent's marker 0x%x survived exec\n", fe_marker);
    return FE_NOT_FRESH;
  }
  return FE_CHILD_OK;
}

/* Fork a child that execs path with fe_child_argv; returns its exit status (-2 if fork failed). */
static int fe_fork_exec(const char *path)
{
  int pid = fork(), status = -2;
  if (pid == 0) {
    exec(path, fe_child_argv);
    exit(FE_EXEC_FAILED);
  }
  if (pid > 0 && waitpid(pid, &status) != pid)
    status = -3;
  return status;
}

/* exec of a missing program returns -1 and the caller's heap is still there. */
static void fe_check_missing(const unsigned *heap, int pages)
{
  int pid = fork(), status = -2;
  if (pid == 0) {
    int r = exec(FE_MISSING_PROGRAM, fe_child_argv);
    if (r != -1)
      exit(FE_EXEC_FAILED);
    exit(heap[(pages - 1) * (PGSIZE / 4)] == FE_MARKER + (unsigned)(pages - 1) ? FE_MISSING_OK
                                                                              : FE_IMAGE_LOST);
  }
  if (pid > 0)
    waitpid(pid, &status);
  utest_check("acc_forkexec_missing", pid > 0 && status == FE_MISSING_OK,
              "fork %d; child status %d (want %d: exec returned -1 and the heap was intact; "
              "%d exec did not return -1, %d heap lost)", pid, status, FE_MISSING_OK,
              FE_EXEC_FAILED, FE_IMAGE_LOST);
}

int main(int argc, char *argv[])
{
  struct memstat base, a, b;
  int pages = utest_quick(argc, argv) ? FE_HEAP_QUICK : FE_HEAP_FULL, status;
  unsigned *heap;

  if (argc > 1 && strcmp(argv[1], FE_CHILD_ARG) == 0)
    return fe_child(argc, argv);
  memstat(&base);
  if ((int)(base.free_pages / FE_HEAP_SHARE) < pages)
    pages = (int)(base.free_pages / FE_HEAP_SHARE);
  utest_warm_heap(pages * PGSIZE);
  memstat(&base);
  heap = sbrk(pages * PGSIZE);
  if (!utest_check("acc_forkexec_setup", heap != (unsigned *)-1, "sbrk(%d) failed",
                   pages * PGSIZE))
    return utest_status();
  for (int i = 0; i < pages; i++)
    heap[i * (PGSIZE / 4)] = FE_MARKER + (unsigned)i;
  fe_marker = FE_MARKER;
  memset(&a, 0, sizeof(a));
  memset(&b, 0, sizeof(b));

  memstat(&a);
  status = fe_fork_exec(FE_PROGRAM);
  memstat(&b);
  utest_check("acc_forkexec_status", status == FE_CHILD_OK,
              "exec'd child exited %d (want %d; %d wrong argc, %d+i argv[i] wrong, %d not a "
              "fresh image, %d exec failed)", status, FE_CHILD_OK, FE_BAD_ARGC, FE_BAD_ARG,
              FE_NOT_FRESH, FE_EXEC_FAILED);
  utest_check("acc_forkexec_copies", b.cow_copies - a.cow_copies <= FE_MAX_COPIES,
              "fork+exec with a touched heap of %d pages made %u copies (want <= %d)",
              pages, b.cow_copies - a.cow_copies, FE_MAX_COPIES);

  status = fe_fork_exec(FE_SLASH_PROGRAM);
  utest_check("acc_forkexec_slash_path", status == FE_CHILD_OK,
              "exec of \"%s\": child exited %d (want %d)", FE_SLASH_PROGRAM, status, FE_CHILD_OK);
  fe_check_missing(heap, pages);

  sbrk(-pages * PGSIZE);
  utest_check_end("acc_forkexec", &base);
  return utest_status();
}
