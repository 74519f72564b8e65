/*
 * ulib.c - the user library's C part: printf on fd 1.
 * (System-call stubs: usys.asm; strings: string.c; formatting: fmt.c.)
 */
#include "user.h"
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
