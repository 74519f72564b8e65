/*
 * smp.c - the machine side of starting the other CPUs (application processors, APs) and of
 * talking to them.
 *
 * smp_start_ap starts one AP with INIT, 10 ms, STARTUP, 200 us (a second
 * STARTUP only if the AP has not begun running), timed by PIT channel 2,
 * through the real-mode trampoline (ap_start.asm) that its starter copied to
 * AP_TRAMPOLINE_PHYS. The AP loads its GDT and TSS, enables its local APIC
 * and timer, records what it saw in its struct cpu, and goes on with the
 * rest its starter gave (src/kernel/start/cpus.c: the IDT, the scratch page,
 * the scheduler), which sets `started` last. Reschedule and call IPIs are
 * here too; TLB shootdowns are in tlb.c.
 */
#include <stddef.h>
#include "arch/smp.h"
#include "arch/cpu.h"
#include "arch/lapic.h"
#include "arch/x86.h"
#include "arch/trapframe.h"
#include "arch/tlb.h"
#include "arch/mmu.h"
#include "arch/printk.h"

#define SIPI_VECTOR     (AP_TRAMPOLINE_PHYS >> PGSHIFT)
#define SIPI_RESERVED_LO 0xA0        /* STARTUP vectors A0-BF are reserved */
#define SIPI_RESERVED_HI 0xBF
#define REAL_MODE_LIMIT 0x100000
#define BOOT_MAP_LINE   256
#define MS_US           1000

_Static_assert(AP_TRAMPOLINE_PHYS % PGSIZE == 0, "the trampoline must be 4 KiB aligned (SIPI vector)");
_Static_assert(AP_TRAMPOLINE_PHYS + PGSIZE <= REAL_MODE_LIMIT, "the trampoline must lie below 1 MiB");
_Static_assert(SIPI_VECTOR < SIPI_RESERVED_LO || SIPI_VECTOR > SIPI_RESERVED_HI, "SIPI vectors A0-BF are reserved");
_Static_assert(AP_TRAMPOLINE_PHYS >= BOOT_PT1_PHYS + PGSIZE && AP_TRAMPOLINE_PHYS + PGSIZE <= LOADER_STACK_TOP,
               "the trampoline page must not overlap bootinfo, the boot page tables, the MBR or the loader");

/* What smp.c hands one AP through the trampoline page (ap_start.asm MB_*). */
struct ap_mailbox {
  uint32_t entry;               /* smp_ap_entry (kernel virtual) */
  uint32_t cr3;                 /* the kernel page directory, physical */
  uint32_t stack;               /* the AP's kernel stack top */
  uint32_t cpu;                 /* its struct cpu * */
  volatile uint32_t alive;      /* set by the trampoline's first instructions */
};
_Static_assert(offsetof(struct ap_mailbox, entry) == AP_MAILBOX_ENTRY_OFF &&
                   offsetof(struct ap_mailbox, cr3) == AP_MAILBOX_CR3_OFF &&
                   offsetof(struct ap_mailbox, stack) == AP_MAILBOX_STACK_OFF &&
                   offsetof(struct ap_mailbox, cpu) == AP_MAILBOX_CPU_OFF &&
                   offsetof(struct ap_mailbox, alive) == AP_MAILBOX_ALIVE_OFF &&
                   sizeof(struct ap_mailbox) == AP_MAILBOX_SIZE,
               "struct ap_mailbox moved a field: ap_start.asm uses the AP_MAILBOX_* offsets of arch/smp.h");

extern char ap_trampoline_start[], ap_trampoline_end[], ap_mailbox[];
void smp_ap_entry(void);
void smp_ap_main(struct cpu *c);
static void (*smp_ap_continue)(struct cpu *c);   /* the rest of an AP's start (smp_start_ap) */

static int apic_used;
static uint32_t timer_10ms;
static int lapic_ticks;          /* every CPU's tick is its local APIC timer (the PIT is left masked) */

/* Wait until c has started, at most ms milliseconds of PIT time. */
static int smp_wait_started(struct cpu *c, uint32_t ms)
{
  for (uint32_t i = 0; i < ms && !c->started; i++)
    if (pit_delay_us(MS_US) < 0)
      break;
  return c->started;
}

int smp_start_ap(struct cpu *c, uint32_t cr3, void (*cont)(struct cpu *))
{
  struct ap_mailbox *mb = (struct ap_mailbox *)P2V(AP_TRAMPOLINE_PHYS + (ap_mailbox - ap_trampoline_start));
  smp_ap_continue = cont;
  mb->entry = (uint32_t)smp_ap_entry;
  mb->cr3 = cr3;
  mb->stack = c->stack_top;
  mb->cpu = (uint32_t)c;
  mb->alive = 0;
  if (lapic_ipi(c->apic_id, LAPIC_ICR_INIT | LAPIC_ICR_LEVEL | LAPIC_ICR_ASSERT) < 0)
    kprintf("[smp] cpu%d: the INIT IPI stays pending\n", c->id);
  pit_delay_us(SMP_INIT_DEASSERT_US);
  lapic_ipi(c->apic_id, LAPIC_ICR_INIT | LAPIC_ICR_LEVEL);
  pit_delay_us(SMP_INIT_WAIT_US);
  for (int sipi = 0; sipi < 2 && !mb->alive; sipi++) {
    lapic_ipi(c->apic_id, LAPIC_ICR_STARTUP | SIPI_VECTOR);
    pit_delay_us(SMP_SIPI_WAIT_US);
  }
  if (smp_wait_started(c, SMP_ANSWER_MS))
    return 0;
  kprintf("[smp] cpu%d (APIC ID %u) did not answer within %d ms (%s): left out\n", c->id, c->apic_id,
          SMP_ANSWER_MS, mb->alive ? "it reached the trampoline" : "it never ran the trampoline");
  lapic_ipi(c->apic_id, LAPIC_ICR_INIT | LAPIC_ICR_LEVEL | LAPIC_ICR_ASSERT);   /* hold it in reset */
  return -1;
}

/* C entry of an AP (from smp_ap_entry, on its own stack, kernel page directory loaded): the
 * machine's part of its start, then the rest that its starter gave smp_start_ap. */
void smp_ap_main(struct cpu *c)
{
  gdt_init_cpu(c);
  /* As the boot CPU (kernel_main): x87 traps, caching on; WP comes from the trampoline. */
  write_cr0((read_cr0() | CR0_EM) & ~(uint32_t)(CR0_MP | CR0_TS | CR0_CD | CR0_NW));
  c->seen_cr0 = read_cr0();
  c->seen_cr3 = read_cr3();
  c->seen_esp = (uint32_t)__builtin_frame_address(0);
  lapic_init_ap();
  c->seen_apic_id = lapic_id();
  lapic_timer_start(timer_10ms);
  smp_ap_continue(c);
}

int smp_lapic_ticks(void)
{
  return lapic_ticks;
}

void smp_resched(int id)
{
  if (apic_used && cpus[id].started)
    lapic_send_ipi(cpus[id].apic_id, T_IPI_RESCHED);
}

int smp_call_start(int id, void (*fn)(void *), void *arg)
{
  struct cpu *c = &cpus[id];
  if (id < 0 || id >= CPU_MAX || !c->started || c == this_cpu() || c->call.fn)
    return -1;
  c->call.arg = arg;
  c->call.done = 0;
  __atomic_store_n(&c->call.fn, fn, __ATOMIC_RELEASE);
  lapic_send_ipi(c->apic_id, T_IPI_CALL);
  return 0;
}

void smp_call_wait(int id)
{
  while (!__atomic_load_n(&cpus[id].call.done, __ATOMIC_ACQUIRE)) {
    tlb_service();
    cpu_relax();
  }
}

void smp_call_service(void)
{
  struct cpu *c = this_cpu();
  void (*fn)(void *) = __atomic_load_n(&c->call.fn, __ATOMIC_ACQUIRE);
  if (!fn)
    return;
  fn(c->call.arg);
  c->call.fn = 0;
  __atomic_store_n(&c->call.done, 1, __ATOMIC_RELEASE);
}

int smp_cpus_up(void)
{
  int n = 0;
  for (int i = 0; i < CPU_MAX; i++)
    n += cpus[i].started != 0;
  return n;
}

int smp_apic_used(void)
{
  return apic_used;
}

uint32_t smp_lapic_timer_10ms(void)
{
  return timer_10ms;
}

void smp_apic_start(uint32_t counts_10ms)
{
  apic_used = 1;
  timer_10ms = counts_10ms;
  lapic_ticks = counts_10ms != 0;
  if (lapic_ticks)
    lapic_timer_start(timer_10ms);
}
