/*
 * pool.h - physical address pools: bitmap allocators over frame ranges.
 *
 * There are two: the kernel pool (page tables, kernel stacks, kernel heap;
 * permanently mapped at KERNEL_BASE + physical) and the user pool (every
 * frame a user page table points at; touched by the kernel only through
 * user mappings or the scratch page). First fit, n contiguous frames on request.
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
  uint32_t free;        /* frames free now */
  uint32_t hint;        /* no free frame below this index */
  uint32_t *bitmap;     /* bit set: allocated or not RAM */
  struct spinlock lock;
};

extern struct pool pool_kernel;
extern struct pool pool_user;

/* Set up p over [base, base + frames pages) with every frame marked used. */
void pool_init(struct pool *p, const char *name, uint32_t base, uint32_t frames, uint32_t *bitmap);
/* Mark one frame free and count it as existing RAM (used while building the pool). */
void pool_add_frame(struct pool *p, uint32_t pa);
/* Allocate n contiguous frames (first fit); returns the physical address or 0 when empty. */
uint32_t pool_alloc(struct pool *p, uint32_t n);
/* Allocate one frame: pool_alloc(p, 1) without the run search; the physical address or 0. */
uint32_t pool_alloc_frame(struct pool *p);
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
