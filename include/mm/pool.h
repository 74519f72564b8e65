/*
 * pool.h - physical address pools: bitmap allocators over frame ranges.
 *
 * There are two: the kernel pool (page tables, kernel stacks, kernel heap;
 * permanently mapped at KERNEL_BASE + physical) and the user pool (every
 * frame a user page table points at; touched by the kernel only through
 * user mappings or the scratch page). First fit, n contiguous frames on request.
 *
 * The user pool also keeps a stock of free frames on each CPU (struct cpu's
 * frames, include/arch/percpu.h): a one-frame allocation takes from this CPU's
 * stock without the pool's lock, and an empty stock is refilled with the free
 * frames of one bitmap word (up to 32) in one hold of it. A stocked frame is allocated in
 * the bitmap but counted in `free`: memstat, sbrk and the leak checks see it
 * as free, memcheck knows it (pool_in_stock), and when the bitmap has nothing
 * left every CPU's stock goes back to it before an allocation fails.
 */
#ifndef MM_POOL_H
#define MM_POOL_H
#include <stdint.h>
#include "arch/spinlock.h"
#include "boot/layout.h"

struct pool {
  const char *name;
  uint32_t base;        /* physical address of frame 0 */
  uint32_t frames;      /* frames covered by the bitmap */
  uint32_t total;       /* frames that exist (usable RAM) */
  uint32_t free;        /* frames free now, stocked ones included (changed atomically) */
  uint32_t hint;        /* no free frame below this index */
  uint32_t *bitmap;     /* bit set: allocated, stocked or not RAM */
  int stocked;          /* one-frame allocations go through the CPUs' stocks (the user pool) */
  struct spinlock lock;
};

extern struct pool pool_kernel;
extern struct pool pool_user;

/* Set up p over [base, base + frames pages) with every frame marked used. */
void pool_init(struct pool *p, const char *name, uint32_t base, uint32_t frames, uint32_t *bitmap);
/* Mark one frame free and count it as existing RAM (used while building the pool). */
void pool_add_frame(struct pool *p, uint32_t pa);
/* From now on p's one-frame allocations go through per-CPU stocks (the user pool only). */
void pool_use_stocks(struct pool *p);
/* Non-zero when the frame at pa sits in some CPU's stock of p (memcheck: allocated in the
 * bitmap, no reference, and not a leak). A snapshot: stocks move while others allocate. */
int pool_in_stock(const struct pool *p, uint32_t pa);
/* Give every CPU's stock of p back to its bitmap; the frames stay counted free. */
void pool_drain_stocks(struct pool *p);
/* Allocate n contiguous frames (first fit); returns the physical address or 0 when empty. */
uint32_t pool_alloc(struct pool *p, uint32_t n);
/* Allocate one frame: pool_alloc(p, 1) without the run search (from this CPU's stock when p has
 * stocks); the physical address or 0 when p has no free frame at all. */
uint32_t pool_alloc_frame(struct pool *p);
/* This CPU's stock s of p is empty: refill it with the next bitmap word that has a free frame
 * (every CPU's stock given back first when there is none) and take its lowest frame; 0 when p has
 * none at all. Interrupts masked. */
uint32_t pool_stock_refill(struct pool *p, struct cpu_frame_stock *s);
/* One frame of the user pool from this CPU's stock, for a caller whose interrupts are masked (the
 * page fault): pool_alloc_frame(&pool_user) without saving and restoring the interrupt flag. The
 * compare-and-swap loses only to another CPU emptying the stock (count set to 0): then refill. */
static inline uint32_t pool_user_take_masked(void)
{
  struct cpu_frame_stock *s = &this_cpu()->frames;
  uint32_t bits = s->bits;
  if (__builtin_expect(bits != 0, 1) &&
      __atomic_compare_exchange_n(&s->bits, &bits, bits & (bits - 1), 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
    __atomic_fetch_sub(&pool_user.free, 1, __ATOMIC_RELAXED);
    return s->first_pa + ((uint32_t)__builtin_ctz(bits) << PGSHIFT);   /* its lowest frame */
  }
  return pool_stock_refill(&pool_user, s);
}
/* Return n frames starting at pa; panics on a frame that is not allocated. */
void pool_free(struct pool *p, uint32_t pa, uint32_t n);

/* A batch of runs of frames going back to one pool: each run is cleared in the bitmap a word at a
 * time, and the pool's lock is taken at the first run and held until pool_batch_end, so a batch is
 * one hold of it (the caller may hold locks that come before the pools: include/arch/spinlock.h). */
struct pool_batch {
  struct pool *pool;
  int held;             /* the pool's lock is held */
};
/* Start an empty batch for pool p. */
void pool_batch_begin(struct pool_batch *b, struct pool *p);
/* Give back the n frames in slots [first, first + n) (pool_frame_slot); n may be 0. Panics on a
 * frame that is not allocated or outside the pool. */
void pool_batch_run(struct pool_batch *b, uint32_t first, uint32_t n);
/* The end of the batch: the pool's lock goes. */
void pool_batch_end(struct pool_batch *b);
/* The slot of the frame at pa in the pool's bitmap and in arrays indexed like it (the
 * reference counts); pa must lie in the pool. */
static inline uint32_t pool_frame_slot(const struct pool *p, uint32_t pa)
{
  return (pa - p->base) >> PGSHIFT;
}
/* Non-zero when pa lies inside the pool's range. */
static inline int pool_contains(const struct pool *p, uint32_t pa)
{
  return pa >= p->base && pool_frame_slot(p, pa) < p->frames;
}
/* Non-zero when the frame at pa is allocated. */
int pool_frame_used(const struct pool *p, uint32_t pa);

/* One zeroed kernel-pool frame, direct-mapped; returns its physical address or 0. */
uint32_t kframe_alloc(void);
/* Give a kernel-pool frame back. */
void kframe_free(uint32_t pa);

#endif
