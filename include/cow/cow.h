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
  COW_SPURIOUS,         /* the entry allows the write already (a sibling thread fixed it, or this
                           CPU held a stale translation): dropped from this CPU's TLB, retry */
  COW_ZERO_MAPPED,      /* a lazy zero page: the zero frame or a fresh zeroed frame mapped (zero.h) */
  COW_ZERO_OUT_OF_MEMORY, /* a write to a lazy zero page found no frame: nothing changed */
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

/* One decision of a write fault, for the [cow] trace line: what was done ("copy", "reuse",
 * "out-of-memory", "table copy", "table reuse", "table out-of-memory", and for lazy zero pages
 * "zero-read", "zero-fill", "zero out-of-memory"), the frame before and
 * after, and its reference count before and after. */
struct cow_step {
  const char *action;
  uint32_t old_pa, new_pa;
  uint32_t refs_before, refs_after;
};
#define COW_STEPS_MAX 2          /* a shared table made private, then the page itself */
struct cow_report {
  int n;
  struct cow_step step[COW_STEPS_MAX];
  /* The TLB shootdown the decisions needed on other CPUs (trace level 2): 0 when none did. */
  uint32_t shot_cpus, shot_va, shot_pages;
  const char *shot_why;
};

/* Resolve a write to va in the current space; rep receives the decisions taken (n may be 0).
 * Call with interrupts masked (the page-fault gate does; others use push_off): the copy uses
 * this CPU's scratch page and the decision must not move to another CPU. In a space several
 * threads use, the caller holds its lock (vm_space_lock_shared). */
enum cow_result cow_handle_write(uint32_t va, struct cow_report *rep);
/* A write into a shared page table's region (its PDE has PDE_SHARED_PT): make the table private
 * to the current space, noting the decision in rep. COW_OUT_OF_MEMORY when no frame was left for
 * the copy, COW_REUSED otherwise. */
enum cow_result cow_unshare_table(uint32_t va, struct cow_report *rep);

#endif
