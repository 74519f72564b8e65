/*
 * cow_fault.c - what a write to a copy-on-write page does.
 *
 * LAB(cow) BEGIN
 * The page-table entry is reached through the recursive slot (toPTE). With
 * the reference count at 1 the frame is reused: made writable, PTE_COW
 * cleared, no copy. Otherwise a new user frame is mapped at the scratch
 * page, the 4 KiB are copied, the entry is pointed at the new frame
 * (writable, no PTE_COW), and the old frame loses one reference.
 *
 * LAB(smp) BEGIN
 * On several CPUs, which steps need the reference-count lock:
 *   - Count 1 seen without the lock is final: the one reference is this
 *     space's own PTE, and a new reference to a frame is only ever made
 *     from an entry that maps it (a fork of this space, made by this very
 *     thread or, with several threads, under the space lock this fault
 *     holds; or the copy of a shared table, which this private entry is
 *     not in). So the reuse takes no lock.
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
 * LAB STARTER
 * (Several CPUs: which steps need the count lock, and why. LAB.md says what to write here.)
 * LAB END
 * Threads (one space on several CPUs; the fault holds the space lock, so
 * no sibling changes an entry meanwhile):
 *   - The copy is break-before-make: the entry is cleared, the page is
 *     shot down on every CPU in the space, and only then does the entry
 *     point at the copy. No sibling keeps reading the old frame through a
 *     stale translation once the writer's store can be seen; a sibling
 *     that touches the page in between faults on the cleared entry, waits
 *     for the lock, and finds the new entry (COW_SPURIOUS).
 *   - The reuse needs no shootdown: it only adds PTE_W to the same frame.
 *     A sibling holding the old read-only translation reads the same
 *     frame, and its write faults, finds the entry writable, drops the
 *     stale translation and retries (COW_SPURIOUS).
 *
 * LAB STARTER
 * (Write here how a write to a copy-on-write page is resolved: the reuse, the
 * copy, the count. LAB.md says what this paragraph should cover.)
 * LAB END
 *
 * LAB(sharedpt) BEGIN
 * A write into a page table shared by FORK_POLICY_SHARED_PT (its PDE read-only
 * with PDE_SHARED_PT) first makes the table private: reused when this space is
 * its last user, copied otherwise (ptshare.c); then the page-level decision
 * above runs as for any other write.
 * LAB STARTER
 * (A write into a shared page table: what happens first.)
 * LAB END
 *
 * Each decision goes into the caller's struct cow_report; the fault handler
 * prints it as the [cow] trace line (src/kernel/proc/cow_trace.c).
 */
#include "cow/cow.h"
#include "mm/vm.h"
#include "mm/pageref.h"
#include "mm/ptshare.h"
#include "mm/vmspace.h"
#include "mm/pool.h"
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

/* Add one decision to the fault's report: action, the frames and the counts before and after. */
static void cow_note(struct cow_report *rep, const char *action, uint32_t old_pa, uint32_t new_pa,
                     uint32_t refs_before, uint32_t refs_after)
{
  rep->step[rep->n++] = (struct cow_step){ action, old_pa, new_pa, refs_before, refs_after };
}

/* LAB(cow) BEGIN "cow_reuse (the last reference: writable in place) and cow_copy (the entry moves to a copy)" */
/* Only reference left: make the entry writable in place (refs: the count that decided). */
static enum cow_result cow_reuse(pte_t *pte, uint32_t page, uint32_t refs, struct cow_report *rep)
{
  uint32_t pa = PTE_ADDR(*pte);
  *pte = pte_make_private(*pte, pa);
  vm_invlpg(page);
  THIS_CPU_INC(cow.reuses);
  cow_note(rep, "reuse", pa, pa, refs, refs);
  return COW_REUSED;
}

/* Point the entry pte of page at new, the old translation gone from every CPU that may hold it
 * first, and note a shootdown that reached other CPUs in rep. Alone in its space (one thread,
 * which only this fault could raise) no other CPU holds a translation of it: the store, then this
 * CPU's flush. With other threads, break before make: the entry cleared, shot down on every CPU
 * in the space, then set. Outside any space (a self-test), this CPU's flush. */
static void cow_repoint(pte_t *pte, uint32_t page, pte_t new, const char *why, struct cow_report *rep)
{
  /* LAB(smp) BEGIN "threads of this space may run on other CPUs: their TLBs hold the page too" */
  struct vm_space *vs;
  THIS_CPU_READ(vm, vs);
  if (vs && vs->threads <= 1) {
    *pte = new;
    vm_invlpg(page);
    return;
  }
  *pte = 0;
  uint32_t cpus = 0;
  if (vs)
    cpus = vm_space_shootdown_page(vs, page);
  else
    vm_invlpg(page);
  if (cpus) {
    rep->shot_cpus = cpus;
    rep->shot_va = page;
    rep->shot_pages = 1;
    rep->shot_why = why;
  }
  *pte = new;
  #if 0 /* LAB STARTER */
  (void)why;
  (void)rep;
  *pte = new;
  vm_invlpg(page);                     /* this CPU only */
  #endif /* LAB END */
}

/* Shared frame: repoint the entry at new_pa, already holding the copy (count lock held; refs:
 * the count before the move). */
static enum cow_result cow_copy(pte_t *pte, uint32_t page, uint32_t new_pa, uint32_t refs, struct cow_report *rep)
{
  pte_t old = *pte;
  uint32_t old_pa = PTE_ADDR(old);
  cow_repoint(pte, page, pte_make_private(old, new_pa), "copy", rep);
  THIS_CPU_INC(cow.copies);
  cow_note(rep, "copy", old_pa, new_pa, refs, refs - 1);
  return COW_COPIED;
}
/* LAB END */

/* LAB(sharedpt) BEGIN "cow_unshare_table: a write into a shared table's range makes the table private first (pt_unshare)" */
/* A write into a shared page table's region: make the table private to this space. Returns
 * COW_OUT_OF_MEMORY when no frame was left for the copy, COW_REUSED otherwise (also zero_fault.c). */
__attribute__((noinline)) enum cow_result cow_unshare_table(uint32_t va, struct cow_report *rep)
{
  uint32_t table = 0, count = 0, cpus = 0;
  enum pt_unshare_result r = pt_unshare(vm_current(), PDX(va), &table, &count, &cpus);
  if (cpus) {
    rep->shot_cpus = cpus;
    rep->shot_va = PG_ROUND_DOWN(va) & ~(PGSIZE * PT_ENTRIES - 1);
    rep->shot_pages = PT_ENTRIES;
    rep->shot_why = "table copy";
  }
  uint32_t now = PTE_ADDR(*vm_pde_current(va));
  if (r == PT_OUT_OF_MEMORY) {
    cow_note(rep, "table out-of-memory", table, 0, count, count);
    return COW_OUT_OF_MEMORY;
  }
  if (r == PT_COPIED)
    cow_note(rep, "table copy", table, now, count, count - 1);
  else if (r == PT_REUSED)
    cow_note(rep, "table reuse", table, now, count, 0);
  return COW_REUSED;
}
#if 0 /* LAB STARTER */
/* A write into a shared page table's region: make the table private to this space first. */
enum cow_result cow_unshare_table(uint32_t va, struct cow_report *rep)
{
  (void)va;
  (void)rep;
  return COW_REUSED;                   /* no table is shared yet */
}
#endif /* LAB END */

/* LAB(cow) BEGIN "cow_copy_or_reuse: a shared frame: copy it through the scratch page (vm_copy_to_frame_masked), then move the count" */
/* Shared: copy outside the count lock, then let the count decide under it: still shared, the
 * entry moves to the copy; down to 1 (every other sharer copied meanwhile), the frame is reused
 * and the copy goes back. From the frame's allocation to its count (or its return) this CPU's
 * copy sequence is odd: memcheck waits it out. */
__attribute__((noinline)) static enum cow_result cow_copy_or_reuse(pte_t *pte, uint32_t page,
                                                                    struct cow_report *rep)
{
  /* LAB(smp) BEGIN "one CPU only: the count may change between its read and the move (another CPU copies or exits)" */
  uint32_t old_pa = PTE_ADDR(*pte);
  THIS_CPU_INC(cow.copy_seq);
  uint32_t new_pa = pool_user_take_masked();            /* this CPU's stock: interrupts are masked */
  if (new_pa)
    vm_copy_to_frame_masked(new_pa, (const void *)page);

  page_ref_lock_masked();                               /* the decision and the entry: atomic */
  uint32_t refs = new_pa ? page_ref_move_if_shared_locked(old_pa, new_pa) : page_ref_get(old_pa);
  enum cow_result r = refs == 1 ? cow_reuse(pte, page, refs, rep)
                      : new_pa ? cow_copy(pte, page, new_pa, refs, rep) : COW_OUT_OF_MEMORY;
  page_ref_unlock_masked();

  if (r == COW_REUSED && new_pa)
    pool_free(&pool_user, new_pa, 1);
  if (r == COW_OUT_OF_MEMORY)
    cow_note(rep, "out-of-memory", old_pa, 0, refs, refs);
  THIS_CPU_INC(cow.copy_seq);
  return r;
  #if 0 /* LAB STARTER */
  uint32_t old_pa = PTE_ADDR(*pte);
  uint32_t refs = page_ref_get(old_pa);
  if (refs == 1)
    return cow_reuse(pte, page, refs, rep);
  uint32_t new_pa = pool_alloc_frame(&pool_user);
  if (!new_pa) {
    cow_note(rep, "out-of-memory", old_pa, 0, refs, refs);
    return COW_OUT_OF_MEMORY;
  }
  vm_copy_to_frame_masked(new_pa, (const void *)page);
  page_ref_move_if_shared_locked(old_pa, new_pa);
  return cow_copy(pte, page, new_pa, refs, rep);
  #endif /* LAB END */
}
/* LAB END */

/* LAB(cow) BEGIN "cow_handle_write_cow: count the fault (cow.faults), then reuse or copy" */
/* A write to the present PTE_COW page at page, entry pte in a private table: reuse at count 1
 * (final without the lock: see the header), otherwise copy or reuse under the lock. */
static inline enum cow_result cow_handle_write_cow(pte_t *pte, uint32_t page, struct cow_report *rep)
{
  THIS_CPU_INC(cow.faults);
  if (page_ref_peek(PTE_ADDR(*pte)) == 1)
    return cow_reuse(pte, page, 1, rep);
  return cow_copy_or_reuse(pte, page, rep);
}
#if 0 /* LAB STARTER */
/* A write to the present PTE_COW page at page, entry pte in a private table. */
static inline enum cow_result cow_handle_write_cow(pte_t *pte, uint32_t page, struct cow_report *rep)
{
  (void)pte;
  (void)page;
  (void)rep;
  return COW_NOT_COW;
}
#endif /* LAB END */

/* The writes that are not a plain copy-on-write fault (cow_handle_write's contract): a write
 * into a shared page table's region, an entry another thread made writable meanwhile, or no
 * copy-on-write page at all, or no page table. pde and pte are va's entries (pte is read only when
 * pde is present). */
__attribute__((noinline)) static enum cow_result cow_handle_other(uint32_t va, pde_t pde, pte_t *pte,
                                                                   struct cow_report *rep)
{
  uint32_t page = PG_ROUND_DOWN(va);
  if (!(pde & PTE_P) || (*pte & (PTE_P | PTE_U)) != (PTE_P | PTE_U))
    return COW_NOT_COW;
  /* LAB(sharedpt) BEGIN "a write into a shared page table: make the table private first" */
  if (pde & PDE_SHARED_PT) {
    if (cow_unshare_table(va, rep) == COW_OUT_OF_MEMORY)
      return COW_OUT_OF_MEMORY;
    if (*pte & PTE_W)
      return COW_REUSED;          /* the entry was writable: the write can go ahead now */
    if (*pte & PTE_COW)
      return cow_handle_write_cow(pte, page, rep);
    return COW_NOT_COW;
  }
  #if 0 /* LAB STARTER */
  (void)rep;
  #endif /* LAB END */
  if (!(*pte & PTE_W) || !(pde & PTE_W))
    return COW_NOT_COW;
  vm_invlpg(page);                /* fixed already: this CPU held a stale read-only translation */
  return COW_SPURIOUS;
}

enum cow_result cow_handle_write(uint32_t va, struct cow_report *rep)
{
  rep->n = 0;
  rep->shot_cpus = 0;
  if (va >= USER_TOP)
    return COW_NOT_COW;
  pde_t pde = *vm_pde_current(va);
  pte_t *pte = vm_pte_current(va);                   /* read only once the table is present */
  if ((pde & (PTE_P | PDE_SHARED_PT)) != PTE_P || (*pte & (PTE_P | PTE_U | PTE_COW)) != (PTE_P | PTE_U | PTE_COW))
    return cow_handle_other(va, pde, pte, rep);
  return cow_handle_write_cow(pte, PG_ROUND_DOWN(va), rep);
}
