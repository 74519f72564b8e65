; isr.asm - interrupt entry points.
;
; Every vector gets a stub that makes the stack look the same (an error code
; slot and the vector number) and jumps to isr_common, which saves the
; registers as a struct trap_frame (include/arch/trapframe.h) and calls
; trap_dispatch. The page fault has its own hand-written entry,
; asm_page_fault_handler, which hands CR2 to c_page_fault_handler.
; Selectors, vectors and frame offsets come from the C headers (build/gen/*.inc).

%include "trap.inc"
%include "lapic.inc"

; SAVE_FRAME pushes 4 segment and 8 general registers below the vector slot.
%if TRAP_FRAME_VECTOR_OFF != (4 + 8) * 4
%error "struct trap_frame (arch/trapframe.h) no longer matches the registers SAVE_FRAME pushes"
%endif

%include "arch/trapframe.inc"

bits 32
section .text

extern trap_dispatch
extern c_page_fault_handler

; ISR_NOERR vector / ISR_ERR vector: the stub isrN (N the vector in decimal, as idt.c names it).
%macro ISR_NOERR 1
%assign vec %1
global isr %+ vec
isr %+ vec:
    push dword 0
    push dword vec
    jmp isr_common
%endmacro

%macro ISR_ERR 1
%assign vec %1
global isr %+ vec
isr %+ vec:
    push dword vec
    jmp isr_common
%endmacro

; Save segment and general registers, switch to kernel data segments, and
; clear the direction flag: a user program may have left DF set, and the
; compiled C code (string copies) relies on DF = 0.
%macro SAVE_FRAME 0
    cld
    pushad
    push ds
    push es
    push fs
    push gs
    mov ax, SEG_KDATA
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov ax, SEG_KCPU                ; %gs selects this CPU's struct cpu
    mov gs, ax
%endmacro

ISR_NOERR 0
ISR_NOERR 1
ISR_NOERR 2
ISR_NOERR 3
ISR_NOERR 4
ISR_NOERR 5
ISR_NOERR 6
ISR_NOERR 7
ISR_ERR   8
ISR_NOERR 9
ISR_ERR   10
ISR_ERR   11
ISR_ERR   12
ISR_ERR   13
ISR_NOERR 15
ISR_NOERR 16
ISR_ERR   17
ISR_NOERR 18
ISR_NOERR 19
ISR_NOERR 20
ISR_ERR   21
ISR_NOERR 22
ISR_NOERR 23
ISR_NOERR 24
ISR_NOERR 25
ISR_NOERR 26
ISR_NOERR 27
ISR_NOERR 28
ISR_NOERR 29
ISR_ERR   30
ISR_NOERR 31
%assign i T_IRQ0
%rep T_IRQS
ISR_NOERR i
%assign i i+1
%endrep
ISR_NOERR T_LAPIC_TIMER
ISR_NOERR T_IPI_RESCHED
ISR_NOERR T_IPI_TLB
ISR_NOERR T_IPI_CALL
ISR_NOERR T_SYSCALL
ISR_NOERR T_LAPIC_SPURIOUS

isr_common:
    SAVE_FRAME
    push esp                        ; struct trap_frame *
    call trap_dispatch
    add esp, 4
    RESTORE_FRAME

; Page fault (vector 14). The CPU has pushed the error code. Build the same
; frame as every other trap, read CR2, call
; c_page_fault_handler(error_code, cr2, frame), then pop the error code and iret.
global asm_page_fault_handler
asm_page_fault_handler:
; LAB(cow) BEGIN "asm_page_fault_handler: the frame, CR2, c_page_fault_handler, then drop the error code and iret"
    push dword T_PAGE_FAULT         ; vector slot, so the frame matches struct trap_frame
    SAVE_FRAME
    mov ebx, esp                    ; frame
    mov eax, cr2
    push ebx                        ; frame
    push eax                        ; cr2
    push dword [ebx + TRAP_FRAME_ERROR_OFF]   ; error code
    call c_page_fault_handler
    add esp, 12
    pop gs                          ; RESTORE_FRAME, written out: the design card's stub
    pop fs
    pop es
    pop ds
    popad
    add esp, 4                      ; the vector slot
    add esp, 4                      ; pop the error code
    iret
%if 0 ; LAB STARTER
    push dword T_PAGE_FAULT         ; for now the common path: trap.c passes it on
    jmp isr_common
%endif ; LAB END
