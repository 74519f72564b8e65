/*
 * mmu.h - the x86 two-level page tables as the hardware reads them: entry bits, the index of an
 * address in each level, and the kernel's direct map (physical pa at KERNEL_BASE + pa).
 */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H
#include <stdint.h>
#include "boot/layout.h"

typedef uint32_t pte_t;
typedef uint32_t pde_t;

#define PTE_P        0x001   /* present */
#define PTE_W        0x002   /* writable */
#define PTE_U        0x004   /* user accessible */
#define PTE_PWT      0x008   /* write-through (device registers) */
#define PTE_PCD      0x010   /* cache disabled (device registers) */
#define PTE_A        0x020   /* accessed */
#define PTE_D        0x040   /* dirty */
#define PTE_COW      0x200   /* bit 9 (AVL): shared copy-on-write */
#define PDE_SHARED_PT 0x200  /* bit 9 (AVL) of a PDE: its page table is shared, read-only here (ptshare.c) */
#define PTE_ZERO     0x400   /* bit 10 (AVL): maps the shared zero frame, read-only, uncounted (zeropage.c) */
#define PTE_FLAGS    0xFFF
#define PTE_ADDR(e)  ((e) & ~(uint32_t)PTE_FLAGS)
#define PT_ENTRIES   1024
#define PDXSHIFT     22      /* a directory entry maps 4 MiB */
#define PDX(va)      ((uint32_t)(va) >> PDXSHIFT)
#define PTX(va)      (((uint32_t)(va) >> PGSHIFT) & (PT_ENTRIES - 1))
/* The virtual address of directory slot d, table slot t, offset o. */
#define PGADDR(d, t, o) ((uint32_t)(d) << PDXSHIFT | (uint32_t)(t) << PGSHIFT | (uint32_t)(o))
#define PG_ROUND_DOWN(a) ((uint32_t)(a) & ~(uint32_t)(PGSIZE - 1))
#define PG_ROUND_UP(a)   (((uint32_t)(a) + PGSIZE - 1) & ~(uint32_t)(PGSIZE - 1))
#define USER_PDES    PDX(USER_TOP)

/* Fork's sharing rule for a writable entry: read-only, and bit 9 says copy-on-write. */
static inline pte_t pte_make_cow(pte_t e) { return (e & ~(pte_t)PTE_W) | PTE_COW; }
/* The end of copy-on-write for an entry: it maps pa (the copy, or its own frame when reused),
 * writable, bit 9 clear, its other flags kept. */
static inline pte_t pte_make_private(pte_t e, uint32_t pa)
{
  return pa | (((e & PTE_FLAGS) | PTE_W) & ~(pte_t)PTE_COW);
}

#define P2V(pa)      ((void *)((uint32_t)(pa) + KERNEL_BASE))
#define V2P(va)      ((uint32_t)(va) - KERNEL_BASE)

#endif
