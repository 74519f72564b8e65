/*
 * serial.c - COM1 driver: 8N1 set-up and line-status polling.
 *
 * Bochs models the 16550 closely: characters written without waiting for
 * LSR.THRE are lost, so every write polls the line-status register.
 */
#include "arch/serial.h"
#include "arch/x86.h"

#define COM1            0x3F8
#define UART_DATA       0
#define UART_IER        1
#define UART_FCR        2
#define UART_LCR        3
#define UART_MCR        4
#define UART_LSR        5
#define UART_DLL        0
#define UART_DLM        1
#define LCR_DLAB        0x80
#define LCR_8N1         0x03
#define FCR_ENABLE_CLEAR 0xC7
#define MCR_DTR_RTS_OUT2 0x0B
#define MCR_LOOPBACK    0x10
#define IER_RX          0x01
#define LSR_DATA_READY  0x01
#define LSR_THR_EMPTY   0x20
#define LSR_TX_IDLE     0x40
#define FLUSH_SPINS     1000000
#define BAUD_DIVISOR    1          /* 115200 / 1 */
#define LOOPBACK_SPINS  100000

void serial_init(void)
{
  outb(COM1 + UART_IER, 0);
  outb(COM1 + UART_LCR, LCR_DLAB);
  outb(COM1 + UART_DLL, BAUD_DIVISOR);
  outb(COM1 + UART_DLM, 0);
  outb(COM1 + UART_LCR, LCR_8N1);
  outb(COM1 + UART_FCR, FCR_ENABLE_CLEAR);
  outb(COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
  outb(COM1 + UART_IER, IER_RX);
}

void serial_putc(char c)
{
  while (!(inb(COM1 + UART_LSR) & LSR_THR_EMPTY))
    cpu_relax();
  outb(COM1 + UART_DATA, (uint8_t)c);
}

void serial_flush(void)
{
  for (int i = 0; i < FLUSH_SPINS && !(inb(COM1 + UART_LSR) & LSR_TX_IDLE); i++)
    cpu_relax();
}

int serial_getc(void)
{
  if (!(inb(COM1 + UART_LSR) & LSR_DATA_READY))
    return -1;
  return inb(COM1 + UART_DATA);
}

int serial_loopback_probe(uint8_t byte)
{
  uint32_t f = irq_save();
  int got = -1;
  outb(COM1 + UART_MCR, MCR_LOOPBACK | MCR_DTR_RTS_OUT2);
  while (serial_getc() >= 0)
    ;
  serial_putc((char)byte);
  for (int i = 0; i < LOOPBACK_SPINS && got < 0; i++)
    got = serial_getc();
  outb(COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
  irq_restore(f);
  return got;
}
