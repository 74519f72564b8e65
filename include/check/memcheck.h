/*
 * memcheck.h - the kernel's consistency check of every user mapping (src/kernel/check/memcheck.c).
 */
#ifndef CHECK_MEMCHECK_H
#define CHECK_MEMCHECK_H

/* Compare every user mapping with the reference counts and the pool bitmap; prints each
 * mismatch, returns their number. */
int memcheck(void);

#endif
