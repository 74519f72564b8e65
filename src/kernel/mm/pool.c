/*
 * pool.c - the physical address pools (bitmap, first fit, contiguous runs).
 */
#include "mm/pool.h"
#include "mm/vm.h"
#include "arch/printk.h"
#include "lib/string.h"

#define BITS 32

struct pool pool_kernel;
struct pool pool_user;

/* Bit helpers over the bitmap. */
static int pool_bit(const struct pool *p, uint32_t i) { return (p->bitmap[i / BITS] >> (i % BITS)) & 1; }
static void pool_set(struct pool *p, uint32_t i) { p->bitmap[i / BITS] |= 1u << (i % BITS); }
static void pool_clear(struct pool *p, uint32_t i) { p->bitmap[i / BITS] &= ~(1u << (i % BITS)); }

void pool_init(struct pool *p, const char *name, uint32_t base, uint32_t frames, uint32_t *bitmap)
{
  p->name = name;
  p->base = base;
  p->frames = frames;
  p->total = p->free = 0;
  p->hint = 0;
  p->bitmap = bitmap;
  p->lock = (struct spinlock)SPINLOCK_INIT(name, SPIN_RANK_POOL);
  memset(bitmap, 0xFF, (frames + BITS - 1) / BITS * 4);
}

void pool_add_frame(struct pool *p, uint32_t pa)
{
  pool_clear(p, pool_frame_slot(p, pa));
  p->total++;
  p->free++;
}

/* One frame: the first bitmap word from the hint with a clear bit, and its lowest clear bit. Lock held. */
static uint32_t pool_alloc_one(struct pool *p)
{
  for (uint32_t w = p->hint / BITS; w < (p->frames + BITS - 1) / BITS; w++) {
    uint32_t free_bits = ~p->bitmap[w];
    if (!free_bits)
      continue;
    uint32_t i = w * BITS + (uint32_t)__builtin_ctz(free_bits);
    if (i >= p->frames)
      break;
    pool_set(p, i);
    p->free--;
    p->hint = i + 1;
    return p->base + i * PGSIZE;
  }
  return 0;
}

uint32_t pool_alloc_frame(struct pool *p)
{
  spin_lock(&p->lock);
  uint32_t pa = pool_alloc_one(p);
  spin_unlock(&p->lock);
  return pa;
}

uint32_t pool_alloc(struct pool *p, uint32_t n)
{
  uint32_t found = 0, first_free = p->frames, run = 0;
  int ok = 0;
  if (n == 0)
    return 0;
  if (n == 1)
    return pool_alloc_frame(p);
  spin_lock(&p->lock);
  for (uint32_t i = p->hint; i < p->frames; i++) {
    if (run == 0 && i % BITS == 0 && p->bitmap[i / BITS] == 0xFFFFFFFFu) {
      i += BITS - 1;
      continue;
    }
    if (pool_bit(p, i)) {
      run = 0;
      continue;
    }
    if (first_free == p->frames)
      first_free = i;
    if (run++ == 0)
      found = i;
    if (run == n) {
      ok = 1;
      break;
    }
  }
  if (ok) {
    for (uint32_t i = found; i < found + n; i++)
      pool_set(p, i);
    p->free -= n;
    /* Everything below the first free frame seen is in use: start there next time. */
    p->hint = first_free < found ? first_free : found + n;
  }
  spin_unlock(&p->lock);
  return ok ? p->base + found * PGSIZE : 0;
}

/* Mark slots [first, first + n) free, a bitmap word at a time, and count them (lock held); panics
 * on a slot that is already free. */
static void pool_clear_run(struct pool *p, uint32_t first, uint32_t n)
{
  for (uint32_t i = first, end = first + n; i < end;) {
    uint32_t bit = i % BITS, k = end - i < BITS - bit ? end - i : BITS - bit;
    uint32_t mask = (k == BITS ? ~0u : (1u << k) - 1) << bit, *w = &p->bitmap[i / BITS];
    if ((*w & mask) != mask)
      panic("pool %s: double free of frame 0x%x", p->name,
            p->base + (i - bit + (uint32_t)__builtin_ctz(mask & ~*w)) * PGSIZE);
    *w &= ~mask;
    i += k;
  }
  p->free += n;
  if (first < p->hint)
    p->hint = first;
}

void pool_free(struct pool *p, uint32_t pa, uint32_t n)
{
  if (!pool_contains(p, pa) || pa % PGSIZE || pool_frame_slot(p, pa) + n > p->frames)
    panic("pool %s: free of frame 0x%x outside the pool", p->name, pa);
  spin_lock(&p->lock);
  pool_clear_run(p, pool_frame_slot(p, pa), n);
  spin_unlock(&p->lock);
}

void pool_batch_begin(struct pool_batch *b, struct pool *p)
{
  b->pool = p;
  b->held = 0;
}

void pool_batch_run(struct pool_batch *b, uint32_t first, uint32_t n)
{
  if (!n)
    return;
  if (first >= b->pool->frames || n > b->pool->frames - first)
    panic("pool %s: free of frame slots %u..%u outside the pool", b->pool->name, first, first + n - 1);
  if (!b->held) {
    spin_lock(&b->pool->lock);
    b->held = 1;
  }
  pool_clear_run(b->pool, first, n);
}

void pool_batch_end(struct pool_batch *b)
{
  if (b->held)
    spin_unlock(&b->pool->lock);
  b->held = 0;
}

int pool_frame_used(const struct pool *p, uint32_t pa)
{
  return pool_bit(p, pool_frame_slot(p, pa));
}

uint32_t kframe_alloc(void)
{
  uint32_t pa = pool_alloc_frame(&pool_kernel);
  if (pa)
    memset(P2V(pa), 0, PGSIZE);
  return pa;
}

void kframe_free(uint32_t pa)
{
  pool_free(&pool_kernel, pa, 1);
}
