/*
 * t_acc_exitcode - acceptance: exit statuses arrive intact.
 *
 * Children exit with a range of codes, including the negative magic value
 * -123456, and waitpid/wait deliver each exactly. waitpid with a status
 * pointer into kernel memory (0xC0000000) fails with -1 and leaves the child
 * to be reaped normally, whether it is already a zombie or still running.
 * A child spinning in user mode that is killed comes back with status -1.
 * Usage: t_acc_exitcode [quick]
 */
#include "user.h"
#include "test/utest.h"

#define EXIT_MAGIC           (-123456)
#define EXIT_BAD_PTR         ((int *)0xC0000000)   /* first kernel address */
#define EXIT_BAD_PTR_CODE    77
#define EXIT_ZOMBIE_TICKS    5      /* let a child finish before the parent looks */
#define EXIT_RUNNING_TICKS   10     /* how long the "running" child lives */
#define EXIT_SPIN_TICKS      5      /* let the spinner get going */
#define EXIT_KILLED          (-1)

static const int exit_codes[] = { 0, 1, 42, 255, 256, 65536, -2, EXIT_MAGIC, 0x7fffffff };
#define EXIT_NCODES          ((int)(sizeof(exit_codes) / sizeof(exit_codes[0])))

/* Fork a child that sleeps ticks (if any) and exits with code; its pid, or -1. */
static int exit_spawn(int code, int ticks)
{
  int pid = fork();
  if (pid == 0) {
    if (ticks > 0)
      sleep(ticks);
    exit(code);
  }
  return pid;
}

/* Every code in exit_codes comes back through waitpid; the magic one also through wait. */
static void exit_check_codes(void)
{
  int pid, got, status, bad = -1, bad_got = 0, bad_status = 0;

  for (int i = 0; i < EXIT_NCODES && bad < 0; i++) {
    status = 0;
    pid = exit_spawn(exit_codes[i], 0);
    got = pid > 0 ? waitpid(pid, &status) : -1;
    if (got != pid || pid < 0 || status != exit_codes[i]) {
      bad = i;
      bad_got = got;
      bad_status = status;
    }
  }
  utest_check("acc_exitcode_waitpid", bad < 0,
              "exit(%d): waitpid returned %d (pid %d), status %d",
              bad < 0 ? 0 : exit_codes[bad], bad_got, pid, bad_status);

  status = 0;
  pid = exit_spawn(EXIT_MAGIC, 0);
  got = pid > 0 ? wait(&status) : -1;
  utest_check("acc_exitcode_wait", pid > 0 && got == pid && status == EXIT_MAGIC,
              "fork %d, wait returned %d, status %d (want %d)", pid, got, status, EXIT_MAGIC);
}

/* waitpid into kernel memory fails without reaping; the child is reaped afterwards. */
static void exit_check_bad_pointer(const char *name, int ticks_before, int child_ticks)
{
  int pid = exit_spawn(EXIT_BAD_PTR_CODE, child_ticks), bad, got = -1, status = 0;

  if (ticks_before > 0)
    sleep(ticks_before);
  bad = pid > 0 ? waitpid(pid, EXIT_BAD_PTR) : 0;
  if (pid > 0)
    got = waitpid(pid, &status);
  utest_check(name, pid > 0 && bad == -1 && got == pid && status == EXIT_BAD_PTR_CODE,
              "fork %d; waitpid(pid, %p) returned %d (want -1); then waitpid returned %d "
              "status %d (want the pid, %d)", pid, EXIT_BAD_PTR, bad, got, status,
              EXIT_BAD_PTR_CODE);
}

/* A child spinning in user mode, killed, comes back with status -1. */
static void exit_check_kill(void)
{
  int pid = fork(), r = -2, got = -1, status = 0;

  if (pid == 0)
    utest_spin();
  if (pid > 0) {
    sleep(EXIT_SPIN_TICKS);
    r = kill(pid);
    got = waitpid(pid, &status);
  }
  utest_check("acc_exitcode_kill", pid > 0 && r == 0 && got == pid && status == EXIT_KILLED,
              "fork %d, kill returned %d (want 0), waitpid %d, status %d (want -1)",
              pid, r, got, status);
}

int main(int argc, char *argv[])
{
  struct memstat base;

  (void)argc;
  (void)argv;
  memstat(&base);
  exit_check_codes();
  exit_check_bad_pointer("acc_exitcode_bad_ptr_zombie", EXIT_ZOMBIE_TICKS, 0);
  exit_check_bad_pointer("acc_exitcode_bad_ptr_running", 0, EXIT_RUNNING_TICKS);
  exit_check_kill();
  utest_check_end("acc_exitcode", &base);
  return utest_status();
}
