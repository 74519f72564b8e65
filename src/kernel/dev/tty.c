/*
 * tty.c - the console's input side.
 *
 * Characters from the PS/2 keyboard (scan code set 1) and from COM1 go
 * through one line discipline: printable characters are stored and echoed,
 * a Tab is stored as a Tab and echoed as spaces up to the console's next
 * column that is a multiple of TTY_TAB_STOP, backspace erases (a Tab's
 * spaces too), Enter ends the line; read() on fd 0 returns whole lines
 * (a reader with a smaller buffer gets the line in pieces, the last one
 * ending in '\n'). Ctrl-C discards the line being typed and kills the
 * foreground process (and what it forked); with none, it ends a waiting
 * read with -1. Ctrl-D on an empty line ends a waiting read with 0. Other
 * control characters and terminal escape sequences (arrow keys) are
 * dropped. Bytes are removed from the buffer only after they reached the
 * user buffer, so a bad buffer loses no input.
 */
#include "dev/tty.h"
#include "arch/serial.h"
#include "arch/cpu.h"
#include "arch/trapframe.h"
#include "arch/x86.h"
#include "arch/spinlock.h"
#include "sched/proc.h"
#include "sched/uaccess.h"
#include "arch/printk.h"
#include "arch/vga.h"

#define TTY_BUF        256
#define KBD_DATA       0x60
#define KBD_STATUS     0x64
#define KBD_OUT_FULL   0x01
#define KBD_RELEASE    0x80
#define SC_LSHIFT      0x2A
#define SC_RSHIFT      0x36
#define SC_CTRL        0x1D      /* left Ctrl; right Ctrl is the same code after an 0xE0 prefix */
#define CH_CTRL(c)     ((c) & 0x1F)
#define CH_INTR        CH_CTRL('c')
#define CH_EOF         CH_CTRL('d')
#define CH_BACKSPACE   0x08
#define CH_TAB         '\t'
#define TTY_TAB_STOP   8         /* a Tab's echo ends at a multiple of this column */
#define CH_ESC         0x1B
#define CH_DELETE      0x7F
#define CH_PRINT_FIRST ' '
#define CH_PRINT_LAST  '~'
#define CSI_FINAL_FIRST 0x40     /* an escape sequence ends with a byte in 0x40..0x7E */
#define CSI_FINAL_LAST  0x7E

enum tty_esc { TTY_ESC_NONE, TTY_ESC_START, TTY_ESC_SEQ };

static char tty_buf[TTY_BUF];
static uint8_t tty_cols[TTY_BUF];      /* columns each stored character's echo took (a Tab: 1..8) */
static uint32_t tty_r, tty_w, tty_e;   /* read, committed-line end, edit end */
static uint32_t tty_intr_count;        /* Ctrl-C presses that found no foreground process */
static uint32_t tty_eof_count;         /* Ctrl-D presses on an empty line */
static int tty_fg;                     /* foreground pid, 0 for none */
static enum tty_esc tty_esc;
static int tty_shift, tty_ctrl;
static int tty_echo = 1;
static struct spinlock tty_lock = SPINLOCK_INIT("tty", SPIN_RANK_WAIT);   /* everything above; keyboard and serial IRQs come to cpu0 */

static const char kbd_map[128] = {
  0, 0, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', '\b', '\t',
  'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\n', 0, 'a', 's',
  'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0, '\\', 'z', 'x', 'c', 'v',
  'b', 'n', 'm', ',', '.', '/', 0, '*', 0, ' ',
};
static const char kbd_shift_map[128] = {
  0, 0, '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', '\b', '\t',
  'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\n', 0, 'A', 'S',
  'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0, '|', 'Z', 'X', 'C', 'V',
  'B', 'N', 'M', '<', '>', '?', 0, '*', 0, ' ',
};

void tty_init(void)
{
  pic_enable(IRQ_KEYBOARD);
  pic_enable(IRQ_COM1);
}

/* Show what typing did on the console, unless echo is off. */
static void tty_echo_bytes(const char *s, int n)
{
  if (tty_echo)
    kwrite(s, n);
}

/* Does c belong to a terminal escape sequence (ESC [ ... final, ESC O x, ESC x)? Tracks the state. */
static int tty_in_escape(unsigned char c)
{
  if (c < CH_PRINT_FIRST && c != CH_ESC) {
    tty_esc = TTY_ESC_NONE;            /* a control character ends a broken sequence */
    return 0;
  }
  switch (tty_esc) {
  case TTY_ESC_NONE:
    if (c != CH_ESC)
      return 0;
    tty_esc = TTY_ESC_START;
    return 1;
  case TTY_ESC_START:
    tty_esc = (c == '[' || c == 'O') ? TTY_ESC_SEQ : TTY_ESC_NONE;
    return 1;
  case TTY_ESC_SEQ:
    if (c >= CSI_FINAL_FIRST && c <= CSI_FINAL_LAST)
      tty_esc = TTY_ESC_NONE;
    return 1;
  }
  return 1;
}

/* Ctrl-C: drop the line being typed, then kill the foreground process or interrupt the reader. */
static void tty_interrupt(void)
{
  tty_e = tty_w;
  tty_echo_bytes("^C\n", 3);
  if (tty_fg && proc_interrupt(tty_fg) == 0)
    return;
  tty_fg = 0;
  tty_intr_count++;
  proc_wakeup(&tty_r);
}

/* Echo c, a Tab as spaces to the next tab stop of the console's column; returns the columns. */
static int tty_echo_char(char c)
{
  static const char spaces[TTY_TAB_STOP] = { ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ' };
  if (c != CH_TAB) {
    tty_echo_bytes(&c, 1);
    return 1;
  }
  int cols = TTY_TAB_STOP - vga_col() % TTY_TAB_STOP;
  tty_echo_bytes(spaces, cols);
  return cols;
}

/* Erase the last character of the line being typed from the buffer and from the screen. */
static void tty_erase(void)
{
  tty_e--;
  for (int i = 0; i < tty_cols[tty_e % TTY_BUF]; i++)
    tty_echo_bytes("\b \b", 3);
}

/* Store c at the end of the line being typed and echo it; a full buffer keeps its last slot for '\n'. */
static void tty_store(char c)
{
  if (tty_e - tty_r >= TTY_BUF || (tty_e - tty_r >= TTY_BUF - 1 && c != '\n'))
    return;
  tty_cols[tty_e % TTY_BUF] = (uint8_t)tty_echo_char(c);
  tty_buf[tty_e++ % TTY_BUF] = c;
  if (c == '\n' || tty_e - tty_r >= TTY_BUF) {
    tty_w = tty_e;
    proc_wakeup(&tty_r);
  }
}

/* One input character (tty_lock held). */
static void tty_input_locked(char ch)
{
  unsigned char c = (unsigned char)ch;
  if (tty_in_escape(c))
    return;
  if (c == '\r')
    c = '\n';
  if (c == CH_INTR) {
    tty_interrupt();
  } else if (c == CH_EOF) {
    if (tty_e == tty_w) {
      tty_eof_count++;
      proc_wakeup(&tty_r);
    }
  } else if (c == CH_BACKSPACE || c == CH_DELETE) {
    if (tty_e != tty_w)
      tty_erase();
  } else if (c == '\n' || c == CH_TAB || (c >= CH_PRINT_FIRST && c <= CH_PRINT_LAST)) {
    tty_store((char)c);
  }
}

void tty_input(char ch)
{
  spin_lock(&tty_lock);
  tty_input_locked(ch);
  spin_unlock(&tty_lock);
}

void tty_keyboard_irq(void)
{
  while (inb(KBD_STATUS) & KBD_OUT_FULL) {
    uint8_t sc = inb(KBD_DATA);
    if (sc == SC_LSHIFT || sc == SC_RSHIFT)
      tty_shift = 1;
    else if (sc == (SC_LSHIFT | KBD_RELEASE) || sc == (SC_RSHIFT | KBD_RELEASE))
      tty_shift = 0;
    else if (sc == SC_CTRL || sc == (SC_CTRL | KBD_RELEASE))
      tty_ctrl = !(sc & KBD_RELEASE);
    else if (!(sc & KBD_RELEASE) && sc < sizeof kbd_map) {
      char c = tty_shift ? kbd_shift_map[sc] : kbd_map[sc];
      if (tty_ctrl)
        c = (c >= 'a' && c <= 'z') ? CH_CTRL(c) : 0;
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

/* Copy up to n bytes of the first committed line into buf without consuming them. IRQs masked. */
static int tty_take_locked(char *buf, int n)
{
  int got = 0;
  while (got < n && tty_r + (uint32_t)got != tty_w) {
    buf[got] = tty_buf[(tty_r + (uint32_t)got) % TTY_BUF];
    if (buf[got++] == '\n')
      break;
  }
  return got;
}

int tty_read(uint32_t uva, int n)
{
  if (n < 0 || uaccess_check(uva, (uint32_t)n, UACCESS_WRITE) < 0)
    return -1;
  spin_lock(&tty_lock);
  uint32_t intr = tty_intr_count, eof = tty_eof_count;
  while (tty_r == tty_w) {
    if (proc_current()->killed_by || tty_intr_count != intr || tty_eof_count != eof) {
      int ret = tty_eof_count != eof && !proc_current()->killed_by ? 0 : -1;
      spin_unlock(&tty_lock);
      return ret;
    }
    proc_sleep(&tty_r, &tty_lock);
  }
  char line[TTY_BUF];
  int got = tty_take_locked(line, n < TTY_BUF ? n : TTY_BUF);
  int ok = copy_to_user(uva, line, (uint32_t)got) == 0;   /* under the lock: no other reader takes the line */
  if (ok)
    tty_r += (uint32_t)got;
  spin_unlock(&tty_lock);
  return ok ? got : -1;
}

int tty_take(char *buf, int n)
{
  spin_lock(&tty_lock);
  int got = tty_take_locked(buf, n);
  tty_r += (uint32_t)got;
  spin_unlock(&tty_lock);
  return got;
}

int tty_echo_set(int on)
{
  int old = tty_echo;
  tty_echo = on;
  return old;
}

int tty_set_foreground(int pid)
{
  struct proc *cur = proc_current_group();
  if (pid) {
    /* p->parent is read under proc_lock: once it is let go p may exit and be freed */
    spin_lock(&proc_lock);
    const struct proc *p = proc_find_locked(pid);
    int allowed = p && (p == cur || p->parent == cur);
    spin_unlock(&proc_lock);
    if (!allowed)
      return -1;
  }
  spin_lock(&tty_lock);
  tty_fg = pid;
  spin_unlock(&tty_lock);
  return 0;
}
