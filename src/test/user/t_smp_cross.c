/*
 * t_smp_cross - kill, wait, pipes and orphans between processes that may run
 * on different CPUs.
 *
 * kill: CROSS_SPINNERS children share the heap with the parent
 * (FORK_POLICY_THREAD) and count in a shared word while looping in user mode
 * without ever entering the kernel; once every counter moved, the parent kills
 * them all. Each must die with status -1 (a loop that ends on its own after
 * CROSS_SPIN_LIMIT iterations exits CROSS_SURVIVED instead, so a kill that
 * never takes effect fails rather than hangs), and its counter stops.
 * pipes: CROSS_ROUNDS round trips between the parent and a child, messages of
 * 1..CROSS_MSG_MAX bytes whose every byte is checked on both sides.
 * wait: CROSS_EXITERS children blocked on one pipe are released at once and
 * exit together, each with its own status; wait() returns each pid exactly
 * once with its status, then -1.
 * pipe records: CROSS_WRITERS children write CROSS_RECORDS records of
 * CROSS_RECORD bytes each (a size that does not divide the pipe's buffer, so
 * records wrap around its end) into one pipe at once; every record must
 * arrive whole: one writer's tag and sequence number in every byte pair, and
 * each writer's records in order.
 * orphans: children fork grandchildren and exit; once they are reaped, the
 * grandchildren are released together, report getppid() == 1 (init) and exit;
 * none of them is ever ours (as t_proc_orphan). Frames and memcheck at the end.
 * Usage: t_smp_cross [quick]
 */
#include "user.h"
#include "test/utest.h"

#define CROSS_SPINNERS      4
#define CROSS_SPIN_LIMIT    0x40000000u  /* iterations before a spinner gives up */
#define CROSS_SURVIVED      9            /* a spinner's status when its loop ended */
#define CROSS_WATCH_YIELDS  100000       /* yields the parent waits for the counters to move */
#define CROSS_STOP_YIELDS   20           /* yields after the reaping: the counters stay put */
#define CROSS_ROUNDS_FULL   1000
#define CROSS_ROUNDS_QUICK  100
#define CROSS_MSG_MAX       64
#define CROSS_ECHO_XOR      0xA5
#define CROSS_ECHO_OK       6
#define CROSS_ECHO_BAD      7
#define CROSS_EXITERS       8
#define CROSS_EXIT_BASE     20           /* exiter i exits with base + i */
#define CROSS_WRITERS       4
#define CROSS_RECORD        100          /* bytes; 2048 % 100 != 0: records wrap the ring */
#define CROSS_RECORDS_FULL  400          /* records per writer */
#define CROSS_RECORDS_QUICK 100
#define CROSS_ORPHAN_KIDS   4
#define CROSS_ORPHAN_GRAND  2            /* grandchildren per child */
#define CROSS_ORPHANS       (CROSS_ORPHAN_KIDS * CROSS_ORPHAN_GRAND)
#define CROSS_ORPHAN_CODE   6
#define CROSS_INIT_PID      1

/* ---- kill of a process looping in user mode ---- */

/* Shared with the THREAD-forked spinners: one counter each. */
static volatile unsigned cross_counters[CROSS_SPINNERS];

/* A spinner: count in the shared word, never entering the kernel, until killed. */
static void cross_spinner(int i) __attribute__((noreturn));
static void cross_spinner(int i)
{
  for (unsigned n = 1; n < CROSS_SPIN_LIMIT; n++)
    cross_counters[i] = n;
  exit(CROSS_SURVIVED);
}

static void cross_check_kill(void)
{
  int pids[CROSS_SPINNERS], status[CROSS_SPINNERS], killed = 0, reaped = 0, started = 0;
  int bad = -1, yields = 0;
  unsigned at_kill[CROSS_SPINNERS], reaped_at[CROSS_SPINNERS], moved = 0;

  for (int i = 0; i < CROSS_SPINNERS; i++) {
    cross_counters[i] = 0;
    pids[i] = xfork(FORK_POLICY_THREAD);
    if (pids[i] == 0)
      cross_spinner(i);
    started += pids[i] > 0;
  }
  for (int i = 0; i < CROSS_SPINNERS && pids[i] > 0; i++)
    while (cross_counters[i] == 0 && yields < CROSS_WATCH_YIELDS) {
      yield();
      yields++;
    }
  for (int i = 0; i < CROSS_SPINNERS; i++)
    moved += cross_counters[i] != 0;
  for (int i = 0; i < CROSS_SPINNERS; i++) {
    at_kill[i] = cross_counters[i];
    killed += pids[i] > 0 && kill(pids[i]) == 0;
  }
  for (int i = 0; i < CROSS_SPINNERS; i++) {
    status[i] = 0;
    if (pids[i] > 0 && waitpid(pids[i], &status[i]) == pids[i])
      reaped++;
    if (status[i] != EXIT_KILLED && bad < 0)
      bad = i;
  }
  utest_check("smp_cross_kill_looping",
              started == CROSS_SPINNERS && moved == CROSS_SPINNERS && killed == CROSS_SPINNERS &&
              reaped == CROSS_SPINNERS && bad < 0,
              "%d spinners forked, %u counted in user mode (after %d yields), %d kills returned 0, "
              "%d reaped; spinner %d status %d (want %d; %d: its loop of %u iterations ended "
              "before the kill took effect)", started, moved, yields, killed, reaped, bad,
              bad < 0 ? EXIT_KILLED : status[bad], EXIT_KILLED, CROSS_SURVIVED, CROSS_SPIN_LIMIT);
  for (int i = 0; i < CROSS_SPINNERS; i++)
    reaped_at[i] = cross_counters[i];
  for (int n = 0; n < CROSS_STOP_YIELDS; n++)
    yield();
  bad = -1;
  for (int i = 0; i < CROSS_SPINNERS; i++)
    if (cross_counters[i] != reaped_at[i] && bad < 0)
      bad = i;
  utest_check("smp_cross_kill_stopped", bad < 0,
              "spinner %d's counter moved after it was reaped: %u at the kill, %u when reaped, "
              "%u after %d yields", bad, bad < 0 ? 0 : at_kill[bad], bad < 0 ? 0 : reaped_at[bad],
              bad < 0 ? 0 : cross_counters[bad], CROSS_STOP_YIELDS);
}

/* ---- pipe ping-pong ---- */

/* Length of the message of round r: 1..CROSS_MSG_MAX. */
static int cross_msg_len(int r)
{
  return 1 + (r * 7) % CROSS_MSG_MAX;
}

/* Byte i of the parent's message in round r. */
static unsigned char cross_msg_byte(int r, int i)
{
  return (unsigned char)(r * 31 + i * 7 + 1);
}

/* The echo child: read each message, check every byte, send it back transformed. */
static void cross_echo(int in, int out, int rounds) __attribute__((noreturn));
static void cross_echo(int in, int out, int rounds)
{
  unsigned char msg[CROSS_MSG_MAX];
  for (int r = 0; r < rounds; r++) {
    int len = cross_msg_len(r), got = utest_read_full(in, msg, len);
    for (int i = 0; i < len; i++) {
      if (got != len || msg[i] != cross_msg_byte(r, i)) {
        printf("smp_cross echo: round %d: read %d of %d bytes; byte %d is 0x%x, expected 0x%x\n",
               r, got, len, i, got == len ? msg[i] : 0, cross_msg_byte(r, i));
        exit(CROSS_ECHO_BAD);
      }
      msg[i] ^= CROSS_ECHO_XOR;
    }
    if (utest_write_full(out, msg, len) != len)
      exit(CROSS_ECHO_BAD);
  }
  exit(CROSS_ECHO_OK);
}

static void cross_check_pingpong(int rounds)
{
  int to[2], from[2], pid, status = 0, r = 0, bad_byte = -1, got = 0, len = 0;
  unsigned char msg[CROSS_MSG_MAX], seen = 0;

  if (pipe(to) != 0 || pipe(from) != 0) {
    utest_fail("smp_cross_pingpong", "pipe failed");
    return;
  }
  pid = fork();
  if (pid == 0) {
    close(to[1]);
    close(from[0]);
    cross_echo(to[0], from[1], rounds);
  }
  close(to[0]);
  close(from[1]);
  for (r = 0; pid > 0 && r < rounds && bad_byte < 0; r++) {
    len = cross_msg_len(r);
    for (int i = 0; i < len; i++)
      msg[i] = cross_msg_byte(r, i);
    if (utest_write_full(to[1], msg, len) != len)
      break;
    got = utest_read_full(from[0], msg, len);
    for (int i = 0; i < len && bad_byte < 0; i++)
      if (got != len || msg[i] != (cross_msg_byte(r, i) ^ CROSS_ECHO_XOR))
        bad_byte = i, seen = msg[i];
  }
  close(to[1]);
  close(from[0]);
  if (pid > 0 && waitpid(pid, &status) != pid)
    status = UTEST_NO_CHILD;
  if (bad_byte >= 0)
    r--;
  utest_check("smp_cross_pingpong",
              pid > 0 && r == rounds && bad_byte < 0 && status == CROSS_ECHO_OK,
              "child %d: %d of %d round trips; round %d read %d of %d bytes, byte %d is 0x%x, "
              "expected 0x%x; child status %d (want %d, %d: it saw a wrong byte)", pid, r, rounds,
              r, got, len, bad_byte, seen,
              bad_byte < 0 ? 0 : cross_msg_byte(r, bad_byte) ^ CROSS_ECHO_XOR, status,
              CROSS_ECHO_OK, CROSS_ECHO_BAD);
}

/* ---- wait for children exiting together ---- */

static void cross_check_wait(void)
{
  int go[2], pids[CROSS_EXITERS], seen[CROSS_EXITERS], forked = 0, got, status, extra;
  int stray = 0, stray_pid = 0, wrong = -1, wrong_status = 0;
  char c;

  if (pipe(go) != 0) {
    utest_fail("smp_cross_wait", "pipe failed");
    return;
  }
  for (int i = 0; i < CROSS_EXITERS; i++) {
    seen[i] = 0;
    pids[i] = fork();
    if (pids[i] == 0) {
      close(go[1]);
      read(go[0], &c, 1);                  /* EOF releases every exiter at once */
      exit(CROSS_EXIT_BASE + i);
    }
    forked += pids[i] > 0;
  }
  close(go[0]);
  close(go[1]);
  for (int n = 0; n < forked; n++) {
    status = 0;
    got = wait(&status);
    int i = 0;
    while (i < CROSS_EXITERS && pids[i] != got)
      i++;
    if (i == CROSS_EXITERS) {
      stray++;
      stray_pid = got;
      continue;
    }
    seen[i]++;
    if (status != CROSS_EXIT_BASE + i && wrong < 0)
      wrong = i, wrong_status = status;
  }
  extra = wait(&status);
  for (int i = 0; i < CROSS_EXITERS; i++)
    if (seen[i] != 1 && wrong < 0)
      wrong = i, wrong_status = -seen[i];
  utest_check("smp_cross_wait",
              forked == CROSS_EXITERS && stray == 0 && wrong < 0 && extra == -1,
              "%d of %d forked; %d waits gave an unknown pid (last %d); exiter %d: status %d "
              "(want %d; a negative value -n: wait returned it n times); a further wait gave %d "
              "(want -1)", forked, CROSS_EXITERS, stray, stray_pid, wrong, wrong_status,
              CROSS_EXIT_BASE + (wrong < 0 ? 0 : wrong), extra);
}

/* ---- orphans ---- */

/* A grandchild: wait for go, report getppid(), exit. */
/* A record writer: wait for go (EOF), then n records of (tag, sequence) byte pairs. */
static void cross_record_writer(int go, int out, unsigned char tag, int n) __attribute__((noreturn));
static void cross_record_writer(int go, int out, unsigned char tag, int n)
{
  unsigned char rec[CROSS_RECORD], c;
  if (read(go, &c, 1) != 0)
    exit(CROSS_ECHO_BAD);
  for (int s = 0; s < n; s++) {
    for (int i = 0; i < CROSS_RECORD; i += 2)
      rec[i] = tag, rec[i + 1] = (unsigned char)s;
    if (write(out, rec, sizeof rec) != (int)sizeof rec)
      exit(CROSS_ECHO_BAD);
  }
  exit(CROSS_ECHO_OK);
}

/* Several writers on several CPUs, one pipe that the reader drains as fast as it can (so there is
 * room for another writer's record while one wraps the ring): every record arrives whole and in
 * its writer's order. */
static void cross_check_records(int n)
{
  int size = CROSS_WRITERS * n * CROSS_RECORD;
  unsigned char *stream = sbrk(size);      /* heap, given back below: frames balance at the end */
  int go[2], data[2], pids[CROSS_WRITERS], next[CROSS_WRITERS] = { 0 }, total = 0, r, bad = -1, ok = 0;
  if (stream == (unsigned char *)-1 || pipe(go) < 0 || pipe(data) < 0) {
    utest_fail("smp_cross_pipe_records", "sbrk or pipe failed");
    return;
  }
  for (int w = 0; w < CROSS_WRITERS; w++) {
    pids[w] = fork();
    if (pids[w] == 0) {
      close(go[1]), close(data[0]);
      cross_record_writer(go[0], data[1], (unsigned char)('A' + w), n);
    }
  }
  close(go[0]), close(data[1]);
  close(go[1]);                              /* go: every writer's read sees EOF */
  while (total < size && (r = read(data[0], stream + total, size - total)) > 0)
    total += r;
  close(data[0]);
  for (int at = 0; at + CROSS_RECORD <= total && bad < 0; at += CROSS_RECORD) {
    const unsigned char *rec = stream + at;
    int w = rec[0] - 'A';
    for (int i = 0; i < CROSS_RECORD && bad < 0; i += 2)
      if (w < 0 || w >= CROSS_WRITERS || rec[i] != rec[0] || rec[i + 1] != (unsigned char)next[w])
        bad = at + i;
    if (bad < 0)
      next[w]++;
  }
  for (int w = 0; w < CROSS_WRITERS; w++) {
    int status = -1;
    ok += pids[w] > 0 && waitpid(pids[w], &status) == pids[w] && status == CROSS_ECHO_OK;
  }
  utest_check("smp_cross_pipe_records", bad < 0 && total == size && ok == CROSS_WRITERS,
              "%d of %d bytes read in records of %d; first torn or out-of-order byte at %d ('%c' %d); %d of %d "
              "writers exited %d", total, size, CROSS_RECORD, bad, bad < 0 ? '-' : stream[bad & ~1],
              bad < 0 ? -1 : stream[bad | 1], ok, CROSS_WRITERS, CROSS_ECHO_OK);
  sbrk(-size);
}

static void cross_grandchild(int go, int res) __attribute__((noreturn));
static void cross_grandchild(int go, int res)
{
  char c;
  int ppid;
  read(go, &c, 1);                         /* EOF releases every orphan at once */
  ppid = getppid();
  write(res, &ppid, sizeof(ppid));
  exit(0);
}

static void cross_check_orphans(void)
{
  int go[2], res[2], pids[CROSS_ORPHAN_KIDS], ppids[CROSS_ORPHANS];
  int reaped = 0, bad_status = CROSS_ORPHAN_CODE, reports, wrong = CROSS_INIT_PID, status, extra;

  if (pipe(go) != 0 || pipe(res) != 0) {
    utest_fail("smp_cross_orphans", "pipe failed");
    return;
  }
  for (int i = 0; i < CROSS_ORPHAN_KIDS; i++) {
    pids[i] = fork();
    if (pids[i] == 0) {
      int ok = 1;
      close(go[1]);
      close(res[0]);
      for (int g = 0; g < CROSS_ORPHAN_GRAND; g++) {
        int pid = fork();
        if (pid == 0)
          cross_grandchild(go[0], res[1]);
        ok &= pid > 0;
      }
      exit(ok ? CROSS_ORPHAN_CODE : UTEST_NO_CHILD);
    }
  }
  close(go[0]);
  close(res[1]);
  for (int i = 0; i < CROSS_ORPHAN_KIDS; i++) {
    status = 0;
    if (pids[i] > 0 && waitpid(pids[i], &status) == pids[i])
      reaped++;
    if (status != CROSS_ORPHAN_CODE && bad_status == CROSS_ORPHAN_CODE)
      bad_status = status;
  }
  close(go[1]);                            /* every child is gone: release the orphans */
  reports = utest_read_full(res[0], ppids, (int)sizeof(ppids)) / (int)sizeof(int);
  close(res[0]);
  for (int i = 0; i < reports; i++)
    if (ppids[i] != CROSS_INIT_PID && wrong == CROSS_INIT_PID)
      wrong = ppids[i];
  extra = wait(&status);
  utest_check("smp_cross_orphans",
              reaped == CROSS_ORPHAN_KIDS && bad_status == CROSS_ORPHAN_CODE &&
              reports == CROSS_ORPHANS && wrong == CROSS_INIT_PID && extra == -1,
              "reaped %d of %d children (a status %d, want %d); %d of %d orphans reported, a "
              "getppid() was %d (want %d); a further wait gave %d (want -1: orphans are init's)",
              reaped, CROSS_ORPHAN_KIDS, bad_status, CROSS_ORPHAN_CODE, reports, CROSS_ORPHANS,
              wrong, CROSS_INIT_PID, extra);
}

int main(int argc, char *argv[])
{
  struct memstat base;
  int quick = utest_quick(argc, argv);
  int rounds = quick ? CROSS_ROUNDS_QUICK : CROSS_ROUNDS_FULL;

  utest_touch_stack();
  cross_counters[0] = 0;                   /* the counters' page is ours before base */
  memstat(&base);
  cross_check_kill();
  cross_check_pingpong(rounds);
  cross_check_wait();
  cross_check_records(quick ? CROSS_RECORDS_QUICK : CROSS_RECORDS_FULL);
  cross_check_orphans();
  utest_check_end("smp_cross", &base);
  return utest_status();
}
