/*
 * smp.c - start-up of the other CPUs (application processors, APs).
 *
 * The boot CPU reads the firmware's processor list (ACPI MADT, else the
 * MP table), enables its local APIC, copies the real-mode trampoline
 * (ap_start.asm) to AP_TRAMPOLINE_PHYS and starts one AP at a time with
 * INIT, 10 ms, STARTUP, 200 us (a second STARTUP only if the AP has not
 * begun running), timed by PIT channel 2. The AP fills in its struct cpu
 * and sets `started` last; one that has not done so after SMP_ANSWER_MS is
 * reported, put back into INIT and left out. The boot CPU prints the
 * start-up lines for them; then every CPU, the boot CPU last, enters its
 * scheduler loop (sched.c) and runs processes, ticked by its own local APIC
 * timer. Device interrupts (keyboard, COM1) stay on the 8259, which is wired
 * to the boot CPU's LINT0 only: cpu0 takes every device IRQ, the I/O APIC
 * stays masked.
 */
#include <stddef.h>
#include "arch/smp.h"
#include "arch/cpu.h"
#include "arch/lapic.h"
#include "arch/x86.h"
#include "arch/trap.h"
#include "mm/tlb.h"
#include "proc/sched.h"
#include "mm/kheap.h"
#include "mm/mm.h"
#include "mm/vm.h"
#include "kernel/printk.h"
#include "lib/fmt.h"
#include "lib/string.h"

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
extern char boot_stack_top[];
void smp_ap_entry(void);
void smp_ap_main(struct cpu *c);

static struct fw_config fw;
static int apic_used;
static uint32_t timer_10ms;
static int lapic_ticks;          /* every CPU's tick is its local APIC timer (the PIT is left masked) */

/* Reasons the trampoline cannot run today, or 0: its page and the boot page tables it uses. */
static const char *smp_trampoline_problem(void)
{
  const pde_t *pd = P2V(BOOT_PD_PHYS);
  const pte_t *pt0 = P2V(BOOT_PT0_PHYS);
  uint32_t entry_pa = V2P(smp_ap_entry);
  if (!mm_frame_is_ram(AP_TRAMPOLINE_PHYS))
    return "its page is not usable RAM in the E820 map";
  if (AP_TRAMPOLINE_PHYS >= mm_layout.kpool_base)
    return "its page lies in a pool";
  if (PTE_ADDR(pd[0]) != BOOT_PT0_PHYS || PTE_ADDR(pd[PDX(KERNEL_BASE)]) != BOOT_PT0_PHYS)
    return "the boot page directory has been overwritten";
  if (PTE_ADDR(pt0[AP_TRAMPOLINE_PHYS >> PGSHIFT]) != AP_TRAMPOLINE_PHYS ||
      entry_pa >= PT_ENTRIES * PGSIZE || PTE_ADDR(pt0[entry_pa >> PGSHIFT]) != PG_ROUND_DOWN(entry_pa))
    return "the boot page table no longer maps the trampoline and the kernel";
  if ((uint32_t)(ap_trampoline_end - ap_trampoline_start) > PGSIZE)
    return "it outgrows its page";
  return 0;
}

/* Wait until c has started, at most ms milliseconds of PIT time. */
static int smp_wait_started(struct cpu *c, uint32_t ms)
{
  for (uint32_t i = 0; i < ms && !c->started; i++)
    if (pit_delay_us(MS_US) < 0)
      break;
  return c->started;
}

/* INIT-SIPI-SIPI to c->apic_id; 0 when it started, -1 when it was left out (reported). */
static int smp_start_ap(struct cpu *c)
{
  struct ap_mailbox *mb = (struct ap_mailbox *)P2V(AP_TRAMPOLINE_PHYS + (ap_mailbox - ap_trampoline_start));
  c->stack_top = kstack_alloc();
  c->df_stack_top = kstack_alloc();
  if (!c->stack_top || !c->df_stack_top) {
    kprintf("[smp] cpu%d (APIC ID %u): no memory for its stacks: left out\n", c->id, c->apic_id);
    goto fail;
  }
  mb->entry = (uint32_t)smp_ap_entry;
  mb->cr3 = V2P(kernel_pd);
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
fail:
  /* Stacks of a CPU that may still be running are never freed: it might be using them. */
  c->stack_top = c->df_stack_top = 0;
  return -1;
}

/* Print what the firmware described. */
static void smp_print_firmware(void)
{
  char ids[BOOT_MAP_LINE];
  int n = 0;
  for (int i = 0; i < fw.ncpu; i++)
    n += fmt_snprintf(ids + n, sizeof ids - (uint32_t)n, " %u", fw.apic_id[i]);
  kprintf("[smp] %s: %d CPU%s enabled (APIC IDs%s), %d disabled; local APIC at 0x%08x\n", fw.source,
          fw.ncpu_enabled, fw.ncpu_enabled == 1 ? "" : "s", ids, fw.ncpu_disabled, fw.lapic_pa);
  if (fw.ncpu_enabled > CPU_MAX)
    kprintf("[smp] only the first %d CPUs are used (CPU_MAX)\n", CPU_MAX);
  if (fw.nioapic)
    kprintf("[smp] I/O APIC %u at 0x%08x, GSI base %u (left masked: the 8259 on cpu0 delivers IRQs)\n",
            fw.ioapic_id, fw.ioapic_pa, fw.ioapic_gsi_base);
  for (int i = 0; i < fw.noverride; i++)
    kprintf("[smp] ISA IRQ %u -> GSI %u (flags 0x%x)\n", fw.override[i].irq, fw.override[i].gsi,
            fw.override[i].flags);
}

/* The boot-screen line listing every CPU that came up. */
static void smp_print_cpus(void)
{
  char line[BOOT_MAP_LINE];
  int n = fmt_snprintf(line, sizeof line, "[smp] cpu0 apic %u (boot)", cpus[0].apic_id);
  for (int i = 1; i < CPU_MAX; i++)
    if (cpus[i].started)
      n += fmt_snprintf(line + n, sizeof line - (uint32_t)n, ", cpu%d apic %u up", i, cpus[i].apic_id);
  kprintf("%s; %d CPU%s up, processes run on every CPU\n", line, smp_cpus_up(), smp_cpus_up() == 1 ? "" : "s");
}

void smp_init(void)
{
  cpus[0].stack_top = (uint32_t)boot_stack_top;
  cpus[0].started = 1;
  if (!lapic_cpu_has_apic()) {
    kprintf("[smp] this processor has no local APIC (CPUID): the kernel runs on one CPU\n");
    return;
  }
  if (acpi_read_madt(&fw) < 0 && mptable_read(&fw) < 0) {
    kprintf("[smp] no valid ACPI MADT or MP table: the kernel runs on one CPU\n");
    memset(&fw, 0, sizeof fw);
  } else {
    smp_print_firmware();
  }
  if (lapic_init_boot(fw.lapic_pa) < 0) {
    kprintf("[smp] cannot map the local APIC: the kernel runs on one CPU\n");
    return;
  }
  apic_used = 1;
  cpus[0].apic_id = cpus[0].seen_apic_id = lapic_id();
  int listed = 0;
  for (int i = 0; i < fw.ncpu; i++)
    listed |= fw.apic_id[i] == cpus[0].apic_id;
  if (fw.source && !listed)
    kprintf("[smp] the boot CPU's APIC ID %u is not in the firmware's list\n", cpus[0].apic_id);
  timer_10ms = lapic_timer_calibrate();
  if (timer_10ms) {
    lapic_ticks = 1;
    lapic_timer_start(timer_10ms);
    kprintf("[smp] local APIC timer: %u counts per 10 ms at divide 16 (measured against PIT channel 2); "
            "it is every CPU's tick\n", timer_10ms);
  } else {
    kprintf("[smp] local APIC timer could not be measured: the PIT ticks cpu0, the other CPUs are not started\n");
    fw.ncpu = fw.ncpu > 1 ? 1 : fw.ncpu;
  }
  const char *problem = fw.ncpu > 1 ? smp_trampoline_problem() : 0;
  if (problem) {
    kprintf("[smp] cannot start the other CPUs: the trampoline at 0x%x: %s\n", AP_TRAMPOLINE_PHYS, problem);
  } else if (fw.ncpu > 1) {
    memcpy(P2V(AP_TRAMPOLINE_PHYS), ap_trampoline_start, (uint32_t)(ap_trampoline_end - ap_trampoline_start));
    int next = 1;
    for (int i = 0; i < fw.ncpu && next < CPU_MAX; i++) {
      if (fw.apic_id[i] == cpus[0].apic_id)
        continue;
      struct cpu *c = &cpus[next];
      c->id = next++;
      c->apic_id = fw.apic_id[i];
      smp_start_ap(c);
    }
  }
  smp_print_cpus();
}

/* C entry of an AP (from smp_ap_entry, on its own stack, kernel page directory loaded). */
void smp_ap_main(struct cpu *c)
{
  gdt_init_cpu(c);
  idt_load();
  write_cr0((read_cr0() | CR0_EM) & ~(uint32_t)(CR0_MP | CR0_TS));   /* as the boot CPU; WP comes from the trampoline */
  c->seen_cr0 = read_cr0();
  c->seen_cr3 = read_cr3();
  c->seen_esp = (uint32_t)__builtin_frame_address(0);
  vm_scratch_init_cpu(c);
  lapic_init_ap();
  c->seen_apic_id = lapic_id();
  lapic_timer_start(timer_10ms);
  __atomic_store_n(&c->started, 1, __ATOMIC_RELEASE);
  sched_run();
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

const struct fw_config *smp_firmware(void)
{
  return &fw;
}

int smp_apic_used(void)
{
  return apic_used;
}

uint32_t smp_lapic_timer_10ms(void)
{
  return timer_10ms;
}
