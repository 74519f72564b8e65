/*
 * idt.c - the interrupt descriptor table.
 *
 * All gates are interrupt gates (IF cleared on entry). Only int 0x80 has
 * DPL 3, so user code can reach the kernel through nothing else.
 */
#include "arch/cpu.h"
#include "trap/trap.h"
#include "arch/lapic.h"

#define IDT_ENTRIES    256
#define GATE_INT_DPL0  0x8E
#define GATE_INT_DPL3  0xEE
#define GATE_TASK      0x85

struct idt_entry {
  uint16_t off_lo, sel;
  uint8_t zero, flags;
  uint16_t off_hi;
} __attribute__((packed));

struct idt_ptr {
  uint16_t limit;
  uint32_t base;
} __attribute__((packed));

extern void asm_page_fault_handler(void);
extern void isr0(void), isr1(void), isr2(void), isr3(void), isr4(void), isr5(void), isr6(void),
    isr7(void), isr8(void), isr9(void), isr10(void), isr11(void), isr12(void), isr13(void),
    isr15(void), isr16(void), isr17(void), isr18(void), isr19(void), isr20(void), isr21(void),
    isr22(void), isr23(void), isr24(void), isr25(void), isr26(void), isr27(void), isr28(void),
    isr29(void), isr30(void), isr31(void), isr32(void), isr33(void), isr34(void), isr35(void),
    isr36(void), isr37(void), isr38(void), isr39(void), isr40(void), isr41(void), isr42(void),
    isr43(void), isr44(void), isr45(void), isr46(void), isr47(void), isr48(void), isr49(void), isr50(void), isr51(void), isr128(void), isr255(void);

static void (*const idt_stubs[T_EXCEPTIONS + T_IRQS])(void) = {
  isr0,  isr1,  isr2,  isr3,  isr4,  isr5,  isr6,  isr7,  isr8,  isr9,  isr10, isr11,
  isr12, isr13, asm_page_fault_handler, isr15, isr16, isr17, isr18, isr19, isr20, isr21,
  isr22, isr23, isr24, isr25, isr26, isr27, isr28, isr29, isr30, isr31, isr32, isr33,
  isr34, isr35, isr36, isr37, isr38, isr39, isr40, isr41, isr42, isr43, isr44, isr45,
  isr46, isr47,
};

static struct idt_entry idt[IDT_ENTRIES];

/* Point vector v at handler with the given gate type. */
static void idt_set(int v, void (*handler)(void), uint8_t flags)
{
  uint32_t a = (uint32_t)handler;
  idt[v].off_lo = (uint16_t)a;
  idt[v].sel = SEG_KCODE;
  idt[v].zero = 0;
  idt[v].flags = flags;
  idt[v].off_hi = (uint16_t)(a >> 16);
}

void idt_init(void)
{
  for (int v = 0; v < T_EXCEPTIONS + T_IRQS; v++)
    idt_set(v, idt_stubs[v], GATE_INT_DPL0);
  idt_set(T_SYSCALL, isr128, GATE_INT_DPL3);
  idt_set(T_LAPIC_SPURIOUS, isr255, GATE_INT_DPL0);
  idt_set(T_LAPIC_TIMER, isr48, GATE_INT_DPL0);
  idt_set(T_IPI_RESCHED, isr49, GATE_INT_DPL0);
  idt_set(T_IPI_TLB, isr50, GATE_INT_DPL0);
  idt_set(T_IPI_CALL, isr51, GATE_INT_DPL0);
  idt[T_DOUBLE_FAULT].off_lo = idt[T_DOUBLE_FAULT].off_hi = 0;   /* a task gate: the TSS gives eip */
  idt[T_DOUBLE_FAULT].sel = SEG_DF_TSS;
  idt[T_DOUBLE_FAULT].flags = GATE_TASK;
  tss_set_double_fault_entry(trap_double_fault_task);
  idt_load();
}

void idt_load(void)
{
  struct idt_ptr p = { sizeof idt - 1, (uint32_t)idt };
  __asm__ volatile("lidt %0" ::"m"(p));
}
