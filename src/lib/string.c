/*
 * string.c - memory and string helpers shared by the kernel and user programs.
 *
 * memcpy's contract is (destination, source, count), as in C; the kernel
 * self-tests (kt_string_*) check the direction. memset and memcpy move whole
 * words with string instructions (string_rep.asm).
 */
#include <stdint.h>
#include "lib/string.h"

/* The string-instruction loops (string_rep.asm). */
void str_fill_words(void *d, uint32_t word, unsigned count);
void str_copy_bytes(void *d, const void *s, unsigned count);

#define STR_WORD       4u
#define STR_BYTE_X4    0x01010101u   /* one byte repeated in the four bytes of a word */

/* Fill n bytes at d with the byte c; returns d. Whole words go through rep stosd. */
void *memset(void *d, int c, unsigned n)
{
  unsigned char *p = d;
  while (n && (uint32_t)p % STR_WORD)
    *p++ = (unsigned char)c, n--;
  if (n >= STR_WORD) {
    str_fill_words(p, (unsigned char)c * STR_BYTE_X4, n / STR_WORD);
    p += n & ~(STR_WORD - 1);
    n %= STR_WORD;
  }
  while (n--)
    *p++ = (unsigned char)c;
  return d;
}

/* Copy n bytes from s to d (they must not overlap); returns d. rep movsd when both are word aligned. */
void *memcpy(void *d, const void *s, unsigned n)
{
  if (((uint32_t)d | (uint32_t)s) % STR_WORD == 0) {
    str_copy_words(d, s, n / STR_WORD);
    if (n % STR_WORD)
      str_copy_bytes((char *)d + (n & ~(STR_WORD - 1)), (const char *)s + (n & ~(STR_WORD - 1)), n % STR_WORD);
  } else {
    str_copy_bytes(d, s, n);
  }
  return d;
}

/* Copy n bytes from s to d, correct when the ranges overlap; returns d. */
void *memmove(void *d, const void *s, unsigned n)
{
  unsigned char *dp = d;
  const unsigned char *sp = s;
  if (dp < sp || dp >= sp + n)
    return memcpy(d, s, n);
  while (n--)
    dp[n] = sp[n];
  return d;
}

/* Compare n bytes; <0, 0 or >0 like the C library. */
int memcmp(const void *a, const void *b, unsigned n)
{
  const unsigned char *x = a, *y = b;
  for (unsigned i = 0; i < n; i++)
    if (x[i] != y[i])
      return x[i] - y[i];
  return 0;
}

/* Length of the NUL-terminated string s. */
unsigned strlen(const char *s)
{
  unsigned n = 0;
  while (s[n])
    n++;
  return n;
}

/* Compare two strings; <0, 0 or >0. */
int strcmp(const char *a, const char *b)
{
  while (*a && *a == *b)
    a++, b++;
  return (unsigned char)*a - (unsigned char)*b;
}

/* Compare at most n characters of two strings. */
int strncmp(const char *a, const char *b, unsigned n)
{
  for (; n > 0; n--, a++, b++) {
    if (*a != *b)
      return (unsigned char)*a - (unsigned char)*b;
    if (!*a)
      return 0;
  }
  return 0;
}

/* Copy the string s (with its NUL) to d; returns d. */
char *strcpy(char *d, const char *s)
{
  char *r = d;
  while ((*d++ = *s++))
    ;
  return r;
}

/* Copy at most n-1 characters of s to d and always NUL-terminate (n > 0). */
char *strncpy_z(char *d, const char *s, unsigned n)
{
  unsigned i = 0;
  for (; i + 1 < n && s[i]; i++)
    d[i] = s[i];
  d[i] = 0;
  return d;
}

/* Decimal string to int, with an optional leading '-'. */
int atoi(const char *s)
{
  int sign = 1, v = 0;
  while (*s == ' ')
    s++;
  if (*s == '-')
    sign = -1, s++;
  while (*s >= '0' && *s <= '9')
    v = v * 10 + (*s++ - '0');
  return sign * v;
}
