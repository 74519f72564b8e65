/*
 * tlb.c - TLB shootdown by inter-processor interrupt.
 *
 * One request is in flight at a time (tlb_lock): the initiator flushes its
 * own TLB, writes the range, marks each other CPU of the request's set
 * pending and sends it a T_IPI_TLB; then it waits until every mark is
 * cleared. A kernel mapping goes to every running CPU (tlb_shootdown), a
 * user mapping only to the CPUs in its space (vm_space_shootdown). A target
 * flushes in its IPI handler, or earlier if it is spinning on a lock with
 * interrupts masked (spin_lock_at calls tlb_service), so no CPU can wait for
 * an acknowledgement from a CPU that is itself waiting for this one.
 */
#include "arch/tlb.h"
#include "arch/mmu.h"
#include "arch/percpu.h"
#include "arch/spinlock.h"
#include "arch/lapic.h"
#include "arch/trapframe.h"
#include "arch/x86.h"

#define TLB_FULL_FLUSH_PAGES 32   /* a longer range reloads CR3 instead of page by page */

static struct spinlock tlb_lock = SPINLOCK_INIT("tlb", SPIN_RANK_TLB);
static volatile uint32_t tlb_va, tlb_npages;
static volatile uint32_t tlb_sent;

/* Flush [va, va + n pages) from this CPU's TLB. */
static void tlb_flush_local(uint32_t va, uint32_t n)
{
  if (n > TLB_FULL_FLUSH_PAGES) {
    write_cr3(read_cr3());
    return;
  }
  for (uint32_t i = 0; i < n; i++)
    invlpg(va + i * PGSIZE);
}

void tlb_service(void)
{
  struct cpu *c = this_cpu();
  if (!__atomic_load_n(&c->tlb_pending, __ATOMIC_ACQUIRE))
    return;
  tlb_flush_local(tlb_va, tlb_npages);
  c->tlb_served++;
  __atomic_store_n(&c->tlb_pending, 0, __ATOMIC_RELEASE);
}

/* The started CPUs other than me in mask. */
static uint32_t tlb_targets(uint32_t mask, const struct cpu *me)
{
  uint32_t t = 0;
  for (int i = 0; i < CPU_MAX; i++)
    if ((mask & (1u << i)) && &cpus[i] != me && cpus[i].started)
      t |= 1u << i;
  return t;
}

uint32_t tlb_shootdown_cpus(uint32_t mask, uint32_t va, uint32_t npages)
{
  push_off();                          /* me stays this CPU from the local flush to the answers */
  tlb_flush_local(va, npages);
  struct cpu *me = this_cpu();
  uint32_t targets = tlb_targets(mask, me);
  if (!targets) {
    pop_off();
    return 0;
  }
  while (!spin_trylock(&tlb_lock)) {
    tlb_service();
    cpu_relax();
  }
  tlb_va = va;
  tlb_npages = npages;
  for (int i = 0; i < CPU_MAX; i++) {
    if (!(targets & (1u << i)))
      continue;
    __atomic_store_n(&cpus[i].tlb_pending, 1, __ATOMIC_RELEASE);
    lapic_send_ipi(cpus[i].apic_id, T_IPI_TLB);
    tlb_sent++;
  }
  for (int i = 0; i < CPU_MAX; i++)
    while ((targets & (1u << i)) && __atomic_load_n(&cpus[i].tlb_pending, __ATOMIC_ACQUIRE))
      cpu_relax();
  spin_unlock(&tlb_lock);
  pop_off();
  return targets;
}

void tlb_shootdown(uint32_t va, uint32_t npages)
{
  tlb_shootdown_cpus(TLB_ALL_CPUS, va, npages);
}

uint32_t tlb_shootdowns(void)
{
  return tlb_sent;
}
