/*
 * trapframe.h - what the x86 pushes and the trap stubs save: the register frame on the kernel
 * stack, the vector numbers, the page-fault error bits and the segment selectors, with their
 * names (trapframe.c). The stubs and dispatch that use them are in src/kernel/trap/.
 */
#ifndef ARCH_TRAPFRAME_H
#define ARCH_TRAPFRAME_H
#include <stddef.h>
#include <stdint.h>

#define T_DIVIDE        0
#define T_DEBUG         1
#define T_BREAKPOINT    3
#define T_INVALID_OP    6
#define T_DOUBLE_FAULT  8
#define T_GPF           13
#define T_PAGE_FAULT    14
#define T_EXCEPTIONS    32
#define T_IRQ0          32
#define T_IRQS          16
#define T_SYSCALL       0x80
#define T_LAPIC_TIMER   48       /* every CPU's tick (local APIC timer) */
#define T_IPI_RESCHED   49       /* another CPU made work for this one */
#define T_IPI_TLB       50       /* flush the kernel pages a shootdown names (tlb.c) */
#define T_IPI_CALL      51       /* run the function smp_call left for this CPU */
#define IRQ_TIMER       0
#define IRQ_KEYBOARD    1
#define IRQ_COM1        4

/* Page-fault error code bits. */
#define PF_PRESENT      0x1
#define PF_WRITE        0x2
#define PF_USER         0x4

#define SEG_KCODE       0x08
#define SEG_KDATA       0x10
#define SEG_UCODE       0x1B
#define SEG_UDATA       0x23
#define SEG_TSS         0x28
#define SEG_DF_TSS      0x30     /* the double-fault task */
#define SEG_KCPU        0x38     /* this CPU's struct cpu (%gs in the kernel) */
#define RPL_USER        3

struct trap_frame {
  uint32_t gs, fs, es, ds;
  uint32_t edi, esi, ebp, esp_kernel, ebx, edx, ecx, eax;
  uint32_t vector, error;
  uint32_t eip, cs, eflags;
  uint32_t esp, ss;   /* only when the trap came from ring 3 */
};

/* Offsets isr.asm uses (build/gen/trap.inc): the vector and error slots its stubs push, and
 * where the part the CPU pushed begins. */
#define TRAP_FRAME_VECTOR_OFF 48
#define TRAP_FRAME_ERROR_OFF  52
#define TRAP_FRAME_EIP_OFF    56
_Static_assert(offsetof(struct trap_frame, vector) == TRAP_FRAME_VECTOR_OFF,
               "struct trap_frame: vector moved, isr.asm uses TRAP_FRAME_VECTOR_OFF");
_Static_assert(offsetof(struct trap_frame, error) == TRAP_FRAME_ERROR_OFF,
               "struct trap_frame: error moved, isr.asm uses TRAP_FRAME_ERROR_OFF");
_Static_assert(offsetof(struct trap_frame, eip) == TRAP_FRAME_EIP_OFF,
               "struct trap_frame: eip moved, isr.asm uses TRAP_FRAME_EIP_OFF");

/* Non-zero when the frame was pushed on entry from ring 3. */
static inline int trap_from_user(const struct trap_frame *tf) { return (tf->cs & 3) == RPL_USER; }

/* Human name of an exception vector. */
const char *trap_name(uint32_t vector);
/* Decode a page-fault error code into "present,write,user"-style text. */
const char *trap_pf_decode(uint32_t err, char *buf, unsigned size);
/* Restore the trap frame at the stack pointer and iret (trapret.asm): a new process's first
 * return to user mode, and the tail of every trap stub. */
void trap_return(void);

#endif
