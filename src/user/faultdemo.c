/*
 * faultdemo.c - a program that writes into its own (read-only) text.
 *
 * The kernel kills it with one [fault] line; the shell reports status -1
 * and carries on. Shows what a faulting program looks like.
 */
#include "user.h"

int main(void)
{
  volatile unsigned char *text = (volatile unsigned char *)main;
  printf("[faultdemo] pid %d writes to its own code at %p ...\n", getpid(), (void *)text);
  *text = 0xCC;
  printf("[faultdemo] still alive: the write was not stopped\n");
  return 1;
}
