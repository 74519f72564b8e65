/*
 * lapic.c - local APIC: discovery through CPUID, mapping, enabling, EOI,
 * inter-processor interrupts and timer calibration against the PIT.
 */
#include "arch/lapic.h"
#include "arch/cpu_check.h"
#include "arch/cpu.h"
#include "arch/x86.h"
#include "arch/trapframe.h"
#include "arch/percpu.h"
#include "arch/mmu.h"
#include "arch/printk.h"

#define REG_ID          0x020
#define REG_VERSION     0x030
#define REG_TPR         0x080
#define REG_EOI         0x0B0
#define REG_SVR         0x0F0
#define REG_ESR         0x280
#define REG_ICR_LO      0x300
#define REG_ICR_HI      0x310
#define REG_LVT_TIMER   0x320
#define REG_LVT_THERMAL 0x330
#define REG_LVT_PERF    0x340
#define REG_LVT_LINT0   0x350
#define REG_LVT_LINT1   0x360
#define REG_LVT_ERROR   0x370
#define REG_TIMER_INIT  0x380
#define REG_TIMER_CUR   0x390
#define REG_TIMER_DIV   0x3E0
#define ID_SHIFT        24
#define SVR_ENABLE      0x100
#define LVT_MASKED      0x10000
#define LVT_EXTINT      0x700
#define LVT_NMI         0x400
#define LVT_PERIODIC    0x20000
#define LVT_MAX_SHIFT   16
#define LVT_HAS_PERF    4           /* highest LVT index when the performance counter LVT exists */
#define LVT_HAS_THERMAL 5
#define ICR_PENDING     0x1000
#define ICR_DEST_SHIFT  24
#define ICR_WAIT_LIMIT  1000000     /* status reads before an IPI counts as stuck */
#define TIMER_DIV_16    0x3
#define TIMER_START     0xFFFFFFFF
#define CAL_US          10000
#define CAL_ROUNDS      3
#define MSR_APIC_BASE   0x1B
#define APIC_BASE_ENABLE 0x800
#define APIC_BASE_MASK  0xFFFFF000

static volatile uint32_t *lapic;
static volatile uint32_t spurious_seen;

static uint32_t rd(uint32_t reg) { return lapic[reg / 4]; }
static void wr(uint32_t reg, uint32_t v) { lapic[reg / 4] = v; (void)lapic[REG_ID / 4]; }

/* Read a model-specific register. */
static uint64_t rdmsr(uint32_t msr)
{
  uint32_t lo, hi;
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return ((uint64_t)hi << 32) | lo;
}

/* Write a model-specific register. */
static void wrmsr(uint32_t msr, uint64_t v)
{
  __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

int lapic_cpu_has_apic(void)
{
  return (cpu_info.features_edx & CPUID_EDX_APIC) != 0;
}

/* The settings every CPU's APIC gets; lint0 is ExtINT on the boot CPU (the 8259 wire), masked elsewhere. */
static void lapic_setup(uint32_t lint0)
{
  uint32_t max_lvt = (rd(REG_VERSION) >> LVT_MAX_SHIFT) & 0xFF;
  wr(REG_SVR, SVR_ENABLE | T_LAPIC_SPURIOUS);
  wr(REG_LVT_TIMER, LVT_MASKED | T_LAPIC_SPURIOUS);
  wr(REG_LVT_LINT0, lint0);
  wr(REG_LVT_LINT1, LVT_NMI);
  wr(REG_LVT_ERROR, LVT_MASKED | T_LAPIC_SPURIOUS);
  if (max_lvt >= LVT_HAS_PERF)
    wr(REG_LVT_PERF, LVT_MASKED);
  if (max_lvt >= LVT_HAS_THERMAL)
    wr(REG_LVT_THERMAL, LVT_MASKED);
  wr(REG_ESR, 0);   /* back-to-back writes clear the error status */
  wr(REG_ESR, 0);
  wr(REG_TPR, 0);
  wr(REG_EOI, 0);
}

uint32_t lapic_base_pa(uint32_t pa)
{
  int has_msr = (cpu_info.features_edx & CPUID_EDX_MSR) != 0;
  if (has_msr) {
    uint64_t base = rdmsr(MSR_APIC_BASE);
    if (!pa)
      pa = (uint32_t)base & APIC_BASE_MASK;
    if (!(base & APIC_BASE_ENABLE))
      wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
  }
  return pa ? pa : LAPIC_DEFAULT_PA;
}

void lapic_init_boot(volatile uint32_t *regs, uint32_t pa)
{
  lapic = regs;
  lapic_setup(LVT_EXTINT);
  kprintf("[smp] local APIC at 0x%08x: ID %u, version 0x%x, SVR 0x%x (enabled, spurious vector 0x%x)\n", pa,
          lapic_id(), rd(REG_VERSION), rd(REG_SVR), T_LAPIC_SPURIOUS);
}

void lapic_init_ap(void)
{
  lapic_setup(LVT_MASKED | LVT_EXTINT);
}

int lapic_ready(void)
{
  return lapic != 0;
}

uint8_t lapic_id(void)
{
  return (uint8_t)(rd(REG_ID) >> ID_SHIFT);
}

uint32_t lapic_version(void)
{
  return rd(REG_VERSION);
}

uint32_t lapic_svr(void)
{
  return rd(REG_SVR);
}

void lapic_eoi(void)
{
  wr(REG_EOI, 0);
}

int lapic_ipi(uint8_t apic_id, uint32_t icr_low)
{
  int r = -1;
  push_off();                     /* an interrupt handler's IPI must not come between the two writes */
  wr(REG_ICR_HI, (uint32_t)apic_id << ICR_DEST_SHIFT);
  wr(REG_ICR_LO, icr_low);
  for (uint32_t i = 0; i < ICR_WAIT_LIMIT && r < 0; i++)
    if (!(rd(REG_ICR_LO) & ICR_PENDING))
      r = 0;
  pop_off();
  return r;
}

void lapic_send_ipi(uint8_t apic_id, uint32_t vector)
{
  if (lapic_ipi(apic_id, vector | LAPIC_ICR_ASSERT) < 0)
    panic("IPI vector %u to APIC ID %u: still pending at the sender", vector, apic_id);
}

void lapic_timer_start(uint32_t count)
{
  wr(REG_TIMER_DIV, TIMER_DIV_16);
  wr(REG_LVT_TIMER, LVT_PERIODIC | T_LAPIC_TIMER);
  wr(REG_TIMER_INIT, count);
}

uint32_t lapic_timer_calibrate(void)
{
  uint32_t v[CAL_ROUNDS];
  wr(REG_TIMER_DIV, TIMER_DIV_16);
  wr(REG_LVT_TIMER, LVT_MASKED | T_LAPIC_SPURIOUS);   /* one-shot, never interrupts */
  for (int i = 0; i < CAL_ROUNDS; i++) {
    wr(REG_TIMER_INIT, TIMER_START);
    if (pit_delay_us(CAL_US) < 0)
      return 0;
    v[i] = TIMER_START - rd(REG_TIMER_CUR);
  }
  wr(REG_TIMER_INIT, 0);   /* stop it */
  for (int i = 0; i < CAL_ROUNDS; i++)   /* sort the three: the middle one is the median */
    for (int j = i + 1; j < CAL_ROUNDS; j++)
      if (v[j] < v[i]) {
        uint32_t t = v[i];
        v[i] = v[j];
        v[j] = t;
      }
  return v[CAL_ROUNDS / 2];
}

void lapic_spurious(void)
{
  spurious_seen++;
}

uint32_t lapic_spurious_count(void)
{
  return spurious_seen;
}
