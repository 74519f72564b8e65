/*
 * spinlock.h - a test-and-set lock that also masks interrupts on this CPU.
 *
 * Holding one keeps both other CPUs (xchg) and this CPU's interrupt
 * handlers out. The kernel runs on one CPU today; the lock is written so a
 * second CPU would be excluded too.
 */
#ifndef ARCH_SPINLOCK_H
#define ARCH_SPINLOCK_H
#include <stdint.h>

struct spinlock {
  volatile uint32_t locked;
  uint32_t saved_flags;
  const char *name;
};

#define SPINLOCK_INIT(n) { 0, 0, (n) }

/* Mask interrupts, then spin until the lock is ours. */
void spin_lock(struct spinlock *l);
/* Release the lock and restore the interrupt flag saved by spin_lock. */
void spin_unlock(struct spinlock *l);

#endif
