/*
 * kt_mm.c - self-tests of the memory manager: pools, reference counts,
 * the scratch page, address spaces, the kernel heap and memcheck.
 */
#include "test/ktest.h"
#include "mm/mm.h"
#include "check/memcheck.h"
#include "mm/pool.h"
#include "mm/pageref.h"
#include "mm/kheap.h"
#include "mm/vm.h"
#include "proc/proc.h"
#include "lib/string.h"

#define KT_VA          0x40000000u
#define KT_RUN         8
#define KT_PATTERN     0xC0FFEE00u

void kt_pool_exhaust(const char *name, struct pool *p)
{
  uint32_t start0 = p->free, start, n = 0;
  uint32_t list_pages = (start0 * 4 + PGSIZE - 1) / PGSIZE;
  uint32_t *list = kpage_alloc(list_pages);
  if (!list) {
    ktest_check(name, 0, "no memory for the frame list");
    return;
  }
  start = p->free;   /* the list itself may have come from this pool */
  uint32_t pa;
  while (n < start && (pa = pool_alloc(p, 1)) != 0)
    list[n++] = pa;
  uint32_t extra = pool_alloc(p, 1);
  uint32_t empty = p->free;
  for (uint32_t i = 0; i < n; i++)
    pool_free(p, list[i], 1);
  kpage_free(list, list_pages);
  ktest_check(name, n == start && extra == 0 && empty == 0 && p->free == start0,
              "allocated %u of %u, extra 0x%x, free at empty %u, after %u (before %u)", n, start, extra, empty,
              p->free, start0);
}

/* Single, contiguous and fragmented allocation patterns in the user pool. */
static void kt_patterns(void)
{
  struct pool *p = &pool_user;
  uint32_t start = p->free;
  uint32_t a = pool_alloc(p, 1), b = pool_alloc(p, 1);
  ktest_check("kt_pool_single", a && b && a != b && p->free == start - 2 && pool_frame_used(p, a),
              "a 0x%x b 0x%x free %u (start %u)", a, b, p->free, start);
  uint32_t run = pool_alloc(p, KT_RUN);
  int contiguous = run != 0;
  for (uint32_t i = 0; run && i < KT_RUN; i++)
    contiguous &= pool_frame_used(p, run + i * PGSIZE);
  ktest_check("kt_pool_contiguous", contiguous && p->free == start - 2 - KT_RUN, "run 0x%x free %u", run, p->free);
  /* Fragment: free every other frame of the run; a 2-frame request must skip the holes. */
  for (uint32_t i = 0; i < KT_RUN; i += 2)
    pool_free(p, run + i * PGSIZE, 1);
  uint32_t single = pool_alloc(p, 1);            /* from this CPU's stock: anywhere */
  uint32_t two = pool_alloc(p, 2);
  int two_ok = two && (two >= run + KT_RUN * PGSIZE || two + 2 * PGSIZE <= run);
  ktest_check("kt_pool_fragmented", single && two_ok, "one frame 0x%x, 2-run 0x%x (holes from 0x%x)", single,
              two, run);
  pool_free(p, single, 1);
  pool_free(p, two, 2);
  for (uint32_t i = 1; i < KT_RUN; i += 2)
    pool_free(p, run + i * PGSIZE, 1);
  pool_free(p, a, 1);
  pool_free(p, b, 1);
  ktest_check("kt_pool_recovered", p->free == start, "free %u, started with %u", p->free, start);
}

/* The user pool's per-CPU stock (pool.h): an empty stock is refilled with a bitmap word and gives
 * its lowest frame; the next allocation takes the next lowest without the bitmap; stocked frames
 * are allocated in the bitmap, counted free and known to pool_in_stock; giving the stocks back
 * changes no count. Interrupts masked: the stock read is this CPU's. */
static void kt_pool_stock(void)
{
  struct pool *p = &pool_user;
  push_off();
  pool_drain_stocks(p);
  uint32_t free0 = p->free, a = pool_alloc_frame(p), rest = this_cpu()->frames.bits;
  uint32_t first = this_cpu()->frames.first_pa, want_b = rest ? first + ((uint32_t)__builtin_ctz(rest) << PGSHIFT) : 0;
  uint32_t hint = p->hint, b = pool_alloc_frame(p), hint2 = p->hint, free2 = p->free;
  uint32_t left = this_cpu()->frames.bits, c = left ? first + ((uint32_t)__builtin_ctz(left) << PGSHIFT) : 0;
  int c_stocked = c && pool_frame_used(p, c) && pool_in_stock(p, c) && !pool_in_stock(p, a) && !pool_in_stock(p, b);
  pool_drain_stocks(p);
  int c_back = c && !pool_frame_used(p, c) && !pool_in_stock(p, c) && this_cpu()->frames.bits == 0;
  uint32_t free3 = p->free;
  pop_off();
  ktest_check("kt_pool_stock", a && b == want_b && hint2 == hint && free2 == free0 - 2 && c_stocked && c_back &&
                                   free3 == free2,
              "a 0x%x, b 0x%x (want 0x%x), next stocked 0x%x (used+stocked %d, back in the bitmap %d), free %u -> %u "
              "-> %u after the drain, hint %u -> %u over b", a, b, want_b, c, c_stocked, c_back, free0, free2, free3,
              hint, hint2);
  if (a)
    pool_free(p, a, 1);
  if (b)
    pool_free(p, b, 1);
  ktest_check("kt_pool_stock_recovered", p->free == free0, "free %u, started with %u", p->free, free0);
}

/* inc/dec/free at zero and the double-free check. */
static void kt_refcount(void)
{
  uint32_t start = pool_user.free;
  uint32_t pa = page_alloc_user();
  uint32_t c1 = page_ref_get(pa);
  page_ref_inc(pa);
  uint32_t c2 = page_ref_get(pa), shared = page_ref_shared();
  uint32_t left1 = page_ref_dec(pa);
  uint32_t still_used = pool_frame_used(&pool_user, pa);
  uint32_t left0 = page_ref_dec(pa);
  ktest_check("kt_refcount_inc_dec", c1 == 1 && c2 == 2 && shared >= 1 && left1 == 1 && still_used && left0 == 0 &&
                                         !pool_frame_used(&pool_user, pa) && pool_user.free == start,
              "counts %u,%u left %u,%u used-at-1 %u free %u/%u", c1, c2, left1, left0, still_used, pool_user.free,
              start);
  const char *why = page_ref_check_dec(pa);
  ktest_check("kt_refcount_double_free_caught", why != 0, "decrement of a free frame was not flagged");
  uint32_t live = page_alloc_user();
  const char *why_free = page_ref_check_free(live);
  page_ref_dec(live);
  ktest_check("kt_refcount_free_referenced_caught", why_free != 0, "freeing a referenced frame was not flagged");
}

/* Write through the scratch mapping, read back through a second (kernel heap) mapping. */
static void kt_scratch(void)
{
  uint32_t pa = page_alloc_user();
  uint32_t *s = vm_scratch_map(pa);
  for (int i = 0; i < PGSIZE / 4; i++)
    s[i] = KT_PATTERN + (uint32_t)i;
  vm_scratch_unmap();
  uint32_t gone = vm_vaddr2paddr(kernel_pd, SCRATCH_VA);
  uint32_t va = kvpool_alloc(1);
  vm_map(kernel_pd, va, pa, PTE_W);
  uint32_t *m = (uint32_t *)va;
  int ok = 1;
  for (int i = 0; i < PGSIZE / 4; i++)
    ok &= m[i] == KT_PATTERN + (uint32_t)i;
  uint32_t first = m[0];
  vm_unmap(kernel_pd, va);
  kvpool_free(va, 1);
  page_ref_dec(pa);
  ktest_check("kt_scratch_round_trip", ok && gone == 0, "read back 0x%x first, scratch still mapped to 0x%x", first,
              gone);
}

/* Map, translate and unmap in a second address space; everything comes back. */
static void kt_space(void)
{
  uint32_t kfree0 = pool_kernel.free, ufree0 = pool_user.free;
  pde_t *pd = vm_space_create();
  uint32_t pa = page_alloc_user();
  int mapped = pd && vm_map(pd, KT_VA, pa, PTE_W | PTE_U) == 0;
  uint32_t t = vm_vaddr2paddr(pd, KT_VA + 0x123);
  uint32_t in_current = vm_vaddr2paddr(vm_current(), KT_VA);
  uint32_t zero_page = vm_vaddr2paddr(pd, 0);
  pte_t old = vm_unmap(pd, KT_VA);
  uint32_t after = vm_vaddr2paddr(pd, KT_VA);
  vm_map(pd, KT_VA, pa, PTE_W | PTE_U);
  proc_space_destroy(0, pd);      /* drops the frame's last reference */
  ktest_check("kt_space_map_translate", mapped && t == pa + 0x123 && in_current == 0 && zero_page == 0,
              "mapped %d, translated 0x%x (want 0x%x), current space 0x%x", mapped, t, pa + 0x123, in_current);
  ktest_check("kt_space_unmap", PTE_ADDR(old) == pa && (old & PTE_U) && after == 0, "old pte 0x%x, after 0x%x", old,
              after);
  ktest_check("kt_space_destroy_frees", pool_kernel.free == kfree0 && pool_user.free == ufree0,
              "kernel free %u (was %u), user free %u (was %u)", pool_kernel.free, kfree0, pool_user.free, ufree0);
}

/* kmalloc objects and pages come back to the kernel pool. */
static void kt_kmalloc(void)
{
  uint32_t kfree0 = pool_kernel.free;
  void *objs[64];
  int distinct = 1;
  for (int i = 0; i < 64; i++) {
    objs[i] = kmalloc((uint32_t)(16 << (i % 8)));
    if (!objs[i] || ((uint32_t)objs[i] & 15))
      distinct = 0;
    else
      memset(objs[i], i, (uint32_t)(16 << (i % 8)));
  }
  for (int i = 0; i < 64; i++)
    distinct &= *(uint8_t *)objs[i] == (uint8_t)i;
  void *big = kmalloc(3 * PGSIZE);
  for (int i = 0; i < 64; i++)
    kfree(objs[i]);
  kfree(big);
  uint32_t st = kstack_alloc();
  int guard = st && kstack_is_guard(st - 3 * PGSIZE + 10) && !kstack_is_guard(st - 10);
  kstack_free(st);
  ktest_check("kt_kmalloc_round_trip", distinct && big && pool_kernel.free == kfree0,
              "objects intact %d, big 0x%x, kernel free %u (was %u)", distinct, (uint32_t)big, pool_kernel.free, kfree0);
  ktest_check("kt_kstack_guard", guard, "guard page of stack top 0x%x not recognised", st);
}

/* memcheck: 0 on a clean system, exactly the planted number on a corrupted one. */
static void kt_memcheck(void)
{
  int clean = memcheck();
  pde_t *pd = vm_space_create();
  uint32_t a = page_alloc_user(), b = page_alloc_user();
  vm_map(pd, KT_VA, a, PTE_U);
  vm_map(pd, KT_VA + PGSIZE, b, PTE_U);
  uint32_t leak = pool_alloc(&pool_user, 1);            /* allocated in the bitmap, no count */
  page_ref_set_raw(a, 3);                                /* count 3, nothing maps it yet */
  page_ref_set_raw(b, 2);
  ktest_expected_begin();                                /* memcheck prints the three plants */
  int planted = memcheck();
  ktest_expected_end();
  page_ref_set_raw(a, 0);
  page_ref_set_raw(b, 0);
  pool_free(&pool_user, a, 1);
  pool_free(&pool_user, b, 1);
  pool_free(&pool_user, leak, 1);
  vm_unmap(pd, KT_VA);
  vm_unmap(pd, KT_VA + PGSIZE);
  proc_space_destroy(0, pd);
  int after = memcheck();
  ktest_check("kt_memcheck_clean", clean == 0, "memcheck found %d problems on a clean system", clean);
  ktest_check("kt_memcheck_planted", planted == 3, "planted 3 mismatches, memcheck found %d", planted);
  ktest_check("kt_memcheck_restored", after == 0, "memcheck found %d after undoing the plants", after);
}

void ktest_mm(void)
{
  const struct mm_layout *l = &mm_layout;
  ktest_check("kt_mm_pools_sane", pool_kernel.total > 0 && pool_user.total > 0 && l->kpool_end == l->upool_base &&
                                      l->kpool_base >= l->kernel_end && pool_user.free == pool_user.total,
              "kernel %u frames, user %u frames (%u free), kpool 0x%x-0x%x, image end 0x%x", pool_kernel.total,
              pool_user.total, pool_user.free, l->kpool_base, l->kpool_end, l->kernel_end);
  uint32_t ram_frames = l->usable_bytes / PGSIZE;
  uint32_t pooled = pool_kernel.total + pool_user.total;
  ktest_check("kt_mm_pools_cover_ram", pooled <= ram_frames && pooled + (l->early_end / PGSIZE) + 64 >= ram_frames,
              "pools hold %u frames, E820 usable %u frames, below the pools %u", pooled, ram_frames,
              l->early_end / PGSIZE);
  kt_patterns();
  kt_pool_stock();
  kt_pool_exhaust("kt_pool_exhaust_user", &pool_user);
  kt_pool_exhaust("kt_pool_exhaust_kernel", &pool_kernel);
  kt_refcount();
  kt_scratch();
  kt_space();
  kt_kmalloc();
  kt_memcheck();
}
