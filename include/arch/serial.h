/*
 * serial.h - COM1, a 16550 UART at 115200 8N1, written by polling.
 */
#ifndef ARCH_SERIAL_H
#define ARCH_SERIAL_H
#include <stdint.h>

/* Program COM1 for 115200 baud, 8 data bits, no parity, 1 stop bit, receive IRQ on. */
void serial_init(void);
/* Write one byte, waiting for the transmit holding register to empty. */
void serial_putc(char c);
/* Wait until every written byte has left the UART (LSR transmitter empty). */
void serial_flush(void);
/* Return the next received byte, or -1 when none is waiting. */
int serial_getc(void);
/* Send byte through the UART's loopback mode and return what came back (-1 on none). */
int serial_loopback_probe(uint8_t byte);

#endif
