/*
 * sched.h - round-robin scheduling, context switches and the clock.
 */
#ifndef SCHED_SCHED_H
#define SCHED_SCHED_H
#include <stdint.h>

/* This CPU's scheduler loop (on its own stack); never returns. */
void sched_run(void) __attribute__((noreturn));
/* Give up the CPU: the current process goes back to RUNNABLE (or stays as set) and another runs. */
void sched_yield(void);
/*
 * A preemption point for a system call whose work grows with its arguments
 * or with RAM: if a tick has come since the process was switched in, let
 * the others run. Returns -1 when the process has been killed (the caller
 * unwinds to a consistent state and returns -1), 0 otherwise. Kernel state
 * must be consistent at the call and no lock may be held: a CPU never
 * yields holding a spinlock, and since spinlocks mask interrupts the call
 * panics when interrupts are masked.
 */
int sched_preempt_point(void);
/* On every way back to user mode: yield if a tick came since the process was switched in. */
void sched_return_to_user(void);
/* Switch from the current process to the scheduler; its state must already be set. */
void sched_switch_out(void);
/* A new process's first instructions: release the process-table lock its scheduler took. */
void proc_first_run(void);
/* This CPU's timer tick: mark it for rescheduling; on cpu0 also advance the clock. */
void sched_tick(void);
/* Ticks since boot. */
uint32_t clock_ticks(void);
/* At boot, once the timer is on: let interrupts in until the first tick; panic with a sentence
 * if none comes within CLOCK_FIRST_TICK_MS (the interrupt controller does not deliver the timer),
 * instead of a kernel that waits for ticks forever. */
void clock_check_ticking(void);
/* The timer interrupt: count a tick and wake sleepers whose time came. */
void clock_tick(void);

/* Sleep the current process for n ticks; -1 if it is killed meanwhile. */
int clock_sleep(uint32_t n);

/* context switch (switch.asm): save callee-saved registers, store esp in *old, load new esp. */
void sched_context_switch(uint32_t *old_esp, uint32_t new_esp);
/* The words it keeps on a switched-out stack below its return address: edi, esi, ebx, ebp. */
#define SWITCH_SAVED_REGS 4

#endif
