/*
 * kt_cow.c - self-tests of the copy-on-write decision (cow_handle_write), the step every
 * copy-on-write fork relies on, on pages set up by hand in spaces of their own, as fork leaves
 * a writable page (read-only, PTE_COW). With the frame's count at 1 a write reuses it in place:
 * the same frame, writable, PTE_COW gone, no frame taken. With the frame shared by two spaces
 * the writer gets a new frame holding the same bytes and the other space keeps the old one,
 * still read-only and PTE_COW, until its own write finds the count at 1 and reuses it.
 * They run before the self-tests of shared page tables, which build on this decision.
 */
#include "test/ktest.h"
#include "cow/cow.h"
#include "mm/pool.h"
#include "mm/pageref.h"
#include "mm/vm.h"
#include "proc/proc.h"
#include "arch/percpu.h"

#define KT_COW_VA    0x40000000u
#define KT_COW_SEED  0xC0A10000u
#define KT_COW_WORDS (PGSIZE / 4)

/* A new space mapping frame pa at KT_COW_VA read-only with PTE_COW (the mapping takes no
 * reference: the caller gives it one); 0 when out of memory. */
static pde_t *kt_cow_space(uint32_t pa)
{
  pde_t *pd = vm_space_create();
  if (!pd)
    return 0;
  if (vm_map(pd, KT_COW_VA, pa, PTE_W | PTE_U) < 0) {
    proc_space_destroy(0, pd);
    return 0;
  }
  pte_t *pte = vm_walk(pd, KT_COW_VA, 0);
  *pte = pte_make_cow(*pte);
  return pd;
}

/* The entry of KT_COW_VA in pd. */
static pte_t kt_cow_entry(pde_t *pd)
{
  pte_t *pte = vm_walk(pd, KT_COW_VA, 0);
  return pte ? *pte : 0;
}

/* Decide a write to KT_COW_VA in pd as the page-fault handler does: pd loaded, interrupts
 * masked. */
static enum cow_result kt_cow_write(pde_t *pd, struct cow_report *rep)
{
  pde_t *was = vm_current();
  push_off();
  vm_activate(pd);
  enum cow_result r = cow_handle_write(KT_COW_VA, rep);
  vm_activate(was);
  pop_off();
  return r;
}

/* Fill frame pa with the test pattern. */
static void kt_cow_fill(uint32_t pa)
{
  uint32_t *w = vm_scratch_map(pa);
  for (uint32_t i = 0; i < KT_COW_WORDS; i++)
    w[i] = KT_COW_SEED + i;
  vm_scratch_unmap();
}

/* Index of the first word of frame pa that differs from the pattern, -1 when none. */
static int kt_cow_bad_word(uint32_t pa)
{
  uint32_t *w = vm_scratch_map(pa);
  int bad = -1;
  for (uint32_t i = 0; i < KT_COW_WORDS && bad < 0; i++)
    if (w[i] != KT_COW_SEED + i)
      bad = (int)i;
  vm_scratch_unmap();
  return bad;
}

/* A COW page whose frame has one reference: the write reuses it. */
static void kt_cow_reuse(void)
{
  struct cow_stats s0, s1;
  struct cow_report rep;
  uint32_t pa = page_alloc_user();
  pde_t *pd = pa ? kt_cow_space(pa) : 0;
  if (!pd) {
    if (pa)
      page_ref_dec(pa);
    ktest_check("kt_cow_reuse_at_count_1", 0, "out of memory for a space with one page");
    return;
  }
  uint32_t free0 = pool_user.free;
  cow_stats_sum(&s0);
  enum cow_result r = kt_cow_write(pd, &rep);
  cow_stats_sum(&s1);
  pte_t e = kt_cow_entry(pd);
  uint32_t now = PTE_ADDR(e), refs = page_ref_get(now);
  int taken = (int)free0 - (int)pool_user.free;
  ktest_check("kt_cow_reuse_at_count_1",
              r == COW_REUSED && now == pa && refs == 1 && taken == 0 && s1.reuses - s0.reuses == 1 &&
                  s1.copies == s0.copies,
              "write with the count at 1: result %d (want %d, reused), frame 0x%x -> 0x%x, count %u, frames "
              "taken %d, reuses +%u copies +%u (want the same frame, 0 taken, +1 +0)",
              r, COW_REUSED, pa, now, refs, taken, s1.reuses - s0.reuses, s1.copies - s0.copies);
  ktest_check("kt_cow_reuse_clears_cow", (e & (PTE_P | PTE_U | PTE_W)) == (PTE_P | PTE_U | PTE_W) && !(e & PTE_COW),
              "entry after the write 0x%x: writable %d, PTE_COW %d (want 1, 0)", e, (e & PTE_W) != 0,
              (e & PTE_COW) != 0);
  proc_space_destroy(0, pd);
}

/* A COW page shared by two spaces: the first writer copies, the last one reuses. */
static void kt_cow_copy(void)
{
  struct cow_stats s0, s1;
  struct cow_report rep;
  uint32_t pa = page_alloc_user();
  pde_t *a = pa ? kt_cow_space(pa) : 0, *b = 0;
  if (a) {
    page_ref_inc(pa);
    if (!(b = kt_cow_space(pa)))
      page_ref_dec(pa);
  }
  if (!b) {
    if (a)
      proc_space_destroy(0, a);
    else if (pa)
      page_ref_dec(pa);
    ktest_check("kt_cow_copy_when_shared", 0, "out of memory for two spaces sharing a page");
    return;
  }
  kt_cow_fill(pa);
  pte_t a0 = kt_cow_entry(a);
  uint32_t free0 = pool_user.free;
  cow_stats_sum(&s0);
  enum cow_result r = kt_cow_write(b, &rep);
  cow_stats_sum(&s1);
  pte_t eb = kt_cow_entry(b), ea = kt_cow_entry(a);
  uint32_t nb = PTE_ADDR(eb), old_refs = page_ref_get(pa), new_refs = nb ? page_ref_get(nb) : 0;
  int taken = (int)free0 - (int)pool_user.free;
  ktest_check("kt_cow_copy_when_shared",
              r == COW_COPIED && nb != pa && nb != 0 && old_refs == 1 && new_refs == 1 && taken == 1 &&
                  s1.copies - s0.copies == 1 && s1.reuses == s0.reuses &&
                  (eb & (PTE_W | PTE_COW)) == PTE_W,
              "write with the count at 2: result %d (want %d, copied), frame 0x%x -> 0x%x, counts %u and %u "
              "(want 1, 1), frames taken %d (want 1), copies +%u reuses +%u, entry 0x%x",
              r, COW_COPIED, pa, nb, old_refs, new_refs, taken, s1.copies - s0.copies, s1.reuses - s0.reuses, eb);
  int bad = nb != pa && nb ? kt_cow_bad_word(nb) : 0;
  ktest_check("kt_cow_copy_same_bytes", nb != pa && nb && bad < 0,
              "the writer's frame 0x%x (was 0x%x): first word unlike the original at %d", nb, pa, bad);
  ktest_check("kt_cow_other_sharer_untouched", ea == a0 && !(ea & PTE_W) && (ea & PTE_COW),
              "the other space's entry 0x%x (was 0x%x): must stay read-only and PTE_COW on frame 0x%x", ea, a0, pa);
  r = kt_cow_write(a, &rep);
  ea = kt_cow_entry(a);
  ktest_check("kt_cow_last_sharer_reuses",
              r == COW_REUSED && PTE_ADDR(ea) == pa && (ea & (PTE_W | PTE_COW)) == PTE_W && page_ref_get(pa) == 1,
              "the other space writes next: result %d (want %d, reused), entry 0x%x (want frame 0x%x, writable, "
              "no PTE_COW), count %u",
              r, COW_REUSED, ea, pa, page_ref_get(PTE_ADDR(ea)));
  proc_space_destroy(0, b);
  proc_space_destroy(0, a);
}

void ktest_cow(void)
{
  uint32_t kfree0 = pool_kernel.free, ufree0 = pool_user.free;
  kt_cow_reuse();
  kt_cow_copy();
  ktest_check("kt_cow_spaces_freed", pool_kernel.free == kfree0 && pool_user.free == ufree0,
              "after destroying the test spaces: kernel free %u (was %u), user free %u (was %u)", pool_kernel.free,
              kfree0, pool_user.free, ufree0);
}
