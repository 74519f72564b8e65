/*
 * framesnap.c - copy the user pool's reference counts to a program.
 *
 * A teaching aid like vtop: the kernel hands over numbers and the program
 * draws the map. The counts are copied FRAMESNAP_CHUNK frames at a time,
 * each chunk under one hold of the count lock (interrupts masked for one
 * chunk of counts, or for a process view one walk of that process's page
 * tables); between chunks the lock is free, so the snapshot is consistent
 * within a chunk but NOT atomic across chunks. Writing the buffer can
 * itself break copy-on-write on the caller's pages, so a program that wants
 * a quiet picture writes its buffer once before asking.
 *
 * The shared zero frame (mm/zeropage.c) is no user-pool frame: its
 * mappings are counted apart, as the number of PTE_ZERO entries of the
 * process (or of every live one), taken in one walk before the counts.
 */
#include "check/framesnap.h"
#include "mm/pageref.h"
#include "mm/pool.h"
#include "mm/vm.h"
#include "mm/zeropage.h"
#include "sched/proc.h"
#include "sched/uaccess.h"
#include "sched/sched.h"
#include "lib/string.h"
#include "user.h"

/* One chunk of a process's frame snapshot: the frames [first, first + n) and where their counts go. */
struct framesnap_chunk {
  uint32_t first, n;
  uint8_t *out;
};

/* Copy the count of the frame this entry maps into the chunk, if it lies there. */
static void framesnap_chunk_pte(uint32_t va, pte_t pte, void *arg)
{
  struct framesnap_chunk *c = arg;
  uint32_t pa = PTE_ADDR(pte);
  (void)va;
  if (!pool_contains(&pool_user, pa))
    return;
  uint32_t idx = pool_frame_slot(&pool_user, pa);
  if (idx >= c->first && idx - c->first < c->n)
    page_ref_copy_locked(idx, 1, &c->out[idx - c->first], FRAMESNAP_MAX);
}

/* Mark in out[] (already zeroed) the frames of [first, first + n) that p maps, with their counts;
 * the caller holds the count lock. */
static void framesnap_proc_chunk(const struct proc *p, uint32_t first, uint32_t n, uint8_t *out)
{
  struct framesnap_chunk c = { first, n, out };
  vm_each_user_pte(p->vm.pd, 0, framesnap_chunk_pte, &c);
}

/* Count one entry that maps the zero frame. */
static void framesnap_zero_pte(uint32_t va, pte_t pte, void *arg)
{
  (void)va;
  if (zero_page_entry(pte))
    (*(uint32_t *)arg)++;
}

/* Entries that map the zero frame in process pid's space, or in every live space for pid 0. */
static uint32_t framesnap_zero_pages(int pid)
{
  uint32_t n = 0;
  while (!vm_spaces_hold_still())          /* no table may be freed under the walk */
    sched_yield();
  spin_lock(&proc_lock);
  for (const struct proc *p = proc_list; p; p = p->next)
    if (p->vm.pd && p->group == p && p->state != PROC_ZOMBIE && (pid == 0 || p->pid == pid))
      vm_each_user_pte(p->vm.pd, 0, framesnap_zero_pte, &n);
  spin_unlock(&proc_lock);
  vm_spaces_release();
  return n;
}

/* Non-zero when pid is a live process with an address space (FRAMESNAP_PROC's target). Both are
 * read under proc_lock: once it is let go the record may be freed by the process's parent on
 * another CPU, and its memory reused. */
static int framesnap_target(int pid)
{
  spin_lock(&proc_lock);
  const struct proc *p = proc_find_locked(pid);
  int live = p && p->vm.pd;
  spin_unlock(&proc_lock);
  return live;
}

int framesnap_copy(uint32_t ureq)
{
  struct framesnap req;
  uint8_t chunk[FRAMESNAP_CHUNK];
  if (copy_from_user(&req, ureq, sizeof req) < 0 || uaccess_check(ureq, sizeof req, UACCESS_WRITE) < 0)
    return -1;
  if (req.mode != FRAMESNAP_POOL && req.mode != FRAMESNAP_PROC)
    return -1;
  if (req.start > pool_user.frames || req.count > pool_user.frames - req.start)
    return -1;
  if (req.mode == FRAMESNAP_PROC && !framesnap_target(req.pid))
    return -1;
  if (req.count && uaccess_check((uint32_t)req.buf, req.count, UACCESS_WRITE) < 0)
    return -1;
  req.pool_base = pool_user.base;
  req.pool_frames = pool_user.frames;
  req.zero_pages = framesnap_zero_pages(req.mode == FRAMESNAP_PROC ? req.pid : 0);
  if (copy_to_user(ureq, &req, sizeof req) < 0)
    return -1;
  for (uint32_t done = 0; done < req.count; done += FRAMESNAP_CHUNK) {
    uint32_t n = req.count - done < FRAMESNAP_CHUNK ? req.count - done : FRAMESNAP_CHUNK;
    if (req.mode == FRAMESNAP_POOL) {
      page_ref_lock();
      page_ref_copy_locked(req.start + done, n, chunk, FRAMESNAP_MAX);
      page_ref_unlock();
    } else {
      while (!vm_spaces_hold_still())      /* the target's tables must not be freed under the walk */
        sched_yield();
      spin_lock(&proc_lock);               /* nor its record (it may exit on another CPU) */
      const struct proc *p = proc_find_locked(req.pid);   /* it may have exited since the last chunk */
      memset(chunk, 0, n);
      page_ref_lock();
      if (p && p->vm.pd)
        framesnap_proc_chunk(p, req.start + done, n, chunk);
      page_ref_unlock();
      spin_unlock(&proc_lock);
      vm_spaces_release();
    }
    if (copy_to_user((uint32_t)req.buf + done, chunk, n) < 0)
      return -1;
  }
  return (int)req.count;
}
