/*
 * pageref.c - the spinlocked reference-count array of user frames.
 *
 * The lock order: include/arch/spinlock.h. Releasing a whole page table
 * frees frames with the count lock held, in runs of consecutive frames
 * under one hold of the pool lock (pool_batch); elsewhere a frame whose
 * count reaches zero is freed after the count lock is released. The per-CPU
 * scratch page needs no lock. Counts read without the lock: page_ref_peek
 * (the COW reuse, where 1 cannot move), fork_decide (the parent's own
 * frames, which only a THREAD sibling can lower) and memcheck (which
 * retries when counts move).
 */
#include "mm/pageref.h"
#include "mm/pool.h"
#include "mm/vm.h"
#include "arch/printk.h"

struct page_ref_array page_ref_array;
struct spinlock page_ref_spin = SPINLOCK_INIT("pageref", SPIN_RANK_PAGEREF);

void page_ref_bad_frame(uint32_t pa)
{
  panic("pageref: frame 0x%x is not a user frame", pa);
}

/* Index of the frame at pa in the count array; panics outside the user pool. */
static uint32_t page_ref_index(uint32_t pa)
{
  if (!pool_contains(&pool_user, pa))
    page_ref_bad_frame(pa);
  return pool_frame_slot(&pool_user, pa);
}

void page_ref_init(uint16_t *counts)
{
  page_ref_array.counts = counts;
  for (uint32_t i = 0; i < pool_user.frames; i++)
    counts[i] = 0;
  page_ref_array.shared = 0;
}

uint32_t page_alloc_user(void)
{
  uint32_t pa = pool_alloc_frame(&pool_user);
  if (!pa)
    return 0;
  page_ref_lock();
  page_ref_array.counts[page_ref_index(pa)] = 1;
  page_ref_array.generation++;
  page_ref_unlock();
  return pa;
}

void page_ref_inc_locked(uint32_t pa)
{
  uint16_t *c = &page_ref_array.counts[page_ref_index(pa)];
  if (*c == 0)
    panic("pageref: increment of free frame 0x%x", pa);
  if (++*c == 2)
    page_ref_array.shared++;
  page_ref_array.generation++;
}

void page_ref_inc(uint32_t pa)
{
  page_ref_lock();
  page_ref_inc_locked(pa);
  page_ref_unlock();
}

const char *page_ref_check_dec(uint32_t pa)
{
  if (!pool_contains(&pool_user, pa))
    return "not a user frame";
  if (page_ref_array.counts[pool_frame_slot(&pool_user, pa)] == 0)
    return "reference count already 0 (double free)";
  return 0;
}

const char *page_ref_check_free(uint32_t pa)
{
  if (!pool_contains(&pool_user, pa))
    return "not a user frame";
  if (page_ref_array.counts[pool_frame_slot(&pool_user, pa)] != 0)
    return "frame still referenced";
  if (!pool_frame_used(&pool_user, pa))
    return "frame already free";
  return 0;
}

/* One reference less on the frame at index i, whose count is not zero (count lock held);
 * returns the count left. */
static inline uint32_t page_ref_drop_at(uint32_t i)
{
  uint32_t left = --page_ref_array.counts[i];
  if (left == 1)
    page_ref_array.shared--;
  page_ref_array.generation++;
  return left;
}

/* One reference less on pa (count lock held); returns the count left. Panics on a frame
 * outside the user pool or one whose count is already zero. */
static inline uint32_t page_ref_drop(uint32_t pa)
{
  uint32_t i = pool_frame_slot(&pool_user, pa);
  if (i >= pool_user.frames || page_ref_array.counts[i] == 0)
    panic("pageref: decrement of frame 0x%x: %s", pa, page_ref_check_dec(pa));
  return page_ref_drop_at(i);
}

void page_ref_bad_copy(uint32_t new_pa)
{
  panic("pageref: copy into frame 0x%x: not a fresh user frame", new_pa);
}

uint32_t page_ref_dec_locked(uint32_t pa)
{
  return page_ref_drop(pa);
}

void page_ref_free(uint32_t pa)
{
  const char *bug = page_ref_check_free(pa);
  if (bug)
    panic("pageref: free of frame 0x%x: %s", pa, bug);
  pool_free(&pool_user, pa, 1);
}

/* Panic: a table being released maps pa, which is outside the user pool or already free. */
static void page_ref_release_bad(uint32_t pa)
{
  panic("pageref: decrement of frame 0x%x: %s", pa, page_ref_check_dec(pa));
}

void page_ref_release_table(const uint32_t *pt)
{
  struct pool_batch freed;
  uint32_t unshared = 0, run_first = 0, run_end = 0;   /* freed slots not yet given back */
  pool_batch_begin(&freed, &pool_user);
  page_ref_lock();
  uint16_t *counts = page_ref_array.counts;
  uint32_t base_frame = pool_user.base >> PGSHIFT, frames = pool_user.frames;
  for (const uint32_t *e = pt; e < pt + PT_ENTRIES; e++) {
    if ((*e & (PTE_P | PTE_ZERO)) != PTE_P)
      continue;                        /* absent, or the zero frame (uncounted: zeropage.h) */
    uint32_t i = (*e >> PGSHIFT) - base_frame;
    if (i >= frames)
      page_ref_release_bad(PTE_ADDR(*e));
    uint16_t left = (uint16_t)(counts[i] - 1);
    if (left != 0) {                   /* still mapped elsewhere, or the count was already 0 */
      if (left == UINT16_MAX)
        page_ref_release_bad(PTE_ADDR(*e));
      counts[i] = left;
      unshared += left == 1;
      continue;
    }
    counts[i] = 0;
    if (i != run_end) {                /* no one maps it now: it starts a run of its own */
      pool_batch_run(&freed, run_first, run_end - run_first);
      run_first = i;
    }
    run_end = i + 1;
  }
  pool_batch_run(&freed, run_first, run_end - run_first);
  page_ref_array.shared -= unshared;
  page_ref_array.generation++;
  pool_batch_end(&freed);              /* the pool lock under the count lock, as the order says */
  page_ref_unlock();
}

uint32_t page_ref_dec(uint32_t pa)
{
  page_ref_lock();
  uint32_t left = page_ref_dec_locked(pa);
  page_ref_unlock();
  if (left == 0)
    page_ref_free(pa);
  return left;
}

void page_ref_bad_share(uint32_t pa, int outside)
{
  panic("pageref: an entry being shared maps 0x%x: %s", pa, outside ? "not a user frame" : "free frame");
}

uint32_t page_ref_get(uint32_t pa)
{
  return page_ref_array.counts[page_ref_index(pa)];
}

void page_ref_copy_locked(uint32_t first, uint32_t n, uint8_t *out, uint32_t max)
{
  for (uint32_t i = 0; i < n; i++)
    out[i] = (uint8_t)(page_ref_array.counts[first + i] > max ? max : page_ref_array.counts[first + i]);
}

uint32_t page_ref_generation(void)
{
  return page_ref_array.generation;
}

uint32_t page_ref_shared(void)
{
  return page_ref_array.shared;
}

void page_ref_set_raw(uint32_t pa, uint16_t count)
{
  page_ref_lock();
  uint16_t *c = &page_ref_array.counts[page_ref_index(pa)];
  if (*c < 2 && count >= 2)
    page_ref_array.shared++;
  else if (*c >= 2 && count < 2)
    page_ref_array.shared--;
  *c = count;
  page_ref_array.generation++;
  page_ref_unlock();
}
