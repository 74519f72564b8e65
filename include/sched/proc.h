/*
 * proc.h - processes and their threads: records, the list, life and death.
 *
 * A record is one thread: a kernel stack, a trap frame, a state the
 * scheduler runs. A process is the record of its first thread (its group
 * leader) together with the records that point at it through group: the
 * leader's record also holds what the threads share (fields marked
 * [process] below: the address space, the files, the heap, the parent, the
 * process's exit status), and every thread reaches them through
 * p->group. A one-thread process is one record whose group is itself.
 * A thread's id is its record's pid (gettid); the process's pid is the
 * leader's (getpid). The leader's record outlives its own thread: it is
 * the process until wait collects it, with every other record of the group.
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
#define PROC_KILLER_GROUP   (-2) /* killed_by of a thread whose process is ending, or whose sibling
                                    execs: it ends quietly (the one who ended it said why) */

/* PROC_DONE: a thread that ended while its process lives on; its status waits for thread_join
 * (or for the process's end). PROC_ZOMBIE: a leader whose whole process ended, for wait. */
enum proc_state { PROC_EMBRYO, PROC_RUNNABLE, PROC_RUNNING, PROC_SLEEPING, PROC_DONE, PROC_ZOMBIE };

struct file;

struct proc {
  int pid;                       /* the thread's id; the process's pid is group->pid */
  struct proc *group;            /* the process: its leader's record (itself for the leader) */
  enum proc_state state;         /* this and the fields below up to exit_status: proc_lock */
  int cpu;                       /* the CPU it runs on (or last ran on) */
  char name[PROC_NAME_LEN];
  struct proc *parent;           /* [process] */
  struct vm_space vm;            /* [process] the address space: directory, CPUs in it, threads, lock */
  int exiting;                   /* [process] exit, a kill or a fault ends it: status in exit_status */
  int joined;                    /* a thread_join has claimed this thread's status */
  uint32_t kstack_top;           /* top of the kernel stack (guard page below it) */
  uint32_t context_esp;          /* saved kernel esp while switched out */
  struct trap_frame *tf;         /* user registers at the top of the kernel stack */
  const void *wait_chan;         /* what a sleeping process waits for */
  int killed_by;                 /* pid that called kill() on it (or PROC_KILLER_CONSOLE); dies at its next kernel exit */
  int cow_trace;                 /* copy-on-write trace level; a new process inherits its creator's */
  int exit_status;               /* the thread's (thread_join) */
  int proc_status;               /* [process] the process's (wait): set by exit, a kill or its last thread */
  uint32_t wake_tick;            /* sleep(): wake at this tick */
  uint32_t heap_start;           /* [process] first byte of the heap (page aligned) */
  uint32_t zero_start;           /* [process] first page backed lazily (exec: the heap's start):
                                    [zero_start, break) reads as zeros until written (zero_fault.c) */
  uint32_t brk;                  /* [process] current break */
  uint32_t data_start;           /* [process] first writable ELF page (start of data) */
  int thread_group;              /* [process] THREAD forks: pid of the group sharing pages writable, 0 none */
  struct file *files[PROC_NOFILE];   /* [process] */
  struct proc *next;             /* the all-processes list */
};

extern struct proc *proc_list;
extern struct spinlock proc_lock;   /* the process table: list, pids, states, links (proc.c) */

/* The thread running on this CPU (0 in its scheduler loop and before the first one starts).
 * Inline: every trap's way back to user mode asks. */
static inline struct proc *proc_current(void)
{
  struct proc *p;
  THIS_CPU_READ(proc, p);
  return p;
}
/* The process of the thread running on this CPU (its leader's record): where the [process]
 * fields are. */
static inline struct proc *proc_current_group(void)
{
  return this_cpu()->proc->group;
}
/* Number of processes that exist (zombies included). */
int proc_count(void);
/* A new record in EMBRYO state with a pid, a kernel stack, a trap frame and the creator's trace level;
 * group 0: a new process (its own leader, an unused space); otherwise a thread of group. 0 when
 * out of memory or at PROC_MAX (threads count). */
struct proc *proc_alloc(const char *name, struct proc *group);
/* Find a live process (a leader not yet a zombie) by pid. */
struct proc *proc_find(int pid);
/* The same with proc_lock held by the caller; the record stays valid until it lets go. */
struct proc *proc_find_locked(int pid);
/* Mark pid killed; -1 when there is no such process. */
int proc_kill(int pid);
/* Mark process g killed by killer (proc_lock held): its first live thread, which ends every other
 * as it dies. 0 if it has none left. */
struct proc *proc_group_kill_locked(struct proc *g, int killer);
/* Mark every live thread of me's process but me to end quietly (PROC_KILLER_GROUP; proc_lock held). */
void proc_group_end_others_locked(struct proc *me);
/* Ctrl-C: mark pid and every live process descended from it killed by the console; -1 when
 * there is no such process. Safe in an interrupt handler. */
int proc_interrupt(int pid);
/* Sleep on chan until proc_wakeup(chan). The caller holds lk, the lock of the condition it
 * checked (or proc_lock itself); it is released while asleep and held again on return. A process
 * already killed returns at once: every caller loops and checks killed_by. */
void proc_sleep(const void *chan, struct spinlock *lk);
/* An EMBRYO record becomes RUNNABLE (an idle CPU is woken to run it). */
void proc_make_runnable(struct proc *p);
/* The same for a new thread t of the current process, which its space then counts; -1 (t not
 * started) when the process is ending or the caller is killed. */
int proc_start_thread(struct proc *t);
/* Make every process sleeping on chan runnable. */
void proc_wakeup(const void *chan);
/* The same with proc_lock held. */
void proc_wakeup_locked(const void *chan);
/* Take p off the list (proc_lock held). */
void proc_unlink_locked(struct proc *p);

#endif
