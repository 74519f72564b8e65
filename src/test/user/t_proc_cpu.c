/*
 * t_proc_cpu.c - CPU state a program cannot use against the kernel or other programs.
 *
 * proc_cpu_direction_flag: a program that sets the direction flag (std) and
 *   then calls fork must get a working child; the kernel clears DF on entry.
 * proc_cpu_x87_killed: the kernel keeps no per-process x87 state, so an x87
 *   instruction kills the program (status -1) instead of sharing registers.
 */
#include "user.h"
#include "test/utest.h"

#define CPU_CHILD_OK 21

/* fork with DF set; the child exits CPU_CHILD_OK. Returns the child's status or -100. */
static int cpu_fork_with_df(void)
{
  int status = -100;
  __asm__ volatile("std");
  int pid = fork();
  __asm__ volatile("cld");
  if (pid == 0)
    exit(CPU_CHILD_OK);
  if (pid < 0 || waitpid(pid, &status) != pid)
    return -100;
  return status;
}

/* A child that runs one x87 instruction; returns its exit status. */
static int cpu_x87_child(void)
{
  int status = -100;
  int pid = fork();
  if (pid == 0) {
    __asm__ volatile("fninit");
    exit(0);
  }
  if (pid < 0 || waitpid(pid, &status) != pid)
    return -100;
  return status;
}

int main(void)
{
  int st = cpu_fork_with_df();
  utest_check("proc_cpu_direction_flag", st == CPU_CHILD_OK, "child of a fork made with DF set: status %d (want %d)",
              st, CPU_CHILD_OK);
  st = cpu_x87_child();
  utest_check("proc_cpu_x87_killed", st == -1, "child that ran fninit: status %d (want -1, killed)", st);
  return utest_status();
}
