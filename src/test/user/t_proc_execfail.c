/*
 * t_proc_execfail - exec failing after it has built the new address space: the caller gets -1
 * back with its memory as it was, and nothing the failed exec took stays taken.
 *
 * Two late failures, both deterministic (src/kernel/proc/exec.c):
 *  - arguments within exec's limits (at most EXECF_ARGC_MAX strings of at most EXECF_ARG_LEN
 *    bytes, syscall.c) that do not fit the top page of the new stack, where exec lays out the
 *    strings, argv[] and argc: 31 strings of 127 bytes take 31 * 128 + 32 * 4 + 12 bytes, more
 *    than a page. exec_setup_stack fails after the segments and the whole stack are mapped. The
 *    control: 30 such strings fit, and the exec'd copy sees every one.
 *  - the user pool exhausted by the caller's own heap. The page directory and page tables come
 *    from the kernel pool, so exec builds the new space and then finds no user frame: with none
 *    free for the first segment page; with the image's pages and all but one stack page free
 *    for the last stack page. The control: with one frame more, exec succeeds.
 * Each time: exec returns -1, patterns written before are intact, both pools' free counts are
 * what they were before the exec and memcheck finds nothing.
 * Usage: t_proc_execfail [quick]
 */
#include "user.h"
#include "boot/layout.h"
#include "test/utest.h"

#define EXECF_PROG        "t_proc_execfail"
#define EXECF_ARG_LEN     127    /* the longest string exec copies (EXEC_ARG_MAX 128 with its NUL) */
#define EXECF_ARGC_MAX    31     /* the most strings exec copies (EXEC_MAX_ARGV 32 with argv's null) */
#define EXECF_ARGC_FIT    30     /* as many 127-byte strings as the stack's top page holds */
#define EXECF_FIT_TAG     'f'    /* argv[0][0] of the control: the exec'd copy checks its arguments */
#define EXECF_OVER_TAG    'o'    /* argv[0][0] when exec must fail: the copy running is a failure */
#define EXECF_MODE_RAN    "ran"  /* argv[1] of the out-of-memory execs: the copy running is a failure */
#define EXECF_MODE_FITS   "fits" /* argv[1] of the out-of-memory control: the copy exits 0 */
#define EXECF_ARGS_BAD    90     /* + index of the first argument the control's copy did not get */
#define EXECF_ARGC_BAD    80     /* the control's copy saw the wrong argc */
#define EXECF_RAN         70     /* a copy that must not exist ran */
#define EXECF_NO_EXEC     71     /* the out-of-memory control's exec failed */
#define EXECF_NO_GRAB     72     /* the out-of-memory control could not set the free frames */
#define EXECF_WORDS       (PGSIZE / (int)sizeof(unsigned))
#define EXECF_PATTERN_TAG 0x0E7ECu

static char execf_args[EXECF_ARGC_MAX][EXECF_ARG_LEN + 1];
static unsigned execf_page[EXECF_WORDS] __attribute__((aligned(PGSIZE)));
static unsigned execf_image_pages;   /* pages of this program's segments (the same for its copy) */

/* Fill execf_args: string i is tag, two digits of i, then letters, EXECF_ARG_LEN bytes long. */
static void execf_fill_args(char tag)
{
  for (int i = 0; i < EXECF_ARGC_MAX; i++) {
    char *s = execf_args[i];
    s[0] = tag;
    s[1] = (char)('0' + i / 10);
    s[2] = (char)('0' + i % 10);
    for (int j = 3; j < EXECF_ARG_LEN; j++)
      s[j] = (char)('a' + (i + j) % 26);
    s[EXECF_ARG_LEN] = 0;
  }
}

/* The exec'd copy of the control: exit 0 when argv is the EXECF_ARGC_FIT strings. */
static int execf_fit_verdict(int argc, char *argv[])
{
  execf_fill_args(EXECF_FIT_TAG);
  if (argc != EXECF_ARGC_FIT || argv[argc] != 0)
    return EXECF_ARGC_BAD;
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], execf_args[i]) != 0)
      return EXECF_ARGS_BAD + i;
  return 0;
}

/* The exec'd copy of an exec that had to fail: say so and leave. */
static int execf_ran(const char *check, int argc)
{
  utest_fail(check, "exec did not fail: the new image runs with argc %d", argc);
  return EXECF_RAN;
}

/* Check that the frame counts in after equal before and memcheck is clean. */
static void execf_check_counts(const char *name, const struct memstat *before, const struct memstat *after)
{
  int bad = memcheck();
  utest_check(name, after->free_pages == before->free_pages &&
                        after->kernel_free_pages == before->kernel_free_pages && bad == 0,
              "around the failed exec: user free %u -> %u, kernel free %u -> %u, memcheck %d",
              before->free_pages, after->free_pages, before->kernel_free_pages, after->kernel_free_pages, bad);
}

/* 30 strings of 127 bytes reach the exec'd copy intact (a fork'd child runs the exec). */
static void execf_check_args_fit(void)
{
  char *argv[EXECF_ARGC_FIT + 1];
  int status = -1, got = -1;
  execf_fill_args(EXECF_FIT_TAG);
  for (int i = 0; i < EXECF_ARGC_FIT; i++)
    argv[i] = execf_args[i];
  argv[EXECF_ARGC_FIT] = 0;
  int pid = fork();
  if (pid == 0) {
    exec(EXECF_PROG, argv);
    exit(EXECF_RAN);
  }
  if (pid > 0)
    got = waitpid(pid, &status);
  utest_check("proc_execfail_args_fit", pid > 0 && got == pid && status == 0,
              "%d strings of %d bytes: fork %d, waitpid %d, status %d (%d: argc wrong, %d+i: string i wrong, "
              "%d: exec failed)", EXECF_ARGC_FIT, EXECF_ARG_LEN, pid, got, status, EXECF_ARGC_BAD, EXECF_ARGS_BAD,
              EXECF_RAN);
}

/* 31 strings of 127 bytes overflow the new stack's top page: -1, the caller intact, no leak. */
static void execf_check_args_overflow(void)
{
  char *argv[EXECF_ARGC_MAX + 1];
  struct memstat before, after;
  unsigned seen = 0;
  execf_fill_args(EXECF_OVER_TAG);
  for (int i = 0; i < EXECF_ARGC_MAX; i++)
    argv[i] = execf_args[i];
  argv[EXECF_ARGC_MAX] = 0;
  utest_pattern_fill(execf_page, EXECF_WORDS, EXECF_PATTERN_TAG);
  memstat(&before);
  int r = exec(EXECF_PROG, argv);
  memstat(&after);
  int bad_word = utest_pattern_find_bad(execf_page, EXECF_WORDS, EXECF_PATTERN_TAG, &seen);
  int bad_arg = -1;
  for (int i = 0; i < EXECF_ARGC_MAX && bad_arg < 0; i++)
    if (argv[i] != execf_args[i] || strlen(argv[i]) != EXECF_ARG_LEN || argv[i][0] != EXECF_OVER_TAG)
      bad_arg = i;
  utest_check("proc_execfail_args_overflow", r == -1 && bad_word < 0 && bad_arg < 0,
              "%d strings of %d bytes: exec returned %d (want -1); pattern word %d is 0x%x; argument %d changed",
              EXECF_ARGC_MAX, EXECF_ARG_LEN, r, bad_word, seen, bad_arg);
  execf_check_counts("proc_execfail_args_no_leak", &before, &after);
}

/* Grow the heap until exactly target user frames are free; writes each new page's first word
 * (index-tagged). Returns the pages grown, or -1 (the heap is back where it was). */
static int execf_grab(unsigned target, unsigned **heap)
{
  struct memstat st;
  memstat(&st);
  if (st.free_pages < target || st.free_pages - target > utest_heap_room())
    return -1;
  int pages = (int)(st.free_pages - target);
  unsigned *p = pages ? (unsigned *)utest_heap_pages(pages) : (unsigned *)sbrk(0);
  if (!p)
    return -1;
  memstat(&st);
  if (st.free_pages != target) {
    sbrk(-pages * PGSIZE);
    return -1;
  }
  for (int i = 0; i < pages; i++)
    p[i * EXECF_WORDS] = utest_pattern_word(EXECF_PATTERN_TAG, (unsigned)i);
  *heap = p;
  return pages;
}

/* Index of the first grabbed page whose first word is not what execf_grab wrote, or -1. */
static int execf_grab_bad(const unsigned *heap, int pages)
{
  for (int i = 0; i < pages; i++)
    if (heap[i * EXECF_WORDS] != utest_pattern_word(EXECF_PATTERN_TAG, (unsigned)i))
      return i;
  return -1;
}

/* With exactly left user frames free, exec fails (where: the stage it reaches): -1, the
 * caller's heap and data intact, the frame counts as before, memcheck clean. */
static void execf_check_oom(const char *name, const char *leak_name, unsigned left, const char *where)
{
  char *argv[] = { EXECF_PROG, EXECF_MODE_RAN, (char *)name, 0 };
  struct memstat before, after;
  unsigned *heap = 0, seen = 0;
  utest_touch_stack();
  utest_pattern_fill(execf_page, EXECF_WORDS, EXECF_PATTERN_TAG + left);
  int pages = execf_grab(left, &heap);
  if (pages < 0) {
    utest_fail(name, "could not leave exactly %u user frames free with the heap", left);
    return;
  }
  memstat(&before);
  int r = exec(EXECF_PROG, argv);
  memstat(&after);
  int bad_page = execf_grab_bad(heap, pages);
  int bad_word = utest_pattern_find_bad(execf_page, EXECF_WORDS, EXECF_PATTERN_TAG + left, &seen);
  utest_check(name, before.free_pages == left && r == -1 && bad_page < 0 && bad_word < 0,
              "%u user frames free (%s): exec returned %d (want -1); heap page %d of %d changed; data word %d is 0x%x",
              before.free_pages, where, r, bad_page, pages, bad_word, seen);
  execf_check_counts(leak_name, &before, &after);
  sbrk(-pages * PGSIZE);
}

/* The control of execf_check_oom's last stage: with one frame more than there, exec succeeds
 * (a fork'd child takes the frames and runs the exec). */
static void execf_check_oom_fit(unsigned left)
{
  char *argv[] = { EXECF_PROG, EXECF_MODE_FITS, 0 };
  int status = -1, got = -1;
  int pid = fork();
  if (pid == 0) {
    unsigned *heap;
    utest_touch_stack();
    utest_pattern_fill(execf_page, EXECF_WORDS, EXECF_PATTERN_TAG);   /* private before the count */
    if (execf_grab(left, &heap) < 0)
      exit(EXECF_NO_GRAB);
    exec(EXECF_PROG, argv);
    exit(EXECF_NO_EXEC);
  }
  if (pid > 0)
    got = waitpid(pid, &status);
  utest_check("proc_execfail_oom_fit", pid > 0 && got == pid && status == 0,
              "%u user frames free (the image's %u pages and %d stack pages): fork %d, waitpid %d, status %d "
              "(%d: exec failed, %d: could not set the free frames)", left, execf_image_pages, USER_STACK_PAGES, pid,
              got, status, EXECF_NO_EXEC, EXECF_NO_GRAB);
}

/* The exec'd copies' modes first (told apart by argv[0][0] or argv[1]); otherwise every check. */
int main(int argc, char *argv[])
{
  unsigned brk = (unsigned)sbrk(0);   /* first: the break still sits right above the segments */
  if (argc >= 1 && argv[0][0] == EXECF_FIT_TAG)
    return execf_fit_verdict(argc, argv);
  if (argc >= 1 && argv[0][0] == EXECF_OVER_TAG)
    return execf_ran("proc_execfail_args_overflow", argc);
  if (argc >= 2 && strcmp(argv[1], EXECF_MODE_FITS) == 0)
    return 0;
  if (argc >= 3 && strcmp(argv[1], EXECF_MODE_RAN) == 0)
    return execf_ran(argv[2], argc);
  execf_image_pages = (brk - USER_TEXT_BASE + PGSIZE - 1) / PGSIZE;
  execf_check_args_fit();
  execf_check_args_overflow();
  execf_check_oom("proc_execfail_oom_segment", "proc_execfail_oom_segment_no_leak", 0, "no frame for the first segment page");
  execf_check_oom("proc_execfail_oom_stack", "proc_execfail_oom_stack_no_leak",
                  execf_image_pages + USER_STACK_PAGES - 1, "the segments fit, the last stack page does not");
  execf_check_oom_fit(execf_image_pages + USER_STACK_PAGES);
  return utest_status();
}
