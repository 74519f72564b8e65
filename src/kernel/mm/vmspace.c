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

void vm_space_leave(struct vm_space *vs)
{
  struct cpu *c = this_cpu();
  vm_activate(kernel_pd);
  __atomic_and_fetch(&vs->cpus, ~vm_space_bit(c), __ATOMIC_SEQ_CST);
  c->vm = 0;
}

pde_t *vm_space_replace(struct vm_space *vs, pde_t *pd)
{
  struct cpu *c = this_cpu();
  pde_t *old = vs->pd;
  vs->pd = pd;
  if (c->vm == vs) {
    __atomic_or_fetch(&vs->cpus, vm_space_bit(c), __ATOMIC_SEQ_CST);   /* set already, unless entered without a pd */
    vm_activate(pd);
  }
  return old;
}

pde_t *vm_space_detach(struct vm_space *vs)
{
  struct cpu *c = this_cpu();
  pde_t *old = vs->pd;
  vs->pd = 0;
  if (c->vm == vs) {
    vm_activate(kernel_pd);
    __atomic_and_fetch(&vs->cpus, ~vm_space_bit(c), __ATOMIC_SEQ_CST);
  }
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
