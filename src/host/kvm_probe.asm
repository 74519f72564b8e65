; kvm_probe.asm - a one-sector boot image that asks "can this accelerator run
; the kernel?": it enters protected mode, turns on 32-bit paging with CR0.WP
; exactly as the loader does, and reports through QEMU's isa-debug-exit port
; (0x10: QEMU exits 33). Where the accelerator cannot run 32-bit paging
; (some nested hypervisors) the guest resets instead and QEMU exits 0.
; run/launch/qemu.sh boots it once under KVM to decide between KVM and TCG.

bits 16
org 0x7C00

PROBE_PD  equ 0x10000
PROBE_PT  equ 0x11000
DEBUG_EXIT equ 0xF4
PROBE_PASS equ 0x10

start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7C00
    in al, 0x92
    or al, 2
    out 0x92, al
    lgdt [gdt_desc]
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp 0x08:pm

bits 32
pm:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov edi, PROBE_PD
    xor eax, eax
    mov ecx, 2048
    rep stosd                       ; clear the directory and the table
    mov edi, PROBE_PT
    mov eax, 0x3
    mov ecx, 1024
.fill:
    stosd
    add eax, 0x1000
    loop .fill
    mov dword [PROBE_PD], PROBE_PT | 3
    mov eax, PROBE_PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80010000              ; PG | WP
    mov cr0, eax
    mov eax, [0x7C00]               ; a read through the new page tables
    mov al, PROBE_PASS
    out DEBUG_EXIT, al
.halt:
    hlt
    jmp .halt

align 8
gdt:
    dq 0
    dq 0x00CF9A000000FFFF
    dq 0x00CF92000000FFFF
gdt_desc:
    dw gdt_desc - gdt - 1
    dd gdt

    times 510 - ($ - $$) db 0
    dw 0xAA55
