/*
 * t_proc_pipe - pipes between a parent and its children.
 *
 * Data goes both ways; read returns 0 only once every writer has closed; a
 * writer that outruns its reader blocks on the full PIPE_SIZE buffer until the
 * reader drains it, and every byte arrives in order; write with no reader
 * left returns -1; bad fds are refused; the 16-fd table fills up and empties.
 * Usage: t_proc_pipe [quick]
 */
#include "user.h"
#include "test/utest.h"

#define PIPE_BUF_SIZE      2048  /* the kernel's PIPE_SIZE */
#define PIPE_FD_MAX        16    /* fds per process */
#define PIPE_CHUNK         1000  /* writer chunk: not a divisor of PIPE_BUF_SIZE */
#define PIPE_READ_CHUNK    300   /* reader chunk: odd sizes exercise the wrap-around */
#define PIPE_FULL_QUICK    (3 * PIPE_BUF_SIZE + 100)
#define PIPE_FULL_FULL     (64 * PIPE_BUF_SIZE + 100)
#define PIPE_FULL_DELAY    20    /* ticks the reader waits before draining */
#define PIPE_CHILD_BAD     3     /* a child saw the wrong data */

static const char pipe_ping[] = "ping from the parent";
static const char pipe_pong[] = "pong from the child";

/* Byte i of the full-buffer stream. */
static unsigned char pipe_pattern(int i)
{
  return (unsigned char)(i * 7 + i / 251);
}

/* Ping to a child on one pipe, pong back on another; then EOF from the dead child. */
static void pipe_check_transfer(void)
{
  int down[2], up[2], pid, got, status = UTEST_NO_CHILD, eof1, eof2;
  char buf[64];

  if (pipe(down) < 0 || pipe(up) < 0) {
    utest_fail("proc_pipe_transfer", "pipe failed");
    return;
  }
  pid = fork();
  if (pid == 0) {
    close(down[1]);
    close(up[0]);
    got = utest_read_full(down[0], buf, sizeof(pipe_ping));
    if (got != (int)sizeof(pipe_ping) || strcmp(buf, pipe_ping) != 0)
      exit(PIPE_CHILD_BAD);
    utest_write_full(up[1], pipe_pong, sizeof(pipe_pong));
    exit(0);
  }
  close(down[0]);
  close(up[1]);
  memset(buf, 0, sizeof(buf));
  utest_write_full(down[1], pipe_ping, sizeof(pipe_ping));
  got = utest_read_full(up[0], buf, sizeof(pipe_pong));
  if (pid > 0)
    waitpid(pid, &status);
  buf[sizeof(buf) - 1] = '\0';
  utest_check("proc_pipe_transfer",
              pid > 0 && status == 0 && got == (int)sizeof(pipe_pong) &&
              strcmp(buf, pipe_pong) == 0,
              "child %d status %d (%d: it read the wrong ping), got %d bytes \"%s\" (want %d "
              "\"%s\")", pid, status, PIPE_CHILD_BAD, got, buf, (int)sizeof(pipe_pong),
              pipe_pong);

  /* The child exited and we closed our write end: nobody can write any more. */
  eof1 = read(up[0], buf, sizeof(buf));
  eof2 = read(up[0], buf, sizeof(buf));
  utest_check("proc_pipe_eof", eof1 == 0 && eof2 == 0,
              "reads after the last writer closed returned %d and %d (want 0, 0)", eof1, eof2);
  close(up[0]);
  close(down[1]);
}

/* EOF must wait for every writer: one child exits early, another writes late. */
static void pipe_check_eof_all_writers(void)
{
  int data[2], go[2], early, late, r_early, r_late, r_eof, st1 = 0, st2 = 0;
  char c, buf[8];

  if (pipe(data) < 0 || pipe(go) < 0) {
    utest_fail("proc_pipe_eof_all_writers", "pipe failed");
    return;
  }
  early = fork();
  if (early == 0) {
    write(data[1], "E", 1);
    exit(0);
  }
  late = fork();
  if (late == 0) {
    close(go[1]);
    if (read(go[0], &c, 1) == 1)
      write(data[1], "L", 1);
    exit(0);
  }
  close(data[1]);
  close(go[0]);
  if (early > 0)
    waitpid(early, &st1);
  buf[0] = buf[1] = 0;
  r_early = read(data[0], buf, 1);        /* the early writer's byte */
  write(go[1], "g", 1);                   /* only now may the late writer write */
  r_late = read(data[0], buf + 1, 1);     /* must not be EOF: "late" still holds a writer */
  if (late > 0)
    waitpid(late, &st2);
  r_eof = read(data[0], &c, 1);
  close(data[0]);
  close(go[1]);
  utest_check("proc_pipe_eof_all_writers",
              early > 0 && late > 0 && r_early == 1 && buf[0] == 'E' && r_late == 1 &&
              buf[1] == 'L' && r_eof == 0,
              "forks %d %d: first read %d '%c', read with one writer left %d '%c' (want 1 'L'), "
              "read after both exited %d (want 0)", early, late, r_early, buf[0], r_late,
              buf[1], r_eof);
}

/* Child: write total pattern bytes in chunks, then report (written, ticks) on res. */
static void pipe_full_writer(int out, int res, int total) __attribute__((noreturn));
static void pipe_full_writer(int out, int res, int total)
{
  unsigned char chunk[PIPE_CHUNK];
  int report[2], sent = 0, n, i, r, start = uptime();

  while (sent < total) {
    n = total - sent < PIPE_CHUNK ? total - sent : PIPE_CHUNK;
    for (i = 0; i < n; i++)
      chunk[i] = pipe_pattern(sent + i);
    r = utest_write_full(out, chunk, n);
    if (r != n)
      break;
    sent += n;
  }
  report[0] = sent;
  report[1] = uptime() - start;
  write(res, report, sizeof(report));
  exit(0);
}

/* A writer of several buffers' worth blocks until the slow reader drains it. */
static void pipe_check_full_buffer(int total)
{
  int data[2], res[2], pid, status = UTEST_NO_CHILD, r, i, got = 0, bad_at = -1;
  int report[2] = { -1, -1 };
  unsigned sum = 0, want_sum = 0;
  unsigned char buf[PIPE_READ_CHUNK];

  if (pipe(data) < 0 || pipe(res) < 0) {
    utest_fail("proc_pipe_full_buffer", "pipe failed");
    return;
  }
  pid = fork();
  if (pid == 0) {
    close(data[0]);
    close(res[0]);
    pipe_full_writer(data[1], res[1], total);
  }
  close(data[1]);
  close(res[1]);
  sleep(PIPE_FULL_DELAY);
  for (;;) {
    r = read(data[0], buf, sizeof(buf));
    if (r <= 0)
      break;
    for (i = 0; i < r; i++) {
      sum += buf[i];
      if (buf[i] != pipe_pattern(got + i) && bad_at < 0)
        bad_at = got + i;
    }
    got += r;
  }
  for (i = 0; i < total; i++)
    want_sum += pipe_pattern(i);
  if (pid > 0)
    waitpid(pid, &status);
  utest_read_full(res[0], report, sizeof(report));
  close(data[0]);
  close(res[0]);
  utest_check("proc_pipe_full_buffer",
              pid > 0 && status == 0 && got == total && sum == want_sum && bad_at < 0 &&
              report[0] == total,
              "read %d bytes (want %d), checksum %u (want %u), first wrong byte at %d, "
              "writer wrote %d, child status %d", got, total, sum, want_sum, bad_at,
              report[0], status);
  utest_check("proc_pipe_writer_blocks", report[1] >= PIPE_FULL_DELAY / 2,
              "writer of %d bytes finished after %d ticks although the reader waited %d "
              "ticks before reading (a %d-byte buffer cannot hold it)", total, report[1],
              PIPE_FULL_DELAY, PIPE_BUF_SIZE);
}

/* Write with no reader left fails: read end closed here, or held by a dead child. */
static void pipe_check_no_reader(void)
{
  int a[2], b[2], r_local = 0, r_child = 0, pid, status = 0;

  if (pipe(a) < 0 || pipe(b) < 0) {
    utest_fail("proc_pipe_no_reader", "pipe failed");
    return;
  }
  close(a[0]);
  r_local = write(a[1], "x", 1);
  close(a[1]);

  pid = fork();
  if (pid == 0)
    exit(0);                /* holds b[0] until it exits */
  close(b[0]);
  if (pid > 0)
    waitpid(pid, &status);
  r_child = write(b[1], "x", 1);
  close(b[1]);
  utest_check("proc_pipe_no_reader", r_local == -1 && r_child == -1 && pid > 0,
              "write after closing the read end returned %d, after the reading child "
              "exited %d (want -1, -1)", r_local, r_child);
}

/* close/read/write of fds that are out of range or not open return -1. */
static void pipe_check_bad_fds(void)
{
  static const int bad[] = { -1, PIPE_FD_MAX, 99, 1 << 20 };
  int fds[2] = { -1, -1 }, i, r, first_bad = 0, first_r = 0, closed_again = 0;
  int rw_failed = 0, rw_fd = 0;
  char c = 0;

  for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
    r = close(bad[i]);
    if (r != -1 && first_bad == 0) {
      first_bad = bad[i];
      first_r = r;
    }
  }
  if (pipe(fds) == 0) {
    close(fds[0]);
    close(fds[1]);
    closed_again = close(fds[0]);
    if (closed_again == -1)
      closed_again = close(fds[1]);
  }
  utest_check("proc_pipe_bad_close", first_bad == 0 && closed_again == -1,
              "close(%d) returned %d, close of an already closed fd returned %d (want -1)",
              first_bad, first_r, closed_again);

  for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
    if (read(bad[i], &c, 1) != -1 || write(bad[i], &c, 1) != -1) {
      rw_failed = 1;
      rw_fd = bad[i];
    }
  }
  if (read(fds[0], &c, 1) != -1 || write(fds[1], &c, 1) != -1) {
    rw_failed = 1;
    rw_fd = fds[0];
  }
  utest_check("proc_pipe_bad_fd_rw", !rw_failed,
              "read or write on fd %d (bad or closed) did not return -1", rw_fd);
}

/* Pipes until the fd table is full; all fds distinct and in range; then reusable. */
static void pipe_check_fd_limit(void)
{
  int fds[PIPE_FD_MAX][2], n = 0, i, j, out_of_range = 0, dup = 0, again[2], r_again;

  while (n < PIPE_FD_MAX && pipe(fds[n]) == 0)
    n++;
  for (i = 0; i < n; i++)
    for (j = 0; j < 2; j++) {
      int fd = fds[i][j], k;
      if (fd < 0 || fd >= PIPE_FD_MAX)
        out_of_range = 1;
      for (k = 0; k < 2 * i + j; k++)
        if (fds[k / 2][k % 2] == fd)
          dup = 1;
    }
  for (i = 0; i < n; i++) {
    close(fds[i][0]);
    close(fds[i][1]);
  }
  r_again = pipe(again);
  if (r_again == 0) {
    close(again[0]);
    close(again[1]);
  }
  utest_check("proc_pipe_fd_limit",
              n >= 1 && n <= (PIPE_FD_MAX - 3) / 2 && !out_of_range && !dup && r_again == 0,
              "%d pipes before -1 (want 1..%d with fds 0-2 open), fd out of range %d, "
              "duplicate fd %d, pipe after closing them returned %d", n,
              (PIPE_FD_MAX - 3) / 2, out_of_range, dup, r_again);
}

/* Run every check; the exit status is 0 when all of them passed. */
int main(int argc, char *argv[])
{
  struct memstat before;
  int total = utest_quick(argc, argv) ? PIPE_FULL_QUICK : PIPE_FULL_FULL;

  memstat(&before);
  pipe_check_transfer();
  pipe_check_eof_all_writers();
  pipe_check_full_buffer(total);
  pipe_check_no_reader();
  pipe_check_bad_fds();
  pipe_check_fd_limit();
  utest_check_no_leak("proc_pipe_no_leak", &before);
  return utest_status();
}
