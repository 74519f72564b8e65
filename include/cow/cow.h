/*
 * cow.h - copy-on-write: resolving a write to a shared page, counters, trace.
 */
#ifndef COW_COW_H
#define COW_COW_H
#include <stdint.h>

enum cow_result {
  COW_NOT_COW,          /* not a present, user, PTE_COW page: someone else's fault */
  COW_REUSED,           /* last reference: made writable in place */
  COW_COPIED,           /* shared: copied to a fresh frame */
  COW_OUT_OF_MEMORY,    /* shared, and no frame for the copy: nothing changed */
};

struct cow_stats {
  uint32_t faults;      /* write faults on PTE_COW pages (user and kernel mode) */
  uint32_t copies;
  uint32_t reuses;
};

/* The counts of every CPU added up (each CPU counts its own faults: struct cpu). */
void cow_stats_sum(struct cow_stats *out);

/* A checker's view of the copies in flight: seq[i] is cpu i's copy sequence, odd while that CPU
 * holds a frame for a copy whose count is not set yet. Equal even snapshots before and after a
 * look mean no copy was half done during it. Fills CPU_MAX values. */
void cow_copy_seqs(uint32_t *seq);
/* Non-zero when before (from cow_copy_seqs) shows a copy in flight or differs from now. */
int cow_copies_moved(const uint32_t *before);

/* Resolve a write to va in the current space; err and eip only feed the trace line. Call with
 * interrupts masked (the page-fault gate does; others use push_off): the copy uses this CPU's
 * scratch page and the decision must not move to another CPU. */
enum cow_result cow_handle_write(uint32_t va, uint32_t err, uint32_t eip);
/* Set the current process's trace level (0 off, 1 one line per COW fault of its own); the
 * processes it creates afterwards inherit it. Returns the old level. */
int cow_trace_set(int level);

#endif
