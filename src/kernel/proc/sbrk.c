/*
 * sbrk.c - growing and shrinking the heap.
 *
 * Growth maps zeroed frames at once (so running out of memory is an
 * answer here, not a fault later); shrinking unmaps whole pages above the
 * new break and drops their references. Page tables shared with another
 * space (FORK_POLICY_SHARED_PT) are made private first. Both let other
 * processes run between pages (sched_preempt_point): every page below the
 * break is mapped at such a point, and a killed or failed growth unmaps what
 * it added and leaves the break where it was.
 */
#include "sched/proc.h"
#include "proc/proc.h"
#include "sched/sched.h"
#include "mm/pageref.h"
#include "mm/vm.h"
#include "mm/ptshare.h"

#define SBRK_UNMAP_CHUNK (64 * PGSIZE)   /* bytes unmapped between preemption points */

/* Unmap the heap pages in [start, end) of p, letting others run between chunks. It always
 * completes, killed or not: it is the unwinding (or a shrink, which cannot fail). */
static void sbrk_unmap(struct proc *p, uint32_t start, uint32_t end)
{
  for (uint32_t va = start; va < end; va += SBRK_UNMAP_CHUNK) {
    vm_unmap_range(p->vm.pd, va, end - va > SBRK_UNMAP_CHUNK ? va + SBRK_UNMAP_CHUNK : end);
    sched_preempt_point();
  }
}

/* Move the break by inc bytes; returns the old break or -1 (nothing changed). */
int proc_sbrk(int inc)
{
  struct proc *p = proc_current();
  uint32_t old = p->brk, new = old + (uint32_t)inc;
  if (inc > 0) {
    if (new < old || new > USER_STACK_GUARD || pt_unshare_range(p->vm.pd, PG_ROUND_UP(old), new) < 0)
      return -1;
    vm_space_in_flux(1);                /* a frame is counted before it is mapped: memcheck waits */
    for (uint32_t va = PG_ROUND_UP(old); va < new; va += PGSIZE) {
      uint32_t pa = page_alloc_user();
      if (pa)
        vm_zero_frame(pa);
      if (!pa || vm_map(p->vm.pd, va, pa, PTE_W | PTE_U) < 0) {
        if (pa)
          page_ref_dec(pa);
        sbrk_unmap(p, PG_ROUND_UP(old), va);
        vm_space_in_flux(-1);
        return -1;
      }
      if (sched_preempt_point() < 0) {
        sbrk_unmap(p, PG_ROUND_UP(old), va + PGSIZE);
        vm_space_in_flux(-1);
        return -1;
      }
    }
    vm_space_in_flux(-1);
  } else if (inc < 0) {
    if (new > old || new < p->heap_start || pt_unshare_range(p->vm.pd, PG_ROUND_UP(new), PG_ROUND_UP(old)) < 0)
      return -1;
    p->brk = new;                       /* pages above a break may be mapped, never below */
    /* Each page's entry is cleared before its reference is dropped (vm_unmap_range; the other
     * order would free a frame still mapped), with no lock over the pair: a memcheck in between
     * would see a frame counted but not mapped. Marked in flux, as growth is: memcheck walks the
     * spaces only while nothing is in flux, holding the flux lock so no mark starts during its
     * walk, and starts again when a mark or a count change appears while it compares. */
    vm_space_in_flux(1);
    sbrk_unmap(p, PG_ROUND_UP(new), PG_ROUND_UP(old));
    vm_space_in_flux(-1);
  }
  p->brk = new;
  return (int)old;
}
