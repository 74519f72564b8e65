; loader_entry.asm - second stage, real-mode half.
;
; Loaded at LOADER_PHYS by the MBR. Reads the BIOS E820 memory map into the
; bootinfo block, enables A20 (and checks it), switches to 32-bit protected
; mode with a flat GDT, and calls loader_main (loader.c), which loads the
; kernel ELF and enters it with paging on. loader_enter_kernel does that jump.

%include "layout.inc"
%include "bootinfo.inc"
%include "x86.inc"
%include "trap.inc"

; The loader's flat segments use the kernel's selectors, so the kernel starts on valid ones.
LOADER_CODE equ SEG_KCODE
LOADER_DATA equ SEG_KDATA

bits 16
section .entry

global loader_start
extern loader_main

loader_start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, MBR_PHYS
    sti

    ; E820: entries of E820_ENTRY_SIZE bytes at BOOTINFO_PHYS + BOOTINFO_E820_OFFSET.
    mov dword [BOOTINFO_PHYS + BOOTINFO_COUNT_OFFSET], 0
    mov di, BOOTINFO_PHYS + BOOTINFO_E820_OFFSET
    xor ebx, ebx
.e820_next:
    mov eax, 0xE820
    mov edx, 0x534D4150            ; 'SMAP'
    mov ecx, E820_ENTRY_SIZE
    mov dword [di + 20], 1         ; ACPI 3.0 "valid" bit, in case the BIOS skips it
    int 0x15
    jc .e820_done
    cmp eax, 0x534D4150
    jne .e820_done
    inc dword [BOOTINFO_PHYS + BOOTINFO_COUNT_OFFSET]
    add di, E820_ENTRY_SIZE
    cmp dword [BOOTINFO_PHYS + BOOTINFO_COUNT_OFFSET], E820_MAX
    jae .e820_done
    test ebx, ebx
    jnz .e820_next
.e820_done:
    cmp dword [BOOTINFO_PHYS + BOOTINFO_COUNT_OFFSET], 0
    je .fail_e820

    ; A20: ask the BIOS, then the fast A20 port, then check.
    mov ax, 0x2401
    int 0x15
    in al, 0x92
    or al, 2
    and al, 0xFE
    out 0x92, al
    call a20_check
    jz .fail_a20

    cli
    lgdt [gdt_desc]
    mov eax, cr0
    or eax, CR0_PE
    mov cr0, eax
    jmp LOADER_CODE:pm_start

.fail_e820:
    mov si, msg_e820
    jmp fail16
.fail_a20:
    mov si, msg_a20
fail16:
    lodsb
    test al, al
    jz .halt
    mov ah, 0x0E
    mov bx, 0x0007
    int 0x10
    jmp fail16
.halt:
    hlt
    jmp .halt

; Sets ZF when A20 is off: 0000:0500 and FFFF:0510 alias each other.
a20_check:
    push ds
    push es
    xor ax, ax
    mov ds, ax
    not ax
    mov es, ax
    mov byte [ds:0x0500], 0x00
    mov byte [es:0x0510], 0xFF
    cmp byte [ds:0x0500], 0xFF
    pop es
    pop ds
    je .off
    or al, 1                       ; AL=0xFF here: clears ZF
    ret
.off:
    xor al, al                     ; sets ZF
    ret

msg_e820: db "loader: BIOS E820 memory map unavailable", 13, 10, 0
msg_a20:  db "loader: could not enable A20", 13, 10, 0

align 8
gdt:
    dq 0
gdt_code:
    dq 0x00CF9A000000FFFF          ; LOADER_CODE: flat code
gdt_data:
    dq 0x00CF92000000FFFF          ; LOADER_DATA: flat data
gdt_desc:
    dw gdt_desc - gdt - 1
    dd gdt

bits 32
pm_start:
    mov ax, LOADER_DATA
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, LOADER_STACK_TOP
    push BOOTINFO_PHYS
    call loader_main
.halt:
    cli
    hlt
    jmp .halt

; void loader_enter_kernel(uint32_t pd_phys, uint32_t entry, uint32_t bootinfo)
; Loads CR3, turns on paging with CR0.WP, and jumps to the kernel entry.
global loader_enter_kernel
loader_enter_kernel:
    mov eax, [esp + 4]
    mov ecx, [esp + 8]
    mov edx, [esp + 12]
    mov cr3, eax
    mov eax, cr0
    or eax, CR0_PG | CR0_WP
    mov cr0, eax
    jmp ecx

; Build check: the descriptors sit where the selectors point (a negative TIMES count stops the build).
    times ((gdt_code - gdt) == LOADER_CODE) - 1 db 0
    times ((gdt_data - gdt) == LOADER_DATA) - 1 db 0
