/*
 * sh.c - a small shell on the console (keyboard and serial).
 *
 * Built-ins: help, ls, mem, trace [0|1]. Anything else is a program name
 * with arguments, run in a child.
 */
#include "user.h"
#include "user_sys.h"

#define LINE_MAX  128
#define LIST_MAX  2048

/* The mem built-in: the memstat counters as a table. */
static void sh_mem(void)
{
  struct memstat st;
  if (memstat(&st) < 0)
    printf("mem: memstat failed\n");
  else
    memstat_print(&st);
}

/* Run one command line. */
static void sh_run(char *line)
{
  char *argv[ARGS_MAX];
  static char list[LIST_MAX];
  int argc = args_split(line, argv);
  if (argc == 0)
    return;
  if (strcmp(argv[0], "help") == 0) {
    printf("built-ins: help, ls, mem, trace 0|1; anything else runs a program: NAME [ARGS]\n");
  } else if (strcmp(argv[0], "ls") == 0) {
    int n = proglist(list, LIST_MAX - 1);
    if (n >= 0) {
      list[n] = 0;
      printf("%s", list);
    }
  } else if (strcmp(argv[0], "mem") == 0) {
    sh_mem();
  } else if (strcmp(argv[0], "trace") == 0) {
    int old = cowtrace(argc > 1 ? atoi(argv[1]) : 1);
    printf("cow trace %d (was %d)\n", argc > 1 ? atoi(argv[1]) : 1, old);
  } else {
    int pid = fork();
    if (pid == 0) {
      exec(argv[0], argv);
      printf("sh: %s: no such program (try ls)\n", argv[0]);
      exit(127);
    }
    int status = 0;
    if (pid < 0)
      printf("sh: fork failed\n");
    else if (waitpid(pid, &status) == pid && status != 0)
      printf("sh: %s exited with status %d\n", argv[0], status);
  }
}

int main(void)
{
  char line[LINE_MAX];
  printf("cowos shell: type help\n");
  for (;;) {
    printf("$ ");
    int n = read(0, line, LINE_MAX - 1);
    if (n <= 0)
      continue;
    line[n] = 0;
    if (line[n - 1] == '\n')
      line[n - 1] = 0;
    sh_run(line);
  }
}
