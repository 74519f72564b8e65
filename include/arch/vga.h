/*
 * vga.h - the 80x25 colour text screen.
 */
#ifndef ARCH_VGA_H
#define ARCH_VGA_H
#include <stdint.h>

#define VGA_COLS 80
#define VGA_ROWS 25

enum vga_color {
  VGA_BLACK = 0, VGA_BLUE = 1, VGA_GREEN = 2, VGA_CYAN = 3, VGA_RED = 4, VGA_MAGENTA = 5,
  VGA_BROWN = 6, VGA_LIGHT_GREY = 7, VGA_DARK_GREY = 8, VGA_LIGHT_BLUE = 9, VGA_LIGHT_GREEN = 10,
  VGA_LIGHT_CYAN = 11, VGA_LIGHT_RED = 12, VGA_LIGHT_MAGENTA = 13, VGA_YELLOW = 14, VGA_WHITE = 15,
};

/* Clear the screen and home the cursor. */
void vga_init(void);
/* Write one character at the cursor (handles \n, \r, \b, \t), scrolling at the bottom. */
void vga_putc(char c);
/* Set the foreground colour for following characters. */
void vga_set_color(enum vga_color fg);
/* Set foreground and background colours for following characters (background 0-7: no blink). */
void vga_set_colors(enum vga_color fg, enum vga_color bg);
/* The character cell (attribute << 8 | char) at row, col. */
uint16_t vga_cell(int row, int col);
/* The current cursor row. */
int vga_row(void);
/* The cursor's column, 0 .. VGA_COLS - 1. */
int vga_col(void);

#endif
