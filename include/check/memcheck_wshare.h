/*
 * memcheck_wshare.h - memcheck's isolation rule (src/kernel/check/memcheck_wshare.c): no user
 * frame is writable in two address spaces that are not THREAD relatives.
 */
#ifndef CHECK_MEMCHECK_WSHARE_H
#define CHECK_MEMCHECK_WSHARE_H
#include <stdint.h>
#include "mm/vm.h"
#include "sched/proc.h"

#define MEMCHECK_WSHARE_SPACES (2 * PROC_MAX)   /* spaces one check tells apart (at most 255: one byte a frame) */

/* One check's state: which space first mapped each user frame writable, and the spaces so far. */
struct memcheck_wshare {
  uint8_t *owner;                        /* one byte per user frame: 0, or the space's number + 1 */
  const struct proc *procs[MEMCHECK_WSHARE_SPACES];
  uint32_t nprocs;
  int bad;                               /* frames found writable in two unrelated spaces */
};

/* Start a check; owner is scratch of one byte per user frame. */
void memcheck_wshare_begin(struct memcheck_wshare *ws, uint8_t *owner);
/* The entries given from now on belong to the space of p (every space once, proc_lock held). */
void memcheck_wshare_space(struct memcheck_wshare *ws, const struct proc *p);
/* One present user entry of the current space at va, seen once per page table (a table shared by
 * several spaces is given once). writable_table: its PDE is writable, or the table is shared (a
 * last user makes the PDE writable without reading a PTE). Prints and counts each frame found
 * writable in two spaces that are not THREAD relatives. */
void memcheck_wshare_entry(struct memcheck_wshare *ws, uint32_t va, pte_t pte, int writable_table);

#endif
