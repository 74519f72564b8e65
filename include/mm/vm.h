/*
 * vm.h - paging helpers: page-table walks, mappings, translation, TLB,
 * the recursive slot, the scratch page and whole address spaces.
 */
#ifndef MM_VM_H
#define MM_VM_H
#include <stdint.h>
#include "arch/x86.h"
#include "arch/mmu.h"
#include "boot/layout.h"

/* The kernel's own page directory; its kernel-half entries are copied into every space. */
extern pde_t *kernel_pd;

/* The page-table entry for va in pd; with create, allocate a missing page table (0 when out of memory). */
pte_t *vm_walk(pde_t *pd, uint32_t va, int create);
/* Map the page at va to pa with flags (PTE_P added); -1 when a page table cannot be allocated.
 * vm_map and vm_unmap panic on a shared page table: callers pt_unshare first. */
int vm_map(pde_t *pd, uint32_t va, uint32_t pa, uint32_t flags);
/* Remove the mapping of va and invalidate it if live; returns the old entry (0 if none). */
pte_t vm_unmap(pde_t *pd, uint32_t va);
/* Physical address behind va in pd (page offset kept), 0 when unmapped. */
uint32_t vm_vaddr2paddr(pde_t *pd, uint32_t va);

/* toPDE / toPTE: the current space's entries for va through the recursive slot. */
static inline pde_t *vm_pde_current(uint32_t va) { return (pde_t *)(RECURSIVE_PD_BASE + PDX(va) * 4); }
static inline pte_t *vm_pte_current(uint32_t va) { return (pte_t *)(RECURSIVE_PT_BASE + (va >> PGSHIFT) * 4); }

/* Invalidate one TLB entry (this CPU's). */
static inline void vm_invlpg(uint32_t va) { invlpg(va); }
/* Invalidate the whole (non-global) TLB by reloading CR3. */
void vm_flush_tlb(void);
/* Switch to the address space pd. */
void vm_activate(pde_t *pd);
/* The page directory of the running space. */
pde_t *vm_current(void);

/* Map frame pa at this CPU's scratch page (interrupts masked until unmap); returns its address. */
void *vm_scratch_map(uint32_t pa);
/* Unmap the scratch page and invalidate it. */
void vm_scratch_unmap(void);
/* Fill frame pa with zeros through the scratch page. */
void vm_zero_frame(uint32_t pa);
/* The same for a caller with interrupts already masked on this CPU (the zero-fill fault). */
void vm_zero_frame_masked(uint32_t pa);
/* Copy one page from the mapped address src into frame dst_pa through the scratch page. */
void vm_copy_to_frame(uint32_t dst_pa, const void *src);
/* The same for a caller with interrupts already masked on this CPU: the copy-on-write copy, made
 * in the page-fault handler (an interrupt gate) before the count lock is taken, skips the masking
 * it already has. */
void vm_copy_to_frame_masked(uint32_t dst_pa, const void *src);
/* Copy n bytes from src to offset off inside frame dst_pa (the rest untouched). */
void vm_write_frame(uint32_t dst_pa, uint32_t off, const void *src, uint32_t n);

/* A new address space: a page directory with the kernel half and its recursive slot; 0 when out of memory. */
pde_t *vm_space_create(void);
/* The one walk over a space's user entries: fn(va, pte, arg) for each present entry of the user
 * half of pd, table by table, in address order; a table is walked only when its PDE is present
 * and table(i, pde, arg) says yes (table 0: every present table). The caller keeps pd still. */
void vm_each_user_pte(const pde_t *pd, int (*table)(uint32_t i, pde_t pde, void *arg),
                      void (*fn)(uint32_t va, pte_t pte, void *arg), void *arg);
/* Tearing down a space, in three steps so that its owner can pause between tables
 * (proc_space_destroy): begin (pd counts as in flux, and is left if this CPU runs on it); then
 * next, which releases the first table at user slot *i or above (every frame it maps loses one
 * reference and the table is freed, or, shared with other spaces, the table only loses pd as a
 * user: ptshare.h), moves *i past it and returns 1, or returns 0 when no table is left; end
 * frees pd itself. What is left in pd stays counted until released; no lock may be held. */
void vm_space_teardown_begin(pde_t *pd);
int vm_space_teardown_next(pde_t *pd, uint32_t *i);
void vm_space_teardown_end(pde_t *pd);
/* A space no process holds starts being built or torn down (delta 1) or is done (-1); such a
 * space holds references memcheck cannot see, so it waits. a teardown counts itself. */
void vm_space_in_flux(int delta);
/* Number of address spaces being built or torn down now. */
int vm_spaces_in_flux(void);
/* 1 with no space being built or torn down, and none can start until vm_spaces_release
 * (a spinlock is held); 0 (nothing held) when one is in flux now. */
int vm_spaces_hold_still(void);
void vm_spaces_release(void);
/* Unmap user pages in [start, end) of pd, dropping their references (the zero frame has none). */
void vm_unmap_range(pde_t *pd, uint32_t start, uint32_t end);

/* Install the kernel page directory built by mm_init and switch to it. */
void vm_init(pde_t *pd, pte_t *scratch_pt);
struct cpu;
/* Give CPU c its own scratch page (its slot in the scratch page table). */
void vm_scratch_init_cpu(struct cpu *c);

#endif
