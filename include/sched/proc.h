/*
 * proc.h - processes: records, the process list, life and death.
 */
#ifndef SCHED_PROC_H
#define SCHED_PROC_H
#include <stdint.h>
#include "arch/percpu.h"
#include "mm/vm.h"
#include "mm/vmspace.h"
#include "arch/trapframe.h"
#include "arch/spinlock.h"

#define PROC_MAX        64       /* processes alive or zombie at once */
#define PROC_NAME_LEN   16
#define PROC_NOFILE     16
#define PROC_KILLED     (-1)     /* exit status of a process the kernel killed */
#define PROC_KILLER_CONSOLE (-1) /* killed_by of a process killed by Ctrl-C on the console */

enum proc_state { PROC_EMBRYO, PROC_RUNNABLE, PROC_RUNNING, PROC_SLEEPING, PROC_ZOMBIE };

struct file;

struct proc {
  int pid;
  enum proc_state state;         /* this and the fields below up to exit_status: proc_lock */
  int cpu;                       /* the CPU it runs on (or last ran on) */
  char name[PROC_NAME_LEN];
  struct proc *parent;
  struct vm_space vm;            /* its address space: page directory (vm.pd) and the CPUs in it */
  uint32_t kstack_top;           /* top of the kernel stack (guard page below it) */
  uint32_t context_esp;          /* saved kernel esp while switched out */
  struct trap_frame *tf;         /* user registers at the top of the kernel stack */
  const void *wait_chan;         /* what a sleeping process waits for */
  int killed_by;                 /* pid that called kill() on it (or PROC_KILLER_CONSOLE); dies at its next kernel exit */
  int cow_trace;                 /* copy-on-write trace level; a new process inherits its creator's */
  int exit_status;
  uint32_t wake_tick;            /* sleep(): wake at this tick */
  uint32_t heap_start;           /* first byte of the heap (page aligned) */
  uint32_t brk;                  /* current break */
  uint32_t data_start;           /* first writable ELF page (start of data) */
  int thread_group;              /* THREAD forks: pid of the group sharing pages writable, 0 none */
  struct file *files[PROC_NOFILE];
  struct proc *next;             /* the all-processes list */
};

extern struct proc *proc_list;
extern struct spinlock proc_lock;   /* the process table: list, pids, states, links (proc.c) */

/* The process running on this CPU (0 in its scheduler loop and before the first one starts).
 * Inline: every trap's way back to user mode asks. */
static inline struct proc *proc_current(void)
{
  return this_cpu()->proc;
}
/* Number of processes that exist (zombies included). */
int proc_count(void);
/* A new record in EMBRYO state with a pid, a kernel stack, a trap frame and the creator's trace level;
 * 0 when out of memory or at PROC_MAX. */
struct proc *proc_alloc(const char *name);
/* Find a live process by pid. */
struct proc *proc_find(int pid);
/* The same with proc_lock held by the caller; the record stays valid until it lets go. */
struct proc *proc_find_locked(int pid);
/* Mark pid killed; -1 when there is no such process. */
int proc_kill(int pid);
/* Ctrl-C: mark pid and every live process descended from it killed by the console; -1 when
 * there is no such process. Safe in an interrupt handler. */
int proc_interrupt(int pid);
/* Sleep on chan until proc_wakeup(chan). The caller holds lk, the lock of the condition it
 * checked (or proc_lock itself); it is released while asleep and held again on return. A process
 * already killed returns at once: every caller loops and checks killed_by. */
void proc_sleep(const void *chan, struct spinlock *lk);
/* An EMBRYO record becomes RUNNABLE (an idle CPU is woken to run it). */
void proc_make_runnable(struct proc *p);
/* Make every process sleeping on chan runnable. */
void proc_wakeup(const void *chan);
/* The same with proc_lock held. */
void proc_wakeup_locked(const void *chan);
/* Take p off the list (proc_lock held). */
void proc_unlink_locked(struct proc *p);

#endif
