; kt_fault.asm - instructions that fault on purpose for the CPU self-tests.
; The trap handler, armed by the test, records the fault and resumes at
; the matching *_resume label.

bits 32
section .text
global ktest_read, ktest_read_resume, ktest_write, ktest_write_resume, ktest_ud2, ktest_ud2_resume

ktest_read:                      ; uint32_t ktest_read(uint32_t addr)
    mov ecx, [esp + 4]
    xor eax, eax
    mov eax, [ecx]
ktest_read_resume:
    ret

ktest_write:                     ; void ktest_write(uint32_t addr)
    mov ecx, [esp + 4]
    mov dword [ecx], 0
ktest_write_resume:
    ret

ktest_ud2:                       ; void ktest_ud2(void)
    ud2
ktest_ud2_resume:
    ret
