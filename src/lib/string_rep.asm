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

; void str_copy_words(void *d, const void *s, unsigned count): copy count dwords from s to d.
str_copy_words:
    push esi
    push edi
    mov edi, [esp + 12]
    mov esi, [esp + 16]
    mov ecx, [esp + 20]
    cld
    rep movsd
    pop edi
    pop esi
    ret

; void str_copy_bytes(void *d, const void *s, unsigned count): copy count bytes from s to d.
str_copy_bytes:
    push esi
    push edi
    mov edi, [esp + 12]
    mov esi, [esp + 16]
    mov ecx, [esp + 20]
    cld
    rep movsb
    pop edi
    pop esi
    ret
