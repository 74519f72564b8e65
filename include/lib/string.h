/*
 * string.h - memory and string helpers shared by the kernel and user programs.
 */
#ifndef LIB_STRING_H
#define LIB_STRING_H
#include <stddef.h>

void *memset(void *d, int c, unsigned n);
void *memcpy(void *d, const void *s, unsigned n);
void *memmove(void *d, const void *s, unsigned n);
int memcmp(const void *a, const void *b, unsigned n);
unsigned strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, unsigned n);
char *strcpy(char *d, const char *s);
char *strncpy_z(char *d, const char *s, unsigned n);
int atoi(const char *s);
/* Copy count 32-bit words from s to d (both word aligned, not overlapping) with rep movsd:
 * memcpy's word loop, for a caller that knows its sizes (a page copy). */
void str_copy_words(void *d, const void *s, unsigned count);
/* str_copy_words written out at its caller (rep movsd, DF cleared), for the copy-on-write fault's
 * page copy, which then pays no call for it. */
static inline void str_copy_words_inline(void *d, const void *s, unsigned count)
{
  __asm__ volatile("cld; rep movsl" : "+D"(d), "+S"(s), "+c"(count) : : "memory", "cc");
}

#endif
