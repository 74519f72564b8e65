/*
 * cow_fault.c - what a write to a copy-on-write page does.
 *
 * The page-table entry is reached through the recursive slot (toPTE). With
 * the reference count at 1 the frame is reused: made writable, PTE_COW
 * cleared, no copy. Otherwise a new user frame is mapped at the scratch
 * page, the 4 KiB are copied, the entry is pointed at the new frame
 * (writable, no PTE_COW), and the old frame loses one reference.
 *
 * On several CPUs, which steps need the reference-count lock:
 *   - Count 1 seen without the lock is final: the one reference is this
 *     process's own PTE, and a new reference to a frame is only ever made
 *     from an entry that maps it (fork of this process, which is here in
 *     its fault, or the copy of a shared table, which this private entry
 *     is not in). So the reuse takes no lock.
 *   - Count 2 or more: the copy is made first, without the lock, from the
 *     frame through this process's read-only entry. Nobody writes the frame
 *     meanwhile: every sharer maps it read-only, and a sharer that finds
 *     itself last only reuses after this process's copy has dropped out.
 *     Then, under the lock, the count is read again and decides: still
 *     shared, the entry moves to the copy and the old frame loses one
 *     reference; down to 1 (the other sharers copied meanwhile), the frame
 *     is reused and the copy goes back to the pool. The decision and the
 *     entry update are atomic with respect to every CPU changing the count;
 *     only the 4 KiB copy runs in parallel.
 * Of two sharers of a count-2 frame writing at once, both copy in
 * parallel; the first to take the lock moves (2 -> 1), the second, seeing
 * 1, reuses and returns its copy. cow_handle_write runs with interrupts
 * masked (the page-fault gate; a THREAD fork masks them around its call), so
 * it never moves to another CPU between reading its PTE and writing it, and
 * this CPU's scratch page stays its own.
 *
 * A write into a page table shared by FORK_POLICY_SHARED_PT (its PDE read-only
 * with PDE_SHARED_PT) first makes the table private: reused when this space is
 * its last user, copied otherwise (ptshare.c); then the page-level decision
 * above runs as for any other write.
 */
#include "cow/cow.h"
#include "mm/vm.h"
#include "mm/pageref.h"
#include "mm/ptshare.h"
#include "mm/pool.h"
#include "sched/proc.h"
#include "arch/trapframe.h"
#include "arch/percpu.h"
#include "arch/printk.h"

void cow_stats_sum(struct cow_stats *out)
{
  out->faults = out->copies = out->reuses = 0;
  for (int i = 0; i < CPU_MAX; i++) {
    out->faults += cpus[i].cow.faults;
    out->copies += cpus[i].cow.copies;
    out->reuses += cpus[i].cow.reuses;
  }
}

void cow_copy_seqs(uint32_t *seq)
{
  for (int i = 0; i < CPU_MAX; i++)
    seq[i] = cpus[i].cow.copy_seq;
}

int cow_copies_moved(const uint32_t *before)
{
  for (int i = 0; i < CPU_MAX; i++)
    if ((before[i] & 1) || cpus[i].cow.copy_seq != before[i])
      return 1;
  return 0;
}

int cow_trace_set(int level)
{
  struct proc *p = proc_current();
  int old = p->cow_trace;
  p->cow_trace = level;
  return old;
}

/* The [cow] line: who, where, why, what was decided, frames and counts before and after, and
 * the CPU that handled the fault. */
static void cow_trace(uint32_t va, uint32_t err, uint32_t eip, const char *action, uint32_t old_pa,
                      uint32_t new_pa, uint32_t refs_before, uint32_t refs_after)
{
  struct proc *p = proc_current();
  if (!p || !p->cow_trace)
    return;
  char dec[40];
  kprintf("[cow] pid=%d name=%s va=0x%08x err=0x%x(%s) eip=0x%08x %s frame 0x%08x->0x%08x ref %u->%u cpu=%d\n",
          p->pid, p->name, va, err, trap_pf_decode(err, dec, sizeof dec), eip, action,
          old_pa, new_pa, refs_before, refs_after, this_cpu()->id);
}

/* The trace line's word for a page-level decision. */
static const char *cow_action_name(enum cow_result r)
{
  return r == COW_COPIED ? "copy" : r == COW_REUSED ? "reuse" : "out-of-memory";
}

/* Only reference left: make the entry writable in place. */
static enum cow_result cow_reuse(pte_t *pte, uint32_t page)
{
  *pte = (*pte | PTE_W) & ~(pte_t)PTE_COW;
  vm_invlpg(page);
  this_cpu()->cow.reuses++;
  return COW_REUSED;
}

/* Shared frame: repoint the entry at new_pa, already holding the copy (count lock held). */
static enum cow_result cow_copy(pte_t *pte, uint32_t page, uint32_t new_pa)
{
  *pte = new_pa | (((*pte & PTE_FLAGS) | PTE_W) & ~(pte_t)PTE_COW);
  vm_invlpg(page);
  this_cpu()->cow.copies++;
  return COW_COPIED;
}

/* A write into a shared page table's region: make the table private to this space. Returns
 * COW_OUT_OF_MEMORY when no frame was left for the copy, COW_REUSED otherwise. */
static enum cow_result cow_unshare_table(uint32_t va, uint32_t err, uint32_t eip)
{
  uint32_t table = 0, count = 0;
  enum pt_unshare_result r = pt_unshare(vm_current(), PDX(va), &table, &count);
  uint32_t now = PTE_ADDR(*vm_pde_current(va));
  if (r == PT_OUT_OF_MEMORY) {
    cow_trace(va, err, eip, "table out-of-memory", table, 0, count, count);
    return COW_OUT_OF_MEMORY;
  }
  if (r == PT_COPIED)
    cow_trace(va, err, eip, "table copy", table, now, count, count - 1);
  else if (r == PT_REUSED)
    cow_trace(va, err, eip, "table reuse", table, now, count, 0);
  return COW_REUSED;
}

enum cow_result cow_handle_write(uint32_t va, uint32_t err, uint32_t eip)
{
  uint32_t page = PG_ROUND_DOWN(va);
  if (va >= USER_TOP || !(*vm_pde_current(va) & PTE_P))
    return COW_NOT_COW;
  pte_t *pte = vm_pte_current(va);
  if ((*pte & (PTE_P | PTE_U)) != (PTE_P | PTE_U))
    return COW_NOT_COW;
  if (*vm_pde_current(va) & PDE_SHARED_PT) {
    if (cow_unshare_table(va, err, eip) == COW_OUT_OF_MEMORY)
      return COW_OUT_OF_MEMORY;
    if (*pte & PTE_W)
      return COW_REUSED;          /* the entry was writable: the write can go ahead now */
  }
  if (!(*pte & PTE_COW))
    return COW_NOT_COW;

  struct cpu_cow_counts *cc = &this_cpu()->cow;
  cc->faults++;
  uint32_t old_pa = PTE_ADDR(*pte);
  if (page_ref_peek(old_pa) == 1) {       /* final without the lock: see the header */
    enum cow_result r = cow_reuse(pte, page);
    cow_trace(va, err, eip, "reuse", old_pa, old_pa, 1, 1);
    return r;
  }

  /* Shared: copy outside the lock, then let the count decide under it. From the frame's
   * allocation to its count (or its return) the copy sequence is odd: memcheck waits it out. */
  cc->copy_seq++;
  uint32_t new_pa = pool_alloc_frame(&pool_user);
  if (new_pa)
    vm_copy_to_frame_masked(new_pa, (const void *)page);
  page_ref_lock();
  uint32_t refs = new_pa ? page_ref_move_if_shared_locked(old_pa, new_pa) : page_ref_get(old_pa);
  enum cow_result r = refs == 1 ? cow_reuse(pte, page)          /* every other sharer copied meanwhile */
                      : new_pa ? cow_copy(pte, page, new_pa) : COW_OUT_OF_MEMORY;
  page_ref_unlock();
  if (r == COW_REUSED && new_pa)
    pool_free(&pool_user, new_pa, 1);
  cc->copy_seq++;
  cow_trace(va, err, eip, cow_action_name(r), old_pa, r == COW_COPIED ? new_pa : r == COW_REUSED ? old_pa : 0, refs,
            r == COW_COPIED ? refs - 1 : refs);
  return r;
}
