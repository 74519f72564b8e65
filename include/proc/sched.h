/*
 * sched.h - round-robin scheduling, context switches and the clock.
 */
#ifndef PROC_SCHED_H
#define PROC_SCHED_H
#include <stdint.h>

/* The scheduler loop on the boot stack; never returns. */
void sched_run(void) __attribute__((noreturn));
/* Give up the CPU: the current process goes back to RUNNABLE (or stays as set) and another runs. */
void sched_yield(void);
/* Switch from the current process to the scheduler; its state must already be set. */
void sched_switch_out(void);
/* Ticks since boot. */
uint32_t clock_ticks(void);
/* The timer interrupt: count a tick and wake sleepers whose time came. */
void clock_tick(void);

/* Sleep the current process for n ticks; -1 if it is killed meanwhile. */
int clock_sleep(uint32_t n);

/* context switch (switch.asm): save callee-saved registers, store esp in *old, load new esp. */
void sched_context_switch(uint32_t *old_esp, uint32_t new_esp);

#endif
