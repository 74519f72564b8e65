; uaccess_copy.asm - the one loop that copies to and from user memory.
;
; int uaccess_copy(void *dst, const void *src, uint32_t n)
; A page fault inside [uaccess_copy_start, uaccess_copy_end) that the fault
; handler cannot resolve (copy-on-write out of memory) resumes at
; uaccess_fault_resume, which returns -1 instead of panicking.

bits 32
section .text

global uaccess_copy, uaccess_copy_start, uaccess_copy_end, uaccess_fault_resume

uaccess_copy:
uaccess_copy_start:
    push esi
    push edi
    mov edi, [esp + 12]
    mov esi, [esp + 16]
    mov ecx, [esp + 20]
    cld
    rep movsb
    xor eax, eax
    pop edi
    pop esi
    ret
uaccess_fault_resume:
    mov eax, -1
    pop edi
    pop esi
    ret
uaccess_copy_end:
