; ap_start.asm - how an application processor (AP) gets from its STARTUP IPI
; into the kernel.
;
; ap_trampoline_start..ap_trampoline_end is copied by smp.c to
; AP_TRAMPOLINE_PHYS (below 1 MiB, 4 KiB aligned): a STARTUP IPI with vector
; AP_TRAMPOLINE_PHYS >> 12 starts the AP there in real mode (CS = 0x0600,
; IP = 0). The code is assembled into the kernel but runs at that copy, so
; every address it uses is written TR(label): its place in the copy.
; It enters protected mode, turns on the caches, paging with the loader's
; boot page directory (identity 0-4 MiB and the kernel at KERNEL_BASE) and CR0.WP,
; and jumps to smp_ap_entry in the kernel's high half, which loads the
; kernel's own page directory and stack from the mailbox.

%include "layout.inc"
%include "x86.inc"
%include "trap.inc"
%include "smp.inc"

TRAMP_CODE  equ SEG_KCODE           ; selectors of the trampoline's GDT (the kernel uses the same)
TRAMP_DATA  equ SEG_KDATA
MB_ENTRY    equ AP_MAILBOX_ENTRY_OFF   ; struct ap_mailbox (smp.c, offsets in arch/smp.h)
MB_CR3      equ AP_MAILBOX_CR3_OFF
MB_STACK    equ AP_MAILBOX_STACK_OFF
MB_CPU      equ AP_MAILBOX_CPU_OFF
MB_ALIVE    equ AP_MAILBOX_ALIVE_OFF

%define TR(x) ((x) - ap_trampoline_start + AP_TRAMPOLINE_PHYS)

section .rodata
align 16
global ap_trampoline_start, ap_trampoline_end, ap_mailbox

bits 16
ap_trampoline_start:
    cli
    cld
    xor ax, ax
    mov ds, ax
    mov byte [TR(ap_mailbox) + MB_ALIVE], 1     ; the BSP sends no second SIPI once it sees this
    lgdt [TR(tramp_gdtr)]
    mov eax, cr0
    or eax, CR0_PE
    mov cr0, eax
    jmp dword TRAMP_CODE:TR(tramp_32)

bits 32
tramp_32:
    mov ax, TRAMP_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov eax, BOOT_PD_PHYS
    mov cr3, eax
    mov eax, cr0
    and eax, ~(CR0_CD | CR0_NW)     ; INIT leaves the caches off; the boot CPU's firmware turned its on
    or eax, CR0_PG | CR0_WP
    mov cr0, eax
    mov esi, TR(ap_mailbox)
    jmp [esi + MB_ENTRY]

align 8
tramp_gdt:
    dq 0
tramp_gdt_code:
    dq 0x00CF9A000000FFFF           ; TRAMP_CODE: flat 4 GiB, ring 0, code
tramp_gdt_data:
    dq 0x00CF92000000FFFF           ; TRAMP_DATA: flat 4 GiB, ring 0, data
tramp_gdtr:
    dw 3 * 8 - 1
    dd TR(tramp_gdt)

align 4
ap_mailbox:                         ; filled by smp.c for one AP at a time
    times AP_MAILBOX_SIZE db 0
ap_trampoline_end:

; Build check: the trampoline fits the one page reserved for it at AP_TRAMPOLINE_PHYS
; (a negative TIMES count stops the build).
    times ((ap_trampoline_end - ap_trampoline_start) <= PGSIZE) - 1 db 0
; and the trampoline's descriptors sit where the kernel's selectors point.
    times ((tramp_gdt_code - tramp_gdt) == TRAMP_CODE) - 1 db 0
    times ((tramp_gdt_data - tramp_gdt) == TRAMP_DATA) - 1 db 0

section .text
bits 32
global smp_ap_entry
extern smp_ap_main

; Reached from the trampoline with paging on (boot page directory) and
; esi = the mailbox's physical address.
smp_ap_entry:
    add esi, KERNEL_BASE            ; the mailbox through the direct map
    mov eax, [esi + MB_CR3]
    mov cr3, eax                    ; the kernel's page directory: the identity map is gone
    mov esp, [esi + MB_STACK]
    xor ebp, ebp
    push dword [esi + MB_CPU]       ; struct cpu *
    call smp_ap_main
.park:
    cli
    hlt
    jmp .park
