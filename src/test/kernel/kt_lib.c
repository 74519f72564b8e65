/*
 * kt_lib.c - self-tests of the shared library: the formatter and the string helpers.
 */
#include "test/ktest.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include <stdint.h>

/* Format with fmt and compare with want; one named check. */
static void kt_fmt_case(const char *name, const char *want, const char *fmt, ...)
{
  char got[64];
  va_list ap;
  va_start(ap, fmt);
  int n = fmt_vsnprintf(got, sizeof got, fmt, ap);
  va_end(ap);
  ktest_check(name, strcmp(got, want) == 0 && n == (int)strlen(want), "format \"%s\" gave \"%s\" (%d chars), want \"%s\"",
              fmt, got, n, want);
}

void ktest_lib(void)
{
  kt_fmt_case("kt_fmt_d", "-42 7", "%d %i", -42, 7);
  kt_fmt_case("kt_fmt_d_min", "-2147483648", "%d", (int)0x80000000);
  kt_fmt_case("kt_fmt_u", "4294967295", "%u", 0xFFFFFFFFu);
  kt_fmt_case("kt_fmt_x", "deadbeef DEADBEEF", "%x %X", 0xDEADBEEF, 0xDEADBEEF);
  kt_fmt_case("kt_fmt_p", "0xc0100000", "%p", (void *)0xC0100000);
  kt_fmt_case("kt_fmt_s_c", "cow! (null)", "%s%c %s", "cow", '!', (char *)0);
  kt_fmt_case("kt_fmt_percent", "100%", "%d%%", 100);
  kt_fmt_case("kt_fmt_width", "[   42][42   ][00042][-0042]", "[%5d][%-5d][%05d][%05d]", 42, 42, 42, -42);
  kt_fmt_case("kt_fmt_hex_pad", "0x0000beef", "0x%08x", 0xBEEF);
  char small[4];
  int n = fmt_snprintf(small, sizeof small, "%s", "truncated");
  ktest_check("kt_fmt_truncate", n == 9 && strcmp(small, "tru") == 0, "got \"%s\" and %d", small, n);

  char src[16] = "0123456789abcde", dst[16];
  memset(dst, 'x', sizeof dst);
  void *r = memcpy(dst, src, 10);
  ktest_check("kt_string_memcpy_direction", r == dst && memcmp(dst, "0123456789", 10) == 0 && dst[10] == 'x' &&
                  src[0] == '0', "dst \"%s\" src \"%s\": destination is the first argument", dst, src);
  uint32_t wa[4] = { 1, 2, 3, 4 }, wb[4] = { 0, 0, 0, 0 };
  memcpy(wb, wa, sizeof wa);
  ktest_check("kt_string_memcpy_words", wb[0] == 1 && wb[3] == 4 && wa[0] == 1, "copied %u..%u", wb[0], wb[3]);
  char ov[] = "abcdef";
  memmove(ov + 2, ov, 4);
  ktest_check("kt_string_memmove_overlap", strcmp(ov, "ababcd") == 0, "got \"%s\"", ov);
  ktest_check("kt_string_strcmp", strcmp("abc", "abd") < 0 && strcmp("b", "a") > 0 && strcmp("x", "x") == 0,
              "strcmp ordering wrong");
  ktest_check("kt_string_atoi", atoi("-123") == -123 && atoi("77") == 77, "atoi(-123)=%d atoi(77)=%d", atoi("-123"),
              atoi("77"));
}
