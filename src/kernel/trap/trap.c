/*
 * trap.c - dispatch of exceptions, IRQs and system calls, and the exception dump.
 */
#include "trap/trap.h"
#include "arch/cpu.h"
#include "arch/x86.h"
#include "arch/lapic.h"
#include "arch/smp.h"
#include "arch/tlb.h"
#include "sched/proc.h"
#include "proc/proc.h"
#include "sched/sched.h"
#include "syscall/syscall.h"
#include "dev/tty.h"
#include "mm/kheap.h"
#include "arch/printk.h"
#include "lib/fmt.h"

#define IRQ_SPURIOUS_MASTER 7
#define IRQ_SPURIOUS_SLAVE  15
#define DF_GUARD_REACH      128   /* an exception frame pushed below esp reaches this far */

struct trap_expect trap_expected;

void trap_dump(const struct trap_frame *tf, uint32_t cr2)
{
  struct proc *p = proc_current();
  char dec[40];
  kprintf("[trap] vector %u (%s) error 0x%x", tf->vector, trap_name(tf->vector), tf->error);
  if (tf->vector == T_PAGE_FAULT)
    kprintf(" (%s)", trap_pf_decode(tf->error, dec, sizeof dec));
  else if (tf->error)
    kprintf(" (%s selector 0x%x, %s)", tf->error & 2 ? "IDT" : (tf->error & 4 ? "LDT" : "GDT"),
            tf->error >> 3, tf->error & 1 ? "external" : "internal");
  kprintf("\n[trap] eip 0x%08x cs 0x%x eflags 0x%08x esp 0x%08x cr2 0x%08x cr3 0x%08x\n", tf->eip, tf->cs,
          tf->eflags, trap_from_user(tf) ? tf->esp : (uint32_t)&tf->esp, cr2, read_cr3());
  kprintf("[trap] eax 0x%08x ebx 0x%08x ecx 0x%08x edx 0x%08x esi 0x%08x edi 0x%08x ebp 0x%08x\n", tf->eax,
          tf->ebx, tf->ecx, tf->edx, tf->esi, tf->edi, tf->ebp);
  kprintf("[trap] task: %s pid %d, %s mode\n", p ? p->name : "kernel", p ? p->pid : 0,
          trap_from_user(tf) ? "user" : "kernel");
}

/* The double-fault task (vector 8 is a task gate, see gdt.c): runs on its own stack. */
void trap_double_fault_task(void)
{
  uint32_t eip, esp;
  struct proc *p = proc_current();
  tss_interrupted(&eip, &esp);
  kprintf("[trap] vector 8 (double fault) eip 0x%08x esp 0x%08x cr2 0x%08x task: %s pid %d\n", eip, esp,
          read_cr2(), p ? p->name : "kernel", p ? p->pid : 0);
  if (kstack_is_guard(esp - DF_GUARD_REACH) || kstack_is_guard(read_cr2()))
    panic("kernel stack overflow: the stack at 0x%08x ran into its guard page", esp);
  panic("double fault at eip 0x%08x", eip);
}

int trap_expect_consume(struct trap_frame *tf, uint32_t cr2)
{
  if (!trap_expected.armed || trap_expected.vector != tf->vector)
    return 0;
  trap_expected.armed = 0;
  trap_expected.hit = 1;
  trap_expected.error = tf->error;
  trap_expected.cr2 = cr2;
  tf->eip = trap_expected.resume_eip;
  return 1;
}

/* A CPU exception other than the page fault. */
static void trap_exception(struct trap_frame *tf)
{
  /* LAB(cow) BEGIN "remove this once asm_page_fault_handler (isr.asm) calls c_page_fault_handler itself" */
  #if 0 /* LAB STARTER */
  if (tf->vector == T_PAGE_FAULT) {
    c_page_fault_handler(tf->error, read_cr2(), tf);
    return;
  }
  #endif /* LAB END */
  if (trap_expect_consume(tf, read_cr2()))
    return;
  if (trap_from_user(tf)) {
    struct proc *p = proc_current();
    kprintf("[fault] pid=%d name=%s eip=0x%08x vector=%u err=0x%x killed: %s\n", p->pid, p->name, tf->eip,
            tf->vector, tf->error, trap_name(tf->vector));
    proc_exit(PROC_KILLED);
  }
  trap_dump(tf, read_cr2());
  panic("%s in kernel mode at eip 0x%08x", trap_name(tf->vector), tf->eip);
}

/* An interrupt the local APIC delivered: the timer tick and the inter-processor interrupts. */
static void trap_lapic(struct trap_frame *tf)
{
  switch (tf->vector) {
  case T_LAPIC_TIMER:
    sched_tick();
    break;
  case T_IPI_RESCHED:
    break;                  /* waking from hlt, or reaching trap_dispatch's kill check, is the point */
  case T_IPI_TLB:
    tlb_service();
    break;
  case T_IPI_CALL:
    smp_call_service();
    break;
  default:
    break;
  }
  lapic_eoi();
}

/* A hardware interrupt from the 8259 (cpu0 only). */
static void trap_irq(struct trap_frame *tf)
{
  int irq = (int)tf->vector - T_IRQ0;
  if (irq == IRQ_SPURIOUS_MASTER || irq == IRQ_SPURIOUS_SLAVE)
    return;   /* spurious: no EOI for the master's IRQ 7 */
  switch (irq) {
  case IRQ_TIMER:
    sched_tick();           /* the PIT: only on a machine without a local APIC */
    break;
  case IRQ_KEYBOARD:
    tty_keyboard_irq();
    break;
  case IRQ_COM1:
    tty_serial_irq();
    break;
  default:
    break;
  }
  pic_eoi(irq);
}

void trap_dispatch(struct trap_frame *tf)
{
  if (read_eflags() & EFLAGS_DF)        /* the entry stub's cld: compiled C assumes DF = 0 */
    panic("trap: vector %u reached C with the direction flag set (no cld on kernel entry)", tf->vector);
  if (tf->vector < T_EXCEPTIONS)
    trap_exception(tf);
  else if (tf->vector < T_IRQ0 + T_IRQS)
    trap_irq(tf);
  else if (tf->vector == T_SYSCALL)
    syscall_dispatch(tf);
  else if (tf->vector == T_LAPIC_SPURIOUS)
    lapic_spurious();
  else if (tf->vector >= T_LAPIC_TIMER && tf->vector <= T_IPI_CALL)
    trap_lapic(tf);
  if (trap_from_user(tf)) {
    sched_return_to_user();
    proc_check_killed(tf);
  }
}
