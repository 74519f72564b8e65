/*
 * smp.h - finding and starting the other CPUs.
 *
 * smp_init reads the firmware's processor list, enables the boot CPU's
 * local APIC and starts every other listed CPU through INIT-SIPI-SIPI.
 * A started CPU (an AP) runs on its own stack, GDT and TSS, enables its
 * local APIC and timer, records what it saw in its struct cpu, and enters
 * its scheduler loop: every CPU runs processes.
 */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H
#include "arch/firmware.h"
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

/* Discover and start the CPUs (boot CPU, after mm_init, with interrupts masked). */
void smp_init(void);
/* CPUs running (the boot CPU included). */
int smp_cpus_up(void);
/* What the firmware said (source 0 when nothing usable was found). */
const struct fw_config *smp_firmware(void);
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
