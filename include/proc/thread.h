/*
 * thread.h - threads of one process (include/user.h's thread_create,
 * thread_exit, thread_join, gettid) and the futex their mutexes sleep on.
 *
 * A thread is a record of its own (sched/proc.h: kernel stack, trap frame,
 * state) in its process's group; it runs in the process's address space,
 * on any CPU, at the same time as its siblings.
 */
#ifndef PROC_THREAD_H
#define PROC_THREAD_H
#include <stdint.h>

/* Start a thread of the current process at user address entry, with fn and arg pushed on the
 * user stack below stack_top (entry pops fn and calls it with arg). Returns its id, or -1: fn,
 * entry or the stack outside the caller's user memory, out of records or memory, or the process
 * is ending. */
int proc_thread_create(uint32_t fn, uint32_t arg, uint32_t stack_top, uint32_t entry);
/* Wait for thread tid of the current process to end and store its status at status_uva (0:
 * none). 0, or -1 for the caller itself, an unknown, foreign or already joined id, a bad status
 * pointer, or the caller killed while it waits. */
int proc_thread_join(int tid, uint32_t status_uva);

/* If the int at user address uva holds expected, sleep until futex_wakeup on the same address of
 * the same space. 0 when woken, 1 when the value differed (no sleep), -1 for an unaligned or
 * unmapped address or a kill while asleep. */
int futex_sleep(uint32_t uva, int expected);
/* Wake at most n threads of the current space sleeping in futex_sleep on uva; returns how many,
 * or -1 for an unaligned or unmapped address. */
int futex_wakeup(uint32_t uva, int n);

#endif
