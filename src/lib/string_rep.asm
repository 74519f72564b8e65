; string_rep.asm - the string-instruction cores of memset and memcpy (src/lib/string.c).
;
; Shared by the kernel and user programs. cdecl; esi, edi, ebx, ebp preserved; each
; clears DF itself, so it is correct whatever the caller left in EFLAGS.

bits 32
section .text

global str_fill_words, str_copy_words, str_copy_bytes

; void str_fill_words(void *d, uint32_t word, unsigned count): store word count times at d.
str_fill_words:
    push edi
    mov edi, [esp + 8]
    mov eax, [esp + 12]
    mov ecx, [esp + 16]
    cld
    rep stosd
    pop edi
    ret

; One copy routine: cdecl (d, s, count), esi and edi preserved, DF cleared; %2 is the string
; move that copies count units (movsd: dwords, movsb: bytes).
%macro STR_COPY 2
%1:
    push esi
    push edi
    mov edi, [esp + 12]
    mov esi, [esp + 16]
    mov ecx, [esp + 20]
    cld
    rep %2
    pop edi
    pop esi
    ret
%endmacro

; void str_copy_words(void *d, const void *s, unsigned count): copy count dwords from s to d.
STR_COPY str_copy_words, movsd

; void str_copy_bytes(void *d, const void *s, unsigned count): copy count bytes from s to d.
STR_COPY str_copy_bytes, movsb
