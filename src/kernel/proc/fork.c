/*
 * fork.c - copy_process: a child with its own page directory and page
 * tables, and the three xfork policies.
 *
 *   FORK_POLICY_COW    every writable user page loses PTE_W and gains
 *                      PTE_COW in parent and child; read-only pages (text)
 *                      are shared as they are; each shared frame gets one
 *                      more reference. No user frame is allocated.
 *   FORK_POLICY_OLD    every user page is copied now, through the scratch page.
 *   FORK_POLICY_THREAD data, bss and heap pages that exist now are shared
 *                      writable; the rest (text, stack) as for COW.
 *
 * A page that is writable and already shared writable with a THREAD
 * sibling is copied for the child under every policy: marking it COW would
 * let the sibling's writes show through.
 */
#include "proc/proc.h"
#include "cow/cow.h"
#include "fs/file.h"
#include "mm/pageref.h"
#include "mm/vm.h"
#include "arch/trap.h"
#include "user.h"

enum fork_share { FORK_COPY, FORK_SHARE_COW, FORK_SHARE_WRITABLE };

/* How the page at va with entry pte is given to the child. */
static enum fork_share fork_decide(const struct proc *parent, int policy, uint32_t va, pte_t pte)
{
  int writable = (pte & PTE_W) != 0;
  if (policy == FORK_POLICY_OLD)
    return FORK_COPY;
  if (policy == FORK_POLICY_THREAD && va >= parent->data_start && va < PG_ROUND_UP(parent->brk))
    return FORK_SHARE_WRITABLE;
  if (writable && page_ref_get(PTE_ADDR(pte)) > 1)
    return FORK_COPY;
  return FORK_SHARE_COW;
}

/* Give the child the page at va according to how; -1 when out of memory. */
static int fork_page(pde_t *cpd, uint32_t va, pte_t *ppte, enum fork_share how)
{
  pte_t *cpte = vm_walk(cpd, va, 1);
  if (!cpte)
    return -1;
  if (how == FORK_SHARE_WRITABLE && (*ppte & PTE_COW)) {
    /* Make the parent's page private first, then share it writable. */
    if (cow_handle_write(va, PF_PRESENT | PF_WRITE, 0) == COW_OUT_OF_MEMORY)
      return -1;
  }
  if (how == FORK_COPY) {
    uint32_t pa = page_alloc_user();
    if (!pa)
      return -1;
    vm_copy_to_frame(pa, (const void *)va);
    pte_t flags = *ppte & PTE_FLAGS & ~(pte_t)(PTE_A | PTE_D);
    if (flags & PTE_COW)
      flags = (flags & ~(pte_t)PTE_COW) | PTE_W;
    *cpte = pa | flags;
    return 0;
  }
  if (how == FORK_SHARE_COW && (*ppte & PTE_W))
    *ppte = (*ppte & ~(pte_t)PTE_W) | PTE_COW;
  page_ref_inc(PTE_ADDR(*ppte));
  *cpte = *ppte;
  return 0;
}

/* Give the child every user page of the parent; -1 when out of memory (the child keeps what it got). */
static int fork_copy_space(struct proc *parent, struct proc *child, int policy)
{
  for (uint32_t i = 0; i < USER_PDES; i++) {
    if (!(parent->pd[i] & PTE_P))
      continue;
    pte_t *pt = P2V(PTE_ADDR(parent->pd[i]));
    for (uint32_t j = 0; j < PT_ENTRIES; j++) {
      if (!(pt[j] & PTE_P))
        continue;
      uint32_t va = (i << 22) | (j << PGSHIFT);
      if (fork_page(child->pd, va, &pt[j], fork_decide(parent, policy, va, pt[j])) < 0)
        return -1;
    }
  }
  return 0;
}

int copy_process(int policy)
{
  struct proc *parent = proc_current();
  if (policy != FORK_POLICY_OLD && policy != FORK_POLICY_COW && policy != FORK_POLICY_THREAD)
    return -1;
  struct proc *child = proc_alloc(parent->name);
  if (!child)
    return -1;
  child->pd = vm_space_create();
  if (!child->pd)
    goto bad;
  int ok = fork_copy_space(parent, child, policy);
  /* Parent entries lost PTE_W: drop its stale writable TLB entries before it runs on. */
  vm_flush_tlb();
  if (ok < 0)
    goto bad;

  *child->tf = *parent->tf;
  child->tf->eax = 0;
  child->parent = parent;
  child->heap_start = parent->heap_start;
  child->brk = parent->brk;
  child->data_start = parent->data_start;
  for (int fd = 0; fd < PROC_NOFILE; fd++)
    if (parent->files[fd])
      child->files[fd] = file_dup(parent->files[fd]);
  child->state = PROC_RUNNABLE;
  return child->pid;

bad:
  proc_free(child);
  return -1;
}
