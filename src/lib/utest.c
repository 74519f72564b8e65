/*
 * utest.c - check helpers for the user-space test programs.
 */
#include "utest.h"
#include "user.h"
#include "lib/fmt.h"

#define UTEST_LINE 200

static int utest_failed;

/* Print "name: FAIL: detail" with the detail formatted from fmt/ap. */
static void utest_vfail(const char *name, const char *fmt, va_list ap)
{
  char detail[UTEST_LINE];
  fmt_vsnprintf(detail, sizeof detail, fmt, ap);
  printf("%s: FAIL: %s\n", name, detail);
  utest_failed = 1;
}

void utest_ok(const char *name)
{
  printf("%s: ok\n", name);
}

void utest_fail(const char *name, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  utest_vfail(name, fmt, ap);
  va_end(ap);
}

int utest_check(const char *name, int cond, const char *fmt, ...)
{
  if (cond) {
    utest_ok(name);
    return 1;
  }
  va_list ap;
  va_start(ap, fmt);
  utest_vfail(name, fmt, ap);
  va_end(ap);
  return 0;
}

int utest_status(void)
{
  return utest_failed ? 1 : 0;
}

int utest_quick(int argc, char *argv[])
{
  return argc > 1 && strcmp(argv[1], "quick") == 0;
}

unsigned utest_rand(unsigned *state)
{
  unsigned x = *state ? *state : 2463534242u;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}
