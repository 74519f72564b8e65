/*
 * fmt.c - the printf-style formatter shared by the kernel and user programs.
 */
#include "lib/fmt.h"

#define FMT_NUM_BUF 12

struct fmt_buf {
  char *buf;
  unsigned size;
  unsigned len;
};

/* Emit s (n chars) padded to width with pad, on the left unless left is set. */
static int fmt_field(fmt_put_fn put, void *ctx, const char *s, int n, int width, int left, char pad)
{
  int out = 0;
  int fill = width > n ? width - n : 0;
  if (!left && pad == '0' && n > 0 && s[0] == '-') {
    put('-', ctx), out++;
    s++, n--;
  }
  if (!left)
    for (; fill > 0; fill--)
      put(pad, ctx), out++;
  for (int i = 0; i < n; i++)
    put(s[i], ctx), out++;
  for (; fill > 0; fill--)
    put(' ', ctx), out++;
  return out;
}

/* Render v in base into the end of buf; returns the start of the digits. */
static char *fmt_number(char *end, unsigned v, unsigned base, int upper)
{
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char *p = end;
  do {
    *--p = digits[v % base];
    v /= base;
  } while (v);
  return p;
}

int fmt_vformat(fmt_put_fn put, void *ctx, const char *fmt, va_list ap)
{
  int out = 0;
  char num[FMT_NUM_BUF + 1];
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      put(*fmt, ctx), out++;
      continue;
    }
    fmt++;
    int left = 0, width = 0;
    char pad = ' ';
    for (; *fmt == '-' || *fmt == '0'; fmt++) {
      if (*fmt == '-')
        left = 1;
      else
        pad = '0';
    }
    for (; *fmt >= '0' && *fmt <= '9'; fmt++)
      width = width * 10 + (*fmt - '0');
    if (left)
      pad = ' ';
    char *end = num + FMT_NUM_BUF, *p;
    switch (*fmt) {
    case 'd':
    case 'i': {
      int v = va_arg(ap, int);
      unsigned mag = v < 0 ? 0u - (unsigned)v : (unsigned)v;
      p = fmt_number(end, mag, 10, 0);
      if (v < 0)
        *--p = '-';
      out += fmt_field(put, ctx, p, (int)(end - p), width, left, pad);
      break;
    }
    case 'u':
      p = fmt_number(end, va_arg(ap, unsigned), 10, 0);
      out += fmt_field(put, ctx, p, (int)(end - p), width, left, pad);
      break;
    case 'x':
    case 'X':
      p = fmt_number(end, va_arg(ap, unsigned), 16, *fmt == 'X');
      out += fmt_field(put, ctx, p, (int)(end - p), width, left, pad);
      break;
    case 'p':
      p = fmt_number(end, (unsigned)va_arg(ap, void *), 16, 0);
      while (end - p < 8)
        *--p = '0';
      *--p = 'x';
      *--p = '0';
      out += fmt_field(put, ctx, p, (int)(end - p), width, left, ' ');
      break;
    case 's': {
      const char *s = va_arg(ap, const char *);
      int n = 0;
      if (!s)
        s = "(null)";
      while (s[n])
        n++;
      out += fmt_field(put, ctx, s, n, width, left, ' ');
      break;
    }
    case 'c': {
      char c = (char)va_arg(ap, int);
      out += fmt_field(put, ctx, &c, 1, width, left, ' ');
      break;
    }
    case '%':
      put('%', ctx), out++;
      break;
    case '\0':
      return out;
    default:
      put('%', ctx), put(*fmt, ctx), out += 2;
      break;
    }
  }
  return out;
}

/* put callback that stores into a bounded buffer. */
static void fmt_buf_put(char c, void *ctx)
{
  struct fmt_buf *b = ctx;
  if (b->len + 1 < b->size)
    b->buf[b->len] = c;
  b->len++;
}

int fmt_vsnprintf(char *buf, unsigned size, const char *fmt, va_list ap)
{
  struct fmt_buf b = { buf, size, 0 };
  int n = fmt_vformat(fmt_buf_put, &b, fmt, ap);
  if (size > 0)
    buf[b.len < size ? b.len : size - 1] = 0;
  return n;
}

int fmt_snprintf(char *buf, unsigned size, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = fmt_vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}
