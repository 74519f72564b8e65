/*
 * console.c - the kernel console: every character goes to VGA and COM1.
 *
 * Lines that start with a tag ([cow], [fault], [panic] ...) are coloured on
 * VGA so the trace stands out on a screenshot; serial gets plain text.
 */
#include "kernel/printk.h"
#include "kernel/power.h"
#include "dev/vga.h"
#include "dev/serial.h"
#include "lib/fmt.h"
#include "arch/x86.h"
#include "lib/string.h"

#define KPRINTF_BUF 256

struct kprintf_buf {
  char buf[KPRINTF_BUF];
  int len;
};

static int console_at_line_start = 1;

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
  uint32_t f = irq_save();
  for (int i = 0; i < n; i++) {
    if (console_at_line_start)
      console_color_for(s + i, n - i);
    console_putc(s[i]);
    console_at_line_start = s[i] == '\n';
    if (console_at_line_start)
      vga_set_color(VGA_LIGHT_GREY);
  }
  irq_restore(f);
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
  kprintf("[panic] ");
  va_start(ap, fmt);
  kvprintf(fmt, ap);
  va_end(ap);
  kprintf("\n[kernel] result: PANIC\n");
  power_off(POWER_PANIC);
}
