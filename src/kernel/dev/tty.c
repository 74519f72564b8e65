/*
 * tty.c - the console's input side.
 *
 * Characters from the PS/2 keyboard (scan code set 1) and from COM1 go
 * into one line buffer with echo and backspace; read() on fd 0 returns
 * whole lines. Bytes are removed from the buffer only after they reached
 * the user buffer, so a bad buffer loses no input.
 */
#include "dev/tty.h"
#include "dev/serial.h"
#include "arch/cpu.h"
#include "arch/trap.h"
#include "arch/x86.h"
#include "proc/proc.h"
#include "proc/uaccess.h"
#include "kernel/printk.h"

#define TTY_BUF        256
#define KBD_DATA       0x60
#define KBD_STATUS     0x64
#define KBD_OUT_FULL   0x01
#define KBD_RELEASE    0x80
#define SC_LSHIFT      0x2A
#define SC_RSHIFT      0x36
#define CH_BACKSPACE   0x08
#define CH_DELETE      0x7F

static char tty_buf[TTY_BUF];
static uint32_t tty_r, tty_w, tty_e;   /* read, committed-line end, edit end */
static int tty_shift;

static const char kbd_map[128] = {
  0, 27, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', '\b', '\t',
  'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\n', 0, 'a', 's',
  'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0, '\\', 'z', 'x', 'c', 'v',
  'b', 'n', 'm', ',', '.', '/', 0, '*', 0, ' ',
};
static const char kbd_shift_map[128] = {
  0, 27, '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', '\b', '\t',
  'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\n', 0, 'A', 'S',
  'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0, '|', 'Z', 'X', 'C', 'V',
  'B', 'N', 'M', '<', '>', '?', 0, '*', 0, ' ',
};

void tty_init(void)
{
  pic_enable(IRQ_KEYBOARD);
  pic_enable(IRQ_COM1);
}

/* Add one typed character to the line being edited, echoing it. */
static void tty_input(char c)
{
  if (c == '\r')
    c = '\n';
  if (c == CH_BACKSPACE || c == CH_DELETE) {
    if (tty_e != tty_w) {
      tty_e--;
      kwrite("\b \b", 3);
    }
    return;
  }
  if (tty_e - tty_r >= TTY_BUF || (tty_e - tty_r >= TTY_BUF - 1 && c != '\n'))
    return;                               /* full: the last slot is kept for a newline */
  tty_buf[tty_e++ % TTY_BUF] = c;
  kwrite(&c, 1);
  if (c == '\n' || tty_e - tty_r >= TTY_BUF) {
    tty_w = tty_e;
    proc_wakeup(&tty_r);
  }
}

void tty_keyboard_irq(void)
{
  while (inb(KBD_STATUS) & KBD_OUT_FULL) {
    uint8_t sc = inb(KBD_DATA);
    if (sc == SC_LSHIFT || sc == SC_RSHIFT)
      tty_shift = 1;
    else if (sc == (SC_LSHIFT | KBD_RELEASE) || sc == (SC_RSHIFT | KBD_RELEASE))
      tty_shift = 0;
    else if (!(sc & KBD_RELEASE) && sc < sizeof kbd_map) {
      char c = tty_shift ? kbd_shift_map[sc] : kbd_map[sc];
      if (c)
        tty_input(c);
    }
  }
}

void tty_serial_irq(void)
{
  int c;
  while ((c = serial_getc()) >= 0)
    tty_input((char)c);
}

int tty_read(uint32_t uva, int n)
{
  if (n < 0 || uaccess_check(uva, (uint32_t)n, UACCESS_WRITE) < 0)
    return -1;
  uint32_t f = irq_save();
  while (tty_r == tty_w) {
    if (proc_current()->killed_by) {
      irq_restore(f);
      return -1;
    }
    proc_sleep(&tty_r);
  }
  int got = 0;
  char line[TTY_BUF];
  while (got < n && tty_r + (uint32_t)got != tty_w) {
    line[got] = tty_buf[(tty_r + (uint32_t)got) % TTY_BUF];
    if (line[got++] == '\n')
      break;
  }
  irq_restore(f);
  if (copy_to_user(uva, line, (uint32_t)got) < 0)
    return -1;
  tty_r += (uint32_t)got;
  return got;
}
