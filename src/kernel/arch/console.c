/*
 * console.c - the kernel console: every character goes to VGA and COM1.
 *
 * Lines that start with a tag ([cow], [fault], [panic] ...) are coloured on
 * VGA so the trace stands out on a screenshot; serial gets plain text.
 * Programs may colour text themselves with ANSI SGR sequences, ESC [ n ; ... m:
 * 0 reset, 1 bright foreground, 30-37 / 90-97 foreground, 39 default,
 * 40-47 background, 49 default. They act on VGA until the end of the line
 * and are stripped from serial; other ESC [ sequences are swallowed.
 */
#include "arch/printk.h"
#include "arch/power.h"
#include "arch/vga.h"
#include "arch/serial.h"
#include "lib/fmt.h"
#include "arch/x86.h"
#include "arch/percpu.h"
#include "arch/spinlock.h"
#include "lib/string.h"

#define KPRINTF_BUF 256
#define CONSOLE_ESC      '\033'
#define CONSOLE_CSI      '['
#define SGR_RESET        0
#define SGR_BRIGHT       1
#define SGR_FG           30      /* 30-37: the eight ANSI colours as foreground */
#define SGR_FG_DEFAULT   39
#define SGR_BG           40      /* 40-47: ... as background */
#define SGR_BG_DEFAULT   49
#define SGR_FG_BRIGHT    90      /* 90-97: bright foreground */
#define SGR_COLORS       8
#define SGR_BRIGHT_BIT   8       /* VGA colour n + 8 is the bright form of n */
#define SGR_MAX_PARAMS   8
#define SGR_PARAM_LIMIT  1000    /* larger numbers are no SGR code; keeps the parser from overflowing */
#define CONSOLE_DEFAULT_FG VGA_LIGHT_GREY

struct kprintf_buf {
  char buf[KPRINTF_BUF];
  int len;
};

static int console_at_line_start = 1;
static const char *console_prefix;            /* put before each line console_prefix_cpu starts */
static int console_prefix_cpu = -1;
static struct spinlock console_lock = SPINLOCK_INIT("console", SPIN_RANK_CONSOLE);   /* VGA, COM1 output and the state here */
static volatile int console_panic_cpu = -1;   /* the CPU printing a panic; the others stop at their next print */

/* ANSI colour order (black, red, green, yellow, blue, magenta, cyan, white) in VGA numbers. */
static const enum vga_color sgr_to_vga[SGR_COLORS] = {
  VGA_BLACK, VGA_RED, VGA_GREEN, VGA_BROWN, VGA_BLUE, VGA_MAGENTA, VGA_CYAN, VGA_LIGHT_GREY,
};

/* The escape-sequence parser: where it is, and the SGR colours in force on this line. */
static struct {
  enum { ESC_NONE, ESC_SEEN, ESC_PARAMS } state;
  int params[SGR_MAX_PARAMS];
  int nparams;
  int fg, bg;
} console_esc = { ESC_NONE, { 0 }, 0, CONSOLE_DEFAULT_FG, VGA_BLACK };

struct console_tag {
  const char *tag;
  enum vga_color color;
};

/* Line colours on VGA, by leading tag; other tagged lines are yellow, plain lines grey. */
static const struct console_tag console_tags[] = {
  { "[cow]", VGA_LIGHT_CYAN },
  { "[fault]", VGA_LIGHT_RED },
  { "[panic]", VGA_RED },
  { "[trap]", VGA_RED },
  { "[pause]", VGA_WHITE },
  { "[cowdemo]", VGA_LIGHT_GREEN },
};

/* Pick the VGA colour of a line from its leading tag. */
static void console_color_for(const char *s, int n)
{
  if (n < 1 || s[0] != '[')
    return;
  for (unsigned i = 0; i < sizeof console_tags / sizeof console_tags[0]; i++) {
    unsigned len = strlen(console_tags[i].tag);
    if ((unsigned)n >= len && strncmp(s, console_tags[i].tag, len) == 0) {
      vga_set_color(console_tags[i].color);
      return;
    }
  }
  vga_set_color(VGA_YELLOW);
}

/* Apply the collected SGR parameters to the VGA colours. */
static void console_sgr_apply(void)
{
  if (console_esc.nparams == 0)
    console_esc.params[console_esc.nparams++] = SGR_RESET;
  for (int i = 0; i < console_esc.nparams; i++) {
    int p = console_esc.params[i];
    if (p == SGR_RESET)
      console_esc.fg = CONSOLE_DEFAULT_FG, console_esc.bg = VGA_BLACK;
    else if (p == SGR_BRIGHT)
      console_esc.fg |= SGR_BRIGHT_BIT;
    else if (p >= SGR_FG && p < SGR_FG + SGR_COLORS)
      console_esc.fg = (int)sgr_to_vga[p - SGR_FG];
    else if (p == SGR_FG_DEFAULT)
      console_esc.fg = CONSOLE_DEFAULT_FG;
    else if (p >= SGR_BG && p < SGR_BG + SGR_COLORS)
      console_esc.bg = (int)sgr_to_vga[p - SGR_BG];
    else if (p == SGR_BG_DEFAULT)
      console_esc.bg = VGA_BLACK;
    else if (p >= SGR_FG_BRIGHT && p < SGR_FG_BRIGHT + SGR_COLORS)
      console_esc.fg = (int)sgr_to_vga[p - SGR_FG_BRIGHT] | SGR_BRIGHT_BIT;
  }
  vga_set_colors((enum vga_color)console_esc.fg, (enum vga_color)console_esc.bg);
}

/* Feed c to the escape parser; non-zero when c belongs to a sequence (and is not printed). */
static int console_escape(char c)
{
  switch (console_esc.state) {
  case ESC_NONE:
    if (c != CONSOLE_ESC)
      return 0;
    console_esc.state = ESC_SEEN;
    return 1;
  case ESC_SEEN:
    console_esc.state = c == CONSOLE_CSI ? ESC_PARAMS : ESC_NONE;
    console_esc.nparams = 0;
    return 1;
  case ESC_PARAMS:
    if (c >= '0' && c <= '9') {
      if (console_esc.nparams == 0)
        console_esc.params[console_esc.nparams++] = 0;
      int *p = &console_esc.params[console_esc.nparams - 1];
      if (*p < SGR_PARAM_LIMIT)
        *p = *p * 10 + (c - '0');
    } else if (c == ';') {
      if (console_esc.nparams == 0)
        console_esc.params[console_esc.nparams++] = 0;
      if (console_esc.nparams < SGR_MAX_PARAMS)
        console_esc.params[console_esc.nparams++] = 0;
    } else {
      if (c == 'm')
        console_sgr_apply();
      console_esc.state = ESC_NONE;
    }
    return 1;
  }
  return 0;
}

/* Output one character on both devices. */
static void console_putc(char c)
{
  if (c == '\n')
    serial_putc('\r');
  serial_putc(c);
  vga_putc(c);
}

void kwrite(const char *s, int n)
{
  int panicking = console_panic_cpu;
  if (panicking >= 0 && panicking != this_cpu()->id)
    for (;;) {                          /* another CPU is printing its panic: stay out of its way */
      cli();
      hlt();
    }
  if (panicking < 0)
    spin_lock(&console_lock);
  for (int i = 0; i < n; i++) {
    if (console_escape(s[i]))
      continue;
    if (console_at_line_start) {
      console_color_for(s + i, n - i);
      if (console_prefix && console_prefix_cpu == this_cpu()->id)
        for (const char *p = console_prefix; *p; p++)
          console_putc(*p);
    }
    console_putc(s[i]);
    console_at_line_start = s[i] == '\n';
    if (console_at_line_start) {
      vga_set_color(CONSOLE_DEFAULT_FG);
      console_esc.fg = CONSOLE_DEFAULT_FG, console_esc.bg = VGA_BLACK;
    }
  }
  if (panicking < 0)
    spin_unlock(&console_lock);
}

void kprint_line_prefix(const char *prefix)
{
  spin_lock(&console_lock);
  console_prefix = prefix;
  console_prefix_cpu = prefix ? this_cpu()->id : -1;
  spin_unlock(&console_lock);
}

/* Collect characters; flush to the consoles when the buffer fills. */
static void kprintf_put(char c, void *ctx)
{
  struct kprintf_buf *b = ctx;
  b->buf[b->len++] = c;
  if (b->len == KPRINTF_BUF) {
    kwrite(b->buf, b->len);
    b->len = 0;
  }
}

int kvprintf(const char *fmt, va_list ap)
{
  struct kprintf_buf b;
  b.len = 0;
  int n = fmt_vformat(kprintf_put, &b, fmt, ap);
  kwrite(b.buf, b.len);
  return n;
}

int kprintf(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = kvprintf(fmt, ap);
  va_end(ap);
  return n;
}

void panic(const char *fmt, ...)
{
  va_list ap;
  cli();
  int expected = -1, me = this_cpu()->id;
  if (!__atomic_compare_exchange_n(&console_panic_cpu, &expected, me, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST) &&
      expected != me)
    for (;;)                             /* one panic at a time: the first CPU reports */
      hlt();
  console_prefix = 0;                    /* a panic is never an expected line */
  if (!console_at_line_start)
    kwrite("\n", 1);
  kprintf("[panic] cpu%d: ", me);
  va_start(ap, fmt);
  kvprintf(fmt, ap);
  va_end(ap);
  kprintf("\n[kernel] result: PANIC\n");
  power_off(POWER_PANIC);
}
