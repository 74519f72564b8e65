/*
 * ptshare.h - page tables shared between address spaces (FORK_POLICY_SHARED_PT).
 *
 * A shared fork points the child's user PDEs at the parent's page tables.
 * Every such PDE, in every space that uses the table, has PTE_W cleared and
 * PDE_SHARED_PT set, so any write into the table's 4 MiB faults. The table
 * then has a count: the number of page directories that point at it. A
 * private table has count 0 and one directory. A frame mapped by a shared
 * table has one reference for that one entry, however many spaces see it.
 */
#ifndef MM_PTSHARE_H
#define MM_PTSHARE_H
#include <stdint.h>
#include "mm/vm.h"

enum pt_unshare_result {
  PT_PRIVATE,           /* the table was not shared: nothing to do */
  PT_REUSED,            /* last user of a shared table: the PDE is writable again */
  PT_COPIED,            /* the space got its own copy of the table */
  PT_OUT_OF_MEMORY,     /* no kernel frame for the copy: nothing changed */
};

struct pt_share_stats {
  uint32_t copies;      /* shared tables copied for a writer */
  uint32_t reuses;      /* shared tables made private again in place (count 1) */
};

extern struct pt_share_stats pt_share_stats;

/* Give child every user page table of parent, shared: no PTE is read or written. The caller
 * flushes the parent's TLB (its PDEs lost PTE_W). */
void pt_share_space(pde_t *parent, pde_t *child);
/* Make the page table behind user PDE index pdx of pd private to pd (reuse at count 1, else a
 * copy in which every present page gains a reference and every writable entry becomes
 * PTE_COW in both tables). *table_before and *count_before (when not 0) get the old table
 * and its count for the trace. Flushes the TLB when pd is the current space; a copy first
 * shoots the table's range down on every CPU in the space, and *shot_cpus (when not 0) gets the
 * other CPUs it reached. */
enum pt_unshare_result pt_unshare(pde_t *pd, uint32_t pdx, uint32_t *table_before, uint32_t *count_before,
                                  uint32_t *shot_cpus);
/* pt_unshare every table that maps a page of [start, end) in pd; -1 when out of memory
 * (tables already made private stay so: that changes nothing a process can see). */
int pt_unshare_range(pde_t *pd, uint32_t start, uint32_t end);
/* pd lets go of the table behind user PDE index pdx (exit, exec): returns 1 when pd was its
 * last user and the caller releases its pages and frees it, 0 when others still use it. */
int pt_share_release(pde_t *pd, uint32_t pdx);
/* The count of the page table at physical address pt (0: private). */
uint32_t pt_share_count(uint32_t pt);
/* Number of page tables shared now (count 2 or more). */
uint32_t pt_share_shared(void);
/* Hold every table count and the PDE change that goes with it still (memcheck, while it walks
 * the spaces: the ptshare lock, taken after proc and before pageref). */
void pt_share_lock(void);
void pt_share_unlock(void);
/* Calls fn(pt, count) for every table whose count is not 0 (memcheck, with pt_share_lock held). */
void pt_share_each(void (*fn)(uint32_t pt, uint32_t count, void *arg), void *arg);

#endif
