/*
 * memcheck.c - the memory consistency checker.
 *
 * For every user frame: the number of user page-table entries that map it
 * (over every live address space) must equal its reference count, and the
 * frame must be allocated in the pool bitmap exactly when that count is
 * non-zero. Every user PTE must point into the user pool. The check lets
 * other processes run while it compares and starts again if a count moved.
 */
#include "mm/mm.h"
#include "mm/pool.h"
#include "mm/pageref.h"
#include "mm/kheap.h"
#include "mm/vm.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "kernel/printk.h"
#include "lib/string.h"

#define MEMCHECK_STRIDE 1024   /* frames compared between preemption points */
#define MEMCHECK_TRIES  8      /* runs given up because counts moved, before one that keeps the CPU */
#define MEMCHECK_RETRY  (-2)

/* Count the user mappings of pd into counts; returns the number of PTEs outside the user pool. */
static int memcheck_count_space(const struct proc *p, uint16_t *counts)
{
  int bad = 0;
  for (uint32_t i = 0; i < USER_PDES; i++) {
    if (!(p->pd[i] & PTE_P))
      continue;
    const pte_t *pt = P2V(PTE_ADDR(p->pd[i]));
    for (uint32_t j = 0; j < PT_ENTRIES; j++) {
      if (!(pt[j] & PTE_P))
        continue;
      uint32_t pa = PTE_ADDR(pt[j]);
      if (!pool_contains(&pool_user, pa)) {
        kprintf("[memcheck] pid %d va 0x%08x maps 0x%08x outside the user pool\n", p->pid,
                (i << 22) | (j << 12), pa);
        bad++;
        continue;
      }
      counts[(pa - pool_user.base) / PGSIZE]++;
    }
  }
  return bad;
}

/* Wait until no address space is being built or torn down (one no process holds); -1 if the
 * caller is killed. */
static int memcheck_settle(void)
{
  while (vm_spaces_in_flux()) {
    sched_yield();
    if (proc_current()->killed_by)
      return -1;
  }
  return 0;
}

/* One check into counts. With preempt, it lets others run every MEMCHECK_STRIDE frames and gives
 * up with MEMCHECK_RETRY if a count changed meanwhile (nothing is reported from a moving
 * picture); -1 if the caller is killed. */
static int memcheck_run(uint16_t *counts, int preempt)
{
  if (memcheck_settle() < 0)
    return -1;
  uint32_t gen = page_ref_generation();
  memset(counts, 0, pool_user.frames * sizeof(uint16_t));
  int bad = 0;
  for (struct proc *p = proc_list; p; p = p->next)
    if (p->pd && p->state != PROC_ZOMBIE)
      bad += memcheck_count_space(p, counts);
  for (uint32_t i = 0; i < pool_user.frames; i++) {
    if (preempt && i % MEMCHECK_STRIDE == 0) {
      if (sched_preempt_point() < 0)
        return -1;
      if (page_ref_generation() != gen || vm_spaces_in_flux())
        return MEMCHECK_RETRY;
    }
    uint32_t pa = pool_user.base + i * PGSIZE;
    uint32_t refs = page_ref_get(pa);
    int used = pool_frame_used(&pool_user, pa);
    if (counts[i] != refs) {
      kprintf("[memcheck] frame 0x%08x: %u mappings but reference count %u\n", pa, counts[i], refs);
      bad++;
    } else if (refs != 0 && !used) {
      kprintf("[memcheck] frame 0x%08x: reference count %u but free in the pool bitmap\n", pa, refs);
      bad++;
    } else if (refs == 0 && used && mm_frame_is_ram(pa)) {
      kprintf("[memcheck] frame 0x%08x: allocated in the pool bitmap but unreferenced (leaked)\n", pa);
      bad++;
    }
  }
  return bad;
}

int memcheck(void)
{
  uint16_t *counts = kmalloc(pool_user.frames * sizeof(uint16_t));
  if (!counts) {
    kprintf("[memcheck] out of kernel memory for the count table\n");
    return -1;
  }
  int bad, run = 0;
  while ((bad = memcheck_run(counts, run < MEMCHECK_TRIES)) == MEMCHECK_RETRY)
    run++;
  kfree(counts);
  return bad;
}
