/*
 * gdt.c - segment descriptors and the task-state segment.
 *
 * Flat 4 GiB segments for kernel (ring 0) and user (ring 3) code and data;
 * the main TSS supplies the ring-0 stack (esp0) for traps from user mode.
 * A second TSS is the double-fault task: vector 8 is a task gate, so a
 * kernel stack overflow (a fault while pushing onto the guard page) lands
 * on a stack of its own and can still print why, instead of resetting.
 */
#include "arch/cpu.h"
#include "arch/trap.h"
#include "lib/string.h"

#define GDT_ENTRIES   7
#define DF_STACK_SIZE 4096
#define EFLAGS_RESERVED 0x2
#define ACC_KCODE     0x9A
#define ACC_KDATA     0x92
#define ACC_UCODE     0xFA
#define ACC_UDATA     0xF2
#define ACC_TSS       0x89
#define GRAN_4K_32    0xCF
#define GRAN_BYTE     0x00

struct gdt_entry {
  uint16_t limit_lo, base_lo;
  uint8_t base_mid, access, gran, base_hi;
} __attribute__((packed));

struct gdt_ptr {
  uint16_t limit;
  uint32_t base;
} __attribute__((packed));

struct tss {
  uint32_t prev, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
  uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
  uint32_t es, cs, ss, ds, fs, gs, ldt;
  uint16_t trap, iomap;
} __attribute__((packed));

static struct gdt_entry gdt[GDT_ENTRIES];
static struct tss tss;
static struct tss tss_df;
static uint8_t df_stack[DF_STACK_SIZE] __attribute__((aligned(16)));

void trap_double_fault_task(void);

/* Fill one descriptor. */
static void gdt_set(int i, uint32_t base, uint32_t limit, uint8_t access, uint8_t gran)
{
  gdt[i].limit_lo = (uint16_t)limit;
  gdt[i].base_lo = (uint16_t)base;
  gdt[i].base_mid = (uint8_t)(base >> 16);
  gdt[i].access = access;
  gdt[i].gran = (uint8_t)((gran & 0xF0) | ((limit >> 16) & 0x0F));
  gdt[i].base_hi = (uint8_t)(base >> 24);
}

void gdt_init(void)
{
  struct gdt_ptr p = { sizeof gdt - 1, (uint32_t)gdt };
  gdt_set(0, 0, 0, 0, 0);
  gdt_set(SEG_KCODE >> 3, 0, 0xFFFFF, ACC_KCODE, GRAN_4K_32);
  gdt_set(SEG_KDATA >> 3, 0, 0xFFFFF, ACC_KDATA, GRAN_4K_32);
  gdt_set(SEG_UCODE >> 3, 0, 0xFFFFF, ACC_UCODE, GRAN_4K_32);
  gdt_set(SEG_UDATA >> 3, 0, 0xFFFFF, ACC_UDATA, GRAN_4K_32);
  memset(&tss, 0, sizeof tss);
  tss.ss0 = SEG_KDATA;
  tss.iomap = sizeof tss;
  gdt_set(SEG_TSS >> 3, (uint32_t)&tss, sizeof tss - 1, ACC_TSS, GRAN_BYTE);
  memset(&tss_df, 0, sizeof tss_df);
  tss_df.eip = (uint32_t)trap_double_fault_task;
  tss_df.esp = tss_df.esp0 = (uint32_t)df_stack + DF_STACK_SIZE;
  tss_df.cs = SEG_KCODE;
  tss_df.ss = tss_df.ss0 = tss_df.ds = tss_df.es = tss_df.fs = tss_df.gs = SEG_KDATA;
  tss_df.eflags = EFLAGS_RESERVED;
  __asm__ volatile("mov %%cr3, %0" : "=r"(tss_df.cr3));
  tss_df.iomap = sizeof tss_df;
  gdt_set(SEG_DF_TSS >> 3, (uint32_t)&tss_df, sizeof tss_df - 1, ACC_TSS, GRAN_BYTE);
  __asm__ volatile("lgdt %0\n"
                   "mov %1, %%ds\n mov %1, %%es\n mov %1, %%fs\n mov %1, %%gs\n mov %1, %%ss\n"
                   "ljmp %2, $1f\n1:\n"
                   "ltr %w3\n"
                   :
                   : "m"(p), "r"(SEG_KDATA), "i"(SEG_KCODE), "r"(SEG_TSS)
                   : "memory");
}

void tss_set_kernel_stack(uint32_t esp0)
{
  tss.esp0 = esp0;
}

void tss_set_double_fault_cr3(uint32_t cr3)
{
  tss_df.cr3 = cr3;
}

void tss_interrupted(uint32_t *eip, uint32_t *esp)
{
  *eip = tss.eip;
  *esp = tss.esp;
}
