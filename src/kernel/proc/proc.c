/*
 * proc.c - the program manager's process records: creation, exit, wait,
 * kill, sleep and wakeup.
 *
 * Records come from kmalloc and sit on one list; PROC_MAX bounds how many
 * exist at once. A process's kernel stack and record outlive it as a
 * zombie until its parent (or init, for an orphan) collects the status.
 *
 * proc_lock protects the list, pid allocation and every record's state,
 * parent, wait_chan, killed_by, exit_status and cpu (the lock order:
 * include/arch/spinlock.h). Sleep and wakeup lose no wakeups across CPUs: a sleeper
 * holds the condition's lock until it holds proc_lock, and a waker changes
 * the condition under the condition's lock before it wakes (under proc_lock).
 */
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/uaccess.h"
#include "fs/file.h"
#include "mm/kheap.h"
#include "arch/cpu.h"
#include "arch/x86.h"
#include "arch/percpu.h"
#include "arch/smp.h"
#include "kernel/printk.h"
#include "lib/string.h"

#define INIT_PID 1
#define SWITCH_FRAME_WORDS 6     /* edi, esi, ebx, ebp, proc_first_run, then trap_return (switch.asm) */

struct spinlock proc_lock = SPINLOCK_INIT("proc", SPIN_RANK_PROC);
struct proc *proc_list;
static struct proc *proc_init;
static int proc_next_pid = INIT_PID;

struct proc *proc_current(void)
{
  return this_cpu()->proc;
}

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
    if (p->pid == pid && p->state != PROC_ZOMBIE)
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

struct proc *proc_alloc(const char *name)
{
  struct proc *p = kmalloc(sizeof *p);
  if (!p)
    return 0;
  p->kstack_top = kstack_alloc();
  if (!p->kstack_top) {
    kfree(p);
    return 0;
  }
  struct proc *cur = proc_current();
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
static void proc_unlink_locked(struct proc *p)
{
  struct proc **pp = &proc_list;
  while (*pp && *pp != p)
    pp = &(*pp)->next;
  if (*pp)
    *pp = p->next;
}

/* Free what an unlinked record still owns: files, address space, kernel stack, the record. */
static void proc_release(struct proc *p)
{
  for (int fd = 0; fd < PROC_NOFILE; fd++)
    if (p->files[fd])
      file_close(p->files[fd]);
  if (p->pd)
    vm_space_destroy(p->pd);
  kstack_free(p->kstack_top);
  kfree(p);
}

void proc_free(struct proc *p)
{
  spin_lock(&proc_lock);
  proc_unlink_locked(p);
  spin_unlock(&proc_lock);
  proc_release(p);
}

void proc_sleep(const void *chan, struct spinlock *lk)
{
  struct proc *p = proc_current();
  if (lk != &proc_lock) {
    spin_lock(&proc_lock);           /* a waker needs proc_lock too: it cannot slip in between */
    spin_unlock(lk);
  }
  p->wait_chan = chan;
  p->state = PROC_SLEEPING;
  sched_switch_out();
  p->wait_chan = 0;
  if (lk != &proc_lock) {
    spin_unlock(&proc_lock);
    spin_lock(lk);
  }
}

/* A process became runnable: wake one halted CPU other than this one to run it. */
static void proc_kick_idle_cpu(void)
{
  struct cpu *me = this_cpu();
  for (int i = 0; i < CPU_MAX; i++)
    if (&cpus[i] != me && cpus[i].started && cpus[i].idle) {
      smp_resched(i);
      return;
    }
}

/* Make every process sleeping on chan runnable (proc_lock held). */
static void proc_wakeup_locked(const void *chan)
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

int proc_kill(int pid)
{
  struct proc *cur = proc_current();
  spin_lock(&proc_lock);
  struct proc *p = proc_find_locked(pid);
  if (!p || pid == INIT_PID) {
    spin_unlock(&proc_lock);
    return -1;
  }
  proc_mark_killed(p, cur ? cur->pid : INIT_PID);
  spin_unlock(&proc_lock);
  return 0;
}

/* Is p the process root or one of its descendants? */
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
    if (p->state != PROC_ZOMBIE && proc_descends_from(p, root))
      proc_mark_killed(p, PROC_KILLER_CONSOLE);
  spin_unlock(&proc_lock);
  return 0;
}

void proc_check_killed(const struct trap_frame *tf)
{
  struct proc *p = proc_current();
  if (!p || !p->killed_by)
    return;
  if (p->killed_by == PROC_KILLER_CONSOLE)
    kprintf("[fault] pid=%d name=%s eip=0x%08x killed: Ctrl-C on the console\n", p->pid, p->name, tf->eip);
  else
    kprintf("[fault] pid=%d name=%s eip=0x%08x killed: kill() from pid %d\n", p->pid, p->name, tf->eip,
            p->killed_by);
  proc_exit(PROC_KILLED);
}

void proc_fault_kill(uint32_t va, uint32_t err, uint32_t eip, const char *why)
{
  struct proc *p = proc_current();
  char dec[40];
  kprintf("[fault] pid=%d name=%s va=0x%08x eip=0x%08x err=0x%x(%s) killed: %s\n", p->pid, p->name, va, eip,
          err, trap_pf_decode(err, dec, sizeof dec), why);
  proc_exit(PROC_KILLED);
}

/* Give p's children to init; wake init if one of them is already a zombie (proc_lock held). */
static void proc_reparent_children(struct proc *p)
{
  for (struct proc *c = proc_list; c; c = c->next) {
    if (c->parent != p)
      continue;
    c->parent = proc_init;
    if (c->state == PROC_ZOMBIE)
      proc_wakeup_locked(proc_init);
  }
}

void proc_exit(int status)
{
  struct proc *p = proc_current();
  if (p == proc_init)
    proc_init_exited(status);
  sti();                               /* from a fault too: the teardown lets others run */
  for (int fd = 0; fd < PROC_NOFILE; fd++) {
    if (p->files[fd])
      file_close(p->files[fd]);
    p->files[fd] = 0;
  }
  vm_space_destroy(p->pd);
  p->pd = 0;
  spin_lock(&proc_lock);               /* held until this CPU's scheduler is off our stack */
  proc_reparent_children(p);
  p->exit_status = status;
  p->state = PROC_ZOMBIE;
  proc_wakeup_locked(p->parent);
  sched_switch_out();
  panic("proc_exit: zombie pid %d ran again", p->pid);
}

int proc_wait(int pid, uint32_t status_uva)
{
  struct proc *cur = proc_current();
  if (status_uva && uaccess_check(status_uva, sizeof(int), UACCESS_WRITE) < 0)
    return -1;
  spin_lock(&proc_lock);
  for (;;) {
    int have = 0;
    for (struct proc *c = proc_list; c; c = c->next) {
      if (c->parent != cur || (pid != -1 && c->pid != pid))
        continue;
      have = 1;
      if (c->state != PROC_ZOMBIE)
        continue;
      int cpid = c->pid, status = c->exit_status;
      proc_unlink_locked(c);
      spin_unlock(&proc_lock);
      proc_release(c);
      if (status_uva && copy_to_user(status_uva, &status, sizeof(int)) < 0)
        return -1;
      return cpid;
    }
    if (!have || cur->killed_by) {
      spin_unlock(&proc_lock);
      return -1;
    }
    proc_sleep(cur, &proc_lock);
  }
}

void proc_start_init(const char *program)
{
  static char *const argv[] = { 0 };
  struct proc *p = proc_alloc("init");
  if (!p)
    panic("init: cannot allocate a process");
  proc_init = p;
  p->parent = 0;
  p->files[0] = file_console_in();
  p->files[1] = file_console_out();
  p->files[2] = file_dup(p->files[1]);
  if (exec_load(p, program, argv, 0) < 0)
    panic("init: cannot load program '%s'", program);
  proc_make_runnable(p);
}
