/*
 * sched.c - round-robin scheduling on every CPU, and the clock.
 *
 * Each CPU runs sched_run on its own stack: it picks the runnable process
 * with the next higher pid (one cursor shared by all CPUs, wrapping
 * around), so a process may run on a different CPU each time, and never
 * on two at once: its state says RUNNING from the moment a CPU picks it.
 *
 * The process-table lock (proc_lock) is held across every context switch,
 * xv6-style: a process takes it, sets its state and switches to its CPU's
 * scheduler loop, which releases it once it is off the process's stack;
 * the scheduler takes it before switching a process in, and the process
 * releases it (sched_yield, proc_sleep, or proc_first_run for a new one).
 * So no other CPU can pick a process, or free a zombie's stack, while a
 * CPU still runs on that stack.
 *
 * Each CPU's timer tick (local APIC timer; the PIT on a CPU without APIC)
 * marks it for rescheduling; user mode is preempted at once, kernel mode
 * at its next return to user mode or preemption point. Only cpu0's tick
 * advances the clock. An idle CPU halts with interrupts on; a wakeup sends
 * a halted CPU a reschedule IPI.
 */
#include "sched/sched.h"
#include "sched/proc.h"
#include "arch/cpu.h"
#include "arch/percpu.h"
#include "arch/spinlock.h"
#include "arch/x86.h"
#include "arch/tlb.h"
#include "mm/vm.h"
#include "mm/vmspace.h"
#include "arch/printk.h"

#define CLOCK_FIRST_TICK_MS 200            /* twenty ticks at HZ: far beyond the first */
#define CLOCK_POLL_US       1000

static int sched_last_pid;                 /* proc_lock */
static volatile uint32_t clock_now;        /* written by cpu0's tick only, under tick_lock */
static struct spinlock tick_lock = SPINLOCK_INIT("tick", SPIN_RANK_WAIT);

/* Enable interrupts, halt until one has been handled, mask them again (sched_idle.asm). */
void sched_idle_halt(void);

/* The runnable process after sched_last_pid in pid order (wrapping), or 0. proc_lock held. */
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
  struct cpu *c = this_cpu();
  cli();
  for (;;) {
    spin_lock(&proc_lock);
    struct proc *p = sched_pick();
    if (!p) {
      c->idle = 1;
      spin_unlock(&proc_lock);
      sched_idle_halt();   /* the STI shadow: a pending IPI ends the hlt */
      c->idle = 0;
      tlb_service();
      continue;
    }
    sched_last_pid = p->pid;
    c->resched = 0;
    c->procs_run++;
    p->state = PROC_RUNNING;
    p->cpu = c->id;
    c->proc = p;
    tss_set_kernel_stack(p->kstack_top);
    vm_space_enter(&p->group->vm);   /* its process's; no pd: it is exiting, its space detached (exit.c) */
    sched_context_switch(&c->sched_esp, p->context_esp);
    /* This CPU keeps no process's directory loaded (a space's CPU set: mm/vmspace.h), and leaves
     * the space before proc_lock goes: whoever finds p not RUNNING under proc_lock knows this
     * CPU's bit is clear. */
    vm_space_leave(&p->group->vm);
    c->proc = 0;
    spin_unlock(&proc_lock);
  }
}

void sched_switch_out(void)
{
  struct cpu *c = this_cpu();
  struct proc *p = c->proc;
  if (!spin_holding(&proc_lock))
    panic("sched_switch_out: pid %d switches without the process-table lock", p->pid);
  if (c->ranks_held != proc_lock.rank_bit || c->irq_depth != 1)
    panic("sched_switch_out: pid %d sleeps or yields holding %d spinlocks (depth %d); only proc may be held",
          p->pid, spin_locks_held(c), c->irq_depth);
  if (p->state == PROC_RUNNING)
    panic("sched_switch_out: pid %d is still RUNNING", p->pid);
  int were = c->irq_were_enabled;        /* the process's, not the CPU's: it may come back elsewhere */
  sched_context_switch(&p->context_esp, c->sched_esp);
  this_cpu()->irq_were_enabled = were;
}

void sched_yield(void)
{
  spin_lock(&proc_lock);
  proc_current()->state = PROC_RUNNABLE;
  sched_switch_out();
  spin_unlock(&proc_lock);
}

void proc_first_run(void)
{
  spin_unlock(&proc_lock);   /* taken by the scheduler loop that switched this new process in */
}

int sched_preempt_point(void)
{
  struct proc *p = proc_current();
  if (!p)
    return 0;                          /* boot and self-tests: nothing else to run */
  if (!(read_eflags() & EFLAGS_IF) || this_cpu()->ranks_held)
    panic("sched_preempt_point: pid %d with interrupts masked or %d spinlocks held", p->pid,
          spin_locks_held(this_cpu()));
  if (this_cpu()->resched)
    sched_yield();
  return p->killed_by ? -1 : 0;
}

void sched_return_to_user(void)
{
  struct cpu *c = this_cpu();
  if (c->resched && c->proc)
    sched_yield();
}

void sched_tick(void)
{
  struct cpu *c = this_cpu();
  if (c->id == 0)
    clock_tick();
  c->resched = 1;
}

uint32_t clock_ticks(void)
{
  return clock_now;
}

void clock_check_ticking(void)
{
  uint32_t start = clock_now;
  int ms = 0, pit_ok = 1;
  sti();
  while (clock_now == start && ms++ < CLOCK_FIRST_TICK_MS && (pit_ok = pit_delay_us(CLOCK_POLL_US) == 0))
    ;
  cli();
  if (clock_now == start && !pit_ok)
    panic("timer: no tick yet, and PIT channel 2 (the clock this check waits by) does not count");
  if (clock_now == start)
    panic("timer: no tick within %d ms of enabling it: the interrupt controller does not deliver the timer "
          "(QEMU gives -cpu 486 with -smp 2 or more a local APIC that CPUID does not report: boot it on one CPU)",
          CLOCK_FIRST_TICK_MS);
}

void clock_tick(void)
{
  spin_lock(&tick_lock);
  clock_now++;
  proc_wakeup((const void *)&clock_now);
  spin_unlock(&tick_lock);
}

/* Sleep the current process for n ticks; -1 if it is killed meanwhile. */
int clock_sleep(uint32_t n)
{
  spin_lock(&tick_lock);
  uint32_t wake = clock_now + n;
  while (clock_now < wake) {
    if (proc_current()->killed_by) {
      spin_unlock(&tick_lock);
      return -1;
    }
    proc_sleep((const void *)&clock_now, &tick_lock);
  }
  spin_unlock(&tick_lock);
  return 0;
}
