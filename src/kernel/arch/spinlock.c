/*
 * spinlock.c - interrupt-masking test-and-set locks.
 */
#include "arch/spinlock.h"
#include "arch/x86.h"
#include "kernel/printk.h"

#define SPIN_LIMIT 100000000u   /* far beyond any critical section: a self-deadlock */

/* Atomically store v into *p and return the old value. */
static inline uint32_t spin_xchg(volatile uint32_t *p, uint32_t v)
{
  __asm__ volatile("xchgl %0, %1" : "+m"(*p), "+r"(v) : : "memory");
  return v;
}

void spin_lock(struct spinlock *l)
{
  uint32_t f = irq_save();
  uint32_t spins = 0;
  while (spin_xchg(&l->locked, 1)) {
    cpu_relax();
    if (++spins == SPIN_LIMIT)
      panic("spinlock %s: deadlock (held and never released)", l->name);
  }
  l->saved_flags = f;
}

void spin_unlock(struct spinlock *l)
{
  uint32_t f = l->saved_flags;
  if (!l->locked)
    panic("spinlock %s: released while not held", l->name);
  spin_xchg(&l->locked, 0);
  irq_restore(f);
}
