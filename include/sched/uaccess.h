/*
 * uaccess.h - checked access to user memory from system calls.
 *
 * A range is valid when every page in it is below USER_TOP, present and
 * user-accessible, and (for writes) writable or copy-on-write, or lies in
 * the process's lazily backed range (the untouched heap, backed by the
 * copy's own fault). Writes go
 * through uaccess_copy, so a copy-on-write page faults in kernel mode and
 * is broken exactly as for a user write; if that fault cannot be resolved
 * (out of memory) the copy stops and the call gets -1.
 */
#ifndef SCHED_UACCESS_H
#define SCHED_UACCESS_H
#include <stdint.h>

#define UACCESS_READ  0
#define UACCESS_WRITE 1

/* 0 when [uva, uva + n) is valid user memory for the access, -1 otherwise. */
int uaccess_check(uint32_t uva, uint32_t n, int write);
/* Copy n bytes from kernel src to user dst; 0 or -1 (bad range, or out of memory breaking COW). */
int copy_to_user(uint32_t dst_uva, const void *src, uint32_t n);
/* Copy n bytes from user src to kernel dst; 0 or -1. */
int copy_from_user(void *dst, uint32_t src_uva, uint32_t n);
/* Copy a NUL-terminated user string of at most max-1 characters; its length or -1. */
int copy_str_from_user(char *dst, uint32_t src_uva, uint32_t max);

/* The fault-tolerant copy loop (uaccess_copy.asm): 0, or -1 after a fault it could not resolve. */
int uaccess_copy(void *dst, const void *src, uint32_t n);
/* Bounds of uaccess_copy and where a failed fault resumes (uaccess_copy.asm). */
extern char uaccess_copy_start[], uaccess_copy_end[], uaccess_fault_resume[];

#endif
