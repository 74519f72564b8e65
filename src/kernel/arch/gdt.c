/*
 * gdt.c - segment descriptors and the task-state segment.
 *
 * Flat 4 GiB segments for kernel (ring 0) and user (ring 3) code and data;
 * the main TSS supplies the ring-0 stack (esp0) for traps from user mode.
 * A second TSS is the double-fault task: vector 8 is a task gate, so a
 * kernel stack overflow (a fault while pushing onto the guard page) lands
 * on a stack of its own and can still print why, instead of resetting.
 * Every CPU has its own copy of all three (struct cpu, arch/percpu.h): a
 * TSS is marked busy when loaded, so two CPUs cannot share one.
 */
#include "arch/cpu.h"
#include "arch/percpu.h"
#include "arch/trapframe.h"
#include "arch/x86.h"
#include "lib/string.h"

#define EFLAGS_RESERVED 0x2
#define ACC_KCODE     0x9A
#define ACC_KDATA     0x92
#define ACC_UCODE     0xFA
#define ACC_UDATA     0xF2
#define ACC_TSS       0x89
#define GRAN_4K_32    0xCF
#define GRAN_BYTE     0x00

struct gdt_ptr {
  uint16_t limit;
  uint32_t base;
} __attribute__((packed));

struct cpu cpus[CPU_MAX];
static uint8_t df_stack[DF_STACK_SIZE] __attribute__((aligned(16)));   /* the boot CPU's */

static void (*df_entry)(void);   /* where the double-fault task starts (tss_set_double_fault_entry) */
/* Load the GDT p describes, reload every segment register and the task register (gdt_load.asm). */
void gdt_load(const struct gdt_ptr *p);

/* Fill one descriptor of gdt. */
static void gdt_set(struct gdt_entry *gdt, int i, uint32_t base, uint32_t limit, uint8_t access, uint8_t gran)
{
  gdt[i].limit_lo = (uint16_t)limit;
  gdt[i].base_lo = (uint16_t)base;
  gdt[i].base_mid = (uint8_t)(base >> 16);
  gdt[i].access = access;
  gdt[i].gran = (uint8_t)((gran & 0xF0) | ((limit >> 16) & 0x0F));
  gdt[i].base_hi = (uint8_t)(base >> 24);
}

void gdt_init_cpu(struct cpu *c)
{
  struct gdt_entry *gdt = c->gdt;
  struct gdt_ptr p = { sizeof c->gdt - 1, (uint32_t)gdt };
  gdt_set(gdt, 0, 0, 0, 0, 0);
  gdt_set(gdt, SEG_KCODE >> 3, 0, 0xFFFFF, ACC_KCODE, GRAN_4K_32);
  gdt_set(gdt, SEG_KDATA >> 3, 0, 0xFFFFF, ACC_KDATA, GRAN_4K_32);
  gdt_set(gdt, SEG_UCODE >> 3, 0, 0xFFFFF, ACC_UCODE, GRAN_4K_32);
  gdt_set(gdt, SEG_UDATA >> 3, 0, 0xFFFFF, ACC_UDATA, GRAN_4K_32);
  c->self = c;
  gdt_set(gdt, SEG_KCPU >> 3, (uint32_t)c, sizeof *c - 1, ACC_KDATA, GRAN_BYTE);
  memset(&c->tss, 0, sizeof c->tss);
  c->tss.ss0 = SEG_KDATA;
  c->tss.iomap = sizeof c->tss;
  gdt_set(gdt, SEG_TSS >> 3, (uint32_t)&c->tss, sizeof c->tss - 1, ACC_TSS, GRAN_BYTE);
  memset(&c->tss_df, 0, sizeof c->tss_df);
  c->tss_df.eip = (uint32_t)df_entry;
  c->tss_df.esp = c->tss_df.esp0 = c->df_stack_top;
  c->tss_df.cs = SEG_KCODE;
  c->tss_df.ss = c->tss_df.ss0 = c->tss_df.ds = c->tss_df.es = c->tss_df.fs = SEG_KDATA;
  c->tss_df.gs = SEG_KCPU;
  c->tss_df.eflags = EFLAGS_RESERVED;
  c->tss_df.cr3 = read_cr3();
  c->tss_df.iomap = sizeof c->tss_df;
  gdt_set(gdt, SEG_DF_TSS >> 3, (uint32_t)&c->tss_df, sizeof c->tss_df - 1, ACC_TSS, GRAN_BYTE);
  gdt_load(&p);
}

void gdt_init(void)
{
  cpus[0].id = 0;
  cpus[0].df_stack_top = (uint32_t)df_stack + DF_STACK_SIZE;
  gdt_init_cpu(&cpus[0]);
}

/* The TSS functions below act on the calling CPU's own TSS. */
void tss_set_kernel_stack(uint32_t esp0)
{
  this_cpu()->tss.esp0 = esp0;
}

void tss_set_double_fault_entry(void (*fn)(void))
{
  df_entry = fn;
  for (int i = 0; i < CPU_MAX; i++)
    cpus[i].tss_df.eip = (uint32_t)fn;
}

void tss_set_double_fault_cr3(uint32_t cr3)
{
  this_cpu()->tss_df.cr3 = cr3;
}

void tss_interrupted(uint32_t *eip, uint32_t *esp)
{
  *eip = this_cpu()->tss.eip;
  *esp = this_cpu()->tss.esp;
}
