/*
 * x86.h - thin inline wrappers around IA-32 instructions the kernel uses.
 *
 * Where assembly lives: a wrapper here is one instruction, inline, because a call would cost
 * more than the instruction itself on the hot paths that use them: the port I/O of the
 * drivers, invlpg and the control registers on every copy-on-write fault and TLB flush, and
 * the xchg of spin_lock (arch/spinlock.h). Every sequence of two or more instructions lives
 * in a NASM file under src/kernel (gdt_load.asm, cpu_probe.asm, sched_idle.asm, isr.asm, ...),
 * which takes its constants from the generated build/gen/NAME.inc, never from a copy.
 * One exception: read_eflags is pushfl; popl, the only way to read EFLAGS, and push_off runs
 * it on every spin_lock.
 * The boot loader (-march=i386) uses the port wrappers, cli and hlt; nothing here that it
 * calls needs an i486.
 */
#ifndef ARCH_X86_H
#define ARCH_X86_H
#include <stdint.h>

#define EFLAGS_IF      0x200
#define EFLAGS_DF      0x400   /* direction flag: string instructions count down */
#define CR0_PE         0x1         /* protected mode */
#define CR0_MP         0x2
#define CR0_EM         0x4         /* x87 instructions raise #NM */
#define CR0_TS         0x8
#define CR0_WP         0x10000
#define CR0_NW         0x20000000  /* not write-through (with CR0_CD: caches off) */
#define CR0_CD         0x40000000  /* cache disable */
#define CR0_PG         0x80000000

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline uint32_t read_cr0(void) { uint32_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline uint32_t read_cr2(void) { uint32_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint32_t read_cr3(void) { uint32_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline void write_cr0(uint32_t v) { __asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory"); }
static inline void write_cr3(uint32_t v) { __asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }
static inline void invlpg(uint32_t va) { __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory"); }

static inline uint32_t read_eflags(void) { uint32_t v; __asm__ volatile("pushfl; popl %0" : "=r"(v)); return v; }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }
static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }

/* Disable interrupts and return the previous EFLAGS for irq_restore. */
static inline uint32_t irq_save(void) { uint32_t f = read_eflags(); cli(); return f; }
/* Re-enable interrupts if they were enabled when irq_save ran. */
static inline void irq_restore(uint32_t f) { if (f & EFLAGS_IF) sti(); }

#endif
