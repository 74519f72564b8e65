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

/* Place the count array (one uint16_t per user-pool frame) at counts. */
void page_ref_init(uint16_t *counts);
/* Allocate a user frame with count 1; returns its physical address or 0 when the pool is empty. */
uint32_t page_alloc_user(void);
/* Add one reference to the user frame at pa. */
void page_ref_inc(uint32_t pa);
/* page_ref_inc for a caller that already holds the count lock (page_ref_lock). */
void page_ref_inc_locked(uint32_t pa);
/* Drop one reference; frees the frame at zero. Returns the count left. */
uint32_t page_ref_dec(uint32_t pa);
/* The current count of the frame at pa. */
uint32_t page_ref_get(uint32_t pa);
/* The reason a decrement of pa would be a kernel bug, or 0 when it is fine. */
const char *page_ref_check_dec(uint32_t pa);
/* The reason freeing pa to the pool would be a kernel bug, or 0 when it is fine. */
const char *page_ref_check_free(uint32_t pa);
/* A number that changes whenever any count changes (a checker's "did anything move"). */
uint32_t page_ref_generation(void);
/* Number of user frames whose count is above one. */
uint32_t page_ref_shared(void);
/* Lock and unlock the count array around a decision that reads and updates it. */
void page_ref_lock(void);
void page_ref_unlock(void);
/* Set a count directly (memcheck's self-test only). */
void page_ref_set_raw(uint32_t pa, uint16_t count);

#endif
