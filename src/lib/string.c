/*
 * string.c - memory and string helpers shared by the kernel and user programs.
 *
 * memcpy's contract is (destination, source, count), as in C; the kernel
 * self-tests (kt_string_*) check the direction.
 */
#include "lib/string.h"

/* Fill n bytes at d with the byte c; returns d. */
void *memset(void *d, int c, unsigned n)
{
  unsigned char *p = d;
  while (n--)
    *p++ = (unsigned char)c;
  return d;
}

/* Copy n bytes from s to d (they must not overlap); returns d. */
void *memcpy(void *d, const void *s, unsigned n)
{
  if (((unsigned)d | (unsigned)s | n) % 4 == 0) {
    unsigned cnt = n / 4;
    __asm__ volatile("cld; rep movsl" : "+D"(d), "+S"(s), "+c"(cnt) : : "memory");
    return (char *)d - n;
  }
  unsigned char *dp = d;
  const unsigned char *sp = s;
  while (n--)
    *dp++ = *sp++;
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
