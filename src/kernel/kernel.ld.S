/*
 * kernel.ld.S - link map of the kernel (run through the C preprocessor for layout.h).
 * Virtual addresses start at KERNEL_BASE + KERNEL_PHYS; each section is
 * loaded at its virtual address minus KERNEL_BASE.
 */
#include "boot/layout.h"

ENTRY(_start)
SECTIONS
{
  . = KERNEL_BASE + KERNEL_PHYS;
  __kernel_start = .;
  .text : AT(ADDR(.text) - KERNEL_BASE) { *(.text.entry) *(.text .text.*) }
  __text_end = .;
  . = ALIGN(4096);
  .rodata : AT(ADDR(.rodata) - KERNEL_BASE) { *(.rodata .rodata.*) }
  . = ALIGN(4096);
  __data_start = .;
  .data : AT(ADDR(.data) - KERNEL_BASE) { *(.data .data.*) }
  .bss : AT(ADDR(.bss) - KERNEL_BASE) { __bss_start = .; *(.bss .bss.*) *(COMMON) __bss_end = .; }
  . = ALIGN(4096);
  __kernel_end = .;
  /DISCARD/ : { *(.comment) *(.note*) *(.eh_frame*) }
}
ASSERT(__kernel_end - KERNEL_BASE <= KERNEL_IMAGE_LIMIT,
       "layout: the kernel image outgrows KERNEL_IMAGE_LIMIT (include/boot/layout.h)")
