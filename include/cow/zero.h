/*
 * zero.h - faults on lazily backed zero pages (the untouched heap).
 */
#ifndef COW_ZERO_H
#define COW_ZERO_H
#include <stdint.h>
#include "cow/cow.h"

/* Resolve a fault at va (err: the page-fault error code) in the current space when its page lies
 * in [lo, hi), the range backed lazily (the caller's process: [zero_start, break), its heap): a read of an absent page maps the zero frame read-only ("zero-read"); a
 * write to an absent page or to the zero frame maps a fresh zeroed frame, writable ("zero-fill";
 * never a copy of the zero frame). A page table shared by FORK_POLICY_SHARED_PT is made private
 * first. Returns COW_ZERO_MAPPED, COW_SPURIOUS (the entry allows the access already),
 * COW_ZERO_OUT_OF_MEMORY, or COW_NOT_COW (outside the range, or not a zero-page fault). rep gets
 * the decisions, after any it holds. Interrupts masked and the space lock held, as for
 * cow_handle_write. */
enum cow_result zero_handle_fault(uint32_t va, uint32_t err, uint32_t lo, uint32_t hi, struct cow_report *rep);

#endif
