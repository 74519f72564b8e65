/*
 * kmap.h - kernel access to physical ranges outside the pools: firmware
 * tables and device registers.
 *
 * A range inside the direct map is reached through it; anything else gets
 * kernel-virtual-pool pages mapped onto it (no frame is allocated, nothing
 * is counted). Mappings live in the kernel half, so every space sees them.
 */
#ifndef MM_KMAP_H
#define MM_KMAP_H
#include <stdint.h>

/* A kernel address for [pa, pa + len) with the extra PTE flags (PTE_W, PTE_PCD...); 0 when out of virtual space. */
void *kmap_phys(uint32_t pa, uint32_t len, uint32_t flags);
/* Undo kmap_phys(pa, len): unmap and invalidate any temporary pages, release their virtual range. */
void kunmap_phys(void *va, uint32_t len);

#endif
