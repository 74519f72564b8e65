; switch.asm - the kernel context switch.
;
; void sched_context_switch(uint32_t *old_esp, uint32_t new_esp)
; Saves the callee-saved registers on the current kernel stack, stores the
; stack pointer in *old_esp, loads new_esp and restores that stack's
; registers. A new process's stack is prepared by proc_alloc so that the
; final ret lands in trap_return with its user trap frame above.

%include "sched.inc"

; The pushes below are the SWITCH_SAVED_REGS words proc_alloc lays out (sched/sched.h).
%if SWITCH_SAVED_REGS != 4
%error "SWITCH_SAVED_REGS (sched/sched.h) no longer matches the registers sched_context_switch saves"
%endif

bits 32
section .text
global sched_context_switch

sched_context_switch:
    mov eax, [esp + 4]
    mov edx, [esp + 8]
    push ebp
    push ebx
    push esi
    push edi
    mov [eax], esp
    mov esp, edx
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret
