/*
 * exec.c - loading an ELF program from the archive into a fresh address space.
 *
 * Segments are mapped by their program headers with their permissions
 * (text read-only, data and bss writable), the user stack of
 * USER_STACK_PAGES sits under USER_TOP with an unmapped guard page below,
 * and argc/argv are laid out at its top. The new space replaces the old
 * one only when everything succeeded. Loading and tearing down the old
 * space let other processes run; a killed exec frees the new space.
 */
#include "sched/proc.h"
#include "proc/proc.h"
#include "sched/sched.h"
#include "fs/archive.h"
#include "mm/pageref.h"
#include "mm/vm.h"
#include "mm/vmspace.h"
#include "mm/kheap.h"
#include "lib/elf.h"
#include "lib/string.h"
#include "arch/trapframe.h"
#include "arch/x86.h"

#define EXEC_MAX_ARGS  32
#define ELF_TYPE_EXEC  2
#define USER_EFLAGS    (EFLAGS_IF | 0x2)

/* A fresh zeroed user frame mapped at va in pd with flags; -1 when out of memory. */
static int exec_map_zero(pde_t *pd, uint32_t va, uint32_t flags)
{
  uint32_t pa = page_alloc_user();
  if (!pa)
    return -1;
  vm_zero_frame(pa);
  if (vm_map(pd, va, pa, flags | PTE_U) < 0) {
    page_ref_dec(pa);
    return -1;
  }
  return 0;
}

/* Map one PT_LOAD segment and copy its file bytes; -1 on a bad header or out of memory. */
static int exec_load_segment(pde_t *pd, const uint8_t *img, uint32_t size, const struct elf32_phdr *ph)
{
  if (ph->p_memsz < ph->p_filesz || ph->p_vaddr < PGSIZE || ph->p_vaddr + ph->p_memsz < ph->p_vaddr ||
      ph->p_vaddr + ph->p_memsz > USER_STACK_GUARD || ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
    return -1;
  uint32_t flags = (ph->p_flags & ELF_PF_W) ? PTE_W : 0;
  for (uint32_t va = PG_ROUND_DOWN(ph->p_vaddr); va < ph->p_vaddr + ph->p_memsz; va += PGSIZE) {
    pte_t *pte = vm_walk(pd, va, 0);
    if (pte && (*pte & PTE_P))
      *pte |= flags;                  /* page shared with the previous segment */
    else if (exec_map_zero(pd, va, flags) < 0)
      return -1;
    uint32_t lo = va > ph->p_vaddr ? va : ph->p_vaddr;
    uint32_t hi = va + PGSIZE < ph->p_vaddr + ph->p_filesz ? va + PGSIZE : ph->p_vaddr + ph->p_filesz;
    if (lo < hi)
      vm_write_frame(vm_vaddr2paddr(pd, va) & ~(uint32_t)(PGSIZE - 1), lo - va,
                     img + ph->p_offset + (lo - ph->p_vaddr), hi - lo);
    if (sched_preempt_point() < 0)
      return -1;                      /* killed: the caller frees the new space */
  }
  return 0;
}

/* Map the stack and write argc/argv into its top page; returns the initial esp or 0. The page is
 * built in a kernel page of this call's own (two CPUs may exec at once). */
static uint32_t exec_setup_stack(pde_t *pd, char *const argv[], int argc)
{
  uint32_t uargv[EXEC_MAX_ARGS + 1], esp = 0;
  uint8_t *top = kpage_alloc(1);       /* zeroed */
  if (!top)
    return 0;
  for (uint32_t va = USER_STACK_BOTTOM; va < USER_TOP; va += PGSIZE)
    if (exec_map_zero(pd, va, PTE_W) < 0)
      goto out;
  uint32_t sp = PGSIZE;                /* offset inside the top page */
  for (int i = argc - 1; i >= 0; i--) {
    uint32_t len = strlen(argv[i]) + 1;
    if (len + 64 + (uint32_t)(argc + 4) * 4 > sp)
      goto out;
    sp -= len;
    memcpy(top + sp, argv[i], len);
    uargv[i] = USER_TOP - PGSIZE + sp;
  }
  uargv[argc] = 0;
  sp &= ~3u;
  sp -= (uint32_t)(argc + 1) * 4;
  memcpy(top + sp, uargv, (uint32_t)(argc + 1) * 4);
  uint32_t argv_ptr = USER_TOP - PGSIZE + sp;
  uint32_t frame[3] = { 0, (uint32_t)argc, argv_ptr };   /* fake return address, argc, argv */
  sp -= sizeof frame;
  memcpy(top + sp, frame, sizeof frame);
  vm_copy_to_frame(vm_vaddr2paddr(pd, USER_TOP - PGSIZE), top);
  esp = USER_TOP - PGSIZE + sp;
out:
  kpage_free(top, 1);
  return esp;
}

/* exec ends the other threads of p's process first (PROC_KILLER_GROUP: quietly) and waits until
 * each has ended and left its CPU, then frees their records: the new program starts with one
 * thread, in a space no other CPU runs in. -1 when p itself is killed meanwhile (the ones
 * already ended stay ended; p dies on its way out). */
static int exec_end_siblings(struct proc *p)
{
  struct proc *g = p->group;
  spin_lock(&proc_lock);
  if (g->vm.threads > 1)
    proc_group_end_others_locked(p);
  while (g->vm.threads > 1) {
    if (p->killed_by) {
      spin_unlock(&proc_lock);
      return -1;
    }
    proc_sleep(&g->vm, &proc_lock);         /* woken as each one ends (exit.c) */
  }
  spin_unlock(&proc_lock);
  proc_reap_done_threads(p);
  return 0;
}

int exec_load(struct proc *p, const char *path, char *const argv[], int argc)
{
  struct proc *g = p->group;
  uint32_t size;
  const uint8_t *img = archive_find(path, &size);
  const struct elf32_ehdr *eh = (const struct elf32_ehdr *)img;
  if (!img || argc < 0 || argc > EXEC_MAX_ARGS || size < sizeof *eh || memcmp(eh->e_ident, "\177ELF", 4) != 0 ||
      eh->e_machine != ELF_MACHINE_386 || eh->e_type != ELF_TYPE_EXEC ||
      eh->e_phentsize != sizeof(struct elf32_phdr) || eh->e_phoff > size ||
      eh->e_phnum > (size - eh->e_phoff) / sizeof(struct elf32_phdr))
    return -1;

  pde_t *pd = vm_space_create();
  if (!pd)
    return -1;
  vm_space_in_flux(1);
  uint32_t end = 0, data_start = USER_STACK_GUARD;
  const struct elf32_phdr *ph = (const struct elf32_phdr *)(img + eh->e_phoff);
  for (uint32_t i = 0; i < eh->e_phnum; i++) {
    if (ph[i].p_type != ELF_PT_LOAD)
      continue;
    if (exec_load_segment(pd, img, size, &ph[i]) < 0)
      goto bad;
    if (ph[i].p_vaddr + ph[i].p_memsz > end)
      end = ph[i].p_vaddr + ph[i].p_memsz;
    if ((ph[i].p_flags & ELF_PF_W) && PG_ROUND_DOWN(ph[i].p_vaddr) < data_start)
      data_start = PG_ROUND_DOWN(ph[i].p_vaddr);
  }
  uint32_t sp = exec_setup_stack(pd, argv, argc);
  if (!sp || exec_end_siblings(p) < 0)
    goto bad;

  const char *base = path;
  while (*base == '/')
    base++;
  strncpy_z(p->name, base, sizeof p->name);
  strncpy_z(g->name, base, sizeof g->name);
  memset(p->tf, 0, sizeof *p->tf);
  p->tf->cs = SEG_UCODE;
  p->tf->ds = p->tf->es = p->tf->fs = p->tf->gs = p->tf->ss = SEG_UDATA;
  p->tf->eflags = USER_EFLAGS;
  p->tf->eip = eh->e_entry;
  p->tf->esp = sp;
  g->heap_start = g->brk = PG_ROUND_UP(end);
  g->zero_start = g->heap_start;      /* the heap is backed on first touch (sbrk.c); bss is mapped */
  g->data_start = data_start;
  /* The space stays marked in flux from the switch until the old one is gone. Once p->vm.pd is the
   * new space nothing walks the old one, yet its frames keep their references until
   * proc_space_destroy drops them: a memcheck between the switch and the teardown would count
   * those frames with no mapping. memcheck waits while a space is in flux, and the old space's
   * own teardown marks it again inside this mark, so the count never drops to 0 in between.
   * The swap keeps this CPU in p's CPU set and loads the new directory (vmspace.h): the old
   * one's teardown then finds no other CPU in the set, and this CPU no longer on it. */
  spin_lock(&proc_lock);
  pde_t *old = vm_space_replace(&g->vm, pd);
  spin_unlock(&proc_lock);
  if (old)
    proc_space_destroy(&g->vm, old);
  /* Only now does p stop sharing pages writable with its THREAD relatives: while the old space
   * was torn down (pausing between tables) its frames were still theirs too, and a relative's
   * fork that saw no live relative would share tables holding writable shared entries. */
  g->thread_group = 0;
  vm_space_in_flux(-1);
  return 0;

bad:
  proc_space_destroy(0, pd);
  vm_space_in_flux(-1);
  return -1;
}
