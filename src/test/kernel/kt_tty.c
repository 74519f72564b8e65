/*
 * kt_tty.c - self-tests of the console's line discipline: characters are
 * fed as the keyboard and serial interrupts feed them, and the finished
 * lines are taken back without blocking. Echo is off meanwhile. A Tab is
 * stored (its echo is checked by run/test/test-shell.sh, which sees it).
 */
#include "test/ktest.h"
#include "dev/tty.h"
#include "lib/string.h"
#include "arch/x86.h"

#define KT_TTY_TAKE      512       /* more than the line buffer holds */
#define KT_TTY_LONG      300       /* a line longer than the line buffer */
#define KT_TTY_PIECE     100       /* a reader's buffer smaller than the line */

#define KT_TTY_SHOWN     (4 * KT_TTY_TAKE + 1)
#define KT_TTY_HEX       "0123456789abcdef"

static char kt_tty_got[KT_TTY_TAKE + 1];
static char kt_tty_shown[2][KT_TTY_SHOWN];

/* s copied to out with every byte outside printable ASCII written as \xNN (one-line messages). */
static const char *kt_tty_visible(const char *s, char out[KT_TTY_SHOWN])
{
  int n = 0;
  for (; *s && n + 5 < KT_TTY_SHOWN; s++) {
    unsigned char c = (unsigned char)*s;
    if (c >= ' ' && c <= '~') {
      out[n++] = (char)c;
    } else {
      out[n++] = '\\';
      out[n++] = 'x';
      out[n++] = KT_TTY_HEX[c >> 4];
      out[n++] = KT_TTY_HEX[c & 0xF];
    }
  }
  out[n] = 0;
  return out;
}

/* Feed the n characters at s with interrupts masked, as the interrupt handlers do. */
static void kt_tty_feed(const char *s, int n)
{
  uint32_t f = irq_save();
  for (int i = 0; i < n; i++)
    tty_input(s[i]);
  irq_restore(f);
}

/* Feed s, take everything finished and compare it with want; records the check name. */
static void kt_tty_expect(const char *name, const char *s, const char *want)
{
  kt_tty_feed(s, (int)strlen(s));
  int n = 0, got;
  while ((got = tty_take(kt_tty_got + n, KT_TTY_TAKE - n)) > 0)
    n += got;
  kt_tty_got[n] = 0;
  int same = strcmp(kt_tty_got, want) == 0;
  ktest_check(name, same, "read back \"%s\" (%d bytes), want \"%s\"", kt_tty_visible(kt_tty_got, kt_tty_shown[0]),
              n, kt_tty_visible(want, kt_tty_shown[1]));
}

/* A line longer than the buffer: no '\n' before its end, one '\n' at its end, read in pieces. */
static void kt_tty_long_line(void)
{
  int n = 0, newlines = 0, pieces = 0, got;
  static char line[KT_TTY_LONG + 1];
  memset(line, 'a', KT_TTY_LONG);
  line[KT_TTY_LONG] = '\n';
  kt_tty_feed(line, KT_TTY_LONG + 1);
  while ((got = tty_take(kt_tty_got + n, KT_TTY_PIECE)) > 0) {
    for (int i = n; i < n + got; i++)
      newlines += kt_tty_got[i] == '\n';
    n += got;
    pieces++;
  }
  ktest_check("kt_tty_long_line_one_newline", newlines == 1 && n > 0 && kt_tty_got[n - 1] == '\n',
              "%d bytes in %d pieces with %d newlines, last byte 0x%x", n, pieces, newlines,
              n > 0 ? (unsigned char)kt_tty_got[n - 1] : 0);
}

void ktest_tty(void)
{
  int echo = tty_echo_set(0);
  kt_tty_expect("kt_tty_line", "ls -l\n", "ls -l\n");
  kt_tty_expect("kt_tty_cr_is_enter", "mem\r", "mem\n");
  kt_tty_expect("kt_tty_backspace", "ecx\b\x7f" "cho\n", "echo\n");
  kt_tty_expect("kt_tty_ctrl_c_drops_line", "half typed\x03" "ok\n", "ok\n");
  kt_tty_expect("kt_tty_ctrl_d_not_stored", "a\x04" "b\n\x04", "ab\n");
  kt_tty_expect("kt_tty_control_chars_dropped", "a\x01\x07" "b\x1b[A\x1b[1;5Cc\x1bOd" "e\xc3\xa9\n", "abce\n");
  kt_tty_expect("kt_tty_tab_kept", "echo\ta\t\tb\n", "echo\ta\t\tb\n");
  kt_tty_expect("kt_tty_tab_erased", "x\t\by\t\x7f\n", "xy\n");
  kt_tty_expect("kt_tty_tab_ends_escape", "\x1b[\tz\n", "\tz\n");
  kt_tty_long_line();
  tty_echo_set(echo);
}
