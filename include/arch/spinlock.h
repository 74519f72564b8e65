/*
 * spinlock.h - checked test-and-set locks that also mask interrupts on this CPU.
 *
 * Holding one keeps both the other CPUs (xchg) and this CPU's interrupt
 * handlers out. Each lock has a name and records the CPU and the call site
 * holding it, so mistakes stop the kernel at once with both places named:
 *   - taking a lock this CPU already holds panics with both call sites;
 *   - spinning for more than SPIN_LIMIT rounds panics naming the lock, the
 *     holder and the waiter;
 *   - releasing a lock this CPU does not hold panics;
 *   - switching away from a process (sleep, yield, exit) while holding any
 *     spinlock but the process-table lock panics (sched.c).
 * A waiting CPU keeps answering TLB shootdowns (tlb.c) while it spins.
 *
 * Every lock in the kernel, what it protects, and the order they nest in
 * (a lock may be taken while holding only locks listed ABOVE it):
 *
 *   tty       (dev/tty.c)      the input line buffer, its indices, echo and the foreground pid
 *   pipe      (fs/pipe.c)      one per pipe: its ring indices, reader/writer counts; the copy to
 *                              or from user memory happens under it (all of a write of up to
 *                              PIPE_SIZE bytes in one hold, so records never tear)
 *   tick      (proc/sched.c)   the sleep() condition on the clock (never two of these three at once)
 *   vmflux    (mm/vm.c)        held by memcheck: no address space starts being built or torn down
 *   proc      (proc/proc.c)    the process list, pids, every state, parent links, wait channels,
 *                              killed_by, exit status, the scheduler's cursor; held across the
 *                              context switch (taken by the process, released by the scheduler
 *                              loop, or the other way round)
 *   ptshare   (mm/ptshare.c)   shared page-table counts and the PDE change that goes with each
 *                              share/copy/reuse decision (memcheck holds it while it walks)
 *   pageref   (mm/pageref.c)   the design card's spinlocked reference-count array, and the PTE
 *                              change that goes with a count change (COW copy, fork, release);
 *                              a COW reuse at count 1 needs none (cow/cow_fault.c says why)
 *   kheap     (mm/kmalloc.c)   kmalloc's size classes and their pages' free lists
 *   file      (fs/file.c)      open-file reference counts
 *   kvguard   (mm/kvpool.c)    the kernel stacks' guard-page bitmap
 *   user, kernel, kvpool (mm/pool.c)  each pool's bitmap (never two at once)
 *   tlb       (mm/tlb.c)       the one shootdown request in flight (only tried, never spun on
 *                              without answering other CPUs' shootdowns)
 *   console   (dev/console.c)  VGA cursor and colour, line-start state, COM1 output
 *   spin-test (test/kt_smp_run.c)  the recursive-acquire self-test's own lock
 *
 * A page fault can come while tty or pipe is held (a system call copying to
 * user memory): that is why ptshare, pageref and the pools follow them.
 * The per-CPU scratch page needs no lock: only its CPU maps it, with
 * interrupts masked from map to unmap (vm.c).
 */
#ifndef ARCH_SPINLOCK_H
#define ARCH_SPINLOCK_H
#include <stdint.h>
#include "arch/percpu.h"
#include "arch/x86.h"

struct spinlock {
  volatile uint32_t locked;
  const char *name;
  struct cpu *cpu;             /* holder, 0 when free */
  const char *file;            /* where the holder took it */
  int line;
};

#define SPINLOCK_INIT(n) { 0, (n), 0, 0, 0 }
#define SPIN_LIMIT 200000000u  /* rounds of waiting far beyond any critical section */

/* The slow half of spin_lock_at (spinlock.c), after push_off: l is held, by this CPU c (panic,
 * or in report mode fill the report, pop_off and return 0) or by another (spin until it is ours,
 * return 1). */
int spin_contended(struct spinlock *l, struct cpu *c, const char *file, int line);
/* Panic: c releases l, which it does not hold. */
void spin_bad_unlock(const struct spinlock *l, const struct cpu *c) __attribute__((noreturn));
/* Panic: c releases a lock with interrupts on or its masking depth already 0 (pop_off's checks). */
void spin_bad_masking(const struct cpu *c) __attribute__((noreturn));

/* Atomically store v into *p and return the old value. */
static inline uint32_t spin_xchg(volatile uint32_t *p, uint32_t v)
{
  __asm__ volatile("xchgl %0, %1" : "+m"(*p), "+r"(v) : : "memory");
  return v;
}

/* Record c as the holder of l, just taken at file:line. */
static inline void spin_took(struct spinlock *l, struct cpu *c, const char *file, int line)
{
  l->cpu = c;
  l->file = file;
  l->line = line;
  c->locks_held++;
}

/* Mask interrupts, then spin until the lock is ours; records this CPU and file:line. Inline: the
 * uncontended path is push_off written out, one read of this_cpu and one xchg (every COW copy
 * takes two locks, so their cost shows in each fault). */
static inline void spin_lock_at(struct spinlock *l, const char *file, int line)
{
  uint32_t f = read_eflags();
  cli();
  struct cpu *c = this_cpu();
  if (c->irq_depth++ == 0)
    c->irq_were_enabled = (f & EFLAGS_IF) != 0;
  /* only this CPU ever writes c into l->cpu, and only while it holds l */
  if (__builtin_expect(l->cpu == c || spin_xchg(&l->locked, 1), 0) && !spin_contended(l, c, file, line))
    return;
  spin_took(l, c, file, line);
}

/* Release a lock this CPU holds and undo its interrupt masking: pop_off's checks, the holder
 * record cleared before the release store (a plain store releases on x86), then pop_off's
 * unmasking written out. */
static inline void spin_unlock(struct spinlock *l)
{
  struct cpu *c = this_cpu();
  if (__builtin_expect(l->cpu != c || !l->locked, 0))
    spin_bad_unlock(l, c);
  if (__builtin_expect((read_eflags() & EFLAGS_IF) || c->irq_depth < 1, 0))
    spin_bad_masking(c);
  l->cpu = 0;
  l->file = 0;
  c->locks_held--;
  __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
  if (--c->irq_depth == 0 && c->irq_were_enabled)
    sti();
}
/* One attempt: 1 and the lock held (as spin_lock_at), or 0 and nothing changed. */
int spin_trylock_at(struct spinlock *l, const char *file, int line);
/* Non-zero when this CPU holds l. */
int spin_holding(const struct spinlock *l);

#define spin_lock(l) spin_lock_at((l), __FILE__, __LINE__)
#define spin_trylock(l) spin_trylock_at((l), __FILE__, __LINE__)

/* What the checker saw when report mode caught a mistake instead of panicking. */
struct spin_report {
  int hits;
  const char *lock;
  const char *held_file, *again_file;
  int held_line, again_line;
};
/* Report mode (self-tests only, one CPU at a time): with r set, taking a lock this CPU holds
 * fills r and returns without taking it again; r = 0 restores panicking. */
void spin_check_report(struct spin_report *r);

#endif
