/*
 * sh.c - a small shell on the console (keyboard and serial).
 *
 * Built-ins: help, ls, mem, trace [0|1|2], exit. Anything else is a program name
 * with arguments ("double quotes" keep spaces), run in a child that is the
 * console's foreground process while it runs, so Ctrl-C kills it. The
 * shell itself is never traced: `trace 1` traces the programs it runs.
 */
#include "user.h"
#include "user_sys.h"

#define LINE_MAX      128        /* a command line, its newline included */
#define LIST_MAX      2048
#define EXEC_FAILED   127        /* the child's status when exec failed (it printed why) */

static int sh_trace;             /* trace level given to the programs the shell runs */

static const char sh_help[] =
  "built-ins:\n"
  "  help        this text\n"
  "  ls          the programs on the disk\n"
  "  mem         the memstat counters\n"
  "  trace       say which trace level the programs run from here on get\n"
  "  trace 0     copy-on-write trace off for them\n"
  "  trace 1     one [cow] line per copy-on-write decision of theirs, at most %d a\n"
  "              second; then one line counts those not shown\n"
  "  trace 2     the same, and one [cow] line per TLB shootdown that reached another CPU\n"
  "  exit        leave this shell: back to the shell that ran it (init starts the first again)\n"
  "anything else runs a program: NAME [ARGS]; \"two words\" is one argument\n"
  "keys: Ctrl-C stops the running program, or drops the line being typed;\n"
  "      Ctrl-D on an empty line only prints a reminder (it does not leave the shell);\n"
  "      Backspace erases; a line holds at most %d characters\n"
  "leave QEMU: Ctrl-A then x in the terminal, or close the QEMU window\n";

/* The mem built-in: the memstat counters as a table. */
static void sh_mem(void)
{
  struct memstat st;
  if (memstat(&st) < 0)
    printf("mem: memstat failed\n");
  else
    memstat_print(&st);
}

/* Is name (leading '/' ignored) a program in the archive? */
static int sh_program_exists(const char *name)
{
  static char list[LIST_MAX];
  int n = proglist(list, LIST_MAX - 1);
  while (*name == '/')
    name++;
  if (n < 0)
    return 1;                    /* cannot tell: let exec decide */
  list[n] = 0;
  for (char *l = list; *l;) {
    char *end = l;
    while (*end && *end != '\n')
      end++;
    char saved = *end;
    *end = 0;
    int same = strcmp(l, name) == 0;
    *end = saved;
    if (same)
      return 1;
    l = *end ? end + 1 : end;
  }
  return 0;
}

/* Run argv[0] in a child in the foreground, with the shell's trace level, and wait for it. */
static void sh_exec(char *argv[])
{
  if (!sh_program_exists(argv[0])) {
    printf("sh: %s: no such program (try ls)\n", argv[0]);
    return;
  }
  int pid = fork();
  if (pid == 0) {
    setfg(getpid());
    cowtrace(sh_trace);
    exec(argv[0], argv);
    printf("sh: %s: cannot run it (exec failed)\n", argv[0]);
    exit(EXEC_FAILED);
  }
  if (pid < 0) {
    printf("sh: fork failed\n");
    return;
  }
  setfg(pid);
  int status = 0;
  int got = waitpid(pid, &status);
  setfg(0);
  cowtrace(0);                   /* the shell stays untraced; the call prints the count of [cow]
                                    lines the kernel's rate limit held back, before the prompt */
  if (got == pid && status != 0 && status != EXEC_FAILED && status != EXIT_KILLED)
    printf("sh: %s exited with status %d\n", argv[0], status);
}

/* The trace built-in: arg "0", "1" or "2" sets the level for the programs run from here on; no
 * arg says which it is. */
static void sh_set_trace(const char *arg)
{
  if (!arg) {
    printf("cow trace %d: %s for the programs run from here on (trace 0|1|2 changes it)\n", sh_trace,
           sh_trace == 2 ? "one [cow] line per copy-on-write decision and per TLB shootdown"
           : sh_trace ? "one [cow] line per copy-on-write decision" : "off");
    return;
  }
  if (strcmp(arg, "0") != 0 && strcmp(arg, "1") != 0 && strcmp(arg, "2") != 0) {
    printf("sh: trace takes 0 (off), 1 (on) or 2 (on, with TLB shootdowns), not '%s'\n", arg);
    return;
  }
  int was = sh_trace;
  sh_trace = atoi(arg);
  printf("cow trace %d for the programs run from here on%s\n", sh_trace, was == sh_trace ? " (it already was)" : "");
}

/* Run one command line. */
static void sh_run(char *line)
{
  char *argv[ARGS_MAX];
  static char list[LIST_MAX];
  int argc = args_split(line, argv);
  if (argc < 0) {
    printf("sh: %s: nothing run\n", args_error(argc));
    return;
  }
  if (argc == 0)
    return;
  if (strcmp(argv[0], "help") == 0) {
    printf(sh_help, COWTRACE_LINES_PER_SECOND, LINE_MAX - 2);
  } else if (strcmp(argv[0], "ls") == 0) {
    int n = proglist(list, LIST_MAX - 1);
    if (n >= 0) {
      list[n] = 0;
      printf("%s", list);
    }
  } else if (strcmp(argv[0], "mem") == 0) {
    sh_mem();
  } else if (strcmp(argv[0], "trace") == 0) {
    sh_set_trace(argc > 1 ? argv[1] : 0);
  } else if (strcmp(argv[0], "exit") == 0) {
    exit(0);
  } else {
    sh_exec(argv);
  }
}

/* Read one command line into line (without its newline); 0 when there is nothing to run. */
static int sh_read_line(char *line)
{
  int n = read(0, line, LINE_MAX - 1);
  if (n < 0)
    return 0;                    /* Ctrl-C at the prompt: the console printed ^C */
  if (n == 0) {
    printf("\nsh: Ctrl-D: the shell stays; leave QEMU with Ctrl-A then x, or close its window\n");
    return 0;
  }
  if (line[n - 1] != '\n') {
    /* longer than the buffer: drop the rest up to its newline, run nothing */
    char rest[LINE_MAX];
    int m;
    while ((m = read(0, rest, sizeof rest)) > 0 && rest[m - 1] != '\n')
      ;
    printf("sh: line too long (at most %d characters): nothing run\n", LINE_MAX - 2);
    return 0;
  }
  line[n - 1] = 0;
  return 1;
}

int main(void)
{
  char line[LINE_MAX];
  sh_trace = cowtrace(0);        /* what init gave us is for the programs, not the shell */
  printf("cowos shell: type help for the commands and keys.\n"
         "Leave QEMU: Ctrl-A then x in the terminal, or close the QEMU window.\n");
  for (;;) {
    printf("$ ");
    if (sh_read_line(line))
      sh_run(line);
  }
}
