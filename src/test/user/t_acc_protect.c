/*
 * t_acc_protect - acceptance: protection faults kill only the offender.
 *
 * Follows xv6 usertests (textwrite, kernmem, stacktest, the bad-argument
 * tests). A child that writes its text, reads or writes kernel memory,
 * dereferences page 0 or touches the stack guard dies with status -1. Bad
 * pointers (page 0, unmapped, stack guard, kernel, top of memory, running
 * past the heap end, and read-only text where the kernel would write) passed
 * to every pointer-taking system call make the call return -1 with no other
 * effect. Each case runs in a child so a wrongly killed caller is seen too;
 * afterwards fork and wait still work.
 * Usage: t_acc_protect [quick]
 */
#include "user.h"
#include "test/utest.h"

#define PROTECT_LOW_UNMAPPED  0x00001000u
#define PROTECT_GUARD         0xBFFF7800u   /* inside the guard page below the stack */
#define PROTECT_BELOW_GUARD   0xBFFF6000u
#define PROTECT_KERNEL        0xC0000000u
#define PROTECT_KERNEL_TEXT   0xC0100000u
#define PROTECT_TOP           0xFFFFF000u
#define PROTECT_SURVIVED      9       /* an offender's exit code if it was not killed */
#define PROTECT_PROBE_OK      40      /* a probe child's exit after an ok line (not 0: a parent
                                         wrongly running child code must not pass) */
#define PROTECT_PROBE_FAILED  41      /* ... after a FAIL line */
#define PROTECT_KILLED        (-1)
#define PROTECT_CHILD_CODE    5       /* what grandchildren exit with in the wait probes */
#define PROTECT_EXEC_RAN      93      /* what this program exits with when a bad exec ran it */
#define PROTECT_EXEC_ARG      "exec_probe"
#define PROTECT_PROGRAM       "t_acc_protect"
#define PROTECT_ZOMBIE_TICKS  5
#define PROTECT_IO_BYTES      16
#define PROTECT_PIPE_ROUNDS   3       /* rounds of bad pipe() calls: leaked fds would run out */
#define PROTECT_RECURSE_BYTES 1024
#define PROTECT_RECURSE_LIMIT 100000  /* never reached: 32 KiB of stack is 32 frames */
#define PROTECT_MAX_BAD       8

/* A bad pointer and what makes it bad. */
struct protect_bad {
  unsigned addr;
  const char *what;
};

static struct protect_bad protect_reads[PROTECT_MAX_BAD];   /* bad where the kernel reads */
static struct protect_bad protect_writes[PROTECT_MAX_BAD];  /* ... where it writes: adds text */
static int protect_nreads, protect_nwrites;
static char *protect_heap_end;      /* end of the one-page heap: nothing is mapped above */
static int protect_child_failed;    /* a probe child printed a FAIL line */

/* Add addr to a bad-pointer list. */
static void protect_add(struct protect_bad *list, int *n, unsigned addr, const char *what)
{
  list[*n].addr = addr;
  list[*n].what = what;
  (*n)++;
}

/* Fill both bad-pointer lists; the heap's last two bytes must be non-zero by then. */
static void protect_make_lists(void)
{
  struct protect_bad *lists[2] = { protect_reads, protect_writes };
  int *counts[2] = { &protect_nreads, &protect_nwrites };

  for (int i = 0; i < 2; i++) {
    *counts[i] = 0;
    protect_add(lists[i], counts[i], 0, "page 0");
    protect_add(lists[i], counts[i], PROTECT_LOW_UNMAPPED, "unmapped");
    protect_add(lists[i], counts[i], PROTECT_GUARD, "stack guard");
    protect_add(lists[i], counts[i], PROTECT_KERNEL, "kernel");
    protect_add(lists[i], counts[i], PROTECT_TOP, "top of memory");
    /* two mapped bytes, then nothing: every object (and string) runs past the mapping */
    protect_add(lists[i], counts[i], (unsigned)protect_heap_end - 2, "past the heap end");
  }
  protect_add(protect_writes, &protect_nwrites, (unsigned)protect_add, "read-only text");
}

/* Run body in a child that prints check name itself; report here if it died or said nothing. */
static void protect_probe(const char *name, void (*body)(const char *name))
{
  int pid = fork(), got = -1, status = 0;

  if (pid == 0) {
    body(name);
    exit(utest_status() ? PROTECT_PROBE_FAILED : PROTECT_PROBE_OK);
  }
  if (pid > 0)
    got = waitpid(pid, &status);
  if (got == pid && status == PROTECT_PROBE_FAILED)
    protect_child_failed = 1;
  else if (pid < 0 || got != pid || status != PROTECT_PROBE_OK)
    utest_fail(name, "probe process %d: waitpid %d, status %d (want %d: a bad pointer must "
               "make the call return -1, not kill the caller; %d: a bad exec ran)",
               pid, got, status, PROTECT_PROBE_OK, PROTECT_EXEC_RAN);
}

/* Offender bodies: each touches one forbidden address and should never get to exit. */
static void protect_write_text(void)   { *(volatile char *)(unsigned)protect_add = 1; }
static void protect_read_kernel(void)  { (void)*(volatile unsigned *)PROTECT_KERNEL; }
static void protect_write_kernel(void) { *(volatile unsigned *)PROTECT_KERNEL_TEXT = 0; }
static void protect_read_null(void)    { (void)*(volatile unsigned *)0; }
static void protect_write_guard(void)  { *(volatile unsigned *)PROTECT_GUARD = 0; }
static void protect_read_below(void)   { (void)*(volatile unsigned *)PROTECT_BELOW_GUARD; }
static void protect_read_top(void)     { (void)*(volatile unsigned *)PROTECT_TOP; }

/* Recurse with big frames; the stack (8 pages) meets its guard long before the limit. */
static unsigned protect_recurse(unsigned depth)
{
  volatile char frame[PROTECT_RECURSE_BYTES];
  frame[0] = (char)depth;
  if (depth > PROTECT_RECURSE_LIMIT)
    return frame[0];
  return protect_recurse(depth + 1) + (unsigned)frame[0];
}
/* Offender body: overflow the stack. */
static void protect_overflow(void) { (void)protect_recurse(0); }

/* A child running body must die with status -1. */
static void protect_offender(const char *name, void (*body)(void), const char *what)
{
  int pid = fork(), got = -1, status = 0;

  if (pid == 0) {
    body();
    exit(PROTECT_SURVIVED);
  }
  if (pid > 0)
    got = waitpid(pid, &status);
  utest_check(name, pid > 0 && got == pid && status == PROTECT_KILLED,
              "child %d that %s: waitpid %d, status %d (want -1; %d means it survived)",
              pid, what, got, status, PROTECT_SURVIVED);
}

/* Probe: read() into a bad buffer fails and consumes nothing from the pipe. */
static void protect_sys_read(const char *name)
{
  const char data[PROTECT_IO_BYTES] = "0123456789abcde";
  char back[2 * PROTECT_IO_BYTES];
  int fds[2], r = 0, bad = -1, n;

  pipe(fds);
  write(fds[1], data, PROTECT_IO_BYTES);
  close(fds[1]);
  for (int i = 0; i < protect_nwrites && bad < 0; i++) {
    r = read(fds[0], (void *)protect_writes[i].addr, PROTECT_IO_BYTES);
    if (r != -1)
      bad = i;
  }
  n = utest_read_full(fds[0], back, (int)sizeof(back));
  utest_check(name, bad < 0 && n == PROTECT_IO_BYTES && utest_same_bytes(back, data, n),
              "read into %s 0x%x returned %d (want -1); then the pipe held %d bytes "
              "(want all %d, unchanged)", bad < 0 ? "-" : protect_writes[bad].what,
              bad < 0 ? 0 : protect_writes[bad].addr, r, n, PROTECT_IO_BYTES);
}

/* Probe: write() from a bad buffer, to a pipe or the console, fails and writes nothing. */
static void protect_sys_write(const char *name)
{
  const char data[PROTECT_IO_BYTES] = "fedcba987654321";
  char back[2 * PROTECT_IO_BYTES];
  int fds[2], r = 0, bad = -1, fd = 0, n;

  pipe(fds);
  for (int i = 0; i < protect_nreads && bad < 0; i++) {
    for (int k = 0; k < 2 && bad < 0; k++) {
      fd = k == 0 ? fds[1] : 1;
      r = write(fd, (const void *)protect_reads[i].addr, PROTECT_IO_BYTES);
      if (r != -1)
        bad = i;
    }
  }
  write(fds[1], data, PROTECT_IO_BYTES);
  close(fds[1]);
  n = utest_read_full(fds[0], back, (int)sizeof(back));
  utest_check(name, bad < 0 && n == PROTECT_IO_BYTES && utest_same_bytes(back, data, n),
              "write to fd %d from %s 0x%x returned %d (want -1); the pipe then held %d "
              "bytes (want just the %d good ones)", fd, bad < 0 ? "-" : protect_reads[bad].what,
              bad < 0 ? 0 : protect_reads[bad].addr, r, n, PROTECT_IO_BYTES);
}

/* Probe: pipe() into a bad array fails, often enough that leaked fds would run out. */
static void protect_sys_pipe(const char *name)
{
  int fds[2], r = 0, bad = -1, good;

  for (int round = 0; round < PROTECT_PIPE_ROUNDS && bad < 0; round++) {
    for (int i = 0; i < protect_nwrites && bad < 0; i++) {
      r = pipe((int *)protect_writes[i].addr);
      if (r != -1)
        bad = i;
    }
  }
  good = pipe(fds);
  utest_check(name, bad < 0 && good == 0,
              "pipe(%s 0x%x) returned %d (want -1); a good pipe() afterwards returned %d "
              "(want 0)", bad < 0 ? "-" : protect_writes[bad].what,
              bad < 0 ? 0 : protect_writes[bad].addr, r, good);
}

/* Shared by the wait and waitpid probes: bad status pointers fail and leave the zombie. */
static void protect_wait_common(const char *name, int use_waitpid)
{
  int pid = fork(), r = 0, bad = -1, got, status = 0;

  if (pid == 0)
    exit(PROTECT_CHILD_CODE);
  sleep(PROTECT_ZOMBIE_TICKS);
  for (int i = 0; i < protect_nwrites && bad < 0; i++) {
    int *ptr = (int *)protect_writes[i].addr;
    if (!ptr)
      continue;   /* a null status pointer means "no status wanted" */
    r = use_waitpid ? waitpid(pid, ptr) : wait(ptr);
    if (r != -1)
      bad = i;
  }
  got = use_waitpid ? waitpid(pid, &status) : wait(&status);
  utest_check(name, pid > 0 && bad < 0 && got == pid && status == PROTECT_CHILD_CODE,
              "child %d: status pointer %s 0x%x gave %d (want -1); then %d, status %d "
              "(want the pid, %d)", pid, bad < 0 ? "-" : protect_writes[bad].what,
              bad < 0 ? 0 : protect_writes[bad].addr, r, got, status, PROTECT_CHILD_CODE);
}

/* Probes: wait() and waitpid() with bad status pointers. */
static void protect_sys_wait(const char *name)    { protect_wait_common(name, 0); }
static void protect_sys_waitpid(const char *name) { protect_wait_common(name, 1); }

/* Probe: memstat() into a bad struct fails; a good one still works. */
static void protect_sys_memstat(const char *name)
{
  struct memstat st;
  int r = 0, bad = -1, good;

  for (int i = 0; i < protect_nwrites && bad < 0; i++) {
    r = memstat((struct memstat *)protect_writes[i].addr);
    if (r != -1)
      bad = i;
  }
  good = memstat(&st);
  utest_check(name, bad < 0 && good != -1,
              "memstat(%s 0x%x) returned %d (want -1); a good memstat returned %d",
              bad < 0 ? "-" : protect_writes[bad].what, bad < 0 ? 0 : protect_writes[bad].addr,
              r, good);
}

/* Probe: exec() with a bad path, a bad argv array or a bad argv string returns -1. */
static void protect_sys_exec(const char *name)
{
  char *argv_ok[] = { PROTECT_PROGRAM, PROTECT_EXEC_ARG, 0 };
  char *argv_bad[] = { PROTECT_PROGRAM, PROTECT_EXEC_ARG, 0, 0 };
  const char *which = "-";
  int r = 0, bad = -1;

  for (int i = 0; i < protect_nreads && bad < 0; i++) {
    char *addr = (char *)protect_reads[i].addr;
    r = exec(addr, argv_ok);
    which = "path";
    if (r == -1 && addr) {
      r = exec(PROTECT_PROGRAM, (char **)addr);
      which = "argv";
    }
    if (r == -1 && addr) {
      argv_bad[2] = addr;
      r = exec(PROTECT_PROGRAM, argv_bad);
      which = "argv[2]";
    }
    if (r != -1)
      bad = i;
  }
  utest_check(name, bad < 0, "exec with %s at %s 0x%x returned %d (want -1)", which,
              bad < 0 ? "-" : protect_reads[bad].what, bad < 0 ? 0 : protect_reads[bad].addr, r);
}

/* Probe: vtop() of unmapped user addresses answers 0 and does not hurt the caller. */
static void protect_sys_vtop(const char *name)
{
  const unsigned addrs[] = { 0, PROTECT_LOW_UNMAPPED, PROTECT_GUARD, PROTECT_BELOW_GUARD,
                             (unsigned)protect_heap_end };
  unsigned pa = 0;
  int bad = -1;

  for (int i = 0; i < (int)(sizeof(addrs) / sizeof(addrs[0])) && bad < 0; i++) {
    pa = vtop((const void *)addrs[i]);
    if (pa != 0)
      bad = i;
  }
  utest_check(name, bad < 0, "vtop(0x%x) returned 0x%x (want 0: unmapped)",
              bad < 0 ? 0 : addrs[bad], pa);
}

/* After all that, fork and wait still work. */
static void protect_check_carries_on(void)
{
  int pid = fork(), got = -1, status = 0;

  if (pid == 0)
    exit(PROTECT_CHILD_CODE);
  if (pid > 0)
    got = waitpid(pid, &status);
  utest_check("acc_protect_carries_on", pid > 0 && got == pid && status == PROTECT_CHILD_CODE,
              "fork %d, waitpid %d, status %d (want %d)", pid, got, status, PROTECT_CHILD_CODE);
}

int main(int argc, char *argv[])
{
  struct memstat base;
  char *heap;

  if (argc > 1 && strcmp(argv[1], PROTECT_EXEC_ARG) == 0)
    return PROTECT_EXEC_RAN;   /* a bad exec must never get here */
  memstat(&base);
  utest_warm_heap(PGSIZE);
  memstat(&base);
  heap = sbrk(PGSIZE);
  if (!utest_check("acc_protect_heap", heap != (char *)-1, "sbrk(%d) failed", PGSIZE))
    return utest_status();
  protect_heap_end = heap + PGSIZE;
  protect_heap_end[-2] = 'a';
  protect_heap_end[-1] = 'a';
  protect_make_lists();

  protect_offender("acc_protect_write_text", protect_write_text, "wrote its text");
  protect_offender("acc_protect_read_kernel", protect_read_kernel, "read 0xC0000000");
  protect_offender("acc_protect_write_kernel", protect_write_kernel, "wrote 0xC0100000");
  protect_offender("acc_protect_read_null", protect_read_null, "read address 0");
  protect_offender("acc_protect_write_guard", protect_write_guard, "wrote the stack guard");
  protect_offender("acc_protect_read_below_guard", protect_read_below, "read below the guard");
  protect_offender("acc_protect_read_top", protect_read_top, "read 0xFFFFF000");
  protect_offender("acc_protect_stack_overflow", protect_overflow, "recursed off its stack");

  protect_probe("acc_protect_sys_read", protect_sys_read);
  protect_probe("acc_protect_sys_write", protect_sys_write);
  protect_probe("acc_protect_sys_pipe", protect_sys_pipe);
  protect_probe("acc_protect_sys_wait", protect_sys_wait);
  protect_probe("acc_protect_sys_waitpid", protect_sys_waitpid);
  protect_probe("acc_protect_sys_memstat", protect_sys_memstat);
  protect_probe("acc_protect_sys_exec", protect_sys_exec);
  protect_probe("acc_protect_sys_vtop", protect_sys_vtop);

  protect_check_carries_on();
  sbrk(-PGSIZE);
  utest_check_end("acc_protect", &base);
  return utest_status() || protect_child_failed;
}
