/*
 * gdt.c - segment descriptors and the task-state segment.
 *
 * Flat 4 GiB segments for kernel (ring 0) and user (ring 3) code and data;
 * the TSS only supplies the ring-0 stack (esp0) for traps from user mode.
 */
#include "arch/cpu.h"
#include "arch/trap.h"
#include "lib/string.h"

#define GDT_ENTRIES   6
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
