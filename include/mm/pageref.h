/*
 * pageref.h - reference counts of user frames.
 *
 * One count per user-pool frame, in an array indexed by frame number and
 * guarded by one spinlock. A count is the number of user page-table
 * entries that map the frame; the frame goes back to the pool when its
 * count drops to zero.
 */
#ifndef MM_PAGEREF_H
#define MM_PAGEREF_H
#include <stdint.h>
#include "arch/spinlock.h"
#include "mm/pool.h"
#include "arch/printk.h"

/* Place the count array (one uint16_t per user-pool frame) at counts. */
void page_ref_init(uint16_t *counts);
/* Allocate a user frame with count 1; returns its physical address or 0 when the pool is empty. */
uint32_t page_alloc_user(void);
/* Add one reference to the user frame at pa. */
void page_ref_inc(uint32_t pa);
/* page_ref_inc for a caller that already holds the count lock (page_ref_lock). */
void page_ref_inc_locked(uint32_t pa);
/* Drop the reference of every present entry of the page table pt (except the zero frame's, which
 * have none: zeropage.h) under one hold of the count lock; frames that reach zero go back to the pool in runs of consecutive frames, under one hold
 * of the pool lock taken under the count lock (the lock order: include/arch/spinlock.h). Frames
 * other entries still map keep their counts, less this table's references. */
void page_ref_release_table(const uint32_t *pt);
/* Drop one reference with the count lock held; returns the count left. At zero the caller
 * gives the frame back with page_ref_free (page_ref_dec does, after unlocking). */
uint32_t page_ref_dec_locked(uint32_t pa);
/* Give a frame whose count reached zero back to the user pool. */
void page_ref_free(uint32_t pa);
/* Drop one reference; frees the frame at zero. Returns the count left. */
uint32_t page_ref_dec(uint32_t pa);
/* The current count of the frame at pa (count lock held, or a value that cannot move). */
uint32_t page_ref_get(uint32_t pa);
/* The reason a decrement of pa would be a kernel bug, or 0 when it is fine. */
const char *page_ref_check_dec(uint32_t pa);
/* The reason freeing pa to the pool would be a kernel bug, or 0 when it is fine. */
const char *page_ref_check_free(uint32_t pa);
/* A number that changes whenever any count changes (a checker's "did anything move"). */
uint32_t page_ref_generation(void);
/* Number of user frames whose count is above one. */
uint32_t page_ref_shared(void);
/* Copy the counts of frames [first, first + n) (indexes into the user pool), each saturated at
 * max, into out; the caller holds the count lock and has checked the range. */
void page_ref_copy_locked(uint32_t first, uint32_t n, uint8_t *out, uint32_t max);
/* The count lock (pageref.c); use page_ref_lock and page_ref_unlock. */
extern struct spinlock page_ref_spin;
/* Lock and unlock the count array around a decision that reads and updates it (macros, so the
 * lock records the caller's file and line). */
#define page_ref_lock() spin_lock(&page_ref_spin)
#define page_ref_unlock() spin_unlock(&page_ref_spin)
/* The same for a caller whose interrupts the CPU masked (the page fault: spin_lock_masked_at). */
#define page_ref_lock_masked() spin_lock_masked(&page_ref_spin)
#define page_ref_unlock_masked() spin_unlock_masked(&page_ref_spin)
/* The count array and its bookkeeping, for the inline functions below; everything else goes
 * through the functions above. */
struct page_ref_array {
  uint16_t *counts;                    /* one per user-pool frame, indexed by pool_frame_slot */
  uint32_t shared;                     /* frames whose count is above one */
  volatile uint32_t generation;        /* bumped by every change to a count */
};
extern struct page_ref_array page_ref_array;
/* Panic: an entry being shared maps pa, which is outside the user pool or free. */
void page_ref_bad_share(uint32_t pa, int outside) __attribute__((noreturn));

/* For a loop that shares many entries under one hold of the count lock (fork's sharing loop, a
 * shared table's copy): the user pool's range and the count array, read once before the loop
 * (the loop's own stores to entries could otherwise make the compiler read them again). */
struct page_ref_view {
  uint32_t base, frames;
  uint16_t *counts;
  uint32_t newly_shared;               /* frames this loop took from count 1 to 2 */
};
static inline struct page_ref_view page_ref_view_locked(void)
{
  return (struct page_ref_view){ pool_user.base, pool_user.frames, page_ref_array.counts, 0 };
}
/* The count of the frame at pa, which a live entry maps, and its slot in *slot; panics when the
 * frame is outside the pool or free (lock held). */
static inline uint32_t page_ref_mapped_locked(const struct page_ref_view *v, uint32_t pa, uint32_t *slot)
{
  uint32_t i = (pa - v->base) >> PGSHIFT;
  if (i >= v->frames || v->counts[i] == 0)
    page_ref_bad_share(pa, i >= v->frames);
  *slot = i;
  return v->counts[i];
}
/* One more reference to the frame in slot i, whose count the caller read as c (lock held). */
static inline void page_ref_share_locked(struct page_ref_view *v, uint32_t i, uint32_t c)
{
  v->counts[i] = (uint16_t)(c + 1);
  v->newly_shared += c == 1;
}
/* The end of a loop of page_ref_share_locked: the shared-frame total, and checkers see that
 * counts moved (lock held). */
static inline void page_ref_shared_done_locked(const struct page_ref_view *v)
{
  page_ref_array.shared += v->newly_shared;
  page_ref_array.generation++;
}
/* Panic: a count was asked of pa, which is not a user frame. */
void page_ref_bad_frame(uint32_t pa) __attribute__((noreturn));
/* The count of the frame at pa read once without the lock: a snapshot that may already be stale,
 * except that 1 stays 1 when the caller's own private PTE is that reference (cow_fault.c).
 * Inline: the copy-on-write fault reads it before anything else. */
static inline uint32_t page_ref_peek(uint32_t pa)
{
  uint32_t i = (pa - pool_user.base) >> PGSHIFT;
  if (i >= pool_user.frames)
    page_ref_bad_frame(pa);
  return __atomic_load_n(&page_ref_array.counts[i], __ATOMIC_ACQUIRE);
}
/* Checkers see that counts moved (lock held): one increment in memory. */
static inline void page_ref_generation_bump(void)
{
  __asm__ volatile("incl %0" : "+m"(page_ref_array.generation));
}
/* Panic: new_pa, the frame a copy was made into, is outside the user pool or already counted. */
void page_ref_bad_copy(uint32_t new_pa) __attribute__((noreturn));
/* The copy-on-write decision on a copy made before the count lock was taken (lock held): while
 * old_pa is still shared (count 2 or more) new_pa, fresh from the pool, gets its first reference
 * and old_pa loses one; at count 1 nothing changes. Returns old_pa's count before. old_pa is a
 * frame the caller's entry maps (page_ref_peek checked it). Inline: every COW copy runs it. */
/* LAB(cow) BEGIN "page_ref_move_if_shared_locked: the count side of a copy (see above)" */
static inline uint32_t page_ref_move_if_shared_locked(uint32_t old_pa, uint32_t new_pa)
{
  uint16_t *counts = page_ref_array.counts;
  uint32_t base = pool_user.base, i = (old_pa - base) >> PGSHIFT, refs = counts[i];
  if (refs > 1) {                      /* the drop below cannot reach zero */
    uint32_t n = (new_pa - base) >> PGSHIFT;
    if (n >= pool_user.frames || counts[n] != 0)
      page_ref_bad_copy(new_pa);
    counts[n] = 1;
    counts[i] = (uint16_t)(refs - 1);
    if (refs == 2)
      page_ref_array.shared--;
    page_ref_generation_bump();
  }
  return refs;
}
#if 0 /* LAB STARTER */
static inline uint32_t page_ref_move_if_shared_locked(uint32_t old_pa, uint32_t new_pa)
{
  panic("pageref: page_ref_move_if_shared_locked(0x%x, 0x%x) is not written yet", old_pa, new_pa);
}
#endif /* LAB END */
/* Set a count directly (memcheck's self-test only). */
void page_ref_set_raw(uint32_t pa, uint16_t count);

#endif
