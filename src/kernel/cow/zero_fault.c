/*
 * zero_fault.c - the first touch of a lazily backed page (the untouched
 * heap).
 *
 * sbrk maps nothing; the process's range [zero_start, break) says which
 * absent pages read as zeros. exec sets zero_start to the heap's start (it
 * still maps bss; a zero_start below the heap would make the bss beyond
 * the file's bytes lazy too, with nothing else to change here). The first fault on such a page:
 *   - a read maps the shared zero frame (mm/zeropage.c) read-only with
 *     PTE_ZERO: no frame is allocated and no count changes ("zero-read");
 *   - a write, to an absent page or to one that maps the zero frame, maps
 *     a fresh frame zeroed through the scratch page, writable and private
 *     ("zero-fill"): the zero frame is never copied, only replaced.
 * The fill is counted (page_alloc_user) before it is mapped: this CPU's
 * copy sequence is odd meanwhile, so memcheck waits it out as it does a
 * copy-on-write copy. Replacing a zero entry is break-before-make: the
 * entry is cleared and shot down on every CPU in the space before it points
 * at the new frame, so no sibling thread keeps reading the zero frame once
 * the writer's store can be seen. A page table shared by
 * FORK_POLICY_SHARED_PT is made private before any entry in it changes.
 * No frame for a fill is COW_ZERO_OUT_OF_MEMORY: the fault handler kills a
 * user writer with its reason, as for a copy-on-write copy (sbrk.c's
 * overcommit rule).
 */
#include "cow/zero.h"
#include "mm/zeropage.h"
#include "mm/vm.h"
#include "mm/vmspace.h"
#include "mm/pageref.h"
#include "arch/percpu.h"
#include "arch/trapframe.h"

/* Add one decision to the fault's report (zero-page steps carry no count: refs 0). */
static void zero_note(struct cow_report *rep, const char *action, uint32_t old_pa, uint32_t new_pa,
                      uint32_t refs_after)
{
  if (rep->n < COW_STEPS_MAX)
    rep->step[rep->n++] = (struct cow_step){ action, old_pa, new_pa, 0, refs_after };
}

/* Map a fresh zeroed frame at page, writable, in place of the absent or zero entry *pte. */
static enum cow_result zero_fill(pte_t *pte, uint32_t page, struct cow_report *rep)
{
  pte_t old = *pte;
  struct cpu_cow_counts *cc = &this_cpu()->cow;
  cc->copy_seq++;                       /* counted before mapped: memcheck waits */
  uint32_t pa = page_alloc_user();
  if (!pa) {
    cc->copy_seq++;
    zero_note(rep, "zero out-of-memory", PTE_ADDR(old), 0, 0);
    return COW_ZERO_OUT_OF_MEMORY;
  }
  vm_zero_frame_masked(pa);            /* the fault gate masked interrupts already */
  if (old & PTE_P) {                    /* the zero frame: break before make */
    *pte = 0;
    struct vm_space *vs = this_cpu()->vm;
    uint32_t cpus = vs ? vm_space_shootdown_page(vs, page) : (vm_invlpg(page), 0);
    if (cpus) {
      rep->shot_cpus = cpus;
      rep->shot_va = page;
      rep->shot_pages = 1;
      rep->shot_why = "zero fill";
    }
  }
  *pte = pa | PTE_W | PTE_U | PTE_P;     /* no invlpg: a not-present entry is never cached */
  cc->copy_seq++;
  zero_note(rep, "zero-fill", PTE_ADDR(old), pa, 1);
  return COW_ZERO_MAPPED;
}

enum cow_result zero_handle_fault(uint32_t va, uint32_t err, uint32_t lo, uint32_t hi, struct cow_report *rep)
{
  uint32_t page = PG_ROUND_DOWN(va);
  if (va >= USER_TOP || page < lo || page >= hi)
    return COW_NOT_COW;
  if ((*vm_pde_current(va) & (PTE_P | PDE_SHARED_PT)) == (PTE_P | PDE_SHARED_PT) &&
      cow_unshare_table(va, rep) == COW_OUT_OF_MEMORY)
    return COW_ZERO_OUT_OF_MEMORY;
  pte_t *pte = *vm_pde_current(va) & PTE_P ? vm_pte_current(va) : vm_walk(vm_current(), page, 1);
  if (!pte) {
    zero_note(rep, "zero out-of-memory", 0, 0, 0);
    return COW_ZERO_OUT_OF_MEMORY;        /* no page table for it */
  }
  pte_t e = *pte;
  if ((e & PTE_P) && !zero_page_entry(e)) {
    uint32_t need = PTE_P | PTE_U | (err & PF_WRITE ? PTE_W : 0);
    if ((e & need) != need)
      return COW_NOT_COW;                 /* a real protection fault (or copy-on-write's) */
    vm_invlpg(page);                      /* a sibling thread backed it first */
    return COW_SPURIOUS;
  }
  if (!(err & PF_WRITE)) {
    if (e & PTE_P) {
      vm_invlpg(page);                    /* a sibling mapped the zero frame first */
      return COW_SPURIOUS;
    }
    *pte = zero_page_pte();
    zero_note(rep, "zero-read", 0, zero_page_pa, 0);
    return COW_ZERO_MAPPED;
  }
  return zero_fill(pte, page, rep);
}
