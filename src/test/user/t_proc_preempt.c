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
 *        t_proc_preempt measure console|sbrk|memcheck BYTES
 *   measure: one call of BYTES, no kill; prints how long the parent's
 *   sleep(PREEMPT_NAP) took and how long the call took.
 */
#include "user.h"
#include "test/utest.h"

#define PREEMPT_PAYLOAD       (8 * 1024 * 1024)   /* bytes in one write() */
#define PREEMPT_PAYLOAD_QUICK (1024 * 1024)
#define PREEMPT_NAP           10        /* the parent's sleep(), in ticks */
#define PREEMPT_LIMIT         30        /* ticks allowed for that sleep and for a kill */
#define PREEMPT_SETTLE        2         /* the child starts its call this long after it is ready */
#define PREEMPT_SBRK_SPARE    256       /* user frames the huge sbrk leaves free */
#define PREEMPT_SBRK_MAX      (1 << 30) /* the huge sbrk is at most this many bytes */
#define PREEMPT_SBRK_MAX_QUICK (8 << 20) /* quick (Bochs, 4 M instructions a second): the kill's
                                           * ticks include the child's exit freeing its heap */
#define PREEMPT_COPY_SHARE    3         /* the eagerly copied heap is this fraction of free memory */
#define PREEMPT_MEMCHECK_RUN  (10 * PREEMPT_NAP)   /* ticks memcheck() runs beside the forker */
#define PREEMPT_READ_BYTES    512       /* the slow reader takes this much ... */
#define PREEMPT_READ_TICKS    1         /* ... every this many ticks */
#define PREEMPT_CALL_FAILED   7         /* a child's exit code when its call failed */
#define PREEMPT_KILLED        (-1)      /* status of a process the kernel killed */
#define PREEMPT_MEMCHECK_BAD  8         /* the memcheck child's exit code when memcheck() was not 0 */
#define PREEMPT_PIPE_BUF      2048      /* the kernel's pipe buffer (PIPE_SIZE) */
#define PREEMPT_RECORDS       24        /* records each atomic-pipe writer sends */
#define PREEMPT_READ_ODD      700       /* the atomic-pipe reader's read size (one a tick) */
#define PREEMPT_FILLER        "preempt filler, one line of a long write() to the console\n"

enum preempt_call { CALL_CONSOLE, CALL_SBRK, CALL_PIPE, CALL_FORK, CALL_FORK_COPY, CALL_EXEC, CALL_MEMCHECK };

static int preempt_bytes;               /* payload of the write() cases */
static int preempt_sbrk_max;            /* cap of the heap-sized cases */
static int preempt_pipe_fd = -1;        /* CALL_PIPE: the write end */

/* The child's work: make the call (forever unless once); exits PREEMPT_CALL_FAILED if it fails,
 * or, with once, with the ticks the call took. */
static void preempt_child(enum preempt_call call, int bytes, int ready_fd, int once)
{
  char *buf = 0;
  if (call == CALL_FORK || call == CALL_FORK_COPY || call == CALL_EXEC) {
    if (sbrk(bytes) == (void *)-1)
      exit(PREEMPT_CALL_FAILED);
  } else if (call != CALL_SBRK && call != CALL_MEMCHECK) {
    buf = sbrk(bytes);
    if (buf == (char *)-1)
      exit(PREEMPT_CALL_FAILED);
    for (int i = 0, n = (int)strlen(PREEMPT_FILLER); i < bytes; i++)
      buf[i] = PREEMPT_FILLER[i % n];
  }
  if (ready_fd >= 0) {                  /* not in the exec loop's later rounds */
    write(ready_fd, "r", 1);
    close(ready_fd);
    sleep(PREEMPT_SETTLE);              /* the parent's nap starts before the call */
  }
  do {
    int t0 = uptime(), ok, pid;
    char num[UTEST_NUM_LEN];
    char *argv[] = { "t_proc_preempt", "execloop", utest_itoa(bytes, num), 0 };
    if (call == CALL_SBRK)
      ok = sbrk(bytes) != (void *)-1 && sbrk(-bytes) != (void *)-1;
    else if (call == CALL_FORK || call == CALL_FORK_COPY)
      ok = (pid = xfork(call == CALL_FORK ? FORK_POLICY_COW : FORK_POLICY_OLD)) == 0 ? (exit(0), 0)
                                                                              : pid > 0 && waitpid(pid, 0) == pid;
    else if (call == CALL_EXEC)
      ok = exec(argv[0], argv) == 0;
    else if (call == CALL_MEMCHECK)
      ok = memcheck() == 0 || (exit(PREEMPT_MEMCHECK_BAD), 0);
    else
      ok = write(call == CALL_PIPE ? preempt_pipe_fd : 1, buf, bytes) == bytes;
    if (!ok)
      exit(PREEMPT_CALL_FAILED);
    if (once)
      exit(uptime() - t0);
  } while (call != CALL_MEMCHECK || uptime() < bytes);   /* memcheck: bytes is a deadline tick */
  exit(0);
}

/* Fork the child for call; returns its pid once it is ready to make the call (it starts it
 * PREEMPT_SETTLE ticks later), or -1. */
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
  return pages > (unsigned)preempt_sbrk_max / PGSIZE ? preempt_sbrk_max : (int)(pages * PGSIZE);
}

/* While one child forks and reaps a copy of its large heap over and over, another runs
 * memcheck() over and over for PREEMPT_MEMCHECK_RUN ticks: the nap as in preempt_check,
 * memcheck() never reports a count that moved under it, and kill() ends the forker. */
static void preempt_check_memcheck(void)
{
  int status = 0, mstatus = 0;
  int forker = preempt_start(CALL_FORK, preempt_sbrk_size() / 2, 0);
  int checker = forker > 0 ? preempt_start(CALL_MEMCHECK, uptime() + PREEMPT_MEMCHECK_RUN, 0) : -1;
  if (checker < 0) {
    utest_fail("preempt_memcheck", "could not start the children (%d, %d)", forker, checker);
    if (forker > 0)
      kill(forker), waitpid(forker, 0);
    return;
  }
  int nap = preempt_nap();
  int mgot = waitpid(checker, &mstatus);
  int t0 = uptime();
  int r = kill(forker);
  int got = mgot == checker && waitpid(forker, &status) == forker;
  int took = uptime() - t0;
  printf("\n[preempt] memcheck() beside fork() of a large heap: sleep(%d) took %d ticks, kill to waitpid %d ticks\n",
         PREEMPT_NAP, nap, took);
  utest_check("preempt_memcheck_nap", nap <= PREEMPT_LIMIT, "sleep(%d) took %d ticks (limit %d)", PREEMPT_NAP, nap,
              PREEMPT_LIMIT);
  utest_check("preempt_memcheck_kill", r == 0 && got && status == PREEMPT_KILLED && took <= PREEMPT_LIMIT,
              "kill returned %d, both reaped %d, forker status %d (want -1), after %d ticks (limit %d)", r, got,
              status, took, PREEMPT_LIMIT);
  utest_check("preempt_memcheck_consistent", mgot == checker && mstatus == 0,
              "the memcheck() child %d: waitpid %d, status %d (%d: memcheck() was not 0; want 0)", checker, mgot,
              mstatus, PREEMPT_MEMCHECK_BAD);
}

/* A writer child: count records of PREEMPT_PIPE_BUF bytes of tag into fd, one write() each. */
static void preempt_record_writer(int fd, char tag, int count)
{
  static char rec[PREEMPT_PIPE_BUF];
  memset(rec, tag, sizeof rec);
  for (int i = 0; i < count; i++) {
    if (write(fd, rec, sizeof rec) != (int)sizeof rec)
      exit(PREEMPT_CALL_FAILED);
    sleep(1);                           /* writers and reader wake in changing orders */
  }
  exit(0);
}

/* Two writers send pipe-buffer-sized records into one pipe that a reader drains in odd
 * pieces: every record arrives whole (PREEMPT_PIPE_BUF bytes of one tag in a row). */
static void preempt_check_pipe_atomic(void)
{
  int size = 2 * PREEMPT_RECORDS * PREEMPT_PIPE_BUF;
  char *stream = sbrk(size);            /* heap, not bss: the exec case loads this program */
  int fds[2], pids[2], total = 0, n, bad = -1, st0 = -1, st1 = -1;
  if (stream == (char *)-1 || pipe(fds) < 0) {
    utest_fail("preempt_pipe_atomic", "sbrk or pipe failed");
    return;
  }
  for (int w = 0; w < 2; w++) {
    pids[w] = fork();
    if (pids[w] == 0) {
      close(fds[0]);
      preempt_record_writer(fds[1], (char)('a' + w), PREEMPT_RECORDS);
    }
  }
  close(fds[1]);
  while (total < size &&
         (n = read(fds[0], stream + total, size - total < PREEMPT_READ_ODD ? size - total : PREEMPT_READ_ODD)) > 0) {
    total += n;
    sleep(1);
  }
  close(fds[0]);
  if (pids[0] > 0)
    waitpid(pids[0], &st0);
  if (pids[1] > 0)
    waitpid(pids[1], &st1);
  for (int i = 0; i < total && bad < 0; i++)
    if (stream[i] != stream[i - i % PREEMPT_PIPE_BUF])
      bad = i;
  utest_check("preempt_pipe_atomic", total == size && bad < 0 && st0 == 0 && st1 == 0,
              "read %d of %d bytes; byte %d is '%c' inside a record of '%c'; writers exited %d, %d", total,
              size, bad, bad < 0 ? '-' : stream[bad], bad < 0 ? '-' : stream[bad - bad % PREEMPT_PIPE_BUF],
              st0, st1);
  sbrk(-size);
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

/* measure console|sbrk|memcheck BYTES: one call, the parent naps, then waits for it. */
static int preempt_measure(const char *kind, int bytes)
{
  enum preempt_call call = strcmp(kind, "sbrk") == 0       ? CALL_SBRK
                           : strcmp(kind, "memcheck") == 0 ? CALL_MEMCHECK
                                                           : CALL_CONSOLE;
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
  if (argc > 2 && strcmp(argv[1], "execloop") == 0)
    preempt_child(CALL_EXEC, atoi(argv[2]), -1, 0);
  preempt_bytes = utest_quick(argc, argv) ? PREEMPT_PAYLOAD_QUICK : PREEMPT_PAYLOAD;
  preempt_sbrk_max = utest_quick(argc, argv) ? PREEMPT_SBRK_MAX_QUICK : PREEMPT_SBRK_MAX;
  memstat(&before);
  preempt_check("preempt_console", preempt_bytes == PREEMPT_PAYLOAD ? "an 8 MiB console write()"
                                                                 : "a 1 MiB console write()",
                CALL_CONSOLE, preempt_bytes);
  preempt_check("preempt_sbrk", "a huge sbrk()", CALL_SBRK, preempt_sbrk_size());
  preempt_check_pipe();
  preempt_check("preempt_fork", "fork() of a large heap", CALL_FORK, preempt_sbrk_size() / 2);
  preempt_check("preempt_fork_copy", "xfork(FORK_POLICY_OLD) of a large heap", CALL_FORK_COPY,
                preempt_sbrk_size() / PREEMPT_COPY_SHARE);
  preempt_check("preempt_exec", "exec() from a large heap", CALL_EXEC, preempt_sbrk_size() / 2);
  preempt_check_memcheck();
  preempt_check_pipe_atomic();
  utest_check_end("preempt_end", &before);
  return utest_status();
}
