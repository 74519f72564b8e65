; entry.asm - the kernel's first instructions.
;
; The loader jumps here with paging on (kernel at KERNEL_BASE + 1 MiB) and
; interrupts off. Switch to the boot stack and call kernel_main.

bits 32
section .text.entry
global _start
extern kernel_main

BOOT_STACK_SIZE equ 16384

_start:
    mov esp, boot_stack_top
    xor ebp, ebp
    call kernel_main
.halt:
    cli
    hlt
    jmp .halt

section .bss
align 16
global boot_stack_bottom
boot_stack_bottom:
    resb BOOT_STACK_SIZE
global boot_stack_top
boot_stack_top:
