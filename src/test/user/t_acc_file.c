/*
 * t_acc_file - acceptance: read() into a copy-on-write page.
 *
 * Follows xv6's cowtest "filetest". A page-aligned global buffer is shared
 * with four children in turn; each child read()s an int from a pipe into it,
 * so the kernel itself writes a shared page and must copy it first. Each
 * child checks the value and that its buffer now has its own frame; the
 * parent's byte in the buffer stays what it was.
 * Usage: t_acc_file [quick]
 */
#include "user.h"
#include "test/utest.h"

#define FILE_CHILDREN        4
#define FILE_PARENT_BYTE     99      /* as in xv6 */
#define FILE_CHILD_NAP       1       /* ticks the child sleeps around its read, as in xv6 */
#define FILE_EXIT_OK         4       /* child exit codes (success is not 0: a parent wrongly
                                        running child code must not pass) */
#define FILE_EXIT_READ       1
#define FILE_EXIT_VALUE      2
#define FILE_EXIT_SAME_FRAME 3

static char file_buf[PGSIZE] __attribute__((aligned(PGSIZE)));

/* Child i: read an int into the shared buffer; it must be i and sit in a frame of its own. */
static void file_child(int i, int rfd, unsigned parent_frame) __attribute__((noreturn));
static void file_child(int i, int rfd, unsigned parent_frame)
{
  int n, j;
  unsigned frame;

  sleep(FILE_CHILD_NAP);
  n = read(rfd, file_buf, sizeof(i));
  if (n != (int)sizeof(i)) {
    printf("acc_file child %d: read returned %d\n", i, n);
    exit(FILE_EXIT_READ);
  }
  sleep(FILE_CHILD_NAP);
  memcpy(&j, file_buf, sizeof(j));
  if (j != i) {
    printf("acc_file child %d: read the value %d\n", i, j);
    exit(FILE_EXIT_VALUE);
  }
  frame = vtop(file_buf);
  if (frame == parent_frame) {
    printf("acc_file child %d: buffer still in the parent's frame 0x%x\n", i, frame);
    exit(FILE_EXIT_SAME_FRAME);
  }
  exit(FILE_EXIT_OK);
}

int main(int argc, char *argv[])
{
  struct memstat base;
  int fds[2], pid, status, got, bad_status = FILE_EXIT_OK, bad_pid = -1;
  int forked = 0, written = 0, reaped = 0;
  unsigned parent_frame;

  (void)argc;
  (void)argv;
  file_buf[0] = FILE_PARENT_BYTE;
  memstat(&base);
  parent_frame = vtop(file_buf);

  for (int i = 0; i < FILE_CHILDREN; i++) {
    if (pipe(fds) != 0)
      break;
    pid = fork();
    if (pid == 0) {
      close(fds[1]);
      file_child(i, fds[0], parent_frame);
    }
    close(fds[0]);
    if (pid > 0) {
      forked++;
      if (write(fds[1], &i, sizeof(i)) == (int)sizeof(i))
        written++;
    }
    close(fds[1]);
  }
  utest_check("acc_file_setup", forked == FILE_CHILDREN && written == FILE_CHILDREN,
              "%d children forked, %d values written (want %d each)", forked, written,
              FILE_CHILDREN);

  for (int k = 0; k < forked; k++) {
    status = 0;
    got = wait(&status);
    if (got < 0)
      break;
    reaped++;
    if (status != FILE_EXIT_OK && bad_pid < 0) {
      bad_pid = got;
      bad_status = status;
    }
  }
  utest_check("acc_file_children", reaped == forked && bad_pid < 0,
              "%d of %d reaped; child pid %d exited %d (want %d; %d read failed, %d wrong "
              "value, %d buffer not copied)", reaped, forked, bad_pid, bad_status, FILE_EXIT_OK,
              FILE_EXIT_READ, FILE_EXIT_VALUE, FILE_EXIT_SAME_FRAME);
  utest_check("acc_file_parent_byte", file_buf[0] == FILE_PARENT_BYTE,
              "the parent's byte is %d, want %d", file_buf[0], FILE_PARENT_BYTE);
  utest_check("acc_file_parent_frame", vtop(file_buf) == parent_frame,
              "the parent's buffer moved from frame 0x%x to 0x%x", parent_frame,
              vtop(file_buf));
  utest_check_end("acc_file", &base);
  return utest_status();
}
