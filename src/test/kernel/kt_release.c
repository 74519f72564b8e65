/*
 * kt_release.c - self-tests of the batched teardown of a space (page_ref_release_table and
 * pool_batch): every frame whose count reaches zero goes back to the pool, in runs, and no other;
 * a frame another space still maps keeps its count less one and stays allocated; the pool's free
 * total, its hint and the shared-frame total come out exactly right; a space that holds only a
 * shared page table drops the table's count and leaves its entries and the frames' counts alone.
 */
#include "test/ktest.h"
#include "check/memcheck.h"
#include "mm/pool.h"
#include "mm/pageref.h"
#include "mm/ptshare.h"
#include "mm/vm.h"
#include "proc/proc.h"

#define KT_REL_VA          0x40000000u
#define KT_REL_RUN         70           /* ascending frames: a run across bitmap words */
#define KT_REL_REVERSED    30           /* then frames mapped in descending order: runs of one */
#define KT_REL_PAGES       (KT_REL_RUN + KT_REL_REVERSED)
#define KT_REL_SHARE_EVERY 7            /* every 7th page is mapped by a second space too */
#define KT_REL_TWICE       3            /* this page's frame is also mapped at KT_REL_TWICE_VA */
#define KT_REL_TWICE_VA    (KT_REL_VA + KT_REL_PAGES * PGSIZE)
#define KT_REL_FAR_VA      (KT_REL_VA + PT_ENTRIES * PGSIZE)   /* one page in a second table */
#define KT_REL_PT_PAGES    8            /* pages of the shared-table test */

/* The frames of the test, by page: its frame and whether the second space maps it too. */
struct kt_rel_frames {
  uint32_t pa[KT_REL_PAGES + 1];       /* the last one is the far page's */
  uint8_t shared[KT_REL_PAGES + 1];
};

/* Non-zero when page i of the test is shared with the second space. */
static int kt_rel_is_shared(uint32_t i)
{
  return i % KT_REL_SHARE_EVERY == 0 && i != KT_REL_TWICE;
}

/* Space a maps every page of f (the first KT_REL_RUN in allocation order, the next ones in
 * reverse, the frame of page KT_REL_TWICE a second time, one page in a second table); space b
 * maps the shared ones at the same addresses. 0 when out of memory, every frame then mapped in a
 * or b or given back (the caller destroys both spaces). */
static int kt_rel_build(pde_t *a, pde_t *b, struct kt_rel_frames *f)
{
  uint32_t i;
  for (i = 0; i <= KT_REL_PAGES; i++)
    if (!(f->pa[i] = page_alloc_user()))
      goto unmapped;
  for (i = 0; i < KT_REL_REVERSED / 2; i++) {                   /* the reversed part */
    uint32_t lo = KT_REL_RUN + i, hi = KT_REL_PAGES - 1 - i, t = f->pa[lo];
    f->pa[lo] = f->pa[hi];
    f->pa[hi] = t;
  }
  for (i = 0; i <= KT_REL_PAGES; i++) {
    uint32_t va = i < KT_REL_PAGES ? KT_REL_VA + i * PGSIZE : KT_REL_FAR_VA;
    if (vm_map(a, va, f->pa[i], PTE_W | PTE_U) < 0)
      goto unmapped;
    f->shared[i] = (uint8_t)kt_rel_is_shared(i);
    if (f->shared[i] && vm_map(b, va, f->pa[i], PTE_U) == 0)
      page_ref_inc(f->pa[i]);
    else if (f->shared[i])
      return 0;
  }
  if (vm_map(a, KT_REL_TWICE_VA, f->pa[KT_REL_TWICE], PTE_U) < 0)
    return 0;
  page_ref_inc(f->pa[KT_REL_TWICE]);
  return 1;
unmapped:                             /* frames [0, i) are allocated, those a does not map in no space */
  while (i-- > 0) {
    pte_t *pte = vm_walk(a, i < KT_REL_PAGES ? KT_REL_VA + i * PGSIZE : KT_REL_FAR_VA, 0);
    if (!pte || !(*pte & PTE_P))
      page_ref_dec(f->pa[i]);
  }
  return 0;
}

/* The first slot below the pool's hint that is free (the hint promises none), or the hint. */
static uint32_t kt_rel_free_below_hint(const struct pool *p)
{
  for (uint32_t i = 0; i < p->hint && i < p->frames; i++)
    if (!pool_frame_used(p, p->base + i * PGSIZE))
      return i;
  return p->hint;
}

/* Destroy a, which shares some frames with b: the private frames are free, the shared ones keep
 * one reference and stay allocated; then destroy b: everything is back. */
static void kt_release_shared_frames(void)
{
  static struct kt_rel_frames f;
  uint32_t free0 = pool_user.free, shared0 = page_ref_shared(), nshared = 0;
  pde_t *a = vm_space_create(), *b = vm_space_create();
  if (!a || !b || !kt_rel_build(a, b, &f)) {
    ktest_check("kt_release_setup", 0, "out of memory building two spaces");
    goto out;
  }
  for (uint32_t i = 0; i <= KT_REL_PAGES; i++)
    nshared += f.shared[i];
  proc_space_destroy(0, a);
  uint32_t bad_free = 0, bad_kept = 0, first_free = 0, first_kept = 0;
  for (uint32_t i = 0; i <= KT_REL_PAGES; i++) {
    uint32_t count = page_ref_get(f.pa[i]);
    int used = pool_frame_used(&pool_user, f.pa[i]);
    if (f.shared[i] && (count != 1 || !used))
      first_kept = bad_kept++ ? first_kept : f.pa[i];
    if (!f.shared[i] && (count != 0 || used))
      first_free = bad_free++ ? first_free : f.pa[i];
  }
  uint32_t free_a = pool_user.free, shared_a = page_ref_shared(), hole = kt_rel_free_below_hint(&pool_user);
  ktest_check("kt_release_private_freed", bad_free == 0,
              "%u frames only the torn-down space mapped are not free with count 0 (first 0x%x)", bad_free, first_free);
  ktest_check("kt_release_shared_kept", bad_kept == 0,
              "%u frames another space maps lost more than one reference or went back to the pool (first 0x%x)",
              bad_kept, first_kept);
  ktest_check("kt_release_pool_exact", free_a == free0 - nshared && shared_a == shared0 && hole == pool_user.hint,
              "user pool free %u (want %u), shared frames %u (want %u), first free slot below the hint %u: %u (equal: none)", free_a,
              free0 - nshared, shared_a, shared0, pool_user.hint, hole);
  proc_space_destroy(0, b);
  int problems = memcheck();
  ktest_check("kt_release_all_back", pool_user.free == free0 && page_ref_shared() == shared0 && problems == 0,
              "user pool free %u (was %u), shared frames %u (was %u), memcheck found %d", pool_user.free, free0,
              page_ref_shared(), shared0, problems);
  return;
out:
  if (a)
    proc_space_destroy(0, a);
  if (b)
    proc_space_destroy(0, b);
}

/* A new frame mapped writable at va in pd; 0 when out of memory (the frame then given back). */
static uint32_t kt_rel_map_new(pde_t *pd, uint32_t va)
{
  uint32_t pa = page_alloc_user();
  if (pa && vm_map(pd, va, pa, PTE_W | PTE_U) < 0) {
    page_ref_dec(pa);
    return 0;
  }
  return pa;
}

/* A space holding only a table it shares: its teardown drops the table's count, and touches no
 * entry, count or frame; the other user's teardown frees everything. */
static void kt_release_shared_table(void)
{
  uint32_t ufree0 = pool_user.free, kfree0 = pool_kernel.free, pa[KT_REL_PT_PAGES];
  pte_t before[KT_REL_PT_PAGES];
  pde_t *a = vm_space_create(), *b = vm_space_create();
  int built = a && b;
  for (uint32_t i = 0; built && i < KT_REL_PT_PAGES; i++)
    built = (pa[i] = kt_rel_map_new(a, KT_REL_VA + i * PGSIZE)) != 0;
  if (!built) {
    ktest_check("kt_release_table_setup", 0, "out of memory building two spaces");
    if (a)
      proc_space_destroy(0, a);
    if (b)
      proc_space_destroy(0, b);
    return;
  }
  pt_share_space(a, b);
  uint32_t table = PTE_ADDR(a[PDX(KT_REL_VA)]), ufree1 = pool_user.free;
  const pte_t *pt = P2V(table);
  for (uint32_t i = 0; i < KT_REL_PT_PAGES; i++)
    before[i] = pt[i];
  proc_space_destroy(0, b);
  uint32_t moved = 0;
  for (uint32_t i = 0; i < KT_REL_PT_PAGES; i++)
    moved += pt[i] != before[i] || page_ref_get(pa[i]) != 1;
  ktest_check("kt_release_table_count_only", moved == 0 && pt_share_count(table) == 1 && pool_user.free == ufree1,
              "%u entries or counts moved, table count %u (want 1), user pool free %u (was %u)", moved,
              pt_share_count(table), pool_user.free, ufree1);
  proc_space_destroy(0, a);
  ktest_check("kt_release_table_last_user", pool_user.free == ufree0 && pool_kernel.free == kfree0,
              "user pool free %u (was %u), kernel pool free %u (was %u)", pool_user.free, ufree0, pool_kernel.free,
              kfree0);
}

void ktest_release(void)
{
  kt_release_shared_frames();
  kt_release_shared_table();
}
