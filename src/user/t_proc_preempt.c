/*
 * t_proc_preempt - a long system call does not freeze the system.
 *
 * A child repeats one long call until it is killed: an 8 MiB write() to the
 * console, an sbrk() of nearly all free memory and back, an 8 MiB write()
 * into a pipe whose reader takes a little every tick. Meanwhile the parent's
 * sleep(PREEMPT_NAP) must return within PREEMPT_LIMIT ticks, and kill() must
 * end the child within PREEMPT_LIMIT ticks, with nothing leaked.
 *
 * The console payload is real text, every byte of which goes to VGA and the
 * serial port; the kill ends the write after a few KiB, so the log gets
 * those few KiB of filler lines, not 8 MiB.
 *
 * Usage: t_proc_preempt [quick]
 *        t_proc_preempt measure console|sbrk BYTES
 *   measure: one call of BYTES, no kill; prints how long the parent's
 *   sleep(PREEMPT_NAP) took and how long the call took.
 */
#include "user.h"
#include "utest.h"

#define PREEMPT_PAYLOAD       (8 * 1024 * 1024)   /* bytes in one write() */
#define PREEMPT_PAYLOAD_QUICK (1024 * 1024)
#define PREEMPT_NAP           10        /* the parent's sleep(), in ticks */
#define PREEMPT_LIMIT         30        /* ticks allowed for that sleep and for a kill */
#define PREEMPT_SBRK_SPARE    256       /* user frames the huge sbrk leaves free */
#define PREEMPT_SBRK_MAX      (1 << 30) /* the huge sbrk is at most this many bytes */
#define PREEMPT_READ_BYTES    512       /* the slow reader takes this much ... */
#define PREEMPT_READ_TICKS    1         /* ... every this many ticks */
#define PREEMPT_CALL_FAILED   7         /* a child's exit code when its call failed */
#define PREEMPT_KILLED        (-1)      /* status of a process the kernel killed */
#define PREEMPT_FILLER        "preempt filler, one line of a long write() to the console\n"

enum preempt_call { CALL_CONSOLE, CALL_SBRK, CALL_PIPE };

static int preempt_bytes;               /* payload of the write() cases */
static int preempt_pipe_fd = -1;        /* CALL_PIPE: the write end */

/* The child's work: make the call (forever unless once); exits PREEMPT_CALL_FAILED if it fails,
 * or, with once, with the ticks the call took. */
static void preempt_child(enum preempt_call call, int bytes, int ready_fd, int once)
{
  char *buf = 0;
  if (call != CALL_SBRK) {
    buf = sbrk(bytes);
    if (buf == (char *)-1)
      exit(PREEMPT_CALL_FAILED);
    for (int i = 0, n = (int)strlen(PREEMPT_FILLER); i < bytes; i++)
      buf[i] = PREEMPT_FILLER[i % n];
  }
  write(ready_fd, "r", 1);
  close(ready_fd);
  do {
    int t0 = uptime(), ok;
    if (call == CALL_SBRK)
      ok = sbrk(bytes) != (void *)-1 && sbrk(-bytes) != (void *)-1;
    else
      ok = write(call == CALL_PIPE ? preempt_pipe_fd : 1, buf, bytes) == bytes;
    if (!ok)
      exit(PREEMPT_CALL_FAILED);
    if (once)
      exit(uptime() - t0);
  } while (1);
}

/* Fork the child for call; returns its pid once it is about to make the call, or -1. */
static int preempt_start(enum preempt_call call, int bytes, int once)
{
  int fds[2];
  char c;
  if (pipe(fds) < 0)
    return -1;
  int pid = fork();
  if (pid == 0) {
    close(fds[0]);
    preempt_child(call, bytes, fds[1], once);
  }
  close(fds[1]);
  if (pid > 0 && read(fds[0], &c, 1) != 1) {
    kill(pid);
    waitpid(pid, 0);
    pid = -1;
  }
  close(fds[0]);
  return pid;
}

/* The parent's sleep(PREEMPT_NAP); returns the ticks it took. */
static int preempt_nap(void)
{
  int t0 = uptime();
  sleep(PREEMPT_NAP);
  return uptime() - t0;
}

/* While the child for call runs, check the nap and the kill (checks prefix_nap, prefix_kill). */
static void preempt_check(const char *prefix, const char *what, enum preempt_call call, int bytes)
{
  char name[UTEST_NAME_MAX];
  int status = 0;
  int pid = preempt_start(call, bytes, 0);
  if (pid < 0) {
    utest_fail(prefix, "could not start the child for %s", what);
    return;
  }
  int nap = preempt_nap();
  int t0 = uptime();
  int r = kill(pid);
  int got = waitpid(pid, &status);
  int took = uptime() - t0;
  printf("\n[preempt] %s: sleep(%d) took %d ticks, kill to waitpid %d ticks\n", what, PREEMPT_NAP, nap, took);
  strcpy(name, prefix);
  strcpy(name + strlen(name), "_nap");
  utest_check(name, nap <= PREEMPT_LIMIT, "sleep(%d) took %d ticks while a child was in %s (limit %d)",
              PREEMPT_NAP, nap, what, PREEMPT_LIMIT);
  strcpy(name + strlen(prefix), "_kill");
  utest_check(name, r == 0 && got == pid && status == PREEMPT_KILLED && took <= PREEMPT_LIMIT,
              "kill(%d) of a child in %s returned %d, waitpid %d, status %d (want -1), after %d ticks (limit %d)",
              pid, what, r, got, status, took, PREEMPT_LIMIT);
}

/* Bytes for an sbrk() that leaves PREEMPT_SBRK_SPARE user frames free. */
static int preempt_sbrk_size(void)
{
  struct memstat st;
  memstat(&st);
  unsigned pages = st.free_pages > 2 * PREEMPT_SBRK_SPARE ? st.free_pages - PREEMPT_SBRK_SPARE : PREEMPT_SBRK_SPARE;
  return pages > PREEMPT_SBRK_MAX / PGSIZE ? PREEMPT_SBRK_MAX : (int)(pages * PGSIZE);
}

/* The pipe case: a slow reader child, the writer child, then both gone. */
static void preempt_check_pipe(void)
{
  int fds[2], status;
  char what[48] = "an 8 MiB write() to a slow pipe";
  if (preempt_bytes != PREEMPT_PAYLOAD)
    strcpy(what, "a 1 MiB write() to a slow pipe");
  if (pipe(fds) < 0) {
    utest_fail("preempt_pipe", "pipe failed");
    return;
  }
  int reader = fork();
  if (reader == 0) {
    static char sink[PREEMPT_READ_BYTES];
    close(fds[1]);
    while (read(fds[0], sink, sizeof sink) > 0)
      sleep(PREEMPT_READ_TICKS);
    exit(0);
  }
  close(fds[0]);
  preempt_pipe_fd = fds[1];
  if (reader > 0)
    preempt_check("preempt_pipe", what, CALL_PIPE, preempt_bytes);
  else
    utest_fail("preempt_pipe", "fork of the reader returned %d", reader);
  close(fds[1]);
  preempt_pipe_fd = -1;
  if (reader > 0) {
    kill(reader);
    waitpid(reader, &status);
  }
}

/* measure console|sbrk BYTES: one call, the parent naps, then waits for it. */
static int preempt_measure(const char *kind, int bytes)
{
  enum preempt_call call = strcmp(kind, "sbrk") == 0 ? CALL_SBRK : CALL_CONSOLE;
  int status = 0, t0 = uptime();
  int pid = preempt_start(call, bytes, 1);
  if (pid < 0) {
    printf("[preempt] measure: could not start the child\n");
    return 1;
  }
  int nap = preempt_nap();
  waitpid(pid, &status);
  printf("\n[preempt] measure %s %d bytes: parent's sleep(%d) took %d ticks; the call took %d ticks "
         "(%d ticks from fork to exit)\n", kind, bytes, PREEMPT_NAP, nap, status, uptime() - t0);
  return 0;
}

int main(int argc, char *argv[])
{
  struct memstat before;
  if (argc > 3 && strcmp(argv[1], "measure") == 0)
    return preempt_measure(argv[2], atoi(argv[3]));
  preempt_bytes = utest_quick(argc, argv) ? PREEMPT_PAYLOAD_QUICK : PREEMPT_PAYLOAD;
  memstat(&before);
  preempt_check("preempt_console", preempt_bytes == PREEMPT_PAYLOAD ? "an 8 MiB console write()"
                                                                 : "a 1 MiB console write()",
                CALL_CONSOLE, preempt_bytes);
  preempt_check("preempt_sbrk", "a huge sbrk()", CALL_SBRK, preempt_sbrk_size());
  preempt_check_pipe();
  utest_check_no_leak("preempt_no_leak", &before);
  return utest_status();
}
