/*
 * trap.h - trap dispatch, the page-fault handler and the exception dump (src/kernel/trap/);
 * the frame they work on is in arch/trapframe.h.
 */
#ifndef TRAP_TRAP_H
#define TRAP_TRAP_H
#include <stdint.h>

#include "arch/trapframe.h"

/* Called by the common stub for every vector except the page fault. */
void trap_dispatch(struct trap_frame *tf);
/* The double-fault task's code (vector 8 is a task gate; each CPU's TSS starts here). */
void trap_double_fault_task(void);
/* Print the full register dump for an exception. */
void trap_dump(const struct trap_frame *tf, uint32_t cr2);
/* The page-fault C handler, called from asm_page_fault_handler. */
void c_page_fault_handler(uint32_t error_code, uint32_t cr2, struct trap_frame *tf);

/* Where the kernel self-tests ask a controlled exception to resume. One for the machine: the
 * self-tests that arm it run on cpu0 before any process exists (the other CPUs idle). */
struct trap_expect {
  int armed;
  uint32_t vector;
  uint32_t error;
  uint32_t cr2;
  uint32_t resume_eip;
  int hit;
};
extern struct trap_expect trap_expected;

/* If a self-test armed trap_expected for this vector: record it, resume at its label, return 1. */
int trap_expect_consume(struct trap_frame *tf, uint32_t cr2);


#endif
