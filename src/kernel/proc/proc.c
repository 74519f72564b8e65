/*
 * proc.c - the program manager's process records: creation, exit, wait,
 * kill, sleep and wakeup.
 *
 * Records come from kmalloc and sit on one list; PROC_MAX bounds how many
 * exist at once. A process's kernel stack and record outlive it as a
 * zombie until its parent (or init, for an orphan) collects the status.
 */
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/uaccess.h"
#include "fs/file.h"
#include "mm/kheap.h"
#include "arch/cpu.h"
#include "arch/x86.h"
#include "kernel/printk.h"
#include "lib/string.h"

#define INIT_PID 1
#define SWITCH_FRAME_WORDS 5     /* edi, esi, ebx, ebp, return address (switch.asm) */

struct proc *proc_list;
static struct proc *proc_running;
static struct proc *proc_init;
static int proc_next_pid = INIT_PID;

struct proc *proc_current(void)
{
  return proc_running;
}

void proc_set_current(struct proc *p)
{
  proc_running = p;
}

int proc_count(void)
{
  int n = 0;
  for (struct proc *p = proc_list; p; p = p->next)
    n++;
  return n;
}

struct proc *proc_find(int pid)
{
  for (struct proc *p = proc_list; p; p = p->next)
    if (p->pid == pid && p->state != PROC_ZOMBIE)
      return p;
  return 0;
}

struct proc *proc_alloc(const char *name)
{
  if (proc_count() >= PROC_MAX)
    return 0;
  struct proc *p = kmalloc(sizeof *p);
  if (!p)
    return 0;
  p->kstack_top = kstack_alloc();
  if (!p->kstack_top) {
    kfree(p);
    return 0;
  }
  p->pid = proc_next_pid++;
  p->state = PROC_EMBRYO;
  p->cow_trace = proc_running ? proc_running->cow_trace : 0;
  strncpy_z(p->name, name, sizeof p->name);
  p->tf = (struct trap_frame *)(p->kstack_top - sizeof(struct trap_frame));
  uint32_t *sp = (uint32_t *)p->tf - SWITCH_FRAME_WORDS;
  memset(sp, 0, SWITCH_FRAME_WORDS * 4);
  sp[SWITCH_FRAME_WORDS - 1] = (uint32_t)trap_return;
  p->context_esp = (uint32_t)sp;
  p->next = proc_list;
  proc_list = p;
  return p;
}

void proc_free(struct proc *p)
{
  struct proc **pp = &proc_list;
  while (*pp && *pp != p)
    pp = &(*pp)->next;
  if (*pp)
    *pp = p->next;
  for (int fd = 0; fd < PROC_NOFILE; fd++)
    if (p->files[fd])
      file_close(p->files[fd]);
  if (p->pd)
    vm_space_destroy(p->pd);
  kstack_free(p->kstack_top);
  kfree(p);
}

void proc_sleep(const void *chan)
{
  struct proc *p = proc_running;
  p->wait_chan = chan;
  p->state = PROC_SLEEPING;
  sched_switch_out();
  p->wait_chan = 0;
}

void proc_wakeup(const void *chan)
{
  for (struct proc *p = proc_list; p; p = p->next)
    if (p->state == PROC_SLEEPING && p->wait_chan == chan)
      p->state = PROC_RUNNABLE;
}

/* Mark p killed by killer and make it runnable if it sleeps. Interrupts masked by the caller. */
static void proc_mark_killed(struct proc *p, int killer)
{
  p->killed_by = killer;
  if (p->state == PROC_SLEEPING)
    p->state = PROC_RUNNABLE;
}

int proc_kill(int pid)
{
  struct proc *p = proc_find(pid);
  if (!p || pid == INIT_PID)
    return -1;
  uint32_t f = irq_save();
  proc_mark_killed(p, proc_running ? proc_running->pid : INIT_PID);
  irq_restore(f);
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
  struct proc *root = proc_find(pid);
  if (!root || pid == INIT_PID)
    return -1;
  uint32_t f = irq_save();
  for (struct proc *p = proc_list; p; p = p->next)
    if (p->state != PROC_ZOMBIE && proc_descends_from(p, root))
      proc_mark_killed(p, PROC_KILLER_CONSOLE);
  irq_restore(f);
  return 0;
}

void proc_check_killed(const struct trap_frame *tf)
{
  struct proc *p = proc_running;
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
  struct proc *p = proc_running;
  char dec[40];
  kprintf("[fault] pid=%d name=%s va=0x%08x eip=0x%08x err=0x%x(%s) killed: %s\n", p->pid, p->name, va, eip,
          err, trap_pf_decode(err, dec, sizeof dec), why);
  proc_exit(PROC_KILLED);
}

/* Give p's children to init; wake init if one of them is already a zombie. */
static void proc_reparent_children(struct proc *p)
{
  for (struct proc *c = proc_list; c; c = c->next) {
    if (c->parent != p)
      continue;
    c->parent = proc_init;
    if (c->state == PROC_ZOMBIE)
      proc_wakeup(proc_init);
  }
}

void proc_exit(int status)
{
  struct proc *p = proc_running;
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
  cli();
  proc_reparent_children(p);
  p->exit_status = status;
  p->state = PROC_ZOMBIE;
  proc_wakeup(p->parent);
  sched_switch_out();
  panic("proc_exit: zombie pid %d ran again", p->pid);
}

int proc_wait(int pid, uint32_t status_uva)
{
  struct proc *cur = proc_running;
  if (status_uva && uaccess_check(status_uva, sizeof(int), UACCESS_WRITE) < 0)
    return -1;
  uint32_t f = irq_save();
  for (;;) {
    int have = 0;
    for (struct proc *c = proc_list; c; c = c->next) {
      if (c->parent != cur || (pid != -1 && c->pid != pid))
        continue;
      have = 1;
      if (c->state != PROC_ZOMBIE)
        continue;
      irq_restore(f);
      if (status_uva && copy_to_user(status_uva, &c->exit_status, sizeof(int)) < 0)
        return -1;
      int cpid = c->pid;
      proc_free(c);
      return cpid;
    }
    if (!have || cur->killed_by) {
      irq_restore(f);
      return -1;
    }
    proc_sleep(cur);
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
  p->state = PROC_RUNNABLE;
}
