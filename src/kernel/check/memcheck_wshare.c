/*
 * memcheck_wshare.c - memcheck's isolation rule: a user frame is writable
 * in at most one address space, or in several that are all THREAD
 * relatives (FORK_POLICY_THREAD shares data, bss and heap writable on
 * purpose). Copy-on-write sharing leaves PTE_W in no sharer, and a table
 * shared by FORK_POLICY_SHARED_PT counts as one space: whichever user of it
 * writes first gets a copy in which every writable entry is PTE_COW
 * (ptshare.c), and its last user reuses it as it is.
 *
 * One byte per frame remembers the first space that maps it writable; a
 * second, unrelated space is a bug, reported with the frame, both pids and
 * both virtual addresses (the first one found again by a walk: this runs
 * only when something is wrong).
 */
#include "check/memcheck_wshare.h"
#include "mm/pool.h"
#include "arch/printk.h"
#include "lib/string.h"

#define WSHARE_SHOWN 8                   /* pairs printed in full; the rest are counted */

void memcheck_wshare_begin(struct memcheck_wshare *ws, uint8_t *owner)
{
  ws->owner = owner;
  ws->nprocs = 0;
  ws->bad = 0;
  memset(owner, 0, pool_user.frames);
}

void memcheck_wshare_space(struct memcheck_wshare *ws, const struct proc *p)
{
  if (ws->nprocs < MEMCHECK_WSHARE_SPACES)
    ws->procs[ws->nprocs] = p;
  ws->nprocs++;                          /* beyond the limit: entries are not recorded */
}

/* Two processes allowed to share a frame writable: the same one, or one THREAD group. */
static int wshare_related(const struct proc *a, const struct proc *b)
{
  return a == b || (a->thread_group != 0 && a->thread_group == b->thread_group);
}

/* What wshare_find_va looks for and what it found. */
struct wshare_find {
  uint32_t pa, va;
};

static void wshare_find_pte(uint32_t va, pte_t pte, void *arg)
{
  struct wshare_find *f = arg;
  if ((pte & PTE_W) && PTE_ADDR(pte) == f->pa && !f->va)
    f->va = va;
}

/* A user address at which p maps the frame pa writable (0 when none is found). */
static uint32_t wshare_find_va(const struct proc *p, uint32_t pa)
{
  struct wshare_find f = { pa, 0 };
  vm_each_user_pte(p->vm.pd, 0, wshare_find_pte, &f);
  return f.va;
}

void memcheck_wshare_entry(struct memcheck_wshare *ws, uint32_t va, pte_t pte, int writable_table)
{
  uint32_t pa = PTE_ADDR(pte), me = ws->nprocs;
  if (!(pte & PTE_W) || !writable_table || !pool_contains(&pool_user, pa) || me == 0 ||
      me > MEMCHECK_WSHARE_SPACES)
    return;
  uint8_t *o = &ws->owner[pool_frame_slot(&pool_user, pa)];
  if (*o == 0) {
    *o = (uint8_t)me;
    return;
  }
  const struct proc *first = ws->procs[*o - 1], *p = ws->procs[me - 1];
  if (wshare_related(first, p))
    return;
  if (ws->bad < WSHARE_SHOWN)
    kprintf("[memcheck] frame 0x%08x: writable in pid %d (%s) at va 0x%08x and in pid %d (%s) at va 0x%08x, "
            "not THREAD relatives\n", pa, first->pid, first->name, wshare_find_va(first, pa), p->pid, p->name, va);
  else if (ws->bad == WSHARE_SHOWN)
    kprintf("[memcheck] and more frames writable in two spaces\n");
  ws->bad++;
}
