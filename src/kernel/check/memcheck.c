/*
 * memcheck.c - the memory consistency checker.
 *
 * For every user frame: the number of user page-table entries that map it
 * (over every live address space) must equal its reference count, and the
 * frame must be allocated in the pool bitmap exactly when that count is
 * non-zero or the frame sits in a CPU's stock of free frames (pool.h). Every user PTE must point into the user pool. A page table
 * shared by several spaces is counted once; its count (ptshare.c) must
 * equal the number of page directories that point at it, each of those
 * PDEs read-only and marked PDE_SHARED_PT, and a private table must have
 * count 0 and one directory.
 *
 * The page tables' copy-on-write invariants: a PTE_COW entry is a user
 * entry and read-only (a writable entry never carries PTE_COW), a frame
 * shared copy-on-write is writable through no mapping at all (an entry
 * under a read-only shared-table PDE is not writable), and no frame is
 * writable in two spaces that are not THREAD relatives (memcheck_wshare.c).
 *
 * The zero frame (mm/zeropage.c) is no user frame and has no count: an
 * entry with PTE_ZERO is not counted, and must map the zero frame, user,
 * read-only and without PTE_COW; the frame must still hold only zeros.
 *
 * The check lets other processes run while it compares and starts again if
 * a count moved.
 */
#include "mm/mm.h"
#include "check/memcheck.h"
#include "check/memcheck_wshare.h"
#include "mm/pool.h"
#include "mm/pageref.h"
#include "mm/kheap.h"
#include "mm/vm.h"
#include "mm/ptshare.h"
#include "mm/zeropage.h"
#include "cow/cow.h"
#include "arch/percpu.h"
#include "sched/proc.h"
#include "sched/sched.h"
#include "arch/printk.h"
#include "lib/string.h"

#define MEMCHECK_STRIDE 1024   /* frames compared between preemption points */
#define MEMCHECK_TRIES  8      /* runs given up because counts moved, before one that keeps the CPU */
#define MEMCHECK_RETRY  (-2)
#define MEMCHECK_SMP_TRIES 1000  /* runs that keep this CPU but saw another CPU change a count */

#define MEMCHECK_MAPPED_COW 0x1   /* memcheck_cow_sharing: some entry maps the frame PTE_COW */
#define MEMCHECK_SHOWN  8      /* frame problems printed in full; the rest are counted */

/* What is wrong with one user frame (memcheck_frames). */
enum memcheck_frame_bug { MEMCHECK_COUNT_MISMATCH, MEMCHECK_FREE_BUT_COUNTED, MEMCHECK_LEAKED };

/* One frame problem, kept until the check knows nothing moved while it looked. */
struct memcheck_frame_report {
  uint32_t pa, mappings, refs;
  enum memcheck_frame_bug bug;
};

/* The flag invariants of one present user entry of p at va; returns the number broken
 * (each printed with the process, address and entry). */
static int memcheck_pte_flags(const struct proc *p, uint32_t va, pte_t pte)
{
  int bad = 0;
  if ((pte & PTE_COW) && (pte & PTE_W)) {
    kprintf("[memcheck] pid %d (%s) va 0x%08x pte 0x%08x: writable entry carries PTE_COW\n", p->pid, p->name, va,
            pte);
    bad++;
  }
  if ((pte & PTE_COW) && !(pte & PTE_U)) {
    kprintf("[memcheck] pid %d (%s) va 0x%08x pte 0x%08x: PTE_COW on a supervisor entry\n", p->pid, p->name, va,
            pte);
    bad++;
  }
  return bad;
}

/* What one walk of a space (vm_each_user_pte) works on: the process, and its checker's state. */
struct memcheck_walk {
  const struct proc *p;
  uint8_t *seen;                       /* one byte per user frame */
  uint16_t *counts;                    /* mappings counted per user frame */
  struct memcheck_tables *tables;
  struct memcheck_wshare *ws;
  int table_writable;                  /* the table being walked may hold writable entries */
  int bad;
};

/* Mark a shared frame (count 2 or more) that this entry maps PTE_COW. A frame at count 1 is left
 * out: its one entry may turn writable at any moment (the copy-on-write reuse takes no lock) and
 * no other entry maps it. */
static void memcheck_mark_sharing(uint32_t va, pte_t pte, void *arg)
{
  struct memcheck_walk *w = arg;
  uint32_t pa = PTE_ADDR(pte);
  (void)va;
  if ((pte & PTE_COW) && pool_contains(&pool_user, pa) && page_ref_get(pa) > 1)
    w->seen[pool_frame_slot(&pool_user, pa)] |= MEMCHECK_MAPPED_COW;
}

/* Only a writable table can hold a writable entry (a shared table is read-only). */
static int memcheck_table_writable(uint32_t i, pde_t pde, void *arg)
{
  (void)i, (void)arg;
  return (pde & PTE_W) != 0;
}

/* Report a writable entry that maps a frame marked COW. */
static void memcheck_report_sharing(uint32_t va, pte_t pte, void *arg)
{
  struct memcheck_walk *w = arg;
  uint32_t pa = PTE_ADDR(pte);
  if ((pte & (PTE_W | PTE_COW)) != PTE_W || !pool_contains(&pool_user, pa) ||
      !(w->seen[pool_frame_slot(&pool_user, pa)] & MEMCHECK_MAPPED_COW))
    return;
  kprintf("[memcheck] pid %d (%s) va 0x%08x pte 0x%08x: writable mapping of a frame shared copy-on-write\n",
          w->p->pid, w->p->name, va, pte);
  w->bad++;
}

/* A shared frame some entry maps PTE_COW must be writable through no entry of any live space; returns
 * the number of writable entries that break this. seen is scratch, one byte per user frame. The
 * caller holds proc (the spaces stay) and pageref (no copy-or-reuse decision is half done). */
static int memcheck_cow_sharing(uint8_t *seen)
{
  struct memcheck_walk w = { .seen = seen };
  memset(seen, 0, pool_user.frames);
  for (struct proc *p = proc_list; p; p = p->next)
    if (p->vm.pd && p->state != PROC_ZOMBIE)
      vm_each_user_pte(p->vm.pd, 0, memcheck_mark_sharing, &w);
  for (struct proc *p = proc_list; p; p = p->next)
    if (p->vm.pd && p->state != PROC_ZOMBIE) {
      w.p = p;
      vm_each_user_pte(p->vm.pd, memcheck_table_writable, memcheck_report_sharing, &w);
    }
  return w.bad;
}

/* Table users counted over every live space, by kernel-pool frame; the check of pt_share_each. */
struct memcheck_tables {
  uint16_t *users;
  int bad;
  uint8_t *seen;                       /* memcheck_cow_sharing's scratch, one byte per user frame */
};

/* A table with a count: as many directories must point at it. */
static void memcheck_table_count(uint32_t pt, uint32_t count, void *arg)
{
  struct memcheck_tables *t = arg;
  uint32_t users = t->users[pool_frame_slot(&pool_kernel, pt)];
  if (users != count) {
    kprintf("[memcheck] page table 0x%08x: %u page directories use it but its count is %u\n", pt, users, count);
    t->bad++;
  }
}

/* Record that the walked process's PDE i uses its table; 1 when this is the table's first user
 * seen (count its entries). */
static int memcheck_table_use(uint32_t i, pde_t pde, void *arg)
{
  struct memcheck_walk *w = arg;
  struct memcheck_tables *t = w->tables;
  uint32_t pt = PTE_ADDR(pde);
  if (!pool_contains(&pool_kernel, pt)) {
    kprintf("[memcheck] pid %d PDE %u: page table 0x%08x outside the kernel pool\n", w->p->pid, i, pt);
    t->bad++;
    return 0;
  }
  int shared = (pde & PDE_SHARED_PT) != 0;
  uint32_t count = pt_share_count(pt);
  if (shared != (count != 0) || (shared && (pde & PTE_W))) {
    kprintf("[memcheck] pid %d PDE %u (0x%08x): table count %u does not match its shared/write bits\n",
            w->p->pid, i, pde, count);
    t->bad++;
  }
  w->table_writable = (pde & (PTE_W | PDE_SHARED_PT)) != 0;
  return t->users[pool_frame_slot(&pool_kernel, pt)]++ == 0;
}

/* Count one user mapping: its flags checked, its frame counted (or reported outside the pool). */
static void memcheck_count_pte(uint32_t va, pte_t pte, void *arg)
{
  struct memcheck_walk *w = arg;
  w->bad += memcheck_pte_flags(w->p, va, pte);
  if (pte & PTE_ZERO) {
    const char *bug = zero_page_check_entry(pte);
    if (bug) {
      kprintf("[memcheck] pid %d (%s) va 0x%08x pte 0x%08x: %s\n", w->p->pid, w->p->name, va, pte, bug);
      w->bad++;
    }
    return;                            /* the zero frame has no count */
  }
  uint32_t pa = PTE_ADDR(pte);
  if (!pool_contains(&pool_user, pa)) {
    kprintf("[memcheck] pid %d va 0x%08x maps 0x%08x outside the user pool\n", w->p->pid, va, pa);
    w->bad++;
    return;
  }
  w->counts[pool_frame_slot(&pool_user, pa)]++;
  memcheck_wshare_entry(w->ws, va, pte, w->table_writable);
}

/* Count the user mappings of p into counts, and its writable ones into ws; returns the number of
 * bad entries. */
static int memcheck_count_space(const struct proc *p, uint16_t *counts, struct memcheck_tables *t,
                                struct memcheck_wshare *ws)
{
  struct memcheck_walk w = { .p = p, .counts = counts, .tables = t, .ws = ws };
  memcheck_wshare_space(ws, p);
  vm_each_user_pte(p->vm.pd, memcheck_table_use, memcheck_count_pte, &w);
  return w.bad;
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

/* Print one frame problem found by memcheck_run. */
static void memcheck_frame_print(const struct memcheck_frame_report *r)
{
  if (r->bug == MEMCHECK_COUNT_MISMATCH)
    kprintf("[memcheck] frame 0x%08x: %u mappings but reference count %u\n", r->pa, r->mappings, r->refs);
  else if (r->bug == MEMCHECK_FREE_BUT_COUNTED)
    kprintf("[memcheck] frame 0x%08x: reference count %u but free in the pool bitmap\n", r->pa, r->refs);
  else
    kprintf("[memcheck] frame 0x%08x: allocated in the pool bitmap but unreferenced (leaked)\n", r->pa);
}

/* One check into counts and t. With preempt, it lets others run every MEMCHECK_STRIDE frames and
 * gives up with MEMCHECK_RETRY if a count changed or a copy-on-write copy was in flight meanwhile
 * (nothing is reported from a moving picture: frame problems are printed only once the run knows
 * it saw a still one); -1 if the caller is killed. The spaces and the table counts are read
 * without a preemption point, so they are one picture. */
static int memcheck_run(uint16_t *counts, struct memcheck_tables *t, int preempt)
{
  struct memcheck_frame_report shown[MEMCHECK_SHOWN];
  struct memcheck_wshare ws;
  uint32_t copies[CPU_MAX];
  int nbugs = 0;
  do {
    if (memcheck_settle() < 0)
      return -1;
  } while (!vm_spaces_hold_still());   /* other CPUs: no space may start moving while we walk */
  page_ref_lock();                     /* not inside another CPU's count-and-PTE change */
  uint32_t gen = page_ref_generation();
  page_ref_unlock();
  cow_copy_seqs(copies);               /* a copy's frame is in the pool before it is counted */
  memset(counts, 0, pool_user.frames * sizeof(uint16_t));
  memset(t->users, 0, pool_kernel.frames * sizeof(uint16_t));
  t->bad = 0;
  int bad = 0;
  spin_lock(&proc_lock);
  pt_share_lock();                     /* no table made private on another CPU half-way */
  memcheck_wshare_begin(&ws, t->seen); /* the scratch is free until memcheck_cow_sharing */
  for (struct proc *p = proc_list; p; p = p->next)
    if (p->vm.pd && p->state != PROC_ZOMBIE)
      bad += memcheck_count_space(p, counts, t, &ws);
  bad += ws.bad;
  if (!zero_page_intact()) {
    kprintf("[memcheck] the zero frame 0x%08x holds a non-zero byte\n", zero_page_pa);
    bad++;
  }
  pt_share_each(memcheck_table_count, t);
  page_ref_lock();
  bad += memcheck_cow_sharing(t->seen);
  page_ref_unlock();
  pt_share_unlock();
  spin_unlock(&proc_lock);
  if (preempt)
    vm_spaces_release();               /* the last run keeps every space still until it is done */
  bad += t->bad;
  for (uint32_t i = 0; i < pool_user.frames; i++) {
    if (preempt && i % MEMCHECK_STRIDE == 0) {
      if (sched_preempt_point() < 0)
        return -1;
      if (page_ref_generation() != gen || vm_spaces_in_flux() || cow_copies_moved(copies))
        return MEMCHECK_RETRY;
    }
    struct memcheck_frame_report r = { pool_user.base + i * PGSIZE, counts[i], 0, MEMCHECK_COUNT_MISMATCH };
    r.refs = page_ref_get(r.pa);
    int used = pool_frame_used(&pool_user, r.pa);
    if (counts[i] != r.refs)
      r.bug = MEMCHECK_COUNT_MISMATCH;
    else if (r.refs != 0 && !used)
      r.bug = MEMCHECK_FREE_BUT_COUNTED;
    else if (r.refs == 0 && used && mm_frame_is_ram(r.pa) && !pool_in_stock(&pool_user, r.pa))
      r.bug = MEMCHECK_LEAKED;
    else
      continue;
    if (nbugs < MEMCHECK_SHOWN)
      shown[nbugs] = r;
    nbugs++;
  }
  /* another CPU changed a count, or held a copy's frame, meanwhile */
  int moved = page_ref_generation() != gen || cow_copies_moved(copies);
  if (!preempt)
    vm_spaces_release();
  if (moved)
    return MEMCHECK_RETRY;
  for (int k = 0; k < nbugs && k < MEMCHECK_SHOWN; k++)
    memcheck_frame_print(&shown[k]);
  if (nbugs > MEMCHECK_SHOWN)
    kprintf("[memcheck] and %d more frames like these\n", nbugs - MEMCHECK_SHOWN);
  return bad + nbugs;
}

int memcheck(void)
{
  int bad = -1, run = 0;
  uint16_t *counts = kmalloc(pool_user.frames * sizeof(uint16_t));
  struct memcheck_tables tables = { kmalloc(pool_kernel.frames * sizeof(uint16_t)), 0,
                                    kmalloc(pool_user.frames) };
  if (!counts || !tables.users || !tables.seen) {
    kprintf("[memcheck] out of kernel memory for its tables\n");
    goto out;
  }
  while ((bad = memcheck_run(counts, &tables, run < MEMCHECK_TRIES)) == MEMCHECK_RETRY &&
         run < MEMCHECK_TRIES + MEMCHECK_SMP_TRIES)
    run++;
out:
  kfree(tables.seen);
  kfree(tables.users);
  kfree(counts);
  return bad;
}
