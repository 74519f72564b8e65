/*
 * tty.h - console input: keyboard and serial characters, line editing, echo.
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
/* Block until a line is typed; copy up to n bytes of it to the user buffer at uva. -1 on a bad buffer or kill. */
int tty_read(uint32_t uva, int n);

#endif
