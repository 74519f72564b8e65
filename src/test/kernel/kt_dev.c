/*
 * kt_dev.c - self-tests of the consoles: VGA scrolling, SGR colours and the UART.
 */
#include "test/ktest.h"
#include "arch/printk.h"
#include "arch/vga.h"
#include "arch/serial.h"

#define KT_LOOPBACK_BYTE 0xA5
#define KT_SGR_GREEN_ON_RED (VGA_RED << 4 | VGA_GREEN)

void ktest_dev(void)
{
  /* Fill the screen so it must scroll, then find our marker one row higher. */
  for (int i = 0; i < VGA_ROWS; i++)
    kprintf("[ktest] vga line %d\n", i);
  kprintf("[ktest] vga-scroll-marker");
  int row = vga_row();
  int at_bottom = row == VGA_ROWS - 1;
  kprintf("\n");
  int row_after = vga_row();
  uint16_t cell = vga_cell(row_after - 1, 8);   /* the 'v' of "[ktest] vga-scroll-marker" */
  ktest_check("kt_vga_scroll", at_bottom && row_after == VGA_ROWS - 1 && (cell & 0xFF) == 'v',
              "marker row %d, after newline row %d, cell '%c'", row, row_after, cell & 0xFF);
  ktest_check("kt_vga_color", (vga_cell(row_after - 1, 0) >> 8) != 0, "attribute byte is 0");

  /* An SGR sequence colours the next cell on VGA (green on red), reset restores grey on black. */
  kprintf("[ktest] sgr \033[32;41mX\033[0mY\n");
  uint16_t x = vga_cell(vga_row() - 1, 12), y = vga_cell(vga_row() - 1, 13);
  ktest_check("kt_console_sgr", x == (KT_SGR_GREEN_ON_RED << 8 | 'X') && y == (VGA_LIGHT_GREY << 8 | 'Y'),
              "cells 0x%04x 0x%04x", x, y);

  int got = serial_loopback_probe(KT_LOOPBACK_BYTE);
  ktest_check("kt_serial_loopback", got == KT_LOOPBACK_BYTE, "sent 0x%x, read back %d", KT_LOOPBACK_BYTE, got);
}
