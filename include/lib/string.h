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

#endif
