/*
 * ptshare.c - page-table counts, sharing at fork, and unsharing on write.
 *
 * Page tables live in the kernel pool, which ends below PT_SHARE_PHYS_LIMIT
 * (mm_init.c's KPOOL_END_MAX), so the counts are one uint16_t per frame of
 * that range, indexed by physical frame number. The lock order:
 * include/arch/spinlock.h.
 */
#include "mm/ptshare.h"
#include "mm/vmspace.h"
#include "arch/percpu.h"
#include "mm/pageref.h"
#include "mm/pool.h"
#include "arch/spinlock.h"
#include "arch/printk.h"

#define PT_SHARE_PHYS_LIMIT  (32u << 20)
#define PT_SHARE_FRAMES      (PT_SHARE_PHYS_LIMIT / PGSIZE)
#define PT_SHARE_FIRST       2            /* the count of a table when a second space starts using it */

struct pt_share_stats pt_share_stats;
static uint16_t pt_counts[PT_SHARE_FRAMES];
static uint32_t pt_shared_now;           /* tables with count >= 2 */
static struct spinlock pt_lock = SPINLOCK_INIT("ptshare", SPIN_RANK_PTSHARE);

/* The count slot of the table at pa; panics outside the kernel pool's range. */
static uint16_t *pt_count_slot(uint32_t pa)
{
  if (pa >= PT_SHARE_PHYS_LIMIT || !pool_contains(&pool_kernel, pa))
    panic("ptshare: page table 0x%x is not a kernel-pool frame", pa);
  return &pt_counts[pa / PGSIZE];
}

void pt_share_space(pde_t *parent, pde_t *child)
{
  /* LAB(sharedpt) BEGIN "every user PDE of the child points at the parent's table: counts, flags" */
  spin_lock(&pt_lock);
  for (uint32_t i = 0; i < USER_PDES; i++) {
    pde_t e = parent[i];
    if (!(e & PTE_P))
      continue;
    uint16_t *c = pt_count_slot(PTE_ADDR(e));
    if (*c == 0)
      *c = PT_SHARE_FIRST, pt_shared_now++;
    else if (++*c == PT_SHARE_FIRST)
      pt_shared_now++;
    e = (e & ~(pde_t)PTE_W) | PDE_SHARED_PT;
    parent[i] = child[i] = e;
  }
  spin_unlock(&pt_lock);
  #if 0 /* LAB STARTER */
  (void)parent;
  (void)child;
  panic("pt_share_space: not written yet");
  #endif /* LAB END */
}

/* One user fewer for the table behind *c (lock held). */
static void pt_count_drop(uint16_t *c)
{
  if (--*c == PT_SHARE_FIRST - 1)
    pt_shared_now--;
}

/* A copy of the shared table old for one writer: every present page gains a reference, every
 * writable entry becomes PTE_COW in both (pte_make_cow), whatever its count, under one hold of the
 * count lock. Returns the new table's frame or 0.
 *
 * Why no frame stays writable in two spaces: after the copy the frame is mapped by (at least) two
 * tables that belong to different spaces, the copy (the writer's) and old (every other user).
 * Fork's rule (fork_share_table) gives such a frame PTE_W in neither. A frame whose count was
 * already above 1 is no exception: no THREAD relative can use a shared table (a THREAD fork makes
 * the parent's tables private first, and a shared fork of a process with a live THREAD relative
 * falls back to COW), so its other references are another table's copy-on-write entries, or a
 * relative that is exiting or exec'ing and never writes again. Left writable, old's next user to
 * write would reuse old in place (count 1: its PDE turns writable, no PTE is read) and write
 * the frame the copy writes too. Turned read-only here, each writer's first write faults and the
 * copy-on-write path copies (count above 1) or reuses (count 1). No TLB shootdown is needed for
 * old: every space that uses it reaches it through a read-only PDE (PDE_SHARED_PT), so no CPU
 * holds a writable translation through it; the writer's space is flushed by pt_unshare. */
static uint32_t pt_copy_table(pte_t *old)
{
  /* LAB(cow,sharedpt) BEGIN */
  uint32_t pa = kframe_alloc();
  if (!pa)
    return 0;
  pte_t *copy = P2V(pa);
  page_ref_lock();
  struct page_ref_view v = page_ref_view_locked();
  for (uint32_t j = 0; j < PT_ENTRIES; j++) {
    pte_t e = old[j];
    if (!e)
      continue;                    /* absent: the fresh table is zeroed already */
    if ((e & (PTE_P | PTE_ZERO)) != PTE_P) {
      if (e & PTE_ZERO)
        copy[j] = e;               /* the zero frame: the same read-only entry, no count */
      continue;
    }
    uint32_t slot, c = page_ref_mapped_locked(&v, PTE_ADDR(e), &slot);
    if (e & PTE_W)
      old[j] = e = pte_make_cow(e);
    page_ref_share_locked(&v, slot, c);
    copy[j] = e;
  }
  page_ref_shared_done_locked(&v);
  page_ref_unlock();
  return pa;
  #if 0 /* LAB STARTER */
  (void)old;
  return 0;                            /* no copy yet: pt_unshare reports out of memory */
  #endif /* LAB END */
}

enum pt_unshare_result pt_unshare(pde_t *pd, uint32_t pdx, uint32_t *table_before, uint32_t *count_before,
                                  uint32_t *shot_cpus)
{
  /* LAB(sharedpt) BEGIN "a write into a shared table: reuse it at count 1, else copy it (pt_copy_table) and flush" */
  enum pt_unshare_result r = PT_PRIVATE;
  spin_lock(&pt_lock);
  pde_t e = pd[pdx];
  if (!(e & PTE_P) || !(e & PDE_SHARED_PT)) {
    spin_unlock(&pt_lock);
    return PT_PRIVATE;
  }
  uint16_t *c = pt_count_slot(PTE_ADDR(e));
  if (table_before)
    *table_before = PTE_ADDR(e);
  if (count_before)
    *count_before = *c;
  if (*c <= 1) {
    *c = 0;
    pd[pdx] = (e | PTE_W) & ~(pde_t)PDE_SHARED_PT;
    pt_share_stats.reuses++;
    r = PT_REUSED;
  } else {
    uint32_t pa = pt_copy_table(P2V(PTE_ADDR(e)));
    if (!pa) {
      spin_unlock(&pt_lock);
      return PT_OUT_OF_MEMORY;
    }
    pd[pdx] = pa | ((e | PTE_W) & PTE_FLAGS & ~(pde_t)PDE_SHARED_PT);
    /* Other CPUs running this space may still walk the old table through a cached PDE; once the
     * count drops its last other user may reuse it in place and make its entries writable. So
     * every CPU in the space flushes the table's 4 MiB before the count drops (one thread: this
     * CPU only). */
    uint32_t cpus = 0;
    if (pd == vm_current() && this_cpu()->vm)
      cpus = vm_space_shootdown(this_cpu()->vm, PGADDR(pdx, 0, 0), PT_ENTRIES);
    if (shot_cpus)
      *shot_cpus = cpus;
    pt_count_drop(c);
    pt_share_stats.copies++;
    r = PT_COPIED;
  }
  spin_unlock(&pt_lock);
  if (pd == vm_current())
    vm_flush_tlb();
  return r;
  #if 0 /* LAB STARTER */
  (void)pd;
  (void)pdx;
  (void)table_before;
  (void)count_before;
  (void)shot_cpus;
  (void)pt_copy_table;
  (void)pt_count_drop;
  return PT_PRIVATE;                   /* no table is shared yet */
  #endif /* LAB END */
}

int pt_unshare_range(pde_t *pd, uint32_t start, uint32_t end)
{
  if (start >= end)
    return 0;
  for (uint32_t i = PDX(start); i <= PDX(end - 1) && i < USER_PDES; i++)
    if ((pd[i] & PDE_SHARED_PT) && pt_unshare(pd, i, 0, 0, 0) == PT_OUT_OF_MEMORY)
      return -1;
  return 0;
}

int pt_share_release(pde_t *pd, uint32_t pdx)
{
  /* LAB(sharedpt) BEGIN "one user fewer: is pd the table's last user?" */
  pde_t e = pd[pdx];
  if (!(e & PDE_SHARED_PT))
    return 1;
  spin_lock(&pt_lock);
  uint16_t *c = pt_count_slot(PTE_ADDR(e));
  int last = *c <= 1;
  if (last)
    *c = 0;
  else
    pt_count_drop(c);
  spin_unlock(&pt_lock);
  return last;
  #if 0 /* LAB STARTER */
  (void)pd;
  (void)pdx;
  return 1;                            /* no table is shared yet: every one is its space's own */
  #endif /* LAB END */
}

uint32_t pt_share_count(uint32_t pt)
{
  return *pt_count_slot(pt);
}

uint32_t pt_share_shared(void)
{
  return pt_shared_now;
}

void pt_share_lock(void)
{
  spin_lock(&pt_lock);
}

void pt_share_unlock(void)
{
  spin_unlock(&pt_lock);
}

void pt_share_each(void (*fn)(uint32_t pt, uint32_t count, void *arg), void *arg)
{
  for (uint32_t i = 0; i < PT_SHARE_FRAMES; i++)
    if (pt_counts[i])
      fn(i * PGSIZE, pt_counts[i], arg);
}
