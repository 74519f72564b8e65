; cpu_probe.asm - the two probes cpu_check.c asks the processor.
;
; int cpu_eflags_toggles(uint32_t mask)
; 1 when the EFLAGS bits in mask can be flipped (EFLAGS.AC: an i486 or later;
; EFLAGS.ID: CPUID exists), else 0. EFLAGS is restored before returning.
;
; void cpu_cpuid(uint32_t leaf, uint32_t r[4])
; CPUID leaf (subleaf 0) into r[0..3] = eax, ebx, ecx, edx. Only once
; cpu_eflags_toggles(EFLAGS_ID) said CPUID exists: the build lets cpuid
; appear in this function only (run/check-i486.sh -a cpuid@cpu_cpuid).

bits 32
section .text
global cpu_eflags_toggles, cpu_cpuid

cpu_eflags_toggles:
    pushfd
    pop eax                         ; before
    mov ecx, eax
    xor ecx, [esp + 4]
    push ecx
    popfd
    pushfd
    pop ecx                         ; after: what the processor kept
    push eax
    popfd                           ; EFLAGS as it was
    xor eax, ecx
    test eax, [esp + 4]
    setnz al
    movzx eax, al
    ret

cpu_cpuid:
    push ebx
    push edi
    mov eax, [esp + 12]
    mov edi, [esp + 16]
    xor ecx, ecx
    cpuid
    mov [edi], eax
    mov [edi + 4], ebx
    mov [edi + 8], ecx
    mov [edi + 12], edx
    pop edi
    pop ebx
    ret
