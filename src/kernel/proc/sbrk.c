/*
 * sbrk.c - growing and shrinking the heap.
 *
 * Growth maps nothing: it only moves the break, in time that does not
 * depend on the size. A page below the break is backed on its first touch
 * (cow/zero_fault.c): a read maps the shared zero frame read-only, a write
 * a fresh zeroed frame of its own. Shrinking unmaps whole pages above the
 * new break and drops their references (an entry of the zero frame has
 * none: it is only cleared). Page tables shared with another space
 * (FORK_POLICY_SHARED_PT) are made private first. A one-thread process lets
 * others run between chunks of a shrink (sched_preempt_point).
 *
 * The overcommit rule: a growth by more pages than the user pool has free
 * at the moment of the call fails with -1 (nothing changes), so a request
 * that can never be backed gets its answer here, as before. A growth that
 * fits is not reserved: until its pages are written the frames stay free
 * for anyone, as the frames a copy-on-write fork will need are not
 * reserved either (a strict reservation for the heap alone would be a
 * promise fork breaks anyway). A write that then finds the pool empty kills
 * the writer with "[fault] ... killed: out of memory for a zero page", the
 * way a copy-on-write copy does; the kernel and other processes go on.
 *
 * With several threads the whole call holds the space lock (vmspace.h), so
 * two threads' calls, and a sibling's fault or fork, never interleave with
 * it; it is then not preempted. A shrink clears a chunk's entries, shoots
 * them down on every CPU in the space, and only then drops the frames'
 * references: a sibling on another CPU may hold a translation of a page
 * until the shootdown, and must never write a frame that went back to the
 * pool. (One thread alone: the shootdown is this CPU's invlpg.)
 */
#include "sched/proc.h"
#include "proc/proc.h"
#include "sched/sched.h"
#include "mm/pageref.h"
#include "mm/vm.h"
#include "mm/vmspace.h"
#include "mm/ptshare.h"

#define SBRK_UNMAP_PAGES 64                       /* pages unmapped per shootdown and pause */
#define SBRK_UNMAP_CHUNK (SBRK_UNMAP_PAGES * PGSIZE)

/* Let others run, unless the space lock is held (locked); -1 when killed. */
static int sbrk_pause(int locked)
{
  return locked ? 0 : sched_preempt_point();
}

/* Unmap the pages in [va, end) of g's space, at most SBRK_UNMAP_PAGES: clear the entries, shoot
 * them down, then drop the frames' references. */
static void sbrk_unmap_chunk(struct proc *g, uint32_t va, uint32_t end)
{
  uint32_t frames[SBRK_UNMAP_PAGES], n = 0, pages = (end - va) / PGSIZE;
  for (uint32_t a = va; a < end; a += PGSIZE) {
    pte_t old = vm_unmap(g->vm.pd, a);
    if ((old & (PTE_P | PTE_ZERO)) == PTE_P)    /* the zero frame has no count */
      frames[n++] = PTE_ADDR(old);
  }
  uint32_t cpus = vm_space_shootdown(&g->vm, va, pages);
  for (uint32_t i = 0; i < n; i++)
    page_ref_dec(frames[i]);
  if (cpus)
    cow_trace_shootdown("sbrk", va, pages, cpus);
}

/* Unmap the heap pages in [start, end) of g, letting others run between chunks unless locked.
 * It always completes, killed or not: it is the unwinding (or a shrink, which cannot fail). */
static void sbrk_unmap(struct proc *g, uint32_t start, uint32_t end, int locked)
{
  for (uint32_t va = start; va < end; va += SBRK_UNMAP_CHUNK) {
    sbrk_unmap_chunk(g, va, end - va > SBRK_UNMAP_CHUNK ? va + SBRK_UNMAP_CHUNK : end);
    sbrk_pause(locked);
  }
}

/* May the break move from old up to new? Not past the stack's guard, and not by more pages than
 * the user pool has free now (the overcommit rule above); nothing is mapped or reserved. */
static int sbrk_grow_fits(uint32_t old, uint32_t new)
{
  if (new <= old || new > USER_STACK_GUARD)
    return 0;
  uint32_t pages = (PG_ROUND_UP(new) - PG_ROUND_UP(old)) / PGSIZE;
  return pages <= __atomic_load_n(&pool_user.free, __ATOMIC_RELAXED);
}

/* Move the break by inc bytes; returns the old break or -1 (nothing changed). */
int proc_sbrk(int inc)
{
  struct proc *g = proc_current_group();
  /* Growth changes no entry and no count. Shrink: each entry is cleared before its
   * reference is dropped (the other order would free a frame still mapped), with no lock over
   * the pair: a memcheck in between would see a frame counted but not mapped. It is marked
   * in flux: memcheck walks the spaces only while nothing is in flux, holding the flux lock so
   * no mark starts during its walk, and starts again when a mark or a count change appears
   * while it compares. The mark comes before the space lock (the lock order). */
  vm_space_in_flux(1);
  int locked = vm_space_lock_shared(&g->vm), rc = -1;
  uint32_t old = g->brk, new = old + (uint32_t)inc;
  if (inc > 0) {
    if (sbrk_grow_fits(old, new))
      rc = 0;
  } else if (inc < 0) {
    if (new < old && new >= g->heap_start &&
        pt_unshare_range(g->vm.pd, PG_ROUND_UP(new), PG_ROUND_UP(old)) == 0) {
      g->brk = new;                     /* pages above a break may be mapped, never below */
      sbrk_unmap(g, PG_ROUND_UP(new), PG_ROUND_UP(old), locked);
      rc = 0;
    }
  } else {
    rc = 0;
  }
  if (rc == 0)
    g->brk = new;
  vm_space_unlock_shared(&g->vm, locked);
  vm_space_in_flux(-1);
  return rc == 0 ? (int)old : -1;
}
