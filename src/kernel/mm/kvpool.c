/*
 * kvpool.c - the kernel virtual address pool and page-level kernel memory.
 *
 * Its page tables exist from boot (mm_init), so mappings made here are
 * seen by every address space at once.
 */
#include "mm/kheap.h"
#include "mm/pool.h"
#include "mm/vm.h"
#include "arch/tlb.h"
#include "arch/spinlock.h"
#include "lib/string.h"
#include "arch/printk.h"

#define KV_PAGES (KVPOOL_SIZE / PGSIZE)

static struct pool kv_pool;          /* a pool over virtual pages: same allocator, other space */
static uint8_t kv_guard[KV_PAGES / 8];
static struct spinlock kv_guard_lock = SPINLOCK_INIT("kvguard", SPIN_RANK_KVGUARD);   /* the guard bitmap */

/* Index helpers for the guard-page bitmap. */
static uint32_t kv_index(uint32_t va) { return (va - KVPOOL_BASE) / PGSIZE; }

void kvpool_init(uint32_t *bitmap)
{
  pool_init(&kv_pool, "kvpool", KVPOOL_BASE, KV_PAGES, bitmap);
  for (uint32_t i = 0; i < KV_PAGES; i++)
    pool_add_frame(&kv_pool, KVPOOL_BASE + i * PGSIZE);
  memset(kv_guard, 0, sizeof kv_guard);
}

uint32_t kvpool_alloc(uint32_t n)
{
  return pool_alloc(&kv_pool, n);
}

void kvpool_free(uint32_t va, uint32_t n)
{
  pool_free(&kv_pool, va, n);
}

/* Back pages [first, first + n) of the range at va with kernel frames; -1 (all undone) on failure. */
static int kpage_back(uint32_t va, uint32_t first, uint32_t n)
{
  for (uint32_t i = first; i < first + n; i++) {
    uint32_t pa = kframe_alloc();
    if (!pa) {
      for (uint32_t j = first; j < i; j++)
        kframe_free(PTE_ADDR(vm_unmap(kernel_pd, va + j * PGSIZE)));
      return -1;
    }
    vm_map(kernel_pd, va + i * PGSIZE, pa, PTE_W);
  }
  return 0;
}

void *kpage_alloc(uint32_t n)
{
  uint32_t va = kvpool_alloc(n);
  if (!va)
    return 0;
  if (kpage_back(va, 0, n) < 0) {
    kvpool_free(va, n);
    return 0;
  }
  memset((void *)va, 0, n * PGSIZE);
  return (void *)va;
}

/* Unmap pages [first, first + n) of the range at va, shoot them down on every CPU, then free
 * their frames: no CPU can still reach a frame through the old mapping when it is reused. */
static void kpage_unback(uint32_t va, uint32_t first, uint32_t n)
{
  uint32_t frame[KSTACK_PAGES + 1];
  for (uint32_t done = 0; done < n;) {
    uint32_t k = n - done < KSTACK_PAGES + 1 ? n - done : KSTACK_PAGES + 1;
    uint32_t at = va + (first + done) * PGSIZE;
    for (uint32_t i = 0; i < k; i++)
      frame[i] = PTE_ADDR(vm_unmap(kernel_pd, at + i * PGSIZE));
    tlb_shootdown(at, k);
    for (uint32_t i = 0; i < k; i++)
      kframe_free(frame[i]);
    done += k;
  }
}

void kpage_free(void *p, uint32_t n)
{
  uint32_t va = (uint32_t)p;
  kpage_unback(va, 0, n);
  kvpool_free(va, n);
}

uint32_t kstack_alloc(void)
{
  uint32_t va = kvpool_alloc(KSTACK_PAGES + 1);
  if (!va)
    return 0;
  if (kpage_back(va, 1, KSTACK_PAGES) < 0) {
    kvpool_free(va, KSTACK_PAGES + 1);
    return 0;
  }
  spin_lock(&kv_guard_lock);
  kv_guard[kv_index(va) / 8] |= (uint8_t)(1 << (kv_index(va) % 8));
  spin_unlock(&kv_guard_lock);
  return va + (KSTACK_PAGES + 1) * PGSIZE;
}

void kstack_free(uint32_t top)
{
  uint32_t va = top - (KSTACK_PAGES + 1) * PGSIZE;
  spin_lock(&kv_guard_lock);
  kv_guard[kv_index(va) / 8] &= (uint8_t)~(1 << (kv_index(va) % 8));
  spin_unlock(&kv_guard_lock);
  kpage_unback(va, 1, KSTACK_PAGES);
  kvpool_free(va, KSTACK_PAGES + 1);
}

int kstack_is_guard(uint32_t va)
{
  if (va < KVPOOL_BASE || va >= KVPOOL_BASE + KVPOOL_SIZE)
    return 0;
  uint32_t i = kv_index(va);
  return (kv_guard[i / 8] >> (i % 8)) & 1;
}
