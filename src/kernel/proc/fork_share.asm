; fork_share.asm - the common case of fork's sharing rule, the loop a COW fork runs per page.
; LAB(cow) BEGIN "fork_share_run: the common case of fork_share_table in NASM (optional, once the C loop works)"
;
; pte_t *fork_share_run(pte_t *p, const pte_t *end, pte_t *dst_end, uint16_t *counts,
;                       uint32_t neg_bias, uint32_t limit)
; For each parent entry from p up to end (one page table), while the entry is present and
; writable and its frame's count is 1: flip PTE_W off and PTE_COW on (one exclusive or: a
; writable entry never has PTE_COW), store it in the parent's table and at the same place in the
; child's (dst_end is the child table's end), and set the count to 2. Returns the first entry
; that is anything else (not present, read-only, a frame already shared, not a user frame), or
; end. The caller (fork.c, fork_share_table) holds the count lock and handles that entry.
;
; One subtraction and one comparison tell the case. neg_bias is -(pool base + PTE_P + PTE_W):
; x = e + neg_bias has its two low bits clear exactly when P and W are both set (the flags are the
; low 12 bits of e, the base is page-aligned), and its bits 12 and up are then the frame's index
; in the user pool. Rotating x right by 2 moves those two bits to the top, so one unsigned
; comparison with limit (the pool's frames << 10) fails both for a missing P or W (rotated value
; at least 2^30) and for a frame outside the pool; after it, rotated >> 10 is the index, checked
; before the count is read. Two entries per pass (the odd one first), 13 instructions an entry.

%include "mmu.inc"
%include "layout.inc"

%define FORK_RUN_INDEX_SHIFT (PGSHIFT - 2)     ; the rotated x's shift to the frame index

bits 32
section .text
global fork_share_run

; SHARE_ONE off, stop: entry at [esi + ecx + off]; jumps to stop when it is not the common case.
%macro SHARE_ONE 2
    mov eax, [esi + ecx + %1]
    lea edx, [eax + ebp]
    ror edx, 2
    cmp edx, [esp + 40]                     ; limit
    jae %2
    shr edx, FORK_RUN_INDEX_SHIFT
    cmp word [ebx + edx * 2], 1
    jne %2
    xor eax, PTE_W | PTE_COW
    mov [esi + ecx + %1], eax
    mov [edi + ecx + %1], eax
    mov word [ebx + edx * 2], 2
%endmacro

fork_share_run:
    push ebp
    push ebx
    push esi
    push edi
    mov ecx, [esp + 20]                     ; p
    mov esi, [esp + 24]                     ; end
    mov edi, [esp + 28]                     ; dst_end
    mov ebx, [esp + 32]                     ; counts
    mov ebp, [esp + 36]                     ; neg_bias
    sub ecx, esi                            ; minus the bytes left: counts up to 0
    jz .done
    test ecx, 4                             ; an odd number of entries: one first
    jz .pair
    SHARE_ONE 0, .done
    add ecx, 4
    jz .done
.pair:
    SHARE_ONE 0, .done
    SHARE_ONE 4, .second
    add ecx, 8
    jnz .pair
    jmp .done
.second:
    add ecx, 4                              ; stopped at the pair's second entry
.done:
    lea eax, [esi + ecx]
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret
%if 0 ; LAB STARTER
%endif ; LAB END
