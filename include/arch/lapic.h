/*
 * lapic.h - the local APIC of each CPU (xAPIC, memory-mapped registers).
 *
 * The boot CPU maps the registers once, uncached, at their physical base;
 * every CPU sees its own APIC at that same address. Each CPU's APIC timer
 * is its scheduler tick (calibrated once against the PIT); IPIs carry
 * reschedule, TLB shootdown and remote-call requests (trap.h vectors).
 */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H
#include <stdint.h>

#define LAPIC_DEFAULT_PA   0xFEE00000
#define T_LAPIC_SPURIOUS   0xFF      /* the SVR vector; bits 3-0 are hard-wired to 1 on P6 */

/* Non-zero when CPUID reports an on-chip local APIC (never on an i486). */
int lapic_cpu_has_apic(void);
/* The physical address of the local APIC's registers: pa from the firmware, or (pa 0) from
 * IA32_APIC_BASE, which this also sets enabled; LAPIC_DEFAULT_PA without MSRs. */
uint32_t lapic_base_pa(uint32_t pa);
/* Enable the boot CPU's APIC, its registers at pa mapped uncached at regs (the caller maps:
 * the memory manager sits above this layer). */
void lapic_init_boot(volatile uint32_t *regs, uint32_t pa);
/* Enable this AP's APIC (the registers are already mapped): spurious vector, LINT0 masked. */
void lapic_init_ap(void);
/* Non-zero once lapic_init_boot has mapped the registers. */
int lapic_ready(void);
/* This CPU's local APIC ID. */
uint8_t lapic_id(void);
/* The APIC version register (bits 7-0 version, 23-16 highest LVT entry). */
uint32_t lapic_version(void);
/* The spurious-interrupt vector register, as read back. */
uint32_t lapic_svr(void);
/* Signal end of interrupt for an APIC-delivered vector (never for the spurious one). */
void lapic_eoi(void);
/* Send the interrupt command icr_low to apic_id; -1 when it is still pending after the bound. */
int lapic_ipi(uint8_t apic_id, uint32_t icr_low);
/* Send a fixed interrupt with vector to apic_id (panics if the APIC never takes it). */
void lapic_send_ipi(uint8_t apic_id, uint32_t vector);
/* Start this CPU's timer: periodic, T_LAPIC_TIMER every count counts at divide 16. */
void lapic_timer_start(uint32_t count);
/* APIC timer counts (divide by 16) in 10 ms of PIT time, the median of three; 0 when unmeasurable. */
uint32_t lapic_timer_calibrate(void);
/* The spurious-interrupt handler: counts it; no EOI. */
void lapic_spurious(void);
/* Spurious interrupts seen so far. */
uint32_t lapic_spurious_count(void);

/* ICR low bits (delivery mode, level, trigger) for INIT and STARTUP. */
#define LAPIC_ICR_INIT       0x00000500
#define LAPIC_ICR_STARTUP    0x00000600
#define LAPIC_ICR_LEVEL      0x00008000
#define LAPIC_ICR_ASSERT     0x00004000

#endif
