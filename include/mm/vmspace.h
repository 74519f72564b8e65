/*
 * vmspace.h - an address space as the CPUs see it: a page directory and the
 * set of CPUs that may hold translations of it.
 *
 * A process's space (struct proc's vm) is entered by the CPU that switches
 * the process in and left when it switches out (sched.c). The CPU set
 * belongs to the space object, not to one directory: exec replaces the
 * directory under a CPU that stays in the space (vm_space_replace), exit
 * takes the directory away (vm_space_detach). Whoever changes a user
 * mapping of the space can then reach exactly the CPUs that may cache it
 * (vm_space_shootdown), and whoever frees a directory can check that no
 * other CPU still runs on it (vm_space_check_alone).
 *
 * Ordering: a CPU sets its bit with a locked OR (a full barrier) before it
 * loads CR3, and clears it only after it has loaded another directory. A
 * shootdown writes the entries, fences, then reads the set: a CPU it does
 * not find either left before the read or sets its bit after the writes,
 * so its page walks see the new entries.
 */
#ifndef MM_VMSPACE_H
#define MM_VMSPACE_H
#include <stdint.h>
#include "arch/mmu.h"
#include "arch/spinlock.h"
#include "arch/percpu.h"
#include "arch/x86.h"

/*
 * Threads. A space used by several threads at once (a process's threads,
 * include/user.h's thread_create) may be changed by one CPU while another
 * runs in it. Every change to its entries then holds its lock, and every
 * change that takes a permission or a frame away is shot down before it
 * counts (vm_space_shootdown below; arch/tlb.h). While one thread uses it the
 * lock is not taken: only that thread can change the space, or start a
 * second thread (vm_space_lock_shared says why that is enough).
 */
struct vm_space {
  pde_t *pd;                 /* the page directory; changed under proc_lock (exit detaches, exec swaps) */
  volatile uint32_t cpus;    /* bit i: CPU i may hold translations of this space (atomic or/and only) */
  volatile int threads;      /* threads using the space and not ended (changed under proc_lock) */
  struct spinlock lock;      /* rank SPACE: its entries, while threads > 1 */
};

#define VM_SPACE_INIT { 0, 0, 1, SPINLOCK_INIT("space", SPIN_RANK_SPACE) }

/* Make vs an unused space: no directory, no CPU, one thread (a new process's), its lock free. */
void vm_space_init(struct vm_space *vs);
/* Take vs's lock if another thread uses vs too; returns whether it did (the caller passes that to
 * vm_space_unlock_shared). A count of 1 read by the one thread stays 1 until that thread itself
 * creates another: no other thread exists to change the space or the count meanwhile. Inline:
 * every page fault asks. */
static inline int vm_space_lock_shared(struct vm_space *vs)
{
  if (vs->threads <= 1)
    return 0;
  spin_lock(&vs->lock);
  return 1;
}
/* Undo vm_space_lock_shared (locked: its result). */
static inline void vm_space_unlock_shared(struct vm_space *vs, int locked)
{
  if (locked)
    spin_unlock(&vs->lock);
}

/* This CPU runs in vs from now on: its bit is set before CR3 = vs->pd; this_cpu()->vm = vs. A space
 * with no directory (its process is exiting) loads kernel_pd and sets no bit. Interrupts masked. */
void vm_space_enter(struct vm_space *vs);
/* This CPU leaves vs: CR3 = kernel_pd first, then its bit is cleared; this_cpu()->vm = 0.
 * Interrupts masked. */
void vm_space_leave(struct vm_space *vs);
/* Make pd vs's directory and return the old one (exec, proc_lock held). A CPU running in vs keeps
 * its bit and loads pd; a space no CPU runs in (a process not started yet) only changes pd. */
pde_t *vm_space_replace(struct vm_space *vs, pde_t *pd);
/* Take vs's directory away and return it (exit, proc_lock held): this CPU, if it runs in vs, loads
 * kernel_pd and then clears its bit, and stays in vs with no directory until it switches out. */
pde_t *vm_space_detach(struct vm_space *vs);
/* After the caller's writes to vs's page-table entries for [va, va + n pages): a full barrier,
 * then a flush here and on every other CPU in vs's set, waiting for each. Returns the set of
 * other CPUs it reached (0 when this CPU is alone in vs: a local flush only, no IPI). */
uint32_t vm_space_shootdown(struct vm_space *vs, uint32_t va, uint32_t npages);
/* The same for the one page at va, inline for the copy-on-write copy: alone in vs's set, this CPU
 * only flushes its own entry. (Read without masking: a thread moved to another CPU meanwhile left
 * the first one, which flushed as it left, and entered the second with a fresh TLB.) */
static inline uint32_t vm_space_shootdown_page(struct vm_space *vs, uint32_t va)
{
  __atomic_thread_fence(__ATOMIC_SEQ_CST);   /* the entry is written before the set is read */
  if (__atomic_load_n(&vs->cpus, __ATOMIC_RELAXED) == 1u << this_cpu()->id) {
    invlpg(va);
    return 0;
  }
  return vm_space_shootdown(vs, va, 1);
}
/* Panic, naming the CPU, if a CPU other than this one may still hold translations of vs: who is
 * about to free a directory of vs. */
void vm_space_check_alone(const struct vm_space *vs, const char *who);

#endif
