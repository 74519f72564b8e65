/*
 * init.c - process 1.
 *
 * Reads the boot configuration (init.conf: a mode line, then a command
 * line). In `run` mode it runs each ';'-separated command in turn in
 * the console's foreground with copy-on-write tracing on, then keeps a
 * shell alive (which traces what it runs) and reaps orphans forever. In `check` and `test`
 * mode it runs the one command, waits for it and every orphan it left,
 * compares frame counts and memcheck with the state before, reports, and
 * exits, which ends the run with PASS or FAIL. There it starts the program
 * with the eager-copy fork, so a broken copy-on-write fork under test can
 * break the program but not init, and the run always ends with a verdict.
 */
#include "user.h"

#define INIT_PID 1               /* the kernel starts init first */
#include "user_sys.h"

#define CONF_MAX  512
#define SPAWN_TRACE       1   /* the child runs with copy-on-write tracing on */
#define SPAWN_FOREGROUND  2   /* the child is the console's foreground process (Ctrl-C kills it) */

/* Fork the command in line with policy and SPAWN_* flags, and exec it; returns the child's pid or -1. */
static int init_spawn(char *line, int policy, int flags)
{
  char *argv[ARGS_MAX];
  int argc = args_split(line, argv);
  if (argc < 0)
    printf("[init] '%s': %s\n", line, args_error(argc));
  if (argc <= 0)
    return -1;
  int pid = xfork(policy);
  if (pid == 0) {
    if (flags & SPAWN_FOREGROUND)
      setfg(getpid());
    cowtrace(flags & SPAWN_TRACE ? 1 : 0);
    exec(argv[0], argv);
    printf("[init] cannot run '%s'\n", argv[0]);
    exit(127);
  }
  return pid;
}

/* Wait for pid, reaping any orphan on the way; returns pid's status. */
static int init_wait_for(int pid)
{
  int status = -1, st, got;
  while ((got = wait(&st)) >= 0)
    if (got == pid) {
      status = st;
      break;
    }
  return status;
}

/* run mode: the commands in order, traced and in the foreground, then the shell forever. */
static void init_run(char *cmds)
{
  char *cmd = cmds;
  while (cmd && *cmd) {
    char *next = cmd;
    while (*next && *next != ';')
      next++;
    char *rest = *next ? next + 1 : 0;
    *next = 0;
    int pid = init_spawn(cmd, FORK_POLICY_COW, SPAWN_TRACE | SPAWN_FOREGROUND);
    if (pid > 0) {
      setfg(pid);
      init_wait_for(pid);
      setfg(0);
    }
    cmd = rest;
  }
  for (;;) {
    char sh[] = "sh";
    int pid = init_spawn(sh, FORK_POLICY_COW, SPAWN_TRACE);
    if (pid < 0) {
      sleep(HZ);
      continue;
    }
    init_wait_for(pid);
  }
}

/* check/test mode: one program, then the leak and consistency verdict. */
static int init_check(char *cmd)
{
  struct memstat before, after;
  char name[64];
  int i;
  for (i = 0; cmd[i] && cmd[i] != ' ' && i < 63; i++)
    name[i] = cmd[i];
  name[i] = 0;
  memstat(&before);
  int pid = init_spawn(cmd, FORK_POLICY_OLD, 0);
  if (pid < 0) {
    printf("[init] cannot start '%s'\n", cmd);
    return 1;
  }
  int status = init_wait_for(pid);
  while (wait(0) >= 0)
    ;
  memstat(&after);
  int user_leak = (int)before.free_pages - (int)after.free_pages;
  int kernel_leak = (int)before.kernel_free_pages - (int)after.kernel_free_pages;
  int bad = memcheck();
  printf("[init] %s exited with status %d; user frames leaked %d; kernel frames leaked %d; memcheck %d\n", name,
         status, user_leak, kernel_leak, bad);
  return status == 0 && user_leak == 0 && kernel_leak == 0 && bad == 0 ? 0 : 1;
}

int main(void)
{
  static char conf[CONF_MAX];
  if (getpid() != INIT_PID) {
    printf("init: init runs once, as pid %d at boot; this one (pid %d) stops\n", INIT_PID, getpid());
    return 1;
  }
  int n = bootconf(conf, CONF_MAX - 1);
  if (n < 0) {
    printf("[init] no boot configuration\n");
    return 1;
  }
  conf[n] = 0;
  char *cmd = conf;
  while (*cmd && *cmd != '\n')
    cmd++;
  if (*cmd)
    *cmd++ = 0;
  for (char *p = cmd; *p; p++)
    if (*p == '\n')
      *p = 0;
  if (strcmp(conf, "run") == 0)
    init_run(cmd);
  return init_check(cmd);
}
