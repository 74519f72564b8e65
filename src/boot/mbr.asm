; mbr.asm - the 512-byte boot sector.
;
; The BIOS loads it at 0x7C00 in real mode. It reads the second-stage loader
; from the disk with the BIOS extended read (int 0x13, AH=0x42), using the
; disk table that mkimage patches in at BOOT_TABLE_OFFSET, and jumps to it
; with the boot drive in DL.

%include "layout.inc"
%include "bootinfo.inc"

bits 16
org MBR_PHYS

mbr_start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, MBR_PHYS
    sti
    mov [boot_drive], dl

    mov si, msg_boot
    call mbr_print

    ; Disk address packet: read loader_sectors from loader_lba to LOADER_PHYS.
    mov ax, [boot_table + BOOTTAB_LOADER_SECTORS]
    cmp ax, LOADER_MAX_SECTORS
    ja mbr_fail
    mov [dap_count], ax
    mov eax, [boot_table + BOOTTAB_LOADER_LBA]
    mov [dap_lba], eax
    mov si, dap
    mov ah, 0x42
    mov dl, [boot_drive]
    int 0x13
    jc mbr_fail

    mov dl, [boot_drive]
    jmp 0:LOADER_PHYS

mbr_fail:
    mov si, msg_fail
    call mbr_print
.halt:
    hlt
    jmp .halt

; Print the NUL-terminated string at DS:SI with the BIOS teletype call.
mbr_print:
    lodsb
    test al, al
    jz .done
    mov ah, 0x0E
    mov bx, 0x0007
    int 0x10
    jmp mbr_print
.done:
    ret

msg_boot:   db "mbr: loading loader", 13, 10, 0
msg_fail:   db "mbr: disk read failed", 13, 10, 0
boot_drive: db 0

align 4
dap:        db 0x10, 0
dap_count:  dw 0
dap_offset: dw LOADER_PHYS
dap_segment: dw 0
dap_lba:    dd 0, 0

; If the code above grows into the disk table, NASM stops here with
; "TIMES value is negative": the boot sector has outgrown its 416 bytes.
    times BOOT_TABLE_OFFSET - ($ - $$) db 0
boot_table:
    times 24 db 0
    times 510 - ($ - $$) db 0
    dw 0xAA55
