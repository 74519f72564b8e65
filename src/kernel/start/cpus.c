/*
 * cpus.c - finding and starting the other CPUs (application processors, APs).
 *
 * The boot CPU reads the firmware's processor list (ACPI MADT, else the MP
 * table), maps and enables its local APIC, measures the APIC timer, copies
 * the real-mode trampoline (ap_start.asm) to AP_TRAMPOLINE_PHYS and starts
 * one AP at a time (smp_start_ap: INIT-SIPI-SIPI). An AP that does not
 * answer within SMP_ANSWER_MS is reported, put back into INIT and left out.
 * The boot CPU prints the start-up lines for them; then every CPU, the boot
 * CPU last, enters its scheduler loop (sched.c) and runs processes, ticked
 * by its own local APIC timer. Device interrupts (keyboard, COM1) stay on
 * the 8259, which is wired to the boot CPU's LINT0 only: cpu0 takes every
 * device IRQ, the I/O APIC stays masked.
 */
#include "start/cpus.h"
#include "arch/smp.h"
#include "arch/cpu.h"
#include "arch/lapic.h"
#include "arch/x86.h"
#include "arch/mmu.h"
#include "arch/printk.h"
#include "firmware/firmware.h"
#include "mm/kheap.h"
#include "mm/kmap.h"
#include "mm/mm.h"
#include "mm/vm.h"
#include "sched/sched.h"
#include "trap/trap.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define BOOT_MAP_LINE   256

extern char ap_trampoline_start[], ap_trampoline_end[];
extern char boot_stack_top[];
void smp_ap_entry(void);

/* Reasons the trampoline cannot run today, or 0: its page and the boot page tables it uses. */
static const char *cpus_trampoline_problem(void)
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

/* Print what the firmware described. */
static void cpus_print_firmware(const struct fw_config *fw)
{
  char ids[BOOT_MAP_LINE];
  int n = 0;
  for (int i = 0; i < fw->ncpu; i++)
    n += fmt_snprintf(ids + n, sizeof ids - (uint32_t)n, " %u", fw->apic_id[i]);
  kprintf("[smp] %s: %d CPU%s enabled (APIC IDs%s), %d disabled; local APIC at 0x%08x\n", fw->source,
          fw->ncpu_enabled, fw->ncpu_enabled == 1 ? "" : "s", ids, fw->ncpu_disabled, fw->lapic_pa);
  if (fw->ncpu_enabled > CPU_MAX)
    kprintf("[smp] only the first %d CPUs are used (CPU_MAX)\n", CPU_MAX);
  if (fw->nioapic)
    kprintf("[smp] I/O APIC %u at 0x%08x, GSI base %u (left masked: the 8259 on cpu0 delivers IRQs)\n",
            fw->ioapic_id, fw->ioapic_pa, fw->ioapic_gsi_base);
  for (int i = 0; i < fw->noverride; i++)
    kprintf("[smp] ISA IRQ %u -> GSI %u (flags 0x%x)\n", fw->override[i].irq, fw->override[i].gsi,
            fw->override[i].flags);
}

/* The boot-screen line listing every CPU that came up. */
static void cpus_print(void)
{
  char line[BOOT_MAP_LINE];
  int n = fmt_snprintf(line, sizeof line, "[smp] cpu0 apic %u (boot)", cpus[0].apic_id);
  for (int i = 1; i < CPU_MAX; i++)
    if (cpus[i].started)
      n += fmt_snprintf(line + n, sizeof line - (uint32_t)n, ", cpu%d apic %u up", i, cpus[i].apic_id);
  int up = smp_cpus_up();
  kprintf("%s; %d CPU%s up%s\n", line, up, up == 1 ? "" : "s", up == 1 ? "" : ", processes run on every CPU");
}

/* The rest of an AP's start, after the machine's part (smp_ap_main): the IDT, its scratch page,
 * and its scheduler loop; `started` last, for the boot CPU waiting in smp_start_ap. */
static void cpus_ap_continue(struct cpu *c)
{
  idt_load();
  vm_scratch_init_cpu(c);
  __atomic_store_n(&c->started, 1, __ATOMIC_RELEASE);
  sched_run();
}

/* Give c its two kernel stacks and start it; -1 when it was left out (reported). */
static int cpus_start_one(struct cpu *c)
{
  c->stack_top = kstack_alloc();
  c->df_stack_top = kstack_alloc();
  if (c->stack_top && c->df_stack_top && smp_start_ap(c, V2P(kernel_pd), cpus_ap_continue) == 0)
    return 0;
  if (!c->stack_top || !c->df_stack_top)
    kprintf("[smp] cpu%d (APIC ID %u): no memory for its stacks: left out\n", c->id, c->apic_id);
  /* Stacks of a CPU that may still be running are never freed: it might be using them. */
  c->stack_top = c->df_stack_top = 0;
  return -1;
}

/* The boot CPU's local APIC mapped and enabled, its timer measured and started; -1 when the
 * registers cannot be mapped. */
static int cpus_start_apic(struct fw_config *fw)
{
  uint32_t pa = lapic_base_pa(fw->lapic_pa);
  volatile uint32_t *regs = kmap_phys(pa, PGSIZE, PTE_W | PTE_PCD | PTE_PWT);
  if (!regs)
    return -1;
  lapic_init_boot(regs, pa);
  cpus[0].apic_id = cpus[0].seen_apic_id = lapic_id();
  int listed = 0;
  for (int i = 0; i < fw->ncpu; i++)
    listed |= fw->apic_id[i] == cpus[0].apic_id;
  if (fw->source && !listed)
    kprintf("[smp] the boot CPU's APIC ID %u is not in the firmware's list\n", cpus[0].apic_id);
  uint32_t timer_10ms = lapic_timer_calibrate();
  smp_apic_start(timer_10ms);
  if (timer_10ms) {
    kprintf("[smp] local APIC timer: %u counts per 10 ms at divide 16 (measured against PIT channel 2); "
            "it is every CPU's tick\n", timer_10ms);
  } else {
    kprintf("[smp] local APIC timer could not be measured: the PIT ticks cpu0, the other CPUs are not started\n");
    fw->ncpu = fw->ncpu > 1 ? 1 : fw->ncpu;
  }
  return 0;
}

void cpus_start(void)
{
  struct fw_config *fw = &fw_config;
  cpus[0].stack_top = (uint32_t)boot_stack_top;
  cpus[0].started = 1;
  if (!lapic_cpu_has_apic()) {
    kprintf("[smp] this processor has no local APIC (CPUID): the kernel runs on one CPU\n");
    return;
  }
  if (acpi_read_madt(fw) < 0 && mptable_read(fw) < 0) {
    kprintf("[smp] no valid ACPI MADT or MP table: the kernel runs on one CPU\n");
    memset(fw, 0, sizeof *fw);
  } else {
    cpus_print_firmware(fw);
  }
  if (cpus_start_apic(fw) < 0) {
    kprintf("[smp] cannot map the local APIC: the kernel runs on one CPU\n");
    return;
  }
  const char *problem = fw->ncpu > 1 ? cpus_trampoline_problem() : 0;
  if (problem) {
    kprintf("[smp] cannot start the other CPUs: the trampoline at 0x%x: %s\n", AP_TRAMPOLINE_PHYS, problem);
  } else if (fw->ncpu > 1) {
    memcpy(P2V(AP_TRAMPOLINE_PHYS), ap_trampoline_start, (uint32_t)(ap_trampoline_end - ap_trampoline_start));
    int next = 1;
    for (int i = 0; i < fw->ncpu && next < CPU_MAX; i++) {
      if (fw->apic_id[i] == cpus[0].apic_id)
        continue;
      struct cpu *c = &cpus[next];
      c->id = next++;
      c->apic_id = fw->apic_id[i];
      cpus_start_one(c);
    }
  }
  cpus_print();
}
