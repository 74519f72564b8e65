/*
 * kt_ptshare.c - self-tests of shared page tables (FORK_POLICY_SHARED_PT's core):
 * sharing touches no PTE, a copy out of kernel frames changes nothing, a copy
 * write-protects both tables and adds one reference per page, the last user
 * reuses the table, and either space may be destroyed first.
 */
#include "test/ktest.h"
#include "mm/pool.h"
#include "mm/pageref.h"
#include "mm/ptshare.h"
#include "mm/kheap.h"
#include "mm/vm.h"
#include "proc/proc.h"

#define KT_PT_VA       0x40000000u
#define KT_PT_PAGES    4            /* the last one is mapped read-only */

/* Two spaces: a with KT_PT_PAGES pages mapped at KT_PT_VA, b empty. 0 when out of memory. */
static int kt_pt_spaces(pde_t **a, pde_t **b)
{
  *a = vm_space_create();
  *b = vm_space_create();
  if (!*a || !*b)
    return 0;
  for (uint32_t i = 0; i < KT_PT_PAGES; i++) {
    uint32_t pa = page_alloc_user();
    if (!pa || vm_map(*a, KT_PT_VA + i * PGSIZE, pa, (i + 1 < KT_PT_PAGES ? PTE_W : 0) | PTE_U) < 0)
      return 0;
  }
  return 1;
}

/* Every kernel-pool frame taken into a list (itself a kernel page); returns how many. */
static uint32_t kt_pt_drain(uint32_t **list, uint32_t *list_pages)
{
  uint32_t n = 0, pa;
  *list_pages = (pool_kernel.free * 4 + PGSIZE - 1) / PGSIZE;
  *list = kpage_alloc(*list_pages);
  if (!*list)
    return 0;
  while ((pa = pool_alloc(&pool_kernel, 1)) != 0)
    (*list)[n++] = pa;
  return n;
}

void ktest_ptshare(void)
{
  uint32_t kfree0 = pool_kernel.free, ufree0 = pool_user.free;
  pde_t *a, *b;
  uint32_t x = PDX(KT_PT_VA);
  if (!kt_pt_spaces(&a, &b)) {
    ktest_check("kt_ptshare_setup", 0, "out of memory building two spaces");
    return;
  }
  pte_t *pt = P2V(PTE_ADDR(a[x]));
  pte_t before[KT_PT_PAGES];
  for (uint32_t i = 0; i < KT_PT_PAGES; i++)
    before[i] = pt[i];

  pt_share_space(a, b);
  int same = 1;
  for (uint32_t i = 0; i < KT_PT_PAGES; i++)
    same &= pt[i] == before[i] && page_ref_get(PTE_ADDR(pt[i])) == 1;
  ktest_check("kt_ptshare_share", a[x] == b[x] && (a[x] & PDE_SHARED_PT) && !(a[x] & PTE_W) &&
              pt_share_count(PTE_ADDR(a[x])) == 2 && same,
              "PDEs 0x%x 0x%x, count %u, PTEs and counts untouched %d", a[x], b[x], pt_share_count(PTE_ADDR(a[x])), same);

  uint32_t list_pages, *list;
  uint32_t drained = kt_pt_drain(&list, &list_pages);
  pde_t pde_before = b[x];
  enum pt_unshare_result oom = pt_unshare(b, x, 0, 0, 0);
  same = b[x] == pde_before && a[x] == pde_before && pt_share_count(PTE_ADDR(a[x])) == 2;
  for (uint32_t i = 0; i < KT_PT_PAGES; i++)
    same &= pt[i] == before[i] && page_ref_get(PTE_ADDR(pt[i])) == 1;
  for (uint32_t i = 0; i < drained; i++)
    pool_free(&pool_kernel, list[i], 1);
  if (list)
    kpage_free(list, list_pages);
  ktest_check("kt_ptshare_oom", list && oom == PT_OUT_OF_MEMORY && same,
              "drained %u kernel frames; pt_unshare gave %d (want %d), nothing changed %d", drained, oom,
              PT_OUT_OF_MEMORY, same);

  enum pt_unshare_result copied = pt_unshare(b, x, 0, 0, 0);
  pte_t *bpt = P2V(PTE_ADDR(b[x]));
  int cow = 1;
  for (uint32_t i = 0; i < KT_PT_PAGES; i++) {
    int w = i + 1 < KT_PT_PAGES;
    pte_t want = w ? (before[i] & ~(pte_t)PTE_W) | PTE_COW : before[i];
    cow &= pt[i] == want && bpt[i] == want && page_ref_get(PTE_ADDR(pt[i])) == 2;
  }
  ktest_check("kt_ptshare_copy", copied == PT_COPIED && bpt != pt && (b[x] & PTE_W) && !(b[x] & PDE_SHARED_PT) &&
              pt_share_count(PTE_ADDR(a[x])) == 1 && cow,
              "result %d, PDE b 0x%x, count of a's table %u, entries COW in both with count 2: %d", copied, b[x],
              pt_share_count(PTE_ADDR(a[x])), cow);

  enum pt_unshare_result reused = pt_unshare(a, x, 0, 0, 0);
  ktest_check("kt_ptshare_reuse", reused == PT_REUSED && PTE_ADDR(a[x]) == V2P(pt) && (a[x] & PTE_W) &&
              !(a[x] & PDE_SHARED_PT) && pt_share_count(V2P(pt)) == 0,
              "result %d, PDE a 0x%x, count %u", reused, a[x], pt_share_count(V2P(pt)));
  proc_space_destroy(0, b);
  proc_space_destroy(0, a);

  /* Destroy the parent side first, then the child: the table outlives its maker. */
  int built = kt_pt_spaces(&a, &b);
  if (built) {
    pt_share_space(a, b);
    pt = P2V(PTE_ADDR(a[x]));
    proc_space_destroy(0, a);
  }
  uint32_t left = built ? pt_share_count(V2P(pt)) : 0, mapped = built ? vm_vaddr2paddr(b, KT_PT_VA) : 0;
  if (built)
    proc_space_destroy(0, b);
  ktest_check("kt_ptshare_release", built && left == 1 && mapped != 0 && pool_kernel.free == kfree0 &&
              pool_user.free == ufree0,
              "count after the first exit %u (want 1), still mapped 0x%x, kernel free %u (was %u), user free %u (was %u)",
              left, mapped, pool_kernel.free, kfree0, pool_user.free, ufree0);
}
