/*
 * kmap.c - temporary and device mappings of physical ranges (mm/kmap.h).
 */
#include "mm/kmap.h"
#include "mm/kheap.h"
#include "mm/mm.h"
#include "mm/vm.h"
#include "arch/tlb.h"

/* Number of pages that [pa, pa + len) touches. */
static uint32_t kmap_pages(uint32_t pa, uint32_t len)
{
  return (PG_ROUND_UP(pa + len) - PG_ROUND_DOWN(pa)) / PGSIZE;
}

/* Non-zero when [pa, pa + len) lies in the direct map with ordinary caching. */
static int kmap_direct(uint32_t pa, uint32_t len, uint32_t flags)
{
  return !(flags & (PTE_PCD | PTE_PWT)) && pa + len >= pa && pa + len <= mm_layout.kpool_end;
}

void *kmap_phys(uint32_t pa, uint32_t len, uint32_t flags)
{
  if (kmap_direct(pa, len, flags))
    return P2V(pa);
  uint32_t n = kmap_pages(pa, len);
  uint32_t va = kvpool_alloc(n);
  if (!va)
    return 0;
  for (uint32_t i = 0; i < n; i++)
    vm_map(kernel_pd, va + i * PGSIZE, PG_ROUND_DOWN(pa) + i * PGSIZE, flags);   /* kvpool tables exist */
  return (void *)(va + (pa & (PGSIZE - 1)));
}

void kunmap_phys(void *p, uint32_t len)
{
  uint32_t va = (uint32_t)p;
  if (va < KVPOOL_BASE || va >= KVPOOL_BASE + KVPOOL_SIZE)
    return;   /* reached through the direct map: nothing to undo */
  uint32_t n = kmap_pages(va, len);
  for (uint32_t i = 0; i < n; i++)
    vm_unmap(kernel_pd, PG_ROUND_DOWN(va) + i * PGSIZE);
  tlb_shootdown(PG_ROUND_DOWN(va), n);     /* before the virtual pages can be handed out again */
  kvpool_free(PG_ROUND_DOWN(va), n);
}
