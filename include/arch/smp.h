/*
 * smp.h - starting one other CPU through INIT-SIPI-SIPI, and the IPIs between CPUs. Which CPUs
 * there are and the order they start in: src/kernel/start/cpus.c.
 */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H
#include <stdint.h>
#include "arch/percpu.h"

#define SMP_INIT_DEASSERT_US 200     /* between INIT assert and de-assert */
#define SMP_INIT_WAIT_US     10000   /* INIT to first STARTUP: 10 ms (SDM) */
#define SMP_SIPI_WAIT_US     200     /* after each STARTUP: 200 us (SDM) */
#define SMP_ANSWER_MS        1000    /* a CPU that has not started by then is left out */

/* Offsets in the mailbox smp.c fills for the trampoline (struct ap_mailbox, ap_start.asm). */
#define AP_MAILBOX_ENTRY_OFF 0
#define AP_MAILBOX_CR3_OFF   4
#define AP_MAILBOX_STACK_OFF 8
#define AP_MAILBOX_CPU_OFF   12
#define AP_MAILBOX_ALIVE_OFF 16
#define AP_MAILBOX_SIZE      20

/* Start c (its id, apic_id, stack_top and df_stack_top set, the trampoline in place) on the page
 * directory cr3 (physical); after its own set-up it runs cont(c), which must set c->started and
 * never return. 0 when it started, -1 when it was left out (reported, held in INIT). */
int smp_start_ap(struct cpu *c, uint32_t cr3, void (*cont)(struct cpu *c));
/* The boot CPU's local APIC is in use; its timer ticks every CPU at counts_10ms (0: not
 * measured, the PIT ticks cpu0). */
void smp_apic_start(uint32_t counts_10ms);
/* CPUs running (the boot CPU included). */
int smp_cpus_up(void);
/* Non-zero when this CPU has a local APIC and the kernel uses it. */
int smp_apic_used(void);
/* Non-zero when every CPU's tick is its local APIC timer (else the PIT ticks cpu0). */
int smp_lapic_ticks(void);
/* Send CPU id a reschedule IPI (wakes it from hlt; a process it runs notices a kill). */
void smp_resched(int id);
/* Ask CPU id to run fn(arg) in its IPI handler (interrupts masked there); -1 when it cannot. */
int smp_call_start(int id, void (*fn)(void *), void *arg);
/* Wait until CPU id has run the function smp_call_start gave it (answering TLB shootdowns). */
void smp_call_wait(int id);
/* The T_IPI_CALL handler: run this CPU's pending call, if any. */
void smp_call_service(void);
/* APIC timer counts per 10 ms measured at boot (0 when not measured). */
uint32_t smp_lapic_timer_10ms(void);

#endif
