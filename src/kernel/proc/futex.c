/*
 * futex.c - sleeping on a user word: futex_sleep and futex_wakeup (the futex_wait and futex_wake calls).
 *
 * A waiter is keyed by its address space and the user address, so two
 * processes' equal addresses never meet. Waiters live on their own kernel
 * stacks, on one list under futex_lock (rank WAIT; the lock order is in
 * include/arch/spinlock.h). The value is read under that lock, so no
 * wakeup is lost: a waker changes the word before it calls futex_wake,
 * which needs the same lock, so either the waiter reads the new value and
 * does not sleep, or it is on the list when the waker looks. Each waiter
 * takes itself off the list if it leaves without being woken (a kill).
 */
#include "proc/thread.h"
#include "sched/proc.h"
#include "sched/uaccess.h"
#include "arch/spinlock.h"

struct futex_waiter {
  const struct vm_space *vs;
  uint32_t uva;
  int woken;                    /* set (and unlinked) by futex_wake */
  struct futex_waiter *next;
};

static struct spinlock futex_lock = SPINLOCK_INIT("futex", SPIN_RANK_WAIT);
static struct futex_waiter *futex_waiters;   /* futex_lock */

/* Is uva a word-aligned user address the current space maps readable? */
static int futex_addr_ok(uint32_t uva)
{
  return uva % sizeof(int) == 0 && uaccess_check(uva, sizeof(int), UACCESS_READ) == 0;
}

/* Take w off the list (futex_lock held). */
static void futex_unlink_locked(struct futex_waiter *w)
{
  struct futex_waiter **pp = &futex_waiters;
  while (*pp && *pp != w)
    pp = &(*pp)->next;
  if (*pp)
    *pp = w->next;
}

int futex_sleep(uint32_t uva, int expected)
{
  struct proc *cur = proc_current();
  int val;
  if (!futex_addr_ok(uva))
    return -1;
  spin_lock(&futex_lock);
  if (copy_from_user(&val, uva, sizeof val) < 0) {   /* a sibling's sbrk may have unmapped it */
    spin_unlock(&futex_lock);
    return -1;
  }
  if (val != expected) {
    spin_unlock(&futex_lock);
    return 1;
  }
  struct futex_waiter w = { &cur->group->vm, uva, 0, futex_waiters };
  futex_waiters = &w;
  while (!w.woken && !cur->killed_by)
    proc_sleep(&w, &futex_lock);
  if (!w.woken)
    futex_unlink_locked(&w);
  spin_unlock(&futex_lock);
  return w.woken ? 0 : -1;
}

int futex_wakeup(uint32_t uva, int n)
{
  const struct vm_space *vs = &proc_current_group()->vm;
  int woke = 0;
  if (!futex_addr_ok(uva))
    return -1;
  spin_lock(&futex_lock);
  for (struct futex_waiter **pp = &futex_waiters; *pp && woke < n;) {
    struct futex_waiter *w = *pp;
    if (w->vs != vs || w->uva != uva) {
      pp = &w->next;
      continue;
    }
    *pp = w->next;
    w->woken = 1;
    proc_wakeup(w);
    woke++;
  }
  spin_unlock(&futex_lock);
  return woke;
}
