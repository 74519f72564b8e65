/*
 * cpu.h - descriptor tables, the TSS and the interrupt controllers.
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H
#include <stdint.h>

/* Load the GDT (kernel/user code and data, TSS) and the task register. */
void gdt_init(void);
/* Set the kernel stack the CPU switches to on a trap from ring 3. */
void tss_set_kernel_stack(uint32_t esp0);
/* Start every CPU's double-fault task at fn (the trap layer's handler; idt_init). */
void tss_set_double_fault_entry(void (*fn)(void));
/* Give the double-fault task the kernel's page directory (after mm_init). */
void tss_set_double_fault_cr3(uint32_t cr3);
/* The interrupted task's saved eip and esp when a double fault switched tasks. */
void tss_interrupted(uint32_t *eip, uint32_t *esp);
/* Fill and load the IDT: 32 exceptions, 16 IRQs, int 0x80 (DPL 3), the APIC spurious vector. */
void idt_init(void);
/* Load the (shared) IDT on this CPU. */
void idt_load(void);
/* Remap the 8259 PICs to T_IRQ0 and mask everything but the given IRQs. */
void pic_init(void);
/* Unmask one IRQ line. */
void pic_enable(int irq);
/* Acknowledge an IRQ at the PIC(s). */
void pic_eoi(int irq);
/* Program the PIT for HZ interrupts per second. */
void pit_init(void);
/* Wait us microseconds, timed by PIT channel 2 (polled; works with interrupts masked);
 * -1 when the channel never signalled the end. */
int pit_delay_us(uint32_t us);

#endif
