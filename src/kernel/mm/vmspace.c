/*
 * vmspace.c - entering and leaving an address space, keeping its CPU set
 * right when exec replaces or exit detaches its directory, and the
 * shootdown that reaches only the CPUs in the set (vmspace.h).
 */
#include "mm/vmspace.h"
#include "mm/vm.h"
#include "arch/percpu.h"
#include "arch/tlb.h"
#include "arch/printk.h"

/* This CPU's bit in a space's CPU set. */
static uint32_t vm_space_bit(const struct cpu *c)
{
  return 1u << c->id;
}

void vm_space_init(struct vm_space *vs)
{
  *vs = (struct vm_space)VM_SPACE_INIT;
}

void vm_space_enter(struct vm_space *vs)
{
  struct cpu *c = this_cpu();
  pde_t *pd = vs->pd;
  if (pd) {
    __atomic_or_fetch(&vs->cpus, vm_space_bit(c), __ATOMIC_SEQ_CST);   /* lock or: before CR3 */
    vm_activate(pd);
  } else {
    vm_activate(kernel_pd);
  }
  c->vm = vs;
}

/* This CPU stops using vs's translations: CR3 = kernel_pd first, then its bit is cleared. */
static void vm_space_unload(struct vm_space *vs, const struct cpu *c)
{
  vm_activate(kernel_pd);
  __atomic_and_fetch(&vs->cpus, ~vm_space_bit(c), __ATOMIC_SEQ_CST);
}

void vm_space_leave(struct vm_space *vs)
{
  struct cpu *c = this_cpu();
  vm_space_unload(vs, c);
  c->vm = 0;
}

pde_t *vm_space_replace(struct vm_space *vs, pde_t *pd)
{
  pde_t *old = vs->pd;
  vs->pd = pd;
  if (this_cpu()->vm == vs)
    vm_space_enter(vs);                  /* the bit is set already, unless entered without a pd */
  return old;
}

pde_t *vm_space_detach(struct vm_space *vs)
{
  struct cpu *c = this_cpu();
  pde_t *old = vs->pd;
  vs->pd = 0;
  if (c->vm == vs)
    vm_space_unload(vs, c);              /* c->vm stays vs until the scheduler switches out */
  return old;
}

uint32_t vm_space_shootdown(struct vm_space *vs, uint32_t va, uint32_t npages)
{
  __atomic_thread_fence(__ATOMIC_SEQ_CST);   /* the entries are written before the set is read */
  uint32_t set = __atomic_load_n(&vs->cpus, __ATOMIC_SEQ_CST);
  return tlb_shootdown_cpus(set, va, npages);
}

void vm_space_check_alone(const struct vm_space *vs, const char *who)
{
  push_off();                         /* this CPU's id stays ours while the set is read */
  uint32_t others = __atomic_load_n(&vs->cpus, __ATOMIC_SEQ_CST) & ~vm_space_bit(this_cpu());
  pop_off();
  if (others)
    panic("%s: cpu%d may still hold translations of the address space being torn down (CPU set 0x%x)", who,
          __builtin_ctz(others), others);
}
