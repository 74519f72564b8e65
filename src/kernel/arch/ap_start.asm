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

CR0_PE      equ 0x1
CR0_NW      equ 0x20000000
CR0_CD      equ 0x40000000
CR0_WP      equ 0x10000
CR0_PG      equ 0x80000000
TRAMP_CODE  equ 0x08                ; selectors of the trampoline's GDT (the kernel uses the same)
TRAMP_DATA  equ 0x10
MB_ENTRY    equ 0                   ; struct ap_mailbox (smp.c)
MB_CR3      equ 4
MB_STACK    equ 8
MB_CPU      equ 12
MB_ALIVE    equ 16

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
    dq 0x00CF9A000000FFFF           ; TRAMP_CODE: flat 4 GiB, ring 0, code
    dq 0x00CF92000000FFFF           ; TRAMP_DATA: flat 4 GiB, ring 0, data
tramp_gdtr:
    dw 3 * 8 - 1
    dd TR(tramp_gdt)

align 4
ap_mailbox:                         ; filled by smp.c for one AP at a time
    times 5 dd 0
ap_trampoline_end:

; Build check: the trampoline fits the one page reserved for it at AP_TRAMPOLINE_PHYS
; (a negative TIMES count stops the build).
    times ((ap_trampoline_end - ap_trampoline_start) <= PGSIZE) - 1 db 0

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
