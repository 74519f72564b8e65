/*
 * proc.c - the process records: creation, lookup, kill marks, sleep and
 * wakeup. Ending a process (exit, wait, the first process) is the program
 * manager's: src/kernel/proc/exit.c.
 *
 * Records come from kmalloc and sit on one list; PROC_MAX bounds how many
 * exist at once. A process's kernel stack and record outlive it as a
 * zombie until its parent (or init, for an orphan) collects the status.
 *
 * A kill marks one live thread of the process (proc_group_kill_locked); that
 * thread, dying, ends the others (exit.c). Thread ids come from the pid
 * counter, so a tid never names another process.
 *
 * proc_lock protects the list, pid allocation and every record's state,
 * parent, wait_chan, killed_by, exit_status, proc_status, joined, exiting, cpu, and each
 * space's thread count (the lock order:
 * include/arch/spinlock.h). Sleep and wakeup lose no wakeups across CPUs: a sleeper
 * holds the condition's lock until it holds proc_lock, and a waker changes
 * the condition under the condition's lock before it wakes (under proc_lock).
 */
#include "sched/proc.h"
#include "sched/sched.h"
#include "sched/uaccess.h"
#include "mm/kheap.h"
#include "arch/cpu.h"
#include "arch/x86.h"
#include "arch/percpu.h"
#include "arch/smp.h"
#include "arch/printk.h"
#include "lib/string.h"

#define INIT_PID 1
#define SWITCH_FRAME_WORDS (SWITCH_SAVED_REGS + 2)   /* the registers, proc_first_run, trap_return */

struct spinlock proc_lock = SPINLOCK_INIT("proc", SPIN_RANK_PROC);
struct proc *proc_list;
static int proc_next_pid = INIT_PID;

/* Number of records on the list (proc_lock held). */
static int proc_count_locked(void)
{
  int n = 0;
  for (struct proc *p = proc_list; p; p = p->next)
    n++;
  return n;
}

int proc_count(void)
{
  spin_lock(&proc_lock);
  int n = proc_count_locked();
  spin_unlock(&proc_lock);
  return n;
}

struct proc *proc_find_locked(int pid)
{
  for (struct proc *p = proc_list; p; p = p->next)
    if (p->pid == pid && p->group == p && p->state != PROC_ZOMBIE)
      return p;
  return 0;
}

struct proc *proc_find(int pid)
{
  spin_lock(&proc_lock);
  struct proc *p = proc_find_locked(pid);
  spin_unlock(&proc_lock);
  return p;
}

struct proc *proc_alloc(const char *name, struct proc *group)
{
  struct proc *p = kmalloc(sizeof *p);
  if (!p)
    return 0;
  memset(p, 0, sizeof *p);
  p->kstack_top = kstack_alloc();
  if (!p->kstack_top) {
    kfree(p);
    return 0;
  }
  struct proc *cur = proc_current();
  p->group = group ? group : p;
  vm_space_init(&p->vm);                 /* a thread's own stays unused: it runs in group->vm */
  p->state = PROC_EMBRYO;
  p->cow_trace = cur ? cur->cow_trace : 0;
  strncpy_z(p->name, name, sizeof p->name);
  p->tf = (struct trap_frame *)(p->kstack_top - sizeof(struct trap_frame));
  uint32_t *sp = (uint32_t *)p->tf - SWITCH_FRAME_WORDS;
  memset(sp, 0, SWITCH_FRAME_WORDS * 4);
  sp[SWITCH_FRAME_WORDS - 2] = (uint32_t)proc_first_run;
  sp[SWITCH_FRAME_WORDS - 1] = (uint32_t)trap_return;
  p->context_esp = (uint32_t)sp;
  spin_lock(&proc_lock);
  if (proc_count_locked() >= PROC_MAX) {
    spin_unlock(&proc_lock);
    kstack_free(p->kstack_top);
    kfree(p);
    return 0;
  }
  p->pid = proc_next_pid++;
  p->next = proc_list;
  proc_list = p;
  spin_unlock(&proc_lock);
  return p;
}

/* Take p off the list (proc_lock held). */
void proc_unlink_locked(struct proc *p)
{
  struct proc **pp = &proc_list;
  while (*pp && *pp != p)
    pp = &(*pp)->next;
  if (*pp)
    *pp = p->next;
}

void proc_sleep(const void *chan, struct spinlock *lk)
{
  struct proc *p = proc_current();
  if (lk != &proc_lock) {
    spin_lock(&proc_lock);           /* a waker needs proc_lock too: it cannot slip in between */
    spin_unlock(lk);
  }
  /* A kill marks killed_by under proc_lock, held here from now on: one that came before is
   * seen on the next line (no sleep: the caller's loop sees it and returns), one that comes
   * later finds this process SLEEPING and makes it runnable. Either way no kill is lost. */
  if (!p->killed_by) {
    p->wait_chan = chan;
    p->state = PROC_SLEEPING;
    sched_switch_out();
    p->wait_chan = 0;
  }
  if (lk != &proc_lock) {
    spin_unlock(&proc_lock);
    spin_lock(lk);
  }
}

/* A process became runnable: wake one halted CPU other than this one to run it (proc_lock held). */
static void proc_kick_idle_cpu(void)
{
  struct cpu *me = this_cpu();
  for (int i = 0; i < CPU_MAX; i++)
    if (&cpus[i] != me && cpus[i].started && cpus[i].idle) {
      cpus[i].idle = 0;                /* taken: the next wakeup picks another (proc_lock held) */
      smp_resched(i);
      return;
    }
}

/* Make every process sleeping on chan runnable (proc_lock held). */
void proc_wakeup_locked(const void *chan)
{
  int woke = 0;
  for (struct proc *p = proc_list; p; p = p->next)
    if (p->state == PROC_SLEEPING && p->wait_chan == chan) {
      p->state = PROC_RUNNABLE;
      woke = 1;
    }
  if (woke)
    proc_kick_idle_cpu();
}

void proc_wakeup(const void *chan)
{
  spin_lock(&proc_lock);
  proc_wakeup_locked(chan);
  spin_unlock(&proc_lock);
}

int proc_start_thread(struct proc *t)
{
  struct proc *cur = proc_current(), *g = t->group;
  spin_lock(&proc_lock);
  if (g->exiting || cur->killed_by || !g->vm.pd) {
    spin_unlock(&proc_lock);
    return -1;
  }
  g->vm.threads++;
  t->state = PROC_RUNNABLE;
  proc_kick_idle_cpu();
  spin_unlock(&proc_lock);
  return 0;
}

void proc_make_runnable(struct proc *p)
{
  spin_lock(&proc_lock);
  p->state = PROC_RUNNABLE;
  proc_kick_idle_cpu();
  spin_unlock(&proc_lock);
}

/* Mark p killed by killer and make it runnable if it sleeps; one running on another CPU gets a
 * reschedule IPI, so it dies at its next kernel exit even while it computes in user mode. */
static void proc_mark_killed(struct proc *p, int killer)
{
  p->killed_by = killer;
  if (p->state == PROC_SLEEPING)
    p->state = PROC_RUNNABLE;
  else if (p->state == PROC_RUNNING && p->cpu != this_cpu()->id)
    smp_resched(p->cpu);
}

/* Is p a thread that has started and not ended? */
static int proc_thread_live(const struct proc *p)
{
  return p->state == PROC_RUNNABLE || p->state == PROC_RUNNING || p->state == PROC_SLEEPING;
}

struct proc *proc_group_kill_locked(struct proc *g, int killer)
{
  for (struct proc *p = proc_list; p; p = p->next)
    if (p->group == g && proc_thread_live(p)) {
      if (!p->killed_by)
        proc_mark_killed(p, killer);
      return p;
    }
  return 0;
}

void proc_group_end_others_locked(struct proc *me)
{
  for (struct proc *p = proc_list; p; p = p->next)
    if (p->group == me->group && p != me && proc_thread_live(p))
      proc_mark_killed(p, PROC_KILLER_GROUP);
}

int proc_kill(int pid)
{
  struct proc *cur = proc_current();
  spin_lock(&proc_lock);
  struct proc *p = proc_find_locked(pid);
  if (!p || pid == INIT_PID) {
    spin_unlock(&proc_lock);
    return -1;
  }
  proc_group_kill_locked(p, cur ? cur->group->pid : INIT_PID);   /* none left: it is ending already */
  spin_unlock(&proc_lock);
  return 0;
}

/* Is process p the process root or one of its descendants? */
static int proc_descends_from(const struct proc *p, const struct proc *root)
{
  for (; p; p = p->parent)
    if (p == root)
      return 1;
  return 0;
}

int proc_interrupt(int pid)
{
  spin_lock(&proc_lock);
  struct proc *root = proc_find_locked(pid);
  if (!root || pid == INIT_PID) {
    spin_unlock(&proc_lock);
    return -1;
  }
  for (struct proc *p = proc_list; p; p = p->next)
    if (p->group == p && p->state != PROC_ZOMBIE && proc_descends_from(p, root))
      proc_group_kill_locked(p, PROC_KILLER_CONSOLE);
  spin_unlock(&proc_lock);
  return 0;
}
