/*
 * sched.c - round-robin scheduling on the timer, and the clock.
 *
 * The scheduler loop runs on the boot stack and picks the runnable process
 * with the next higher pid, wrapping around. A process enters it by
 * sched_switch_out with interrupts masked. A tick preempts user mode at
 * once, or at the next return to user mode when it came in the kernel (a
 * process that spends nearly all its time in system calls). Kernel code
 * gives up the CPU when it sleeps or exits, and a long system call at its
 * preemption points (sched_preempt_point) once a tick has come since the
 * process was switched in.
 */
#include "proc/sched.h"
#include "proc/proc.h"
#include "arch/cpu.h"
#include "arch/x86.h"
#include "mm/vm.h"
#include "kernel/printk.h"

static uint32_t sched_esp;
static int sched_last_pid;
static volatile uint32_t clock_now;
static volatile int sched_resched;   /* a tick came since the running process was switched in */

/* The runnable process after sched_last_pid in pid order (wrapping), or 0. */
static struct proc *sched_pick(void)
{
  struct proc *next = 0, *first = 0;
  for (struct proc *p = proc_list; p; p = p->next) {
    if (p->state != PROC_RUNNABLE)
      continue;
    if (p->pid > sched_last_pid && (!next || p->pid < next->pid))
      next = p;
    if (!first || p->pid < first->pid)
      first = p;
  }
  return next ? next : first;
}

void sched_run(void)
{
  for (;;) {
    cli();
    struct proc *p = sched_pick();
    if (!p) {
      __asm__ volatile("sti; hlt" ::: "memory");
      continue;
    }
    sched_last_pid = p->pid;
    sched_resched = 0;
    p->state = PROC_RUNNING;
    proc_set_current(p);
    tss_set_kernel_stack(p->kstack_top);
    vm_activate(p->pd);
    sched_context_switch(&sched_esp, p->context_esp);
    proc_set_current(0);
  }
}

void sched_switch_out(void)
{
  struct proc *p = proc_current();
  sched_context_switch(&p->context_esp, sched_esp);
}

void sched_yield(void)
{
  uint32_t f = irq_save();
  proc_current()->state = PROC_RUNNABLE;
  sched_switch_out();
  irq_restore(f);
}

int sched_preempt_point(void)
{
  struct proc *p = proc_current();
  if (!p)
    return 0;                          /* boot and self-tests: nothing else to run */
  if (!(read_eflags() & EFLAGS_IF))
    panic("sched_preempt_point: interrupts masked in pid %d (a spinlock or irq_save section is held)", p->pid);
  if (sched_resched)
    sched_yield();
  return p->killed_by ? -1 : 0;
}

void sched_return_to_user(void)
{
  if (sched_resched && proc_current())
    sched_yield();
}

uint32_t clock_ticks(void)
{
  return clock_now;
}

void clock_tick(void)
{
  clock_now++;
  sched_resched = 1;
  proc_wakeup((const void *)&clock_now);
}

/* Sleep the current process for n ticks; -1 if it is killed meanwhile. */
int clock_sleep(uint32_t n)
{
  uint32_t wake = clock_now + n;
  uint32_t f = irq_save();
  while (clock_now < wake) {
    if (proc_current()->killed_by) {
      irq_restore(f);
      return -1;
    }
    proc_sleep((const void *)&clock_now);
  }
  irq_restore(f);
  return 0;
}
