/*
 * ulib.c - the user library's C part: printf on fd 1, command-line
 * splitting and the memstat table for the system programs.
 * (System-call stubs: usys.asm; strings: string.c; formatting: fmt.c.)
 */
#include "user.h"
#include "user_sys.h"
#include "lib/fmt.h"

#define PRINTF_BUF 256

struct printf_buf {
  char buf[PRINTF_BUF];
  int len;
};

/* Collect characters, writing them to fd 1 when the buffer fills. */
static void printf_put(char c, void *ctx)
{
  struct printf_buf *b = ctx;
  b->buf[b->len++] = c;
  if (b->len == PRINTF_BUF) {
    write(1, b->buf, b->len);
    b->len = 0;
  }
}

int printf(const char *fmt, ...)
{
  struct printf_buf b;
  va_list ap;
  b.len = 0;
  va_start(ap, fmt);
  int n = fmt_vformat(printf_put, &b, fmt, ap);
  va_end(ap);
  if (b.len)
    write(1, b.buf, b.len);
  return n;
}

#define ARGS_QUOTE '"'

/* Is c a word separator outside quotes? */
static int args_is_space(char c)
{
  return c == ' ' || c == '\t';
}

int args_split(char *line, char *argv[ARGS_MAX])
{
  char *r = line, *w = line;   /* read and write positions: quotes are removed in place */
  int argc = 0;
  argv[0] = 0;
  for (;;) {
    while (args_is_space(*r))
      r++;
    if (!*r)
      break;
    if (argc == ARGS_MAX - 1) {
      argv[0] = 0;
      return ARGS_TOO_MANY;
    }
    argv[argc++] = w;
    int quoted = 0;
    for (; *r && (quoted || !args_is_space(*r)); r++) {
      if (*r == ARGS_QUOTE)
        quoted = !quoted;
      else
        *w++ = *r;
    }
    if (quoted) {
      argv[0] = 0;
      return ARGS_UNTERMINATED;
    }
    if (*r)
      r++;                     /* the separator; w never passes r, so the 0 below is safe */
    *w++ = 0;
  }
  argv[argc] = 0;
  return argc;
}

const char *args_error(int rc)
{
  if (rc == ARGS_UNTERMINATED)
    return "unterminated double quote";
  if (rc == ARGS_TOO_MANY)
    return "too many words";
  return "no error";
}

#define MEMSTAT_RULE "+------------------------------+----------+\n"

void memstat_print(const struct memstat *st)
{
  printf(MEMSTAT_RULE "| %-28s | %8s |\n" MEMSTAT_RULE, "memstat counter", "value");
  printf("| %-28s | %8u |\n", "user frames, total", st->total_pages);
  printf("| %-28s | %8u |\n", "user frames, free", st->free_pages);
  printf("| %-28s | %8u |\n", "kernel frames, free", st->kernel_free_pages);
  printf("| %-28s | %8u |\n", "COW write faults", st->cow_faults);
  printf("| %-28s | %8u |\n", "  resolved by copying", st->cow_copies);
  printf("| %-28s | %8u |\n", "  resolved by reuse", st->cow_reuses);
  printf("| %-28s | %8u |\n", "frames shared right now", st->shared_pages);
  printf("| %-28s | %8u |\n", "page tables shared right now", st->shared_tables);
  printf("| %-28s | %8u |\n", "shared tables copied", st->table_copies);
  printf("| %-28s | %8u |\n" MEMSTAT_RULE, "shared tables reused", st->table_reuses);
}
