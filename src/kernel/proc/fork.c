/*
 * fork.c - copy_process: a child with its own page directory and page
 * tables, and the three xfork policies.
 *
 * LAB(cow) BEGIN
 *   FORK_POLICY_COW    every writable user page loses PTE_W and gains
 *                      PTE_COW in parent and child; read-only pages (text)
 *                      are shared as they are; each shared frame gets one
 *                      more reference. No user frame is allocated.
 * LAB STARTER
 *   FORK_POLICY_COW    the default policy: (write here what it does to the
 *                      parent's and the child's entries and to the counts).
 * LAB END
 *   FORK_POLICY_OLD    every user page is copied now, through the scratch page.
 *   FORK_POLICY_THREAD data, bss and heap pages that exist now are shared
 *                      writable; the rest (text, stack) as for COW. The parent's
 *                      shared page tables are made private first.
 * LAB(sharedpt) BEGIN
 *   FORK_POLICY_SHARED_PT the child's PDEs point at the parent's page tables,
 *                      read-only and marked shared (ptshare.c); no PTE is read or
 *                      written. A process that shares pages writable with a live
 *                      THREAD relative is forked as for COW instead.
 * LAB STARTER
 *   FORK_POLICY_SHARED_PT the child shares the parent's page tables (write here how).
 * LAB END
 *
 * A page that is writable and already shared writable with a THREAD
 * sibling is copied for the child under every policy: marking it COW would
 * let the sibling's writes show through.
 *
 * An entry that maps the shared zero frame (PTE_ZERO, mm/zeropage.h) is
 * given to the child as it is, read-only and without a count, under every
 * policy; a THREAD fork first backs the parent's untouched heap
 * pages with frames of their own, so that the relatives share them.
 */
#include "sched/proc.h"
#include "proc/proc.h"
#include "sched/sched.h"
#include "cow/cow.h"
#include "fs/file.h"
#include "mm/vmspace.h"
#include "mm/pageref.h"
#include "mm/ptshare.h"
#include "mm/vm.h"
#include "mm/zeropage.h"
#include "arch/trapframe.h"
#include "user.h"

enum fork_share { FORK_COPY, FORK_SHARE_COW, FORK_SHARE_WRITABLE };

/* How the page at va with entry pte is given to the child. */
static enum fork_share fork_decide(const struct proc *parent, int policy, uint32_t va, pte_t pte)
{
  /* LAB(cow) BEGIN "which pages fork shares copy-on-write (FORK_SHARE_COW) and which it still copies" */
  int writable = (pte & PTE_W) != 0;
  if (policy == FORK_POLICY_OLD)
    return FORK_COPY;
  if (policy == FORK_POLICY_THREAD && va >= parent->data_start && va < PG_ROUND_UP(parent->brk))
    return FORK_SHARE_WRITABLE;
  if (writable && page_ref_get(PTE_ADDR(pte)) > 1)
    return FORK_COPY;
  return FORK_SHARE_COW;
  #if 0 /* LAB STARTER */
  if (policy == FORK_POLICY_THREAD && va >= parent->data_start && va < PG_ROUND_UP(parent->brk))
    return FORK_SHARE_WRITABLE;
  (void)pte;
  return FORK_COPY;                    /* every other page: copied now, as the base kernel does */
  #endif /* LAB END */
}

/* Share the page behind *ppte with the child's entry *cpte (count lock held). */
static void fork_share(pte_t *ppte, pte_t *cpte, enum fork_share how)
{
  /* LAB(cow) BEGIN "FORK_SHARE_COW: what happens to the parent's writable entry" */
  if (how == FORK_SHARE_COW && (*ppte & PTE_W))
    *ppte = pte_make_cow(*ppte);
  #if 0 /* LAB STARTER */
  (void)how;
  #endif /* LAB END */
  page_ref_inc_locked(PTE_ADDR(*ppte));
  *cpte = *ppte;
}

/* The slow cases: copy the page at va for the child, or make the parent's COW page
 * private before sharing it writable. -1 when out of memory. */
static int fork_page_slow(uint32_t va, pte_t *ppte, pte_t *cpte, enum fork_share how)
{
  if (how == FORK_SHARE_WRITABLE) {
    struct cow_report rep;
    push_off();                            /* cow_handle_write's contract, as in a fault */
    enum cow_result r = cow_handle_write(va, &rep);
    pop_off();
    if (rep.n)
      cow_trace(va, PF_PRESENT | PF_WRITE, 0, &rep);
    if (r == COW_OUT_OF_MEMORY)
      return -1;
    page_ref_inc(PTE_ADDR(*ppte));
    *cpte = *ppte;
    return 0;
  }
  uint32_t pa = page_alloc_user();
  if (!pa)
    return -1;
  vm_copy_to_frame(pa, (const void *)va);
  pte_t e = *ppte & ~(pte_t)(PTE_A | PTE_D);
  *cpte = e & PTE_COW ? pte_make_private(e, pa) : pa | (e & PTE_FLAGS);
  return 0;
}

/* LAB(cow) BEGIN "fork_share_table: fork's sharing loop over one page table, under one hold of the count lock" */
/* The common case of fork's sharing rule, in fork_share.asm: from entry p of a parent table up
 * to end, each present, writable entry whose frame has count 1 turns read-only and PTE_COW in the
 * parent and in the child's table (which ends at dst_end), and the count becomes 2. Returns the
 * first entry that is anything else, or end. neg_bias is -(pool base + PTE_P + PTE_W) and limit
 * the pool's frames << (PGSHIFT - 2) (the file says why); the count lock is held. */
pte_t *fork_share_run(pte_t *p, const pte_t *end, pte_t *dst_end, uint16_t *counts, uint32_t neg_bias,
                      uint32_t limit);

/* Fork's sharing rule, for the entries of parent table src from index from on, under one hold
 * of the count lock: a writable entry loses PTE_W and gains PTE_COW (pte_make_cow), a read-only
 * one (text) is shared as it is; the child's entry in dst is the same, and the frame gains one
 * reference. Stops at a writable entry whose frame is already shared (a THREAD sibling writes
 * it: the child gets a copy) and returns its index; PT_ENTRIES when every entry is done. Runs of
 * the common case go through fork_share_run; this loop takes the entries between them. */
static uint32_t fork_share_table(pte_t *src, pte_t *dst, uint32_t from)
{
  /* LAB(smp) BEGIN "several CPUs change counts at once" */
  page_ref_lock();
  #if 0 /* LAB STARTER */
  push_off();                          /* one CPU: no interrupt, so no one else changes a count */
  #endif /* LAB END */
  struct page_ref_view v = page_ref_view_locked();
  const uint32_t neg_bias = -(v.base + (PTE_P | PTE_W)), limit = v.frames << (PGSHIFT - 2);
  pte_t *p = src + from, *end = src + PT_ENTRIES;
  uint32_t fast = 0;
  for (;;) {
    pte_t *run = p;
    p = fork_share_run(p, end, dst + PT_ENTRIES, v.counts, neg_bias, limit);
    fast += (uint32_t)(p - run);
    if (p == end)
      break;
    pte_t e = *p;
    if (!(e & PTE_P)) {                /* a hole: skip to the next present entry */
      while (++p < end && !(*p & PTE_P))
        ;
      continue;
    }
    if (e & PTE_ZERO) {                /* the zero frame: the same read-only entry, no count */
      dst[p - src] = e;
      p++;
      continue;
    }
    uint32_t slot, c = page_ref_mapped_locked(&v, PTE_ADDR(e), &slot);
    if ((e & PTE_W) && c > 1)
      break;
    page_ref_share_locked(&v, slot, c);
    dst[p - src] = e;
    p++;
  }
  v.newly_shared += fast;            /* each entry of the common case took its frame 1 -> 2 */
  page_ref_shared_done_locked(&v);
  /* LAB(smp) BEGIN "the end of the loop's hold" */
  page_ref_unlock();
  #if 0 /* LAB STARTER */
  pop_off();
  #endif /* LAB END */
  return (uint32_t)(p - src);
}

/* The COW policy's table: every entry shared by fork_share_table; a page a THREAD sibling writes
 * is copied for the child. -1 when out of memory. */
static int fork_cow_table(pte_t *ppt, pte_t *cpt, uint32_t i)
{
  for (uint32_t j = fork_share_table(ppt, cpt, 0); j < PT_ENTRIES; j = fork_share_table(ppt, cpt, j + 1))
    if (fork_page_slow(PGADDR(i, j, 0), &ppt[j], &cpt[j], FORK_COPY) < 0)
      return -1;
  return 0;
}
/* LAB END */

/* Give the child the pages of one parent page table (user PDE index i); -1 when out of memory.
 * preempt: let others run after each copied page (not while the parent's space lock is held). */
static int fork_copy_table(struct proc *parent, struct proc *child, int policy, uint32_t i, int preempt)
{
  pte_t *ppt = P2V(PTE_ADDR(parent->vm.pd[i]));
  pte_t *cpt = vm_walk(child->vm.pd, PGADDR(i, 0, 0), 1);
  int locked = 0, rc = 0;
  if (!cpt)
    return -1;
  /* LAB(cow) BEGIN "FORK_POLICY_COW: share this table's pages with one sharing loop" */
  if (policy == FORK_POLICY_COW)
    return fork_cow_table(ppt, cpt, i);
  /* LAB END */
  for (uint32_t j = 0; j < PT_ENTRIES && rc == 0; j++) {
    if ((ppt[j] & (PTE_P | PTE_ZERO)) != PTE_P) {
      if (ppt[j] & PTE_ZERO)
        cpt[j] = ppt[j];           /* the zero frame: the same read-only entry, no count */
      continue;
    }
    uint32_t va = PGADDR(i, j, 0);
    enum fork_share how = fork_decide(parent, policy, va, ppt[j]);
    int fast = how == FORK_SHARE_COW || (how == FORK_SHARE_WRITABLE && !(ppt[j] & PTE_COW));
    if (fast && !locked)
      page_ref_lock(), locked = 1;
    else if (!fast && locked)
      page_ref_unlock(), locked = 0;
    if (fast)
      fork_share(&ppt[j], &cpt[j], how);
    else if ((rc = fork_page_slow(va, &ppt[j], &cpt[j], how)) == 0 && preempt && sched_preempt_point() < 0)
      rc = -1;                           /* a copied page is slow: let others run; killed: unwind */
  }
  if (locked)
    page_ref_unlock();
  return rc;
}

/* Give the child every user page of the parent, letting others run between page tables unless
 * the parent's space lock is held (preempt 0); -1 when out of memory or the parent is killed (the
 * child keeps what it got, for the caller to free). */
static int fork_copy_space(struct proc *parent, struct proc *child, int policy, int preempt)
{
  for (uint32_t i = 0; i < USER_PDES; i++) {
    if (!(parent->vm.pd[i] & PTE_P))
      continue;
    if (fork_copy_table(parent, child, policy, i, preempt) < 0 || (preempt && sched_preempt_point() < 0))
      return -1;
  }
  return 0;
}

/* LAB(cow) BEGIN */
/* Build the child's space from the parent's (policy as copy_process's), then flush every CPU
 * that may cache the parent's space: its entries lost PTE_W (COW) or its PDEs turned read-only
 * (SHARED_PT), and a sibling thread on another CPU may hold them writable in its TLB. Until the
 * flush such a sibling can still store into a frame now shared with the child: the child sees a
 * store made before fork returned, never a later one. After it, the sibling's next store faults
 * and copies. With other threads the parent's space lock is held throughout, so no sibling
 * changes an entry under the walk. -1 when out of memory or the parent is killed. */
#if 0 /* LAB STARTER */
/* Build the child's space from the parent's (policy as copy_process's); -1 when out of memory or
 * the parent is killed. */
#endif /* LAB END */
static int fork_build_space(struct proc *parent, struct proc *child, int policy)
{
  struct vm_space *vs = &parent->vm;
  int locked = vm_space_lock_shared(vs), ok = 0;
  if (policy == FORK_POLICY_THREAD && (pt_unshare_range(vs->pd, 0, USER_TOP) < 0 ||
                                      zero_page_commit_range(vs->pd, parent->zero_start, parent->brk) < 0))
    ok = -1;                             /* the heap is shared as it is now: untouched pages backed first */
  else if (policy == FORK_POLICY_SHARED_PT)
    pt_share_space(vs->pd, child->vm.pd);
  else
    ok = fork_copy_space(parent, child, policy, !locked);
  /* LAB(cow) BEGIN "the parent's entries lost PTE_W: which TLBs must forget them, and when" */
  /* LAB(smp) BEGIN "other threads of the parent may run on other CPUs" */
  uint32_t cpus = vm_space_shootdown(vs, 0, USER_TOP / PGSIZE);
  #if 0 /* LAB STARTER */
  vm_flush_tlb();                      /* this CPU only */
  uint32_t cpus = 0;
  #endif /* LAB END */
  #if 0 /* LAB STARTER */
  uint32_t cpus = 0;
  #endif /* LAB END */
  vm_space_unlock_shared(vs, locked);
  if (cpus)
    cow_trace_shootdown("fork", 0, USER_TOP / PGSIZE, cpus);
  return ok;
}

int fork_default_policy = FORK_POLICY_COW;

/* Non-zero when p shares pages writable with another live member of its THREAD group. */
static int fork_shares_writable(const struct proc *p)
{
  if (!p->thread_group)
    return 0;
  int shares = 0;
  spin_lock(&proc_lock);
  for (const struct proc *q = proc_list; q && !shares; q = q->next)
    shares = q != p && q->group == q && q->thread_group == p->thread_group && q->vm.pd &&
             q->state != PROC_ZOMBIE;
  spin_unlock(&proc_lock);
  return shares;
}

int copy_process(int policy)
{
  struct proc *caller = proc_current(), *parent = caller->group;
  if (policy != FORK_POLICY_OLD && policy != FORK_POLICY_COW && policy != FORK_POLICY_THREAD &&
      policy != FORK_POLICY_SHARED_PT)
    return -1;
  /* LAB(cow) BEGIN */
  /* LAB(sharedpt) BEGIN "remove the fallback: which processes may share tables?" */
  if (policy == FORK_POLICY_SHARED_PT && fork_shares_writable(parent))
    policy = FORK_POLICY_COW;
  #if 0 /* LAB STARTER */
  (void)fork_shares_writable;
  if (policy == FORK_POLICY_SHARED_PT)
    policy = FORK_POLICY_COW;          /* until pt_share_space and pt_unshare exist */
  #endif /* LAB END */
  #if 0 /* LAB STARTER */
  (void)fork_shares_writable;
  if (policy == FORK_POLICY_SHARED_PT)
    policy = FORK_POLICY_COW;          /* tables are shared only on top of copy-on-write pages */
  #endif /* LAB END */
  struct proc *child = proc_alloc(parent->name, 0);
  if (!child)
    return -1;
  vm_space_in_flux(1);                 /* frames are counted before the child maps them: memcheck waits */
  child->vm.pd = vm_space_create();
  if (!child->vm.pd || fork_build_space(parent, child, policy) < 0)
    goto bad;

  *child->tf = *caller->tf;            /* the child's one thread: the caller, returning 0 */
  child->tf->eax = 0;
  child->parent = parent;
  child->heap_start = parent->heap_start;
  child->zero_start = parent->zero_start;
  child->brk = parent->brk;
  child->data_start = parent->data_start;
  if (policy == FORK_POLICY_THREAD) {
    if (!parent->thread_group)
      parent->thread_group = parent->pid;
    child->thread_group = parent->thread_group;
  }
  for (int fd = 0; fd < PROC_NOFILE; fd++)
    if (parent->files[fd])
      child->files[fd] = file_dup(parent->files[fd]);
  int pid = child->pid;
  vm_space_in_flux(-1);
  proc_make_runnable(child);           /* another CPU may run it (and reap it) from here on */
  return pid;

bad:
  proc_free(child);
  vm_space_in_flux(-1);
  return -1;
}
