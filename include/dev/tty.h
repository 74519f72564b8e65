/*
 * tty.h - console input: keyboard and serial characters, line editing, echo, Ctrl-C.
 */
#ifndef DEV_TTY_H
#define DEV_TTY_H
#include <stdint.h>

/* Enable the keyboard and COM1 receive interrupts. */
void tty_init(void);
/* IRQ 1: read scan codes from the PS/2 controller. */
void tty_keyboard_irq(void);
/* IRQ 4: read received bytes from COM1. */
void tty_serial_irq(void);
/* Block until a line is typed; copy up to n bytes of it to the user buffer at uva. -1 on a bad
 * buffer, a kill, or Ctrl-C with no foreground process; 0 after Ctrl-D on an empty line. */
int tty_read(uint32_t uva, int n);
/* Feed one typed character to the line discipline, as the keyboard and serial interrupts do
 * (interrupts masked). */
void tty_input(char c);
/* Take up to n bytes of the first finished line without blocking (the self-tests' reader); 0 if none. */
int tty_take(char *buf, int n);
/* Turn the echo of typed characters on (1) or off (0); returns the old setting. */
int tty_echo_set(int on);
/* Name the foreground process Ctrl-C kills: 0 (none), the caller or a child of it; -1 otherwise. */
int tty_set_foreground(int pid);

#endif
