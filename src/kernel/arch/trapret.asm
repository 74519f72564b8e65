; trapret.asm - trap_return: restore the trap frame at esp and iret. A new process's kernel
; stack is built to return here (sched/proc.c), from its first switch to user mode.

%include "arch/trapframe.inc"

bits 32
section .text

global trap_return
trap_return:
    RESTORE_FRAME
