/*
 * vm.c - page tables: walk, map, unmap, translate, TLB, scratch page, spaces.
 *
 * Page directories and page tables come from the kernel pool, which is
 * direct-mapped, so any space can be walked through P2V. User frames are
 * not mapped in the kernel half; the kernel reaches them through the
 * scratch page.
 * LAB(smp) BEGIN
 * Each CPU has its own scratch page (SCRATCH_VA + id pages,
 * all in the one scratch page table every space shares): only that CPU
 * maps or reads it, with interrupts masked from map to unmap, so two CPUs
 * never map two frames at one scratch address and no lock is needed.
 * LAB STARTER
 * (Several CPUs: why each CPU's use of the scratch page is safe without a lock.)
 * LAB END
 */
#include "mm/vm.h"
#include "mm/pool.h"
#include "mm/pageref.h"
#include "mm/ptshare.h"
#include "arch/spinlock.h"
#include "arch/x86.h"
#include "arch/percpu.h"
#include "arch/printk.h"
#include "lib/string.h"

#define KERNEL_PDES_FIRST PDX(KERNEL_BASE)

pde_t *kernel_pd;
static pte_t *scratch_table;
static int vm_flux;        /* address spaces being built or torn down (they let others run); atomic */
static struct spinlock vm_flux_lock = SPINLOCK_INIT("vmflux", SPIN_RANK_VMFLUX);   /* held by memcheck: no space starts moving */

_Static_assert(PTX(SCRATCH_VA) + CPU_MAX <= PT_ENTRIES, "every CPU's scratch page lies in the scratch page table");

void vm_init(pde_t *pd, pte_t *scratch_pt)
{
  kernel_pd = pd;
  scratch_table = scratch_pt;
  vm_scratch_init_cpu(this_cpu());
  vm_activate(pd);
}

/* LAB(smp) BEGIN "vm_scratch_init_cpu: the scratch page CPU c maps frames at, when several CPUs copy at once" */
void vm_scratch_init_cpu(struct cpu *c)
{
  c->scratch_va = SCRATCH_VA + (uint32_t)c->id * PGSIZE;
  c->scratch_pte = &scratch_table[PTX(c->scratch_va)];
}
#if 0 /* LAB STARTER */
void vm_scratch_init_cpu(struct cpu *c)
{
  c->scratch_va = SCRATCH_VA;          /* one scratch page, the same for every CPU */
  c->scratch_pte = &scratch_table[PTX(c->scratch_va)];
}
#endif /* LAB END */

pte_t *vm_walk(pde_t *pd, uint32_t va, int create)
{
  pde_t *pde = &pd[PDX(va)];
  if (!(*pde & PTE_P)) {
    if (!create)
      return 0;
    if (va >= KERNEL_BASE)
      panic("vm_walk: kernel page table for 0x%x missing (kernel tables are made at boot)", va);
    uint32_t pt = kframe_alloc();
    if (!pt)
      return 0;
    *pde = pt | PTE_P | PTE_W | (va < USER_TOP ? PTE_U : 0);
  }
  pte_t *pt = P2V(PTE_ADDR(*pde));
  return &pt[PTX(va)];
}

/* Panic when va's page table in pd is shared: its entries belong to other spaces too. */
static void vm_check_private(pde_t *pd, uint32_t va, const char *who)
{
  if (pd[PDX(va)] & PDE_SHARED_PT)
    panic("%s: 0x%x lies in a shared page table (pt_unshare it first)", who, va);
}

int vm_map(pde_t *pd, uint32_t va, uint32_t pa, uint32_t flags)
{
  vm_check_private(pd, va, "vm_map");
  pte_t *pte = vm_walk(pd, va, 1);
  if (!pte)
    return -1;
  *pte = PTE_ADDR(pa) | flags | PTE_P;
  if (pd == vm_current() || va >= KERNEL_BASE)
    vm_invlpg(va);
  return 0;
}

pte_t vm_unmap(pde_t *pd, uint32_t va)
{
  vm_check_private(pd, va, "vm_unmap");
  pte_t *pte = vm_walk(pd, va, 0);
  if (!pte || !(*pte & PTE_P))
    return 0;
  pte_t old = *pte;
  *pte = 0;
  if (pd == vm_current() || va >= KERNEL_BASE)
    vm_invlpg(va);
  return old;
}

uint32_t vm_vaddr2paddr(pde_t *pd, uint32_t va)
{
  pte_t *pte = vm_walk(pd, va, 0);
  if (!pte || !(*pte & PTE_P))
    return 0;
  return PTE_ADDR(*pte) | (va & (PGSIZE - 1));
}

void vm_flush_tlb(void)
{
  write_cr3(read_cr3());
}

void vm_activate(pde_t *pd)
{
  write_cr3(V2P(pd));
}

pde_t *vm_current(void)
{
  return P2V(read_cr3());
}

/* Map pa at this CPU's scratch page; interrupts are masked (the caller's push_off or spinlock). */
static void *vm_scratch_map_masked(uint32_t pa)
{
  struct cpu *c = this_cpu();
  if (*c->scratch_pte & PTE_P)
    panic("vm_scratch_map: cpu%d's scratch page is already mapped (nested use)", c->id);
  *c->scratch_pte = PTE_ADDR(pa) | PTE_P | PTE_W;
  vm_invlpg(c->scratch_va);
  return (void *)c->scratch_va;
}

/* Undo vm_scratch_map_masked; interrupts stay as they are. */
static void vm_scratch_unmap_masked(void)
{
  struct cpu *c = this_cpu();
  *c->scratch_pte = 0;
  vm_invlpg(c->scratch_va);
}

void *vm_scratch_map(uint32_t pa)
{
  push_off();                          /* no switch, so no other CPU, until vm_scratch_unmap */
  return vm_scratch_map_masked(pa);
}

void vm_scratch_unmap(void)
{
  vm_scratch_unmap_masked();
  pop_off();
}

void vm_zero_frame(uint32_t pa)
{
  memset(vm_scratch_map(pa), 0, PGSIZE);
  vm_scratch_unmap();
}

void vm_zero_frame_masked(uint32_t pa)
{
  memset(vm_scratch_map_masked(pa), 0, PGSIZE);
  vm_scratch_unmap_masked();
}

void vm_copy_to_frame(uint32_t dst_pa, const void *src)
{
  str_copy_words(vm_scratch_map(dst_pa), src, PGSIZE / sizeof(uint32_t));
  vm_scratch_unmap();
}

/* LAB(cow) BEGIN "vm_copy_to_frame_masked: vm_copy_to_frame for a caller whose interrupts are already masked" */
void vm_copy_to_frame_masked(uint32_t dst_pa, const void *src)
{
  str_copy_words_inline(vm_scratch_map_masked(dst_pa), src, PGSIZE / sizeof(uint32_t));
  vm_scratch_unmap_masked();
}
#if 0 /* LAB STARTER */
void vm_copy_to_frame_masked(uint32_t dst_pa, const void *src)
{
  (void)src;
  panic("vm_copy_to_frame_masked: not written yet (frame 0x%x)", dst_pa);
}
#endif /* LAB END */

void vm_write_frame(uint32_t dst_pa, uint32_t off, const void *src, uint32_t n)
{
  uint8_t *dst = vm_scratch_map(dst_pa);
  memcpy(dst + off, src, n);
  vm_scratch_unmap();
}

pde_t *vm_space_create(void)
{
  uint32_t pa = kframe_alloc();
  if (!pa)
    return 0;
  pde_t *pd = P2V(pa);
  for (uint32_t i = KERNEL_PDES_FIRST; i < PT_ENTRIES; i++)
    pd[i] = kernel_pd[i];
  pd[RECURSIVE_PDE] = pa | PTE_P | PTE_W;
  return pd;
}

void vm_unmap_range(pde_t *pd, uint32_t start, uint32_t end)
{
  for (uint32_t va = PG_ROUND_DOWN(start); va < end; va += PGSIZE) {
    if (!(pd[PDX(va)] & PTE_P)) {
      va = (PDX(va) + 1) * PGSIZE * PT_ENTRIES - PGSIZE;
      if (va + PGSIZE == 0)
        break;
      continue;
    }
    pte_t old = vm_unmap(pd, va);
    if ((old & (PTE_P | PTE_ZERO)) == PTE_P)   /* the zero frame has no count */
      page_ref_dec(PTE_ADDR(old));
  }
}

void vm_each_user_pte(const pde_t *pd, int (*table)(uint32_t i, pde_t pde, void *arg),
                      void (*fn)(uint32_t va, pte_t pte, void *arg), void *arg)
{
  for (uint32_t i = 0; i < USER_PDES; i++) {
    if (!(pd[i] & PTE_P) || (table && !table(i, pd[i], arg)))
      continue;
    const pte_t *pt = P2V(PTE_ADDR(pd[i]));
    for (uint32_t j = 0; j < PT_ENTRIES; j++)
      if (pt[j] & PTE_P)
        fn(PGADDR(i, j, 0), pt[j], arg);
  }
}

void vm_space_teardown_begin(pde_t *pd)
{
  vm_space_in_flux(1);
  if (vm_current() == pd)
    vm_activate(kernel_pd);
}

int vm_space_teardown_next(pde_t *pd, uint32_t *next)
{
  uint32_t i = *next;
  while (i < USER_PDES && !(pd[i] & PTE_P))
    i++;
  if (i >= USER_PDES)
    return 0;
  if (pt_share_release(pd, i)) {
    page_ref_release_table(P2V(PTE_ADDR(pd[i])));
    kframe_free(PTE_ADDR(pd[i]));
  }
  pd[i] = 0;                          /* what is left in pd is still counted */
  *next = i + 1;
  return 1;
}

void vm_space_teardown_end(pde_t *pd)
{
  if (vm_current() == pd)             /* the scheduler may have switched back to it */
    vm_activate(kernel_pd);
  kframe_free(V2P(pd));
  vm_space_in_flux(-1);
}

void vm_space_in_flux(int delta)
{
  if (delta > 0)
    spin_lock(&vm_flux_lock);          /* not while a checker holds every space still */
  __atomic_add_fetch(&vm_flux, delta, __ATOMIC_SEQ_CST);
  if (delta > 0)
    spin_unlock(&vm_flux_lock);
}

int vm_spaces_hold_still(void)
{
  spin_lock(&vm_flux_lock);
  if (!vm_spaces_in_flux())
    return 1;
  spin_unlock(&vm_flux_lock);
  return 0;
}

void vm_spaces_release(void)
{
  spin_unlock(&vm_flux_lock);
}

int vm_spaces_in_flux(void)
{
  return __atomic_load_n(&vm_flux, __ATOMIC_SEQ_CST);
}
