/*
 * zeropage.h - the one shared zero frame behind untouched heap pages.
 *
 * The frame is a kernel-pool frame taken once at boot and never written; a
 * user entry maps it read-only with PTE_ZERO (bit 10) and never PTE_COW or
 * PTE_W. It has no reference count: it is outside the user pool, so every
 * walk that counts user frames skips PTE_ZERO entries (zero_page_entry),
 * and any number of entries may map it.
 */
#ifndef MM_ZEROPAGE_H
#define MM_ZEROPAGE_H
#include <stdint.h>
#include "arch/mmu.h"

/* Physical address of the zero frame (set by zero_page_init, never changes after). */
extern uint32_t zero_page_pa;

/* Take and clear the zero frame; panics when the kernel pool is empty (boot only). */
void zero_page_init(void);
/* Non-zero when the present entry e maps the zero frame (it then carries no reference). */
static inline int zero_page_entry(pte_t e)
{
  return (e & (PTE_P | PTE_ZERO)) == (PTE_P | PTE_ZERO);
}
/* The user entry that maps the zero frame: present, user, read-only, PTE_ZERO. */
static inline pte_t zero_page_pte(void)
{
  return zero_page_pa | PTE_ZERO | PTE_U | PTE_P;
}
/* The reason entry e breaks the zero frame's rules, or 0 when it keeps them (memcheck). */
const char *zero_page_check_entry(pte_t e);
/* Non-zero when the zero frame still holds only zero bytes. */
int zero_page_intact(void);
/* Back every page of [start, end) in pd that is absent or maps the zero frame with a private
 * zeroed writable frame (a THREAD fork shares the heap as it is now); -1 when out of memory
 * (the pages backed so far stay). The table range is private (pt_unshare_range first). */
int zero_page_commit_range(pde_t *pd, uint32_t start, uint32_t end);

#endif
