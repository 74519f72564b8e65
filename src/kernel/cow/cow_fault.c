/*
 * cow_fault.c - what a write to a copy-on-write page does.
 *
 * The page-table entry is reached through the recursive slot (toPTE). With
 * the reference count at 1 the frame is reused: made writable, PTE_COW
 * cleared, no copy. Otherwise a new user frame is mapped at the scratch
 * page, the 4 KiB are copied, the entry is pointed at the new frame
 * (writable, no PTE_COW), and the old frame loses one reference. The
 * decision, the copy and the entry update happen under the reference-count lock.
 */
#include "cow/cow.h"
#include "mm/vm.h"
#include "mm/pageref.h"
#include "mm/pool.h"
#include "proc/proc.h"
#include "arch/trap.h"
#include "kernel/printk.h"

struct cow_stats cow_stats;
static int cow_trace_level;

int cow_trace_set(int level)
{
  int old = cow_trace_level;
  cow_trace_level = level;
  return old;
}

/* The [cow] line: who, where, why, what was decided, frames and counts before and after. */
static void cow_trace(uint32_t va, uint32_t err, uint32_t eip, const char *action, uint32_t old_pa,
                      uint32_t new_pa, uint32_t refs_before, uint32_t refs_after)
{
  if (!cow_trace_level)
    return;
  struct proc *p = proc_current();
  char dec[40];
  kprintf("[cow] pid=%d name=%s va=0x%08x err=0x%x(%s) eip=0x%08x %s frame 0x%08x->0x%08x ref %u->%u\n",
          p ? p->pid : 0, p ? p->name : "-", va, err, trap_pf_decode(err, dec, sizeof dec), eip, action,
          old_pa, new_pa, refs_before, refs_after);
}

/* Only reference left: make the entry writable in place. */
static enum cow_result cow_reuse(pte_t *pte, uint32_t page)
{
  *pte = (*pte | PTE_W) & ~(pte_t)PTE_COW;
  vm_invlpg(page);
  cow_stats.reuses++;
  return COW_REUSED;
}

/* Shared frame: repoint the entry at new_pa, already holding the copy (count lock held). */
static enum cow_result cow_copy(pte_t *pte, uint32_t page, uint32_t new_pa)
{
  *pte = new_pa | (((*pte & PTE_FLAGS) | PTE_W) & ~(pte_t)PTE_COW);
  vm_invlpg(page);
  cow_stats.copies++;
  return COW_COPIED;
}

enum cow_result cow_handle_write(uint32_t va, uint32_t err, uint32_t eip)
{
  uint32_t page = PG_ROUND_DOWN(va);
  if (va >= USER_TOP || !(*vm_pde_current(va) & PTE_P))
    return COW_NOT_COW;
  pte_t *pte = vm_pte_current(va);
  if ((*pte & (PTE_P | PTE_U | PTE_COW)) != (PTE_P | PTE_U | PTE_COW))
    return COW_NOT_COW;

  cow_stats.faults++;
  uint32_t old_pa = PTE_ADDR(*pte);
  page_ref_lock();
  uint32_t refs = page_ref_get(old_pa);
  if (refs == 1) {
    enum cow_result r = cow_reuse(pte, page);
    page_ref_unlock();
    cow_trace(va, err, eip, "reuse", old_pa, old_pa, 1, 1);
    return r;
  }

  /* The frame and the scratch page are taken under the count lock (pageref.c's lock order). */
  uint32_t new_pa = pool_alloc(&pool_user, 1);
  if (!new_pa) {
    page_ref_unlock();
    cow_trace(va, err, eip, "out-of-memory", old_pa, 0, refs, refs);
    return COW_OUT_OF_MEMORY;
  }
  vm_copy_to_frame(new_pa, (const void *)page);
  uint32_t left = page_ref_move_locked(old_pa, new_pa);
  enum cow_result r = cow_copy(pte, page, new_pa);
  page_ref_unlock();
  if (left == 0)
    page_ref_free(old_pa);
  cow_trace(va, err, eip, "copy", old_pa, new_pa, refs, left);
  return r;
}
