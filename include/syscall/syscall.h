/*
 * syscall.h - system-call numbers (shared with the user library's stubs
 * through build/gen/syscall.inc) and the dispatcher.
 *
 * ABI: int 0x80, number in eax, arguments in ebx, ecx, edx, esi, edi,
 * result in eax.
 */
#ifndef SYSCALL_SYSCALL_H
#define SYSCALL_SYSCALL_H

#define SYS_fork      1
#define SYS_xfork     2
#define SYS_exit      3
#define SYS_wait      4
#define SYS_waitpid   5
#define SYS_getpid    6
#define SYS_getppid   7
#define SYS_sbrk      8
#define SYS_exec      9
#define SYS_pipe      10
#define SYS_read      11
#define SYS_write     12
#define SYS_close     13
#define SYS_kill      14
#define SYS_sleep     15
#define SYS_yield     16
#define SYS_uptime    17
#define SYS_memstat   18
#define SYS_memcheck  19
#define SYS_cowtrace  20
#define SYS_vtop      21
#define SYS_bootconf  22
#define SYS_proglist  23
#define SYS_setfg     24
#define SYS_framesnap 25
#define SYS_thread_create 26   /* also esi: the user library's thread entry stub */
#define SYS_thread_exit   27
#define SYS_thread_join   28
#define SYS_gettid        29
#define SYS_futex_wait    30
#define SYS_futex_wake    31
#define SYS_COUNT     32

#ifndef __ASSEMBLER__
struct trap_frame;
/* Run the system call named by tf->eax and store its result in tf->eax. */
void syscall_dispatch(struct trap_frame *tf);
#endif

#endif
