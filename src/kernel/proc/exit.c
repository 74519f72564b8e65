/*
 * exit.c - the end of a process and the first process: exit, wait, the death of a killed
 * process on its way back to user mode, and init.
 *
 * A process's kernel stack and record outlive it as a zombie until its parent
 * (or init, for an orphan) collects the status. Tearing down an address space
 * pauses between page tables (proc_space_destroy), so a large space never
 * holds a CPU for long.
 */
#include "proc/proc.h"
#include "sched/proc.h"
#include "sched/sched.h"
#include "sched/uaccess.h"
#include "fs/file.h"
#include "mm/kheap.h"
#include "mm/vm.h"
#include "mm/vmspace.h"
#include "arch/x86.h"
#include "arch/printk.h"

static struct proc *proc_init;
static void (*proc_init_exit)(int status);   /* what init's exit means (proc_start_init's caller) */

void proc_space_destroy(struct vm_space *vs, pde_t *pd)
{
  if (vs)
    vm_space_check_alone(vs, "proc_space_destroy");
  vm_space_teardown_begin(pd);
  for (uint32_t i = 0; vm_space_teardown_next(pd, &i);)
    sched_preempt_point();            /* one table (at most 1024 entries) between points */
  vm_space_teardown_end(pd);
}

/* Free what an unlinked record still owns: files, address space, kernel stack, the record. */
static void proc_release(struct proc *p)
{
  for (int fd = 0; fd < PROC_NOFILE; fd++)
    if (p->files[fd])
      file_close(p->files[fd]);
  if (p->vm.pd)
    proc_space_destroy(&p->vm, p->vm.pd);
  vm_space_check_alone(&p->vm, "proc_release");   /* the record goes: no CPU may be in it */
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

/* What a dying p lets go of before it becomes a zombie: its address space is detached from p
 * (p->vm.pd cleared, this CPU on kernel_pd and out of p's CPU set), then its files are closed,
 * then the space is destroyed.
 *
 * The space is marked in flux first, so no checker is walking it (memcheck and framesnap walk
 * only while nothing is in flux, holding the flux lock), and p->vm.pd is cleared before the
 * directory is freed: a checker that starts after the mark drops finds no pd on p, never a freed
 * (maybe reused) directory on a process still running. The mark also covers the teardown, whose
 * frames are still counted while p->vm.pd is 0 (p runs on the kernel's directory meanwhile: the
 * detach loads it, and the scheduler loads it for a process with no pd). The detach comes before
 * the files close, so one who sees the end of p's pipe finds p without a space already
 * (framesnap refuses it).
 *
 * A THREAD relative that forks meanwhile sees p as gone and may share its tables holding entries
 * still writable here: p never writes again, and a copy of such a table write-protects them
 * (ptshare.c). */
static void proc_exit_release(struct proc *p)
{
  vm_space_in_flux(1);
  spin_lock(&proc_lock);
  pde_t *pd = vm_space_detach(&p->vm);
  spin_unlock(&proc_lock);
  for (int fd = 0; fd < PROC_NOFILE; fd++) {
    if (p->files[fd])
      file_close(p->files[fd]);
    p->files[fd] = 0;
  }
  if (pd)
    proc_space_destroy(&p->vm, pd);
  vm_space_in_flux(-1);
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
    proc_init_exit(status);
  sti();                               /* from a fault too: the teardown lets others run */
  proc_exit_release(p);
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

void proc_start_init(const char *program, void (*on_exit)(int status))
{
  static char *const argv[] = { 0 };
  struct proc *p = proc_alloc("init");
  if (!p)
    panic("init: cannot allocate a process");
  proc_init = p;
  proc_init_exit = on_exit;
  p->parent = 0;
  p->files[0] = file_console_in();
  p->files[1] = file_console_out();
  p->files[2] = file_dup(p->files[1]);
  if (exec_load(p, program, argv, 0) < 0)
    panic("init: cannot load program '%s'", program);
  proc_make_runnable(p);
}
