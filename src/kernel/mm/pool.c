/*
 * pool.c - the physical address pools (bitmap, first fit, contiguous runs)
 * and the user pool's per-CPU stocks of free frames (pool.h says what a stock
 * is; include/arch/percpu.h's struct cpu_frame_stock how it is shared).
 *
 * `free` changes with atomic adds: a stock hands out a frame without the
 * lock. It counts the bitmap's free frames plus every stocked frame; a frame
 * moving between the bitmap and a stock does not change it.
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
  p->stocked = 0;
  p->bitmap = bitmap;
  p->lock = (struct spinlock)SPINLOCK_INIT(name, SPIN_RANK_POOL);
  memset(bitmap, 0xFF, (frames + BITS - 1) / BITS * 4);
}

/* Add n to p's free count (n may wrap: a subtraction), atomically. */
static inline void pool_count(struct pool *p, uint32_t n)
{
  __atomic_fetch_add(&p->free, n, __ATOMIC_RELAXED);
}

void pool_add_frame(struct pool *p, uint32_t pa)
{
  pool_clear(p, pool_frame_slot(p, pa));
  p->total++;
  pool_count(p, 1);
}

void pool_use_stocks(struct pool *p)
{
  if (p != &pool_user)
    panic("pool %s: only the user pool has per-CPU stocks", p->name);
  p->stocked = 1;
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
    pool_count(p, -1u);
    p->hint = i + 1;
    return p->base + i * PGSIZE;
  }
  return 0;
}

/* ---- the per-CPU stocks ---------------------------------------------------------------- */

/* Take for the empty stock s the free frames of the first bitmap word of p, from the hint, that
 * has any (the word is then all allocated in the bitmap): s's word and first_pa are set, and the
 * free bits returned for the caller to publish; 0 when the bitmap has no free frame (p's lock
 * held). The frames stay counted free. Bits beyond the pool's last frame are set from pool_init
 * on, so they are never taken. */
static uint32_t pool_stock_fill(struct pool *p, struct cpu_frame_stock *s)
{
  for (uint32_t w = p->hint / BITS, words = (p->frames + BITS - 1) / BITS; w < words; w++) {
    uint32_t free_bits = ~p->bitmap[w];
    if (!free_bits)
      continue;
    p->bitmap[w] = ~0u;
    p->hint = (w + 1) * BITS;                      /* every word up to w has no free bit left */
    s->word = w;
    s->first_pa = p->base + w * BITS * PGSIZE;
    return free_bits;
  }
  p->hint = p->frames;
  return 0;
}

/* A frame pool_free gives back while it sits in a stock (a free of a frame never allocated) is
 * caught here: the stock's bits must all still be allocated in the bitmap. */
void pool_drain_stocks(struct pool *p)
{
  spin_lock(&p->lock);
  for (int c = 0; c < CPU_MAX; c++) {
    struct cpu_frame_stock *s = &cpus[c].frames;
    uint32_t bits = __atomic_exchange_n(&s->bits, 0, __ATOMIC_ACQ_REL);   /* now ours, not its CPU's */
    if (!bits)
      continue;
    if ((p->bitmap[s->word] & bits) != bits)
      panic("pool %s: cpu%d's stock holds a frame the bitmap has free (word %u)", p->name, c, s->word);
    p->bitmap[s->word] &= ~bits;                    /* still counted free: only the bitmap changes */
    if (s->word * BITS < p->hint)
      p->hint = s->word * BITS;
  }
  spin_unlock(&p->lock);
}

uint32_t pool_stock_refill(struct pool *p, struct cpu_frame_stock *s)
{
  for (int round = 0; round < 2; round++) {
    if (round)
      pool_drain_stocks(p);            /* the bitmap is empty: the frames may sit in stocks */
    spin_lock(&p->lock);
    uint32_t bits = pool_stock_fill(p, s);
    if (bits) {
      /* the lowest frame is the caller's; the others become the stock, seen by a drain only now */
      __atomic_store_n(&s->bits, bits & (bits - 1), __ATOMIC_RELEASE);
      spin_unlock(&p->lock);
      pool_count(p, -1u);
      return s->first_pa + ((uint32_t)__builtin_ctz(bits) << PGSHIFT);
    }
    spin_unlock(&p->lock);
  }
  return 0;
}

/* One frame from this CPU's stock of the user pool, interrupts masked around the take. */
static uint32_t pool_stock_take(void)
{
  uint32_t f = read_eflags();
  cli();                              /* the stock is this CPU's: no move to another one meanwhile */
  uint32_t pa = pool_user_take_masked();
  if (f & EFLAGS_IF)
    sti();
  return pa;
}

int pool_in_stock(const struct pool *p, uint32_t pa)
{
  if (!p->stocked)
    return 0;
  for (int c = 0; c < CPU_MAX; c++) {
    const struct cpu_frame_stock *s = &cpus[c].frames;
    uint32_t bits = s->bits, off = (pa - s->first_pa) >> PGSHIFT;
    if (bits && pa >= s->first_pa && off < BITS && ((bits >> off) & 1))
      return 1;
  }
  return 0;
}

uint32_t pool_alloc_frame(struct pool *p)
{
  if (p->stocked)
    return pool_stock_take();         /* the user pool: the only one with stocks */
  spin_lock(&p->lock);
  uint32_t pa = pool_alloc_one(p);
  spin_unlock(&p->lock);
  return pa;
}

/* n > 1 contiguous frames from the bitmap (first fit), or 0. */
static uint32_t pool_alloc_run(struct pool *p, uint32_t n)
{
  uint32_t found = 0, first_free = p->frames, run = 0;
  int ok = 0;
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
    pool_count(p, -n);
    /* Everything below the first free frame seen is in use: start there next time. */
    p->hint = first_free < found ? first_free : found + n;
  }
  spin_unlock(&p->lock);
  return ok ? p->base + found * PGSIZE : 0;
}

uint32_t pool_alloc(struct pool *p, uint32_t n)
{
  if (n == 0)
    return 0;
  if (n == 1)
    return pool_alloc_frame(p);
  uint32_t pa = pool_alloc_run(p, n);
  if (!pa && p->stocked) {             /* the run may be there with the stocks given back */
    pool_drain_stocks(p);
    pa = pool_alloc_run(p, n);
  }
  return pa;
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
  pool_count(p, n);
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
