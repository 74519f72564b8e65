/*
 * zeropage.c - the shared zero frame.
 *
 * A heap page below the break that was never touched is backed lazily
 * (cow/zero_fault.c): a read maps this one frame, a write gets a fresh
 * zeroed frame of its own.
 *
 * The rules that keep the frame all zeros:
 *   - It is a kernel-pool frame, outside the user pool: it has no slot in
 *     the 16-bit reference-count array and no count at all, so no number
 *     of entries mapping it can overflow a count, and it never goes back to
 *     a pool. Every walk that counts or drops user frames (fork, teardown,
 *     sbrk's shrink, a shared table's copy, memcheck, framesnap) skips an
 *     entry with PTE_ZERO; the entry is simply copied (fork) or cleared.
 *   - Its entries are user, read-only, PTE_ZERO, never PTE_W or PTE_COW.
 *     CR0.WP is set on every CPU (cpu_check.c), so a kernel write through
 *     copy-out faults on it like a user write, and the fault replaces the
 *     entry with a private frame first: the zero frame is written neither
 *     by user code nor by the kernel through a user address.
 *   - The kernel's own direct map of the frame is writable, but nothing
 *     writes through it after zero_page_init; memcheck checks the bytes.
 */
#include "mm/zeropage.h"
#include "mm/pool.h"
#include "mm/pageref.h"
#include "mm/vm.h"
#include "arch/printk.h"
#include "lib/string.h"

uint32_t zero_page_pa;

void zero_page_init(void)
{
  zero_page_pa = kframe_alloc();
  if (!zero_page_pa)
    panic("zeropage: no kernel frame for the zero frame");
  memset(P2V(zero_page_pa), 0, PGSIZE);
}

const char *zero_page_check_entry(pte_t e)
{
  if (PTE_ADDR(e) != zero_page_pa)
    return "PTE_ZERO entry maps another frame";
  if (e & PTE_W)
    return "entry of the zero frame is writable";
  if (e & PTE_COW)
    return "entry of the zero frame carries PTE_COW";
  if (!(e & PTE_U))
    return "entry of the zero frame is not a user entry";
  return 0;
}

int zero_page_intact(void)
{
  const uint32_t *w = P2V(zero_page_pa);
  for (uint32_t i = 0; i < PGSIZE / sizeof *w; i++)
    if (w[i])
      return 0;
  return 1;
}

int zero_page_commit_range(pde_t *pd, uint32_t start, uint32_t end)
{
  for (uint32_t va = PG_ROUND_DOWN(start); va < end; va += PGSIZE) {
    pte_t *pte = vm_walk(pd, va, 1);
    if (!pte)
      return -1;
    if ((*pte & PTE_P) && !zero_page_entry(*pte))
      continue;
    uint32_t pa = page_alloc_user();
    if (!pa)
      return -1;
    vm_zero_frame(pa);
    *pte = pa | PTE_W | PTE_U | PTE_P;
    if (pd == vm_current())
      vm_invlpg(va);
  }
  return 0;
}
