/*
 * t_proc_badptr - system calls refuse bad user pointers.
 *
 * Every call that takes a pointer (wait, waitpid, exec path and argv, pipe,
 * read, write, memstat) is given NULL, kernel addresses (0xC0000000,
 * 0xC0100000, 0xFFFFF000), a buffer that runs past the current break, and,
 * for calls that write, a pointer into the read-only text. Each must return
 * -1 and have no other effect: the zombie child stays reapable, pipe data is
 * not consumed or added, no fd is used up, the caller keeps running.
 * Usage: t_proc_badptr [quick]
 */
#include "user.h"
#include "test/utest.h"

#define BAD_PROG          "t_proc_badptr"
#define BAD_LEAK_MODE     "exec_leaked"  /* argv[1] if a bad exec ever started us */
#define BAD_EXEC_LEAKED   77             /* ... and the status that program exits with */
#define BAD_CHILD_CODE    3              /* the zombie child's exit code */
#define BAD_RW_LEN        100            /* read/write length for the bad buffers */
#define BAD_PIPE_DATA     128            /* bytes waiting in the pipe during bad reads */
#define BAD_CASES_MAX     10
#define BAD_PAST_BREAK    "past the break"
#define BAD_FD_MAX        16

#define BAD_KERNEL_BASE   0xC0000000u
#define BAD_KERNEL_TEXT   0xC0100000u
#define BAD_TOP_PAGE      0xFFFFF000u
#define BAD_WRAP          0xFFFFFFF0u    /* a 100-byte buffer here wraps around to 0 */

/* One bad pointer and how to name it in a failure. */
struct bad_case {
  const char *what;
  void *ptr;
};

static char *bad_break;       /* page-aligned break; the page above it is unmapped */

/* Somewhere in the program's text, which is mapped read-only. */
static void bad_text_anchor(void)
{
}

/* The read-only text as a data pointer. */
static void *bad_text(void)
{
  return (void *)(unsigned)&bad_text_anchor;
}

/* Give the heap one page and leave the break page-aligned, so that anything at or
 * above bad_break is unmapped and the bytes just below it are mapped. */
static void bad_setup_break(void)
{
  sbrk((int)utest_break_pad() + PGSIZE);
  bad_break = (char *)sbrk(0);
  bad_break[-1] = 0;                  /* back the page below the break (sbrk maps nothing) */
}

/* Fill c with the bad pointers for a len-byte object; writes: the kernel writes it
 * (so text is bad too); extra: add wrap-around and stack-top crossings. */
static int bad_cases(struct bad_case *c, int len, int writes, int extra)
{
  int n = 0, tail = len >= 20 ? 10 : len / 2;

  c[n].what = "NULL";
  c[n++].ptr = 0;
  c[n].what = "0xC0000000";
  c[n++].ptr = (void *)BAD_KERNEL_BASE;
  c[n].what = "0xC0100000";
  c[n++].ptr = (void *)BAD_KERNEL_TEXT;
  c[n].what = "0xFFFFF000";
  c[n++].ptr = (void *)BAD_TOP_PAGE;
  c[n].what = BAD_PAST_BREAK;
  c[n++].ptr = bad_break - tail;
  if (writes) {
    c[n].what = "text";
    c[n++].ptr = bad_text();
  }
  if (extra) {
    c[n].what = "0xFFFFFFF0 (wraps)";
    c[n++].ptr = (void *)BAD_WRAP;
    if (!writes) {
      c[n].what = "stack top crossing into the kernel";
      c[n++].ptr = (void *)(BAD_KERNEL_BASE - len / 2);
    }
  }
  return n;
}

/* Record the first case whose result r was not -1. */
static void bad_note(int r, const struct bad_case *c, const char **what, int *seen)
{
  if (r != -1 && *what == 0) {
    *what = c->what;
    *seen = r;
  }
}

/* wait/waitpid with bad status pointers fail and leave the zombie child for later.
 * NULL has its own check: wait and waitpid read it as "status not wanted", so
 * it reaps the child like a good pointer and stores nothing. */
static void bad_check_wait(void)
{
  struct bad_case c[BAD_CASES_MAX];
  int n = bad_cases(c, sizeof(int), 1, 0), i, pid, got, status = 0, r_null, r_null_wait;
  const char *wp_what = 0, *w_what = 0;
  int wp_seen = 0, w_seen = 0;

  pid = utest_zombie(BAD_CHILD_CODE);
  for (i = 0; i < n; i++) {
    if (c[i].ptr == 0)
      continue;
    bad_note(waitpid(pid, (int *)c[i].ptr), &c[i], &wp_what, &wp_seen);
    bad_note(wait((int *)c[i].ptr), &c[i], &w_what, &w_seen);
  }
  utest_check("proc_badptr_waitpid", pid > 0 && wp_what == 0,
              "child %d: waitpid with status pointer %s returned %d", pid, wp_what, wp_seen);
  utest_check("proc_badptr_wait", pid > 0 && w_what == 0,
              "child %d: wait with status pointer %s returned %d", pid, w_what, w_seen);
  got = pid > 0 ? waitpid(pid, &status) : -1;
  utest_check("proc_badptr_wait_keeps_child", got == pid && status == BAD_CHILD_CODE,
              "after the bad calls waitpid(%d, good) returned %d, status %d (want %d)",
              pid, got, status, BAD_CHILD_CODE);

  pid = utest_zombie(BAD_CHILD_CODE);
  r_null = pid > 0 ? waitpid(pid, 0) : -2;
  r_null_wait = wait(0);
  status = 0;
  got = pid > 0 ? waitpid(pid, &status) : -1;
  utest_check("proc_badptr_wait_null", r_null == pid && r_null_wait == -1 && got == -1,
              "child %d: waitpid(pid, NULL) returned %d (want the pid: NULL means no status), "
              "then wait(NULL) %d and waitpid(pid, good) %d (want -1: already reaped)",
              pid, r_null, r_null_wait, got);
}

/* Run each exec(path, argv) pair in its own child; returns the first case (1-based)
 * whose exec did not return -1 (BAD_EXEC_LEAKED in *status if it even started us),
 * or 0 when all failed as they should. */
static int bad_exec_in_child(const char **paths, char ***argvs, int n, int *status)
{
  int pid, i;

  pid = fork();
  if (pid == 0) {
    for (i = 0; i < n; i++)
      if (exec(paths[i], argvs[i]) != -1)
        exit(i + 1);
    exit(0);
  }
  *status = UTEST_NO_CHILD;
  if (pid < 0 || waitpid(pid, status) != pid)
    return -1;
  return *status;
}

/* exec with a bad path, or a good path and a bad argv, returns -1. */
static void bad_check_exec(void)
{
  static char *good_argv[] = { BAD_PROG, BAD_LEAK_MODE, 0 };
  struct bad_case c[BAD_CASES_MAX];
  const char *paths[BAD_CASES_MAX], *names[BAD_CASES_MAX];
  char **argvs[BAD_CASES_MAX];
  char *bad_elem[] = { BAD_PROG, BAD_LEAK_MODE, (char *)BAD_KERNEL_TEXT, 0 };
  char **tail_argv = (char **)(bad_break - 2 * sizeof(char *));
  int n, i, k, status;

  /* Bad paths; the unterminated one ends right at the break. */
  n = bad_cases(c, 2 * sizeof(char *), 0, 0);
  memset(bad_break - 2 * sizeof(char *), 'a', 2 * sizeof(char *));
  for (i = 0; i < n; i++) {
    paths[i] = c[i].ptr;
    argvs[i] = good_argv;
    names[i] = c[i].what;
  }
  k = bad_exec_in_child(paths, argvs, n, &status);
  utest_check("proc_badptr_exec_path", k == 0,
              "exec with path %s did not return -1 (child status %d; %d: it started us)",
              k > 0 && k <= n ? names[k - 1] : "?", status, BAD_EXEC_LEAKED);

  /* Bad argv arrays; the tail one holds two good pointers and no terminator. */
  tail_argv[0] = BAD_PROG;
  tail_argv[1] = BAD_LEAK_MODE;
  n = bad_cases(c, 2 * sizeof(char *), 0, 0);
  for (i = 0; i < n; i++) {
    paths[i] = BAD_PROG;
    argvs[i] = strcmp(c[i].what, BAD_PAST_BREAK) == 0 ? tail_argv : (char **)c[i].ptr;
    names[i] = c[i].what;
  }
  paths[n] = BAD_PROG;
  argvs[n] = bad_elem;
  names[n++] = "argv[2] = 0xC0100000";
  k = bad_exec_in_child(paths, argvs, n, &status);
  utest_check("proc_badptr_exec_argv", k == 0,
              "exec with argv %s did not return -1 (child status %d; %d: it started us)",
              k > 0 && k <= n ? names[k - 1] : "?", status, BAD_EXEC_LEAKED);
}

/* Count the pipes this process can still open (then close them again). */
static int bad_pipe_capacity(void)
{
  int fds[BAD_FD_MAX][2], n = 0, i;
  while (n < BAD_FD_MAX && pipe(fds[n]) == 0)
    n++;
  for (i = 0; i < n; i++) {
    close(fds[i][0]);
    close(fds[i][1]);
  }
  return n;
}

/* pipe() with a bad array fails without using up fds. */
static void bad_check_pipe(void)
{
  struct bad_case c[BAD_CASES_MAX];
  int n = bad_cases(c, 2 * sizeof(int), 1, 0), i, before, after, seen = 0;
  const char *what = 0;

  before = bad_pipe_capacity();
  for (i = 0; i < n; i++)
    bad_note(pipe((int *)c[i].ptr), &c[i], &what, &seen);
  after = bad_pipe_capacity();
  utest_check("proc_badptr_pipe", what == 0, "pipe(%s) returned %d", what, seen);
  utest_check("proc_badptr_pipe_no_fd_leak", before == after && before > 0,
              "pipes that could be opened: %d before the bad calls, %d after", before, after);
}

/* read() into bad buffers fails and leaves the pipe's data where it was. */
static void bad_check_read(void)
{
  struct bad_case c[BAD_CASES_MAX];
  int n = bad_cases(c, BAD_RW_LEN, 1, 1), i, fds[2], got, wrong = -1, seen = 0;
  unsigned char data[BAD_PIPE_DATA], back[BAD_PIPE_DATA];
  const char *what = 0;

  if (pipe(fds) < 0) {
    utest_fail("proc_badptr_read", "pipe failed");
    return;
  }
  for (i = 0; i < BAD_PIPE_DATA; i++)
    data[i] = (unsigned char)(i * 13 + 1);
  write(fds[1], data, BAD_PIPE_DATA);
  for (i = 0; i < n; i++)
    bad_note(read(fds[0], c[i].ptr, BAD_RW_LEN), &c[i], &what, &seen);
  utest_check("proc_badptr_read", what == 0, "read into %s (%d bytes) returned %d", what,
              BAD_RW_LEN, seen);
  memset(back, 0, sizeof(back));
  got = utest_read_full(fds[0], back, BAD_PIPE_DATA);
  for (i = 0; i < got; i++)
    if (back[i] != data[i] && wrong < 0)
      wrong = i;
  utest_check("proc_badptr_read_keeps_data", got == BAD_PIPE_DATA && wrong < 0,
              "good read after the bad ones got %d of %d bytes, first wrong byte %d",
              got, BAD_PIPE_DATA, wrong);
  close(fds[0]);
  close(fds[1]);
}

/* write() from bad buffers fails and adds nothing; write from text is fine. */
static void bad_check_write(void)
{
  struct bad_case c[BAD_CASES_MAX];
  int n = bad_cases(c, BAD_RW_LEN, 0, 1), i, fds[2], got, text_r, seen = 0;
  unsigned char back[BAD_PIPE_DATA], text_back[16];
  const char *what = 0;

  if (pipe(fds) < 0) {
    utest_fail("proc_badptr_write", "pipe failed");
    return;
  }
  for (i = 0; i < n; i++)
    bad_note(write(fds[1], c[i].ptr, BAD_RW_LEN), &c[i], &what, &seen);
  utest_check("proc_badptr_write", what == 0, "write from %s (%d bytes) returned %d", what,
              BAD_RW_LEN, seen);
  write(fds[1], "Z", 1);
  back[0] = 0;
  got = read(fds[0], back, sizeof(back));
  utest_check("proc_badptr_write_adds_nothing", got == 1 && back[0] == 'Z',
              "the pipe held %d bytes starting with 0x%x (want only the marker 'Z')",
              got, back[0]);

  text_r = write(fds[1], bad_text(), sizeof(text_back));
  got = text_r > 0 ? utest_read_full(fds[0], text_back, text_r) : 0;
  utest_check("proc_badptr_write_from_text",
              text_r == (int)sizeof(text_back) && got == text_r &&
              utest_same_bytes(text_back, bad_text(), got),
              "write of %d bytes from read-only text returned %d, read back %d",
              (int)sizeof(text_back), text_r, got);
  close(fds[0]);
  close(fds[1]);
}

/* memstat() into a bad struct pointer fails. */
static void bad_check_memstat(void)
{
  struct bad_case c[BAD_CASES_MAX];
  int n = bad_cases(c, sizeof(struct memstat), 1, 0), i, seen = 0;
  const char *what = 0;

  for (i = 0; i < n; i++)
    bad_note(memstat((struct memstat *)c[i].ptr), &c[i], &what, &seen);
  utest_check("proc_badptr_memstat", what == 0, "memstat(%s) returned %d", what, seen);
}

/* If a wrongly accepted exec started us, say so at once; otherwise run every check. */
int main(int argc, char *argv[])
{
  struct memstat before;

  if (argc < 1 || (argc >= 2 && strcmp(argv[1], BAD_LEAK_MODE) == 0))
    return BAD_EXEC_LEAKED;
  (void)utest_quick(argc, argv);   /* the same small work in both modes */
  bad_setup_break();
  memstat(&before);
  bad_check_wait();
  bad_check_exec();
  bad_check_pipe();
  bad_check_read();
  bad_check_write();
  bad_check_memstat();
  utest_check_no_leak("proc_badptr_no_leak", &before);
  return utest_status();
}
