/*
 * spin.c - loop in user mode forever, never making a system call.
 *
 * The program Ctrl-C has to stop: nothing brings it into the kernel but
 * the timer and the console's interrupts.
 */
#include "user.h"

int main(void)
{
  volatile unsigned count = 0;
  printf("[spin] pid %d loops in user mode; Ctrl-C stops it\n", getpid());
  for (;;)
    count++;
}
