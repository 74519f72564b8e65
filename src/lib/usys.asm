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
SYSCALL thread_exit, SYS_thread_exit
SYSCALL thread_join, SYS_thread_join
SYSCALL gettid, SYS_gettid
SYSCALL futex_wait, SYS_futex_wait
SYSCALL futex_wake, SYS_futex_wake

; int thread_create(void (*fn)(void *), void *arg, void *stack_top): the three arguments as
; for any call, and in esi the entry the new thread starts at. The kernel writes fn and arg
; just below stack_top and starts the thread at thread_start with esp pointing at fn.
global thread_create
thread_create:
    push ebx
    push esi
    mov eax, SYS_thread_create
    mov ebx, [esp + 12]
    mov ecx, [esp + 16]
    mov edx, [esp + 20]
    mov esi, thread_start
    int T_SYSCALL
    pop esi
    pop ebx
    ret

; A new thread's first instruction: esp -> [fn][arg]. fn(arg), then thread_exit(0) if fn returns.
thread_start:
    pop eax
    call eax
    push 0
    call thread_exit
