/*
 * percpu.h - what each CPU has of its own: its descriptor tables, its
 * task-state segments, its stacks and its start-up record.
 *
 * cpus[0] is the boot CPU. An application processor (AP) gets a slot in
 * start-up order (smp.c); a slot whose CPU never answered keeps started 0.
 * Today only the boot CPU runs processes: the others park after start-up.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H
#include <stdint.h>

#define CPU_MAX        8
#define GDT_ENTRIES    7
#define DF_STACK_SIZE  4096

struct gdt_entry {
  uint16_t limit_lo, base_lo;
  uint8_t base_mid, access, gran, base_hi;
} __attribute__((packed));

struct tss {
  uint32_t prev, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
  uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
  uint32_t es, cs, ss, ds, fs, gs, ldt;
  uint16_t trap, iomap;
} __attribute__((packed));

struct cpu {
  int id;                      /* index in cpus[] */
  uint8_t apic_id;             /* the local APIC ID the firmware listed */
  volatile int started;        /* set by the CPU itself, last thing before it parks */
  uint32_t stack_top;          /* its kernel stack (APs: kstack_alloc; cpu0: the boot stack) */
  uint32_t df_stack_top;       /* the double-fault task's stack */
  struct gdt_entry gdt[GDT_ENTRIES];
  struct tss tss;              /* esp0 for traps from ring 3 */
  struct tss tss_df;           /* the double-fault task (vector 8 is a task gate) */
  /* What an AP saw once it ran in C, for the boot screen and kt_smp. */
  uint8_t seen_apic_id;        /* read from its own local APIC ID register */
  uint32_t seen_esp;           /* its stack pointer in smp_ap_main */
  uint32_t seen_cr0, seen_cr3;
};

extern struct cpu cpus[CPU_MAX];

/* Build c's GDT, TSS and double-fault TSS, load them and reload every segment register. */
void gdt_init_cpu(struct cpu *c);

#endif
