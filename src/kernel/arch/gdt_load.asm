; gdt_load.asm - switch a CPU onto the descriptor tables gdt.c built for it.
;
; void gdt_load(const struct gdt_ptr *p)
; Loads the GDT p describes, reloads every segment register from it (%gs
; selects this CPU's struct cpu, %cs through a far jump) and loads the task
; register with the CPU's TSS. The selectors are arch/trapframe.h's SEG_*.

%include "trap.inc"

bits 32
section .text
global gdt_load

gdt_load:
    mov eax, [esp + 4]
    lgdt [eax]
    mov ax, SEG_KDATA
    mov cx, SEG_KCPU
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, cx
    mov ss, ax
    jmp SEG_KCODE:.reload_cs
.reload_cs:
    mov ax, SEG_TSS
    ltr ax
    ret
