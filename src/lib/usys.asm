; usys.asm - user-side system-call stubs: int 0x80, number in eax,
; arguments in ebx, ecx, edx (taken from the C stack), result in eax.

%include "syscall.inc"
%include "trap.inc"

bits 32
section .text

%macro SYSCALL 2
global $%1
$%1:
    push ebx
    mov eax, %2
    mov ebx, [esp + 8]
    mov ecx, [esp + 12]
    mov edx, [esp + 16]
    int T_SYSCALL
    pop ebx
    ret
%endmacro

SYSCALL fork, SYS_fork
SYSCALL xfork, SYS_xfork
SYSCALL exit, SYS_exit
SYSCALL wait, SYS_wait
SYSCALL waitpid, SYS_waitpid
SYSCALL getpid, SYS_getpid
SYSCALL getppid, SYS_getppid
SYSCALL sbrk, SYS_sbrk
SYSCALL exec, SYS_exec
SYSCALL pipe, SYS_pipe
SYSCALL read, SYS_read
SYSCALL write, SYS_write
SYSCALL close, SYS_close
SYSCALL kill, SYS_kill
SYSCALL sleep, SYS_sleep
SYSCALL yield, SYS_yield
SYSCALL uptime, SYS_uptime
SYSCALL memstat, SYS_memstat
SYSCALL memcheck, SYS_memcheck
SYSCALL cowtrace, SYS_cowtrace
SYSCALL vtop, SYS_vtop
SYSCALL bootconf, SYS_bootconf
SYSCALL proglist, SYS_proglist
SYSCALL setfg, SYS_setfg
SYSCALL framesnap, SYS_framesnap
