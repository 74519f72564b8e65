/*
 * fmt.h - the one printf-style formatter, shared by kernel and user space.
 *
 * Conversions: %d %i %u %x %X %p %s %c %%, with '-' (left-justify), '0'
 * (zero pad) and a decimal width. Output goes through a put callback.
 */
#ifndef LIB_FMT_H
#define LIB_FMT_H
#include <stdarg.h>

typedef void (*fmt_put_fn)(char c, void *ctx);

/* Format fmt with ap, calling put for every character; returns the count. */
int fmt_vformat(fmt_put_fn put, void *ctx, const char *fmt, va_list ap);
/* Format into buf (always NUL-terminated when size > 0); returns the full length. */
int fmt_snprintf(char *buf, unsigned size, const char *fmt, ...);
int fmt_vsnprintf(char *buf, unsigned size, const char *fmt, va_list ap);

#endif
