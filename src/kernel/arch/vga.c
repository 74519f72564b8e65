/*
 * vga.c - 80x25 colour text console at 0xB8000 with scrolling and a hardware cursor.
 */
#include "arch/vga.h"
#include "boot/layout.h"
#include "arch/x86.h"

#define VGA_MEM        ((volatile uint16_t *)(KERNEL_BASE + 0xB8000))
#define VGA_CRTC_INDEX 0x3D4
#define VGA_CRTC_DATA  0x3D5
#define VGA_CURSOR_HI  0x0E
#define VGA_CURSOR_LO  0x0F
#define VGA_TAB        8
#define VGA_WRAP_INDENT 4           /* a wrapped line continues indented */
#define VGA_BG_MASK    0x7          /* attribute bit 7 is blink: backgrounds are the dark eight */

static int vga_x, vga_y;
static uint8_t vga_attr = VGA_LIGHT_GREY;

/* Move the blinking hardware cursor to the software cursor. */
static void vga_sync_cursor(void)
{
  uint16_t pos = (uint16_t)(vga_y * VGA_COLS + vga_x);
  outb(VGA_CRTC_INDEX, VGA_CURSOR_HI);
  outb(VGA_CRTC_DATA, (uint8_t)(pos >> 8));
  outb(VGA_CRTC_INDEX, VGA_CURSOR_LO);
  outb(VGA_CRTC_DATA, (uint8_t)pos);
}

/* Move every row up by one and blank the last. */
static void vga_scroll(void)
{
  for (int i = 0; i < (VGA_ROWS - 1) * VGA_COLS; i++)
    VGA_MEM[i] = VGA_MEM[i + VGA_COLS];
  for (int i = (VGA_ROWS - 1) * VGA_COLS; i < VGA_ROWS * VGA_COLS; i++)
    VGA_MEM[i] = (uint16_t)(vga_attr << 8 | ' ');
  vga_y = VGA_ROWS - 1;
}

/* The row is full: continue on the next row, indented, carrying the unfinished word along. */
static void vga_wrap(void)
{
  uint16_t word[VGA_COLS];
  int start = VGA_COLS;
  while (start > VGA_WRAP_INDENT && (VGA_MEM[vga_y * VGA_COLS + start - 1] & 0xFF) != ' ')
    start--;
  if (start <= VGA_WRAP_INDENT)
    start = VGA_COLS;                     /* one long word: break it where it is */
  int n = VGA_COLS - start;
  for (int i = 0; i < n; i++) {
    word[i] = VGA_MEM[vga_y * VGA_COLS + start + i];
    VGA_MEM[vga_y * VGA_COLS + start + i] = (uint16_t)(vga_attr << 8 | ' ');
  }
  vga_x = 0, vga_y++;
  if (vga_y >= VGA_ROWS)
    vga_scroll();
  for (; vga_x < VGA_WRAP_INDENT; vga_x++)
    VGA_MEM[vga_y * VGA_COLS + vga_x] = (uint16_t)(vga_attr << 8 | ' ');
  for (int i = 0; i < n; i++)
    VGA_MEM[vga_y * VGA_COLS + vga_x++] = word[i];
}

void vga_init(void)
{
  for (int i = 0; i < VGA_ROWS * VGA_COLS; i++)
    VGA_MEM[i] = (uint16_t)(VGA_LIGHT_GREY << 8 | ' ');
  vga_x = vga_y = 0;
  vga_sync_cursor();
}

void vga_set_color(enum vga_color fg)
{
  vga_attr = (uint8_t)fg;
}

void vga_set_colors(enum vga_color fg, enum vga_color bg)
{
  vga_attr = (uint8_t)((bg & VGA_BG_MASK) << 4 | fg);
}

void vga_putc(char c)
{
  switch (c) {
  case '\n':
    vga_x = 0, vga_y++;
    break;
  case '\r':
    vga_x = 0;
    break;
  case '\b':
    if (vga_x > 0)
      VGA_MEM[vga_y * VGA_COLS + --vga_x] = (uint16_t)(vga_attr << 8 | ' ');
    break;
  case '\t':
    vga_x = (vga_x + VGA_TAB) & ~(VGA_TAB - 1);
    break;
  default:
    VGA_MEM[vga_y * VGA_COLS + vga_x++] = (uint16_t)(vga_attr << 8 | (uint8_t)c);
    break;
  }
  if (vga_x >= VGA_COLS)
    vga_wrap();
  if (vga_y >= VGA_ROWS)
    vga_scroll();
  vga_sync_cursor();
}

uint16_t vga_cell(int row, int col)
{
  return VGA_MEM[row * VGA_COLS + col];
}

int vga_row(void)
{
  return vga_y;
}

int vga_col(void)
{
  return vga_x;
}
