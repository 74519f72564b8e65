/*
 * proc.h - the program manager: fork (copy_process), exec, sbrk, exit and wait, and the first
 * process. The records they work on are sched/proc.h's.
 */
#ifndef PROC_PROC_H
#define PROC_PROC_H
#include <stdint.h>
#include "sched/proc.h"
#include "mm/vm.h"

/* Process-wide policy for fork (include/user.h's FORK_POLICY_*); returns the child's pid or -1. */
int copy_process(int policy);
/* The policy plain fork() uses (FORK_POLICY_COW unless the boot configuration says otherwise). */
extern int fork_default_policy;
/* Move the break by inc bytes; returns the old break or -1 (nothing changed). */
int proc_sbrk(int inc);
/* Load program path with kernel-space arguments into p (current or new); -1 leaves p as it was. */
int exec_load(struct proc *p, const char *path, char *const kargv[], int argc);

/* Start init (pid 1) running the named program; panics when it cannot. When init exits,
 * on_exit(status) runs (it reports the run's result to the host and never returns). */
void proc_start_init(const char *program, void (*on_exit)(int status));
/* End the current process with status: every other thread ends, the last one out closes the
 * files, frees the address space and wakes the parent. */
void proc_exit(int status) __attribute__((noreturn));
/* End the calling thread with status; whole: end its process too (proc_exit). The last thread of
 * a process to end ends the process, with the status exit gave it or else its own. */
void proc_thread_end(int status, int whole) __attribute__((noreturn));
/* Free the records of me's process's ended threads but me and the leader (exec, after the
 * others ended). */
void proc_reap_done_threads(struct proc *me);
/* Wait for a child (pid -1: any); store its status at the user pointer (0: none); -1 if no such child. */
int proc_wait(int pid, uint32_t status_uva);
/* Free a record that never ran or was reaped (files, address space if any, kernel stack, record). */
void proc_free(struct proc *p);
/* Die now if kill() was called on the current process (on the way back to user mode). */
void proc_check_killed(const struct trap_frame *tf);
/* Print the [cow] line of each decision in rep, for a write to va (error code err, at eip), when
 * the current process traces (its level is not 0). */
struct cow_report;
void cow_trace(uint32_t va, uint32_t err, uint32_t eip, const struct cow_report *rep);
/* Print the [cow] line of a TLB shootdown that reached the other CPUs cpus, for [va, va + npages
 * pages) and the reason why, when the current thread traces at level 2. */
void cow_trace_shootdown(const char *why, uint32_t va, uint32_t npages, uint32_t cpus);
/* Print the count of [cow] lines the rate limit held back, if any, and start a new window of
 * the limit; then set the current thread's trace level (0 off, 1 one line per COW decision of
 * its own, 2 also one per TLB shootdown); the processes and threads it creates afterwards
 * inherit it. Returns the old level, -1 (nothing set) for another level. */
int cow_trace_set(int level);
/* Tear down the user space pd and free its directory, pausing for the scheduler between page
 * tables (exit, exec, a fork that failed half-way). vs is the space pd was (or was to be) the
 * directory of, or 0 for a directory no space held: it panics if a CPU other than this one
 * may still hold translations of vs. */
struct vm_space;
void proc_space_destroy(struct vm_space *vs, pde_t *pd);

#endif
