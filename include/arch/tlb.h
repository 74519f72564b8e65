/*
 * tlb.h - TLB shootdown: telling the other CPUs that a kernel mapping changed.
 *
 * A CPU may keep a translation after its page-table entry changes, until
 * it flushes it itself. Kernel pages (heap pages, kernel stacks, firmware
 * mappings) are mapped in every address space and touched by every CPU,
 * so unmapping one must reach every CPU before the frame or the virtual
 * page is used again. A user mapping needs it only in a space several threads use, and then
 * only on the CPUs in that space (vm_space_shootdown, mm/vmspace.h).
 */
#ifndef ARCH_TLB_H
#define ARCH_TLB_H
#include <stdint.h>

#define TLB_ALL_CPUS 0xFFFFFFFFu   /* tlb_shootdown_cpus: every started CPU */

/* Flush [va, va + n pages) here and on every other running CPU; returns once each has
 * flushed. Safe with or without locks held and with interrupts masked: while it waits it
 * answers other CPUs' requests, as every spinning CPU does. */
void tlb_shootdown(uint32_t va, uint32_t npages);
/* Flush [va, va + n pages) here (always, whether or not this CPU is in mask) and on every other
 * started CPU whose bit i is set in mask; returns the set of those others once each has flushed.
 * Safe with locks held and interrupts masked, like tlb_shootdown. */
uint32_t tlb_shootdown_cpus(uint32_t mask, uint32_t va, uint32_t npages);
/* Flush what a pending request asks of this CPU, if any (the IPI handler; spin loops). */
void tlb_service(void);
/* Shootdowns sent to other CPUs so far. */
uint32_t tlb_shootdowns(void);

#endif
