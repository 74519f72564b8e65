/*
 * sbrk.c - growing and shrinking the heap.
 *
 * Growth maps zeroed frames at once (so running out of memory is an
 * answer here, not a fault later); shrinking unmaps whole pages above the
 * new break and drops their references. Page tables shared with another
 * space (FORK_POLICY_SHARED_PT) are made private first.
 */
#include "proc/proc.h"
#include "mm/pageref.h"
#include "mm/vm.h"
#include "mm/ptshare.h"

/* Move the break by inc bytes; returns the old break or -1 (nothing changed). */
int proc_sbrk(int inc)
{
  struct proc *p = proc_current();
  uint32_t old = p->brk, new = old + (uint32_t)inc;
  if (inc > 0) {
    if (new < old || new > USER_STACK_GUARD || pt_unshare_range(p->pd, PG_ROUND_UP(old), new) < 0)
      return -1;
    for (uint32_t va = PG_ROUND_UP(old); va < new; va += PGSIZE) {
      uint32_t pa = page_alloc_user();
      if (pa)
        vm_zero_frame(pa);
      if (!pa || vm_map(p->pd, va, pa, PTE_W | PTE_U) < 0) {
        if (pa)
          page_ref_dec(pa);
        vm_unmap_range(p->pd, PG_ROUND_UP(old), va);
        return -1;
      }
    }
  } else if (inc < 0) {
    if (new > old || new < p->heap_start || pt_unshare_range(p->pd, PG_ROUND_UP(new), PG_ROUND_UP(old)) < 0)
      return -1;
    vm_unmap_range(p->pd, PG_ROUND_UP(new), PG_ROUND_UP(old));
  }
  p->brk = new;
  return (int)old;
}
