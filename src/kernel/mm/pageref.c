/*
 * pageref.c - the spinlocked reference-count array of user frames.
 *
 * Lock order: the count lock is never held while the pool lock is taken,
 * so a frame whose count reaches zero is freed after the count lock is
 * released.
 */
#include "mm/pageref.h"
#include "mm/pool.h"
#include "kernel/printk.h"

static uint16_t *page_refs;
static uint32_t page_refs_shared;
static volatile uint32_t page_refs_generation;   /* bumped by every change to a count */
static struct spinlock page_ref_spin = SPINLOCK_INIT("pageref");

/* Index of the frame at pa in the count array; panics outside the user pool. */
static uint32_t page_ref_index(uint32_t pa)
{
  if (!pool_contains(&pool_user, pa))
    panic("pageref: frame 0x%x is not a user frame", pa);
  return (pa - pool_user.base) / 4096;
}

void page_ref_init(uint16_t *counts)
{
  page_refs = counts;
  for (uint32_t i = 0; i < pool_user.frames; i++)
    counts[i] = 0;
  page_refs_shared = 0;
}

void page_ref_lock(void)
{
  spin_lock(&page_ref_spin);
}

void page_ref_unlock(void)
{
  spin_unlock(&page_ref_spin);
}

uint32_t page_alloc_user(void)
{
  uint32_t pa = pool_alloc(&pool_user, 1);
  if (!pa)
    return 0;
  page_ref_lock();
  page_refs[page_ref_index(pa)] = 1;
  page_refs_generation++;
  page_ref_unlock();
  return pa;
}

void page_ref_inc_locked(uint32_t pa)
{
  uint16_t *c = &page_refs[page_ref_index(pa)];
  if (*c == 0)
    panic("pageref: increment of free frame 0x%x", pa);
  if (++*c == 2)
    page_refs_shared++;
  page_refs_generation++;
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
  if (page_refs[(pa - pool_user.base) / 4096] == 0)
    return "reference count already 0 (double free)";
  return 0;
}

const char *page_ref_check_free(uint32_t pa)
{
  if (!pool_contains(&pool_user, pa))
    return "not a user frame";
  if (page_refs[(pa - pool_user.base) / 4096] != 0)
    return "frame still referenced";
  if (!pool_frame_used(&pool_user, pa))
    return "frame already free";
  return 0;
}

uint32_t page_ref_dec(uint32_t pa)
{
  page_ref_lock();
  const char *bug = page_ref_check_dec(pa);
  if (bug)
    panic("pageref: decrement of frame 0x%x: %s", pa, bug);
  uint16_t *c = &page_refs[page_ref_index(pa)];
  uint32_t left = --*c;
  if (left == 1)
    page_refs_shared--;
  page_refs_generation++;
  page_ref_unlock();
  if (left == 0) {
    bug = page_ref_check_free(pa);
    if (bug)
      panic("pageref: free of frame 0x%x: %s", pa, bug);
    pool_free(&pool_user, pa, 1);
  }
  return left;
}

uint32_t page_ref_get(uint32_t pa)
{
  return page_refs[page_ref_index(pa)];
}

uint32_t page_ref_generation(void)
{
  return page_refs_generation;
}

uint32_t page_ref_shared(void)
{
  return page_refs_shared;
}

void page_ref_set_raw(uint32_t pa, uint16_t count)
{
  page_ref_lock();
  uint16_t *c = &page_refs[page_ref_index(pa)];
  if (*c < 2 && count >= 2)
    page_refs_shared++;
  else if (*c >= 2 && count < 2)
    page_refs_shared--;
  *c = count;
  page_refs_generation++;
  page_ref_unlock();
}
