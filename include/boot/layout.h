/*
 * layout.h - where everything lives, physically and virtually.
 *
 * The one source of the machine layout. NASM files get the same numbers
 * through build/gen/layout.inc, generated from this file by the Makefile,
 * so every value here must be a plain integer expression.
 */
#ifndef BOOT_LAYOUT_H
#define BOOT_LAYOUT_H

#define PGSIZE                4096
#define PGSHIFT               12
#define SECTOR_SIZE           512

/* Low physical memory used while booting. */
#define BOOTINFO_PHYS         0x1000      /* struct bootinfo, filled by the loader */
#define BOOT_PD_PHYS          0x2000      /* boot page directory */
#define BOOT_PT0_PHYS         0x3000      /* maps physical 0..4 MiB */
#define BOOT_PT1_PHYS         0x4000      /* maps physical 4..8 MiB */
#define AP_TRAMPOLINE_PHYS    0x6000      /* AP start-up code (SIPI vector 6): the loader stack's page, dead after boot */
#define LOADER_STACK_TOP      0x7000      /* protected-mode loader stack */
#define MBR_PHYS              0x7C00
#define BOOT_TABLE_OFFSET     0x1A0       /* disk table inside the MBR, patched by mkimage */
#define LOADER_PHYS           0x8000
#define LOADER_MAX_SECTORS    48          /* 24 KiB: 0x8000..0xE000 */
#define LOADER_LBA            1

/* The kernel image. */
#define KERNEL_PHYS           0x100000    /* 1 MiB */
#define KERNEL_BASE           0xC0000000  /* start of the kernel half */
#define KERNEL_IMAGE_LIMIT    0x400000    /* the image must end below 4 MiB physical */
#define BOOT_MAP_SIZE         0x800000    /* the loader maps 8 MiB at KERNEL_BASE */

/* Virtual layout of the kernel half. */
#define DIRECT_MAP_MAX        0x4000000   /* at most 64 MiB of low memory mapped at KERNEL_BASE */
#define KVPOOL_BASE           0xD0000000  /* kernel virtual address pool */
#define KVPOOL_SIZE           0x2000000   /* 32 MiB */
#define SCRATCH_VA            0xFF800000  /* the scratch page for touching unmapped frames */
#define RECURSIVE_PDE         1023        /* page-directory slot that points at itself */
#define RECURSIVE_PT_BASE     0xFFC00000  /* all page tables of the current space */
#define RECURSIVE_PD_BASE     0xFFFFF000  /* the current page directory */

/* Virtual layout of a user process. */
#define USER_TEXT_BASE        0x08048000
#define USER_TOP              0xC0000000
#define USER_STACK_PAGES      8
#define USER_STACK_BOTTOM     (USER_TOP - USER_STACK_PAGES * PGSIZE)
#define USER_STACK_GUARD      (USER_STACK_BOTTOM - PGSIZE)

#endif
