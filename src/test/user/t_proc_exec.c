/*
 * t_proc_exec - arguments and exit status through exec and wait.
 *
 * The parent forks children that exec this same program with a mode in
 * argv[1]; the exec'd child checks argc/argv against a fixed word table and
 * leaves with the exit code it was told to use, so the parent can check what
 * wait/waitpid report (pid and status, including a negative one). Exec of a
 * missing program must return -1 and leave the caller running.
 * Usage: t_proc_exec [quick]
 */
#include "user.h"
#include "test/utest.h"

#define EXEC_PROG        "t_proc_exec"
#define EXEC_SLASH_PROG  "/t_proc_exec"
#define EXEC_MODE_RETURN "child"   /* check argv, return the code from main */
#define EXEC_MODE_EXIT   "exit"    /* check argv, call exit(code) from a helper */
#define EXEC_MODE_PID    "pid"     /* exit with getpid() if getppid() matches argv[2] */
#define EXEC_MODE_FRESH  "fresh"   /* check that data and bss start fresh */

/* Exit codes of the exec'd child when something is wrong (all kept < 256). */
#define EXEC_FAILED      99    /* exec returned in the forked child */
#define EXEC_STALE_DATA  98    /* an initialised global did not have its initial value */
#define EXEC_STALE_BSS   97    /* a bss global was not zero */
#define EXEC_NO_NULL_END 96    /* argv[argc] was not NULL */
#define EXEC_BAD_ARGV0   95    /* argv[0] differed from what the parent passed */
#define EXEC_ARGV_BAD    100   /* + index of the first word that differed */
#define EXEC_ARGC_BAD    150   /* + argc seen (clamped below 50) */
#define EXEC_BAD_PPID    (-2)  /* pid mode: getppid() differed from argv[2] */

#define EXEC_FRESH_VALUE 1234  /* initial value of exec_data_global */
#define EXEC_REPEAT_QUICK 3
#define EXEC_REPEAT_FULL  20
#define EXEC_ARGV_MAX 16

/* Words the child expects after its four fixed arguments. */
static char *exec_words[] = {
  "alpha", "b", "a-longer-argument-with-31-chars", "4", "x y", "-", "quick", "last",
};
#define EXEC_WORD_COUNT ((int)(sizeof(exec_words) / sizeof(exec_words[0])))

static int exec_data_global = EXEC_FRESH_VALUE;
static int exec_bss_global;

/* Parse an optionally signed decimal number. */
static int exec_parse_int(const char *s)
{
  int sign = 1, v = 0;
  if (*s == '-') {
    sign = -1;
    s++;
  }
  while (*s >= '0' && *s <= '9')
    v = v * 10 + (*s++ - '0');
  return sign * v;
}

/* Check argv of a "child"/"exit" run: {PROG, mode, code, count, words...}.
 * Returns the code from argv[2] when everything matches, else an EXEC_* code. */
static int exec_child_verdict(int argc, char *argv[])
{
  int count, i;
  if (argc < 4)
    return EXEC_ARGC_BAD + argc;
  count = exec_parse_int(argv[3]);
  if (count < 0 || count > EXEC_WORD_COUNT || argc != 4 + count)
    return EXEC_ARGC_BAD + (argc < 50 ? argc : 49);
  if (argv[argc] != 0)
    return EXEC_NO_NULL_END;
  if (strcmp(argv[0], EXEC_PROG) != 0)
    return EXEC_BAD_ARGV0;
  for (i = 0; i < count; i++)
    if (strcmp(argv[4 + i], exec_words[i]) != 0)
      return EXEC_ARGV_BAD + i;
  return exec_parse_int(argv[2]);
}

/* Leave through exit() from below main, as opposed to returning from main. */
static void exec_child_exit(int code) __attribute__((noreturn));
static void exec_child_exit(int code)
{
  exit(code);
}

/* Check that this freshly exec'd image has its initial data and zeroed bss. */
static int exec_fresh_verdict(void)
{
  if (exec_data_global != EXEC_FRESH_VALUE)
    return EXEC_STALE_DATA;
  if (exec_bss_global != 0)
    return EXEC_STALE_BSS;
  return 0;
}

/* Explain a status the exec'd child may have used to report a problem. */
static const char *exec_status_hint(int status)
{
  if (status == EXEC_FAILED)
    return " (exec failed in the child)";
  if (status == EXEC_STALE_DATA || status == EXEC_STALE_BSS)
    return " (exec'd image did not start with fresh data/bss)";
  if (status == EXEC_NO_NULL_END)
    return " (argv[argc] was not NULL)";
  if (status == EXEC_BAD_ARGV0)
    return " (argv[0] differed)";
  if (status >= EXEC_ARGV_BAD && status < EXEC_ARGV_BAD + EXEC_WORD_COUNT)
    return " (100+i: argv word i differed)";
  if (status >= EXEC_ARGC_BAD && status < EXEC_ARGC_BAD + 50)
    return " (150+n: child saw argc n)";
  if (status == -1)
    return " (child was killed)";
  return "";
}

/* Fill argv with {PROG, mode, code, count, first count words}; argv needs EXEC_ARGV_MAX slots. */
static void exec_build_argv(char *argv[], char *mode, int code, int count,
                            char *code_buf, char *count_buf)
{
  int i;
  argv[0] = EXEC_PROG;
  argv[1] = mode;
  argv[2] = utest_itoa(code, code_buf);
  argv[3] = utest_itoa(count, count_buf);
  for (i = 0; i < count; i++)
    argv[4 + i] = exec_words[i];
  argv[4 + count] = 0;
}

/* Fork a child that execs path with argv; returns the child's pid or -1. */
static int exec_spawn(const char *path, char *argv[])
{
  int pid = fork();
  if (pid == 0) {
    exec(path, argv);
    exit(EXEC_FAILED);
  }
  return pid;
}

/* Spawn {PROG, mode, code, count, words} via path, reap it with waitpid
 * (or wait when use_wait), and check the pid and the status. */
static void exec_run_and_check(const char *name, const char *path, char *mode,
                               int code, int count, int use_wait)
{
  char *argv[EXEC_ARGV_MAX];
  char code_buf[UTEST_NUM_LEN], count_buf[UTEST_NUM_LEN];
  int pid, got, status = 12345;

  exec_build_argv(argv, mode, code, count, code_buf, count_buf);
  pid = exec_spawn(path, argv);
  if (pid < 0) {
    utest_fail(name, "fork returned %d", pid);
    return;
  }
  got = use_wait ? wait(&status) : waitpid(pid, &status);
  utest_check(name, got == pid && status == code,
              "%s %s %s (%d words): child %d, %s gave %d, status %d (want %d)%s",
              path, mode, argv[2], count, pid, use_wait ? "wait" : "waitpid", got,
              status, code, exec_status_hint(status));
}

/* The exec'd child knows its pid and its parent's: exit(getpid()) if getppid() matches. */
static void exec_check_pid(void)
{
  char *argv[4];
  char ppid_buf[UTEST_NUM_LEN];
  int pid, got, status = 0;

  argv[0] = EXEC_PROG;
  argv[1] = EXEC_MODE_PID;
  argv[2] = utest_itoa(getpid(), ppid_buf);
  argv[3] = 0;
  pid = exec_spawn(EXEC_PROG, argv);
  got = pid < 0 ? -1 : waitpid(pid, &status);
  utest_check("proc_exec_keeps_pid", pid > 0 && got == pid && status == pid,
              "fork returned %d, waitpid %d, status %d (want the child's pid; -2 means "
              "getppid() was not %s)%s", pid, got, status, argv[2],
              exec_status_hint(status));
}

/* Dirty data and bss, then check the exec'd child sees their initial values. */
static void exec_check_fresh(void)
{
  char *argv[3];
  int pid, got, status = 0;

  exec_data_global = 7;
  exec_bss_global = 77;
  argv[0] = EXEC_PROG;
  argv[1] = EXEC_MODE_FRESH;
  argv[2] = 0;
  pid = exec_spawn(EXEC_PROG, argv);
  got = pid < 0 ? -1 : waitpid(pid, &status);
  utest_check("proc_exec_fresh_image", pid > 0 && got == pid && status == 0,
              "fork returned %d, waitpid %d, status %d%s", pid, got, status,
              exec_status_hint(status));
  exec_data_global = EXEC_FRESH_VALUE;
  exec_bss_global = 0;
}

/* Exec of names that are not in the archive returns -1 and the caller goes on. */
static void exec_check_missing(void)
{
  static const char *missing[] = {
    "no_such_program", "/no_such_program", "", "t_proc_exe", "t_proc_execx",
  };
  char *argv[] = { "no_such_program", 0 };
  int fds[2], i, r, bad = -1, bad_r = 0;
  char c = 0;

  for (i = 0; i < (int)(sizeof(missing) / sizeof(missing[0])); i++) {
    r = exec(missing[i], argv);
    if (r != -1 && bad < 0) {
      bad = i;
      bad_r = r;
    }
  }
  utest_check("proc_exec_missing", bad < 0, "exec(\"%s\") returned %d",
              bad < 0 ? "" : missing[bad], bad_r);

  /* The failed execs must not have disturbed memory or fds. */
  exec_data_global = 4321;
  r = pipe(fds);
  if (r == 0) {
    exec(missing[0], argv);
    write(fds[1], "k", 1);
    r = read(fds[0], &c, 1);
    close(fds[0]);
    close(fds[1]);
  }
  utest_check("proc_exec_missing_keeps_state",
              r == 1 && c == 'k' && exec_data_global == 4321 &&
              strcmp(argv[0], "no_such_program") == 0,
              "pipe/read gave %d '%c', global %d (want 4321), argv[0] \"%s\"",
              r, c, exec_data_global, argv[0]);
  exec_data_global = EXEC_FRESH_VALUE;
}

/* Many exec'd children in turn: each status arrives, and no frames are kept. */
static void exec_check_repeat(int rounds)
{
  struct memstat before, after;
  char *argv[EXEC_ARGV_MAX];
  char code_buf[UTEST_NUM_LEN], count_buf[UTEST_NUM_LEN];
  int i, pid, got, status, bad_round = -1, bad_pid = 0, bad_got = 0, bad_status = 0;

  memstat(&before);
  for (i = 1; i <= rounds; i++) {
    status = 12345;
    exec_build_argv(argv, EXEC_MODE_EXIT, i, i % (EXEC_WORD_COUNT + 1),
                    code_buf, count_buf);
    pid = exec_spawn(EXEC_PROG, argv);
    got = pid < 0 ? -1 : waitpid(pid, &status);
    if ((pid < 0 || got != pid || status != i) && bad_round < 0) {
      bad_round = i;
      bad_pid = pid;
      bad_got = got;
      bad_status = status;
    }
  }
  memstat(&after);
  utest_check("proc_exec_repeat", bad_round < 0,
              "round %d of %d: fork %d, waitpid %d, status %d (want %d)%s", bad_round,
              rounds, bad_pid, bad_got, bad_status, bad_round,
              exec_status_hint(bad_status));
  utest_check("proc_exec_no_leak",
              after.free_pages == before.free_pages &&
              after.kernel_free_pages == before.kernel_free_pages,
              "after %d fork+exec+wait rounds: user free %u -> %u, kernel free %u -> %u",
              rounds, before.free_pages, after.free_pages, before.kernel_free_pages,
              after.kernel_free_pages);
}

/* With every child reaped, wait and waitpid have nothing left to return. */
static void exec_check_wait_none(void)
{
  int pid, status = 0, first, second, third;

  pid = exec_spawn(EXEC_PROG, (char *[]){ EXEC_PROG, EXEC_MODE_FRESH, 0 });
  first = pid < 0 ? -1 : waitpid(pid, &status);
  second = waitpid(pid, &status);
  third = wait(&status);
  utest_check("proc_exec_wait_none", pid > 0 && first == pid && second == -1 && third == -1,
              "child %d: first waitpid %d, second waitpid %d (want -1), wait %d (want -1)",
              pid, first, second, third);
}

/* The parent side: every check of this program. */
static int exec_parent_main(int argc, char *argv[])
{
  int rounds = utest_quick(argc, argv) ? EXEC_REPEAT_QUICK : EXEC_REPEAT_FULL;

  exec_run_and_check("proc_exec_args_waitpid", EXEC_PROG, EXEC_MODE_RETURN, 42, 3, 0);
  exec_run_and_check("proc_exec_negative_wait", EXEC_PROG, EXEC_MODE_RETURN, -7, 0, 1);
  exec_run_and_check("proc_exec_many_args", EXEC_PROG, EXEC_MODE_RETURN, 0,
                     EXEC_WORD_COUNT, 0);
  exec_run_and_check("proc_exec_exit_status", EXEC_PROG, EXEC_MODE_EXIT, 3, 2, 0);
  exec_run_and_check("proc_exec_slash_path", EXEC_SLASH_PROG, EXEC_MODE_EXIT, 5, 1, 0);
  exec_check_pid();
  exec_check_fresh();
  exec_check_missing();
  exec_check_repeat(rounds);
  exec_check_wait_none();
  return utest_status();
}

/* Exec'd child modes first (see the constants above); otherwise run every check. */
int main(int argc, char *argv[])
{
  if (argc >= 2 && strcmp(argv[1], EXEC_MODE_RETURN) == 0)
    return exec_child_verdict(argc, argv);
  if (argc >= 2 && strcmp(argv[1], EXEC_MODE_EXIT) == 0)
    exec_child_exit(exec_child_verdict(argc, argv));
  if (argc >= 3 && strcmp(argv[1], EXEC_MODE_PID) == 0)
    return getppid() == exec_parse_int(argv[2]) ? getpid() : EXEC_BAD_PPID;
  if (argc >= 2 && strcmp(argv[1], EXEC_MODE_FRESH) == 0)
    return exec_fresh_verdict();
  return exec_parent_main(argc, argv);
}
