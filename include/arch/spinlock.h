/*
 * spinlock.h - checked test-and-set locks that also mask interrupts on this CPU.
 *
 * Holding one keeps both the other CPUs (xchg) and this CPU's interrupt
 * handlers out. Each lock has a name and records the CPU and the call site
 * holding it, so mistakes stop the kernel at once with both places named:
 *   - taking a lock this CPU already holds panics with both call sites;
 *   - taking a lock out of the lock order (below) panics with both locks
 *     and both call sites;
 *   - spinning for more than SPIN_LIMIT rounds panics naming the lock, the
 *     holder and the waiter;
 *   - releasing a lock this CPU does not hold panics;
 *   - switching away from a process (sleep, yield, exit) while holding any
 *     spinlock but the process-table lock panics (sched.c).
 * A waiting CPU keeps answering TLB shootdowns (tlb.c) while it spins.
 *
 * The lock order: every lock in the kernel, its rank (SPIN_RANK_ and the
 * first column), what it protects. This table is the one place the order is
 * written down; other files point here. A lock may be taken while holding
 * only locks listed ABOVE it. Locks of one rank are never held two at once
 * (tty, pipe, tick, futex: not even two pipes; the three pools; two spaces).
 *
 *   WAIT     tty       (dev/tty.c)     the input line buffer, its indices, echo and the
 *                                      foreground pid
 *            pipe      (fs/pipe.c)     one per pipe: its ring indices, reader/writer counts; the
 *                                      copy to or from user memory happens under it (all of a
 *                                      write of up to PIPE_SIZE bytes in one hold, so records
 *                                      never tear)
 *            tick      (sched/sched.c) the sleep() condition on the clock
 *            futex     (proc/futex.c)  the futex waiters; the user word is read under it
 *   VMFLUX   vmflux    (mm/vm.c)       held by memcheck: no address space starts being built or
 *                                      torn down
 *   SPACE    space     (mm/vmspace.c)  one per address space, taken only while more than one
 *                                      thread uses it: every change to its page-table entries
 *                                      (a copy-on-write fault, fork's sharing, sbrk, a shared
 *                                      table made private) with the shootdown that goes with it,
 *                                      and the recheck of a fault another thread may have fixed
 *   PROC     proc      (sched/proc.c)  the process list, pids and thread ids, every state, parent
 *                                      links, wait channels, killed_by, exit statuses, each
 *                                      space's thread count, each process's file table, the
 *                                      scheduler's cursor;
 *                                      held across the context switch (taken by the process,
 *                                      released by the scheduler loop, or the other way round,
 *                                      always on one CPU)
 *   PTSHARE  ptshare   (mm/ptshare.c)  shared page-table counts and the PDE change that goes with
 *                                      each share/copy/reuse decision (memcheck holds it while it
 *                                      walks)
 *   PAGEREF  pageref   (mm/pageref.c)  the design card's spinlocked reference-count array, and
 *                                      the PTE change that goes with a count change (COW copy,
 *                                      fork, release); a COW reuse at count 1 needs none
 *                                      (cow/cow_fault.c says why); releasing a whole page table
 *                                      frees frames (pool lock) under it
 *   KHEAP    kheap     (mm/kmalloc.c)  kmalloc's size classes and their pages' free lists
 *   FILE     file      (fs/file.c)     open-file reference counts
 *   KVGUARD  kvguard   (mm/kvpool.c)   the kernel stacks' guard-page bitmap
 *   POOL     user, kernel, kvpool      each pool's bitmap and hint; the user pool's lock also
 *                      (mm/pool.c)     covers filling a CPU's stock of free frames and emptying
 *                                      every CPU's stock back into the bitmap (a CPU takes from
 *                                      its own stock without it: percpu.h, struct
 *                                      cpu_frame_stock)
 *   TLB      tlb       (arch/tlb.c)    the one shootdown request in flight (only tried, never
 *                                      spun on without answering other CPUs' shootdowns)
 *   CONSOLE  console   (arch/console.c) VGA cursor and colour, line-start state, COM1 output
 *   TEST     spin-test (test/kt_spin.c) the lock self-tests' own lock (they also make locks of
 *                                      other ranks)
 *
 * The order is checked, not only written: SPINLOCK_INIT(name, rank) gives
 * each lock its rank, and each CPU keeps the ranks it holds as a bitmask
 * (struct cpu's ranks_held) with the lock of each rank (rank_lock). Taking,
 * or trying, a lock whose rank bit is not above every held bit (one compare:
 * ranks_held >= rank_bit) panics naming both locks and both call sites: where
 * the held one was taken and where the new one is asked for. A lock taken
 * twice is caught by the same compare. Taking a lock also sets its bit and
 * records it in rank_lock; releasing clears the bit with one xor; a trylock
 * that fails changes nothing. The mask belongs to the CPU, not the stack, so
 * proc held across a context switch is cleared from the mask that set it.
 *
 * A page fault can come while tty or pipe is held (a system call copying to
 * user memory): that is why space, ptshare, pageref and the pools follow them.
 * The per-CPU scratch page needs no lock: only its CPU maps it, with
 * interrupts masked from map to unmap (vm.c).
 */
#ifndef ARCH_SPINLOCK_H
#define ARCH_SPINLOCK_H
#include <stdint.h>
#include "arch/percpu.h"
#include "arch/x86.h"

/* The ranks of the table above, in its order (a lock may be taken only below every held rank). */
enum spin_rank {
  SPIN_RANK_WAIT,      /* tty, pipe, tick, futex */
  SPIN_RANK_VMFLUX,
  SPIN_RANK_SPACE,
  SPIN_RANK_PROC,
  SPIN_RANK_PTSHARE,
  SPIN_RANK_PAGEREF,
  SPIN_RANK_KHEAP,
  SPIN_RANK_FILE,
  SPIN_RANK_KVGUARD,
  SPIN_RANK_POOL,      /* user, kernel, kvpool */
  SPIN_RANK_TLB,
  SPIN_RANK_CONSOLE,
  SPIN_RANK_TEST,
  SPIN_RANKS
};
_Static_assert(SPIN_RANKS <= SPIN_RANKS_MAX, "struct cpu's ranks_held has one bit per rank");

struct spinlock {
  volatile uint32_t locked;
  const char *name;
  struct cpu *cpu;             /* holder, 0 when free */
  const char *file;            /* where the holder took it */
  int line;
  uint32_t rank_bit;           /* 1 << its rank: its bit in the holder's ranks_held */
  uint32_t rank;
};

#define SPINLOCK_INIT(n, r) { 0, (n), 0, 0, 0, 1u << (r), (r) }
#define SPIN_LIMIT 200000000u  /* rounds of waiting far beyond any critical section */

/* The slow halves of spin_lock_at (spinlock.c), after push_off. spin_out_of_order: l's rank is not
 * below every rank this CPU c holds (l itself held again, or the lock order broken): panic naming
 * both locks and call sites, or in report mode fill the report and pop_off without taking l.
 * spin_wait: l is held by another CPU; spin until it is ours. */
void spin_out_of_order(struct spinlock *l, struct cpu *c, const char *file, int line);
void spin_wait(struct spinlock *l, struct cpu *c, const char *file, int line);
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

/* Record c as the holder of l, just taken at file:line, and l's rank (bit, l->rank_bit read
 * before the xchg) as held by c. */
static inline void spin_took(struct spinlock *l, struct cpu *c, const char *file, int line, uint32_t bit)
{
  l->cpu = c;
  l->file = file;
  l->line = line;
  c->ranks_held |= bit;
  c->rank_lock[l->rank] = l;
}

/* Mask interrupts, check the lock order, then spin until the lock is ours; records this CPU and
 * file:line. Inline: the uncontended path is push_off written out, one read of this_cpu, one
 * compare of the held ranks and one xchg (every COW copy takes two locks, so their cost shows in
 * each fault). The compare also catches a lock this CPU already holds: its own rank is held. */
static inline void spin_lock_at(struct spinlock *l, const char *file, int line)
{
  uint32_t f = read_eflags();
  cli();
  struct cpu *c = this_cpu();
  if (c->irq_depth++ == 0)
    c->irq_were_enabled = (f & EFLAGS_IF) != 0;
  /* a held bit at l's or above means a held rank at l's or below it in the table */
  uint32_t bit = l->rank_bit;
  if (__builtin_expect(c->ranks_held >= bit, 0)) {
    spin_out_of_order(l, c, file, line);
    return;
  }
  if (__builtin_expect(spin_xchg(&l->locked, 1), 0))
    spin_wait(l, c, file, line);
  spin_took(l, c, file, line, bit);
}

/* Release a lock this CPU holds and undo its interrupt masking: pop_off's checks, the holder
 * record and its rank bit cleared before the release store (a plain store releases on x86), then
 * pop_off's unmasking written out. The xor clears the bit: no other lock of its rank is held. */
static inline void spin_unlock(struct spinlock *l)
{
  struct cpu *c = this_cpu();
  if (__builtin_expect(l->cpu != c || !l->locked, 0))
    spin_bad_unlock(l, c);
  if (__builtin_expect((read_eflags() & EFLAGS_IF) || c->irq_depth < 1, 0))
    spin_bad_masking(c);
  l->cpu = 0;
  l->file = 0;
  c->ranks_held ^= l->rank_bit;
  __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
  if (--c->irq_depth == 0 && c->irq_were_enabled)
    sti();
}
/* spin_lock_at for a caller whose interrupts the CPU itself masked (an interrupt gate: the page
 * fault), paired with spin_unlock_masked: the same order check, wait and holder record, but no
 * masking depth to keep (nothing to undo at the release). Panics when interrupts are on. */
static inline void spin_lock_masked_at(struct spinlock *l, const char *file, int line)
{
  struct cpu *c = this_cpu();
  if (__builtin_expect(read_eflags() & EFLAGS_IF, 0))
    spin_bad_masking(c);
  uint32_t bit = l->rank_bit;
  if (__builtin_expect(c->ranks_held >= bit, 0))
    spin_out_of_order(l, c, file, line);   /* panics: report mode is for spin_lock_at's self-tests */
  if (__builtin_expect(spin_xchg(&l->locked, 1), 0))
    spin_wait(l, c, file, line);
  spin_took(l, c, file, line, bit);
}

/* Release a lock taken with spin_lock_masked_at; interrupts stay masked. */
static inline void spin_unlock_masked(struct spinlock *l)
{
  struct cpu *c = this_cpu();
  if (__builtin_expect(l->cpu != c || !l->locked, 0))
    spin_bad_unlock(l, c);
  l->cpu = 0;
  l->file = 0;
  c->ranks_held ^= l->rank_bit;
  __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* One attempt, with the same order check as spin_lock_at: 1 and the lock held, or 0 and nothing
 * changed (held by another CPU). */
int spin_trylock_at(struct spinlock *l, const char *file, int line);
/* Non-zero when this CPU holds l. */
int spin_holding(const struct spinlock *l);
/* Number of spinlocks c holds. */
int spin_locks_held(const struct cpu *c);

#define spin_lock(l) spin_lock_at((l), __FILE__, __LINE__)
#define spin_trylock(l) spin_trylock_at((l), __FILE__, __LINE__)
#define spin_lock_masked(l) spin_lock_masked_at((l), __FILE__, __LINE__)

/* What the checker saw when report mode caught a mistake instead of panicking. */
struct spin_report {
  int hits;
  const char *lock;                   /* the lock asked for */
  const char *held_lock;              /* the held one it collides with (lock itself when held again) */
  const char *held_file, *again_file; /* where held_lock was taken, where lock was asked for */
  int held_line, again_line;
};
/* Report mode (self-tests only, one CPU at a time): with r set, taking a lock this CPU holds or
 * breaking the lock order fills r and returns without taking the lock; r = 0 restores panicking. */
void spin_check_report(struct spin_report *r);

#endif
