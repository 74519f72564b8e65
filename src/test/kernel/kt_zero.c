/*
 * kt_zero.c - self-tests of the shared zero frame's rules (mm/zeropage.c): it has no reference
 * count, so more entries than a 16-bit count could hold may map it, and a space full of them is
 * torn down without touching any count, giving back exactly its page tables; a shared table's
 * copy gives the copy the same read-only entries, no count either; and the frame stays all zeros.
 */
#include "test/ktest.h"
#include "mm/pool.h"
#include "mm/pageref.h"
#include "mm/ptshare.h"
#include "mm/vm.h"
#include "mm/zeropage.h"
#include "proc/proc.h"

#define KT_ZERO_VA      0x40000000u
#define KT_ZERO_ENTRIES (UINT16_MAX + 2u * PT_ENTRIES)   /* more than a 16-bit count holds */

/* Map the zero frame at n pages from va in pd; the number mapped (short when out of kernel memory). */
static uint32_t kt_zero_fill(pde_t *pd, uint32_t va, uint32_t n)
{
  for (uint32_t i = 0; i < n; i++) {
    pte_t *pte = vm_walk(pd, va + i * PGSIZE, 1);
    if (!pte)
      return i;
    *pte = zero_page_pte();
  }
  return n;
}

/* A space with more zero-frame entries than a count could hold, and one real frame: its teardown
 * frees the one frame and the tables, and no count or pool total moves otherwise. */
static void kt_zero_teardown(void)
{
  uint32_t ufree0 = pool_user.free, kfree0 = pool_kernel.free, shared0 = page_ref_shared();
  pde_t *pd = vm_space_create();
  uint32_t pa = page_alloc_user();
  if (!pd || !pa) {
    ktest_check("kt_zero_teardown", 0, "no space or frame for the test");
    if (pa)
      page_ref_dec(pa);
    if (pd)
      proc_space_destroy(0, pd);
    return;
  }
  uint32_t n = kt_zero_fill(pd, KT_ZERO_VA, KT_ZERO_ENTRIES);
  int mapped = vm_map(pd, KT_ZERO_VA + KT_ZERO_ENTRIES * PGSIZE, pa, PTE_W | PTE_U) == 0;
  if (!mapped)
    page_ref_dec(pa);
  uint32_t ufree1 = pool_user.free;
  proc_space_destroy(0, pd);
  ktest_check("kt_zero_teardown",
              n == KT_ZERO_ENTRIES && mapped && ufree1 == ufree0 - 1 && pool_user.free == ufree0 &&
                pool_kernel.free == kfree0 && page_ref_shared() == shared0 && zero_page_intact(),
              "%u of %u zero entries mapped, real frame mapped %d; user free %u -> %u -> %u (want -1 then "
              "back), kernel free %u -> %u, shared frames %u -> %u, zero frame intact %d",
              n, KT_ZERO_ENTRIES, mapped, ufree0, ufree1, pool_user.free, kfree0, pool_kernel.free, shared0,
              page_ref_shared(), zero_page_intact());
}

/* A shared table holding zero-frame entries, made private by one of its two users: the copy maps
 * the same entries, read-only and uncounted, and nothing leaks when both spaces go. */
static void kt_zero_table_copy(void)
{
  uint32_t ufree0 = pool_user.free, kfree0 = pool_kernel.free;
  pde_t *a = vm_space_create(), *b = vm_space_create();
  int ok = a && b && kt_zero_fill(a, KT_ZERO_VA, PT_ENTRIES) == PT_ENTRIES;
  pte_t copied = 0;
  if (ok) {
    pt_share_space(a, b);
    ok = pt_unshare(b, PDX(KT_ZERO_VA), 0, 0, 0) == PT_COPIED;
    pte_t *pte = vm_walk(b, KT_ZERO_VA + (PT_ENTRIES - 1) * PGSIZE, 0);
    copied = pte ? *pte : 0;
  }
  if (a)
    proc_space_destroy(0, a);
  if (b)
    proc_space_destroy(0, b);
  ktest_check("kt_zero_table_copy",
              ok && copied == zero_page_pte() && pool_user.free == ufree0 && pool_kernel.free == kfree0,
              "table copy %d; the copy's last entry 0x%x (want 0x%x, the zero frame read-only); user free %u "
              "-> %u, kernel free %u -> %u", ok, copied, zero_page_pte(), ufree0, pool_user.free, kfree0,
              pool_kernel.free);
}

void ktest_zero(void)
{
  kt_zero_teardown();
  kt_zero_table_copy();
}
