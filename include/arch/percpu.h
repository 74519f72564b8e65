/*
 * percpu.h - what each CPU has of its own: its descriptor tables, its
 * task-state segments, its stacks and its start-up record.
 *
 * cpus[0] is the boot CPU. An application processor (AP) gets a slot in
 * start-up order (start/cpus.c); a slot whose CPU never answered keeps started 0.
 * Every started CPU runs the scheduler loop (sched.c) on its own stack.
 *
 * this_cpu() reads the struct through %gs: each CPU's GDT has a descriptor
 * (SEG_KCPU) whose base is its own struct cpu, and every kernel entry loads
 * it into %gs. One memory read, no APIC access (an APIC register read is a
 * device access that QEMU's multi-threaded TCG serialises under one lock),
 * and it stays right when a process moves to another CPU: the segment
 * belongs to the CPU, not to the kernel stack.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H
#include <stddef.h>
#include <stdint.h>

#define CPU_MAX        8
#define GDT_ENTRIES    8
#define DF_STACK_SIZE  4096
#define SPIN_RANKS_MAX 16    /* lock ranks (spinlock.h's lock order) a CPU can track */

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

struct proc;
struct spinlock;
struct vm_space;

/* Copy-on-write fault counts, kept per CPU so the fault path shares no counter line. */
struct cpu_cow_counts {
  uint32_t faults, copies, reuses;
  volatile uint32_t copy_seq;  /* odd while a copy holds a frame it has not counted yet (cow_fault.c) */
};

/* Free user frames this CPU keeps at hand (pool.c): one word of the user pool's bitmap taken
 * whole, its free bits moved here. Bit b set: the frame at first_pa + b pages is free, marked
 * allocated in the bitmap but counted in the pool's free total. Only this CPU refills it or takes
 * from it, with interrupts masked; another CPU only empties it, under the user pool's lock, with
 * one xchg of bits (so a frame is taken by exactly one of them). */
struct cpu_frame_stock {
  volatile uint32_t bits;
  uint32_t word;               /* its bitmap word (pool_frame_slot / 32) */
  uint32_t first_pa;           /* the frame of bit 0 */
};

/* A function another CPU asked this one to run in its IPI handler (smp_call). */
struct cpu_call {
  void (*fn)(void *arg);
  void *arg;
  volatile int done;
};

struct cpu {
  struct cpu *self;            /* first: this_cpu() reads %gs:0 */
  int id;                      /* index in cpus[] */
  uint8_t apic_id;             /* the local APIC ID the firmware listed */
  volatile int started;        /* set by the CPU itself, last thing before it parks */
  uint32_t stack_top;          /* its kernel stack (APs: kstack_alloc; cpu0: the boot stack) */
  uint32_t df_stack_top;       /* the double-fault task's stack */
  struct gdt_entry gdt[GDT_ENTRIES];
  struct tss tss;              /* esp0 for traps from ring 3 */
  struct tss tss_df;           /* the double-fault task (vector 8 is a task gate) */
  /* Scheduling (sched.c): only this CPU writes these, except where noted. */
  struct proc *proc;           /* the process running here, 0 in the scheduler loop */
  struct vm_space *vm;         /* the address space this CPU runs in, 0 in the scheduler loop (vmspace.c) */
  uint32_t sched_esp;          /* the scheduler loop's saved stack pointer */
  volatile int resched;        /* a tick came since proc was switched in */
  volatile int idle;           /* halted in the scheduler loop (set under proc_lock; a waker clears it as it kicks) */
  uint32_t procs_run;          /* processes switched in here (kt_smp_all_cpus_ran) */
  /* Interrupt masking (spinlock.c): depth of push_off and IF before the first one. */
  int irq_depth;
  int irq_were_enabled;
  /* The lock order (spinlock.h): bit r set while this CPU holds the lock of rank r, which is
   * rank_lock[r] (stale once the bit is clear). */
  uint32_t ranks_held;
  struct spinlock *rank_lock[SPIN_RANKS_MAX];
  /* The scratch page (vm.c): a virtual page only this CPU maps, with its PTE. */
  uint32_t scratch_va;
  uint32_t *scratch_pte;
  struct cpu_cow_counts cow;
  volatile uint32_t tlb_pending;   /* a shootdown asks this CPU to flush (tlb.c) */
  uint32_t tlb_served;             /* other CPUs' shootdown requests this CPU has flushed for */
  struct cpu_call call;        /* smp_call's request to this CPU */
  /* What an AP saw once it ran in C, for the boot screen and kt_smp. */
  uint8_t seen_apic_id;        /* read from its own local APIC ID register */
  uint32_t seen_esp;           /* its stack pointer in smp_ap_main */
  uint32_t seen_cr0, seen_cr3; /* CR0 at its start (cpu0: kernel_main), CR3 (APs) */
  struct cpu_frame_stock frames;   /* its stock of free user frames (pool.c) */
};

extern struct cpu cpus[CPU_MAX];

/* Build c's GDT, TSS and double-fault TSS, load them and reload every segment register
 * (%gs selects c itself). */
void gdt_init_cpu(struct cpu *c);

/* This CPU's struct (through %gs, see above). */
static inline struct cpu *this_cpu(void)
{
  struct cpu *c;
  __asm__ volatile("movl %%gs:0, %0" : "=r"(c));
  return c;
}

/* Read one word-sized field of this CPU's struct, or add one to it, in a single instruction
 * through %gs (no load of the struct's address first): for the fields the hot paths touch, the
 * running thread and space (proc_current, the page fault) and the fault counters. */
#define THIS_CPU_READ(field, out) \
  __asm__ volatile("movl %%gs:%c1, %0" : "=r"(out) : "i"(offsetof(struct cpu, field)))
#define THIS_CPU_INC(field) __asm__ volatile("incl %%gs:%c0" : : "i"(offsetof(struct cpu, field)) : "memory")

/* Mask interrupts, counting the depth; the first level remembers whether they were on. */
void push_off(void);
/* Undo one push_off; the last one re-enables interrupts if they were on before the first. */
void pop_off(void);

#endif
