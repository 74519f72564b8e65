/*
 * uaccess.c - checking user pointers against the current page tables.
 *
 * A page of the lazily backed range [zero_start, break) counts as mapped
 * and writable whatever its entry: the copy's fault backs it (a read maps
 * the zero frame, a write a zeroed frame of its own: cow/zero_fault.c).
 */
#include "sched/uaccess.h"
#include "sched/proc.h"
#include "mm/vm.h"

int uaccess_check(uint32_t uva, uint32_t n, int write)
{
  struct proc *p = proc_current();
  if (!p || uva + n < uva || uva + n > USER_TOP || uva < PGSIZE)
    return -1;
  if (n == 0)
    return 0;
  const struct proc *g = p->group;
  for (uint32_t va = PG_ROUND_DOWN(uva); va < uva + n; va += PGSIZE) {
    if (va >= g->zero_start && va < PG_ROUND_UP(g->brk))
      continue;                        /* backed on first touch */
    pte_t *pte = vm_walk(g->vm.pd, va, 0);
    if (!pte || (*pte & (PTE_P | PTE_U)) != (PTE_P | PTE_U))
      return -1;
    if (write && !(*pte & (PTE_W | PTE_COW)))
      return -1;
    if (va + PGSIZE == 0)
      break;
  }
  return 0;
}

int copy_to_user(uint32_t dst_uva, const void *src, uint32_t n)
{
  if (uaccess_check(dst_uva, n, UACCESS_WRITE) < 0)
    return -1;
  return uaccess_copy((void *)dst_uva, src, n);
}

int copy_from_user(void *dst, uint32_t src_uva, uint32_t n)
{
  if (uaccess_check(src_uva, n, UACCESS_READ) < 0)
    return -1;
  return uaccess_copy(dst, (const void *)src_uva, n);
}

int copy_str_from_user(char *dst, uint32_t src_uva, uint32_t max)
{
  for (uint32_t i = 0; i < max; i++) {
    if ((i == 0 || (src_uva + i) % PGSIZE == 0) && uaccess_check(src_uva + i, 1, UACCESS_READ) < 0)
      return -1;
    dst[i] = *(const char *)(src_uva + i);
    if (dst[i] == 0)
      return (int)i;
  }
  return -1;
}
