/*
 * exit.c - the end of a thread and of a process, and the first process: exit, thread_exit,
 * wait, the death of a killed thread on its way back to user mode, and init.
 *
 * A process ends when its last thread does: exit, a kill or a fatal fault
 * marks every other thread to end (quietly) and the one that finds itself
 * last tears the process down. A thread that ends before its process stays
 * PROC_DONE for thread_join; the leader's record stays as the process
 * (a zombie, with every ended thread's record) until its parent (or init,
 * for an orphan) collects the status. Tearing down an address space
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

/* Unlink the ended threads of g other than g itself and keep (proc_lock held); returns them
 * chained through next, for proc_release_chain once the lock is gone. Each is off its CPU: it
 * ended under proc_lock, which its CPU let go only after switching away from its stack. */
static struct proc *proc_unlink_done_locked(struct proc *g, const struct proc *keep)
{
  struct proc *chain = 0, *next;
  for (struct proc *p = proc_list; p; p = next) {
    next = p->next;
    if (p->group == g && p != g && p != keep && p->state == PROC_DONE) {
      proc_unlink_locked(p);
      p->next = chain;
      chain = p;
    }
  }
  return chain;
}

/* proc_release every record of a chain from proc_unlink_done_locked. */
static void proc_release_chain(struct proc *chain)
{
  while (chain) {
    struct proc *next = chain->next;
    proc_release(chain);
    chain = next;
  }
}

void proc_reap_done_threads(struct proc *me)
{
  spin_lock(&proc_lock);
  struct proc *chain = proc_unlink_done_locked(me->group, me);
  spin_unlock(&proc_lock);
  proc_release_chain(chain);
}

void proc_check_killed(const struct trap_frame *tf)
{
  struct proc *p = proc_current();
  if (!p || !p->killed_by)
    return;
  if (p->killed_by == PROC_KILLER_GROUP)
    proc_thread_end(PROC_KILLED, 0);   /* its process is ending, or a sibling execs: said already */
  if (p->killed_by == PROC_KILLER_CONSOLE)
    kprintf("[fault] pid=%d name=%s eip=0x%08x killed: Ctrl-C on the console\n", p->group->pid, p->name, tf->eip);
  else
    kprintf("[fault] pid=%d name=%s eip=0x%08x killed: kill() from pid %d\n", p->group->pid, p->name, tf->eip,
            p->killed_by);
  proc_exit(PROC_KILLED);
}

/* What a dying process g lets go of before it becomes a zombie: its address space is detached
 * from g (g->vm.pd cleared, this CPU on kernel_pd and out of g's CPU set), then its files are
 * closed, then the space is destroyed. Its last thread does this, on its own CPU: every other
 * thread has ended, and left the space, before (proc_thread_end).
 *
 * The space is marked in flux first, so no checker is walking it (memcheck and framesnap walk
 * only while nothing is in flux, holding the flux lock), and g->vm.pd is cleared before the
 * directory is freed: a checker that starts after the mark drops finds no pd on g, never a freed
 * (maybe reused) directory on a process still running. The mark also covers the teardown, whose
 * frames are still counted while g->vm.pd is 0 (the thread runs on the kernel's directory
 * meanwhile: the detach loads it, and the scheduler loads it for a space with no pd). The detach
 * comes before the files close, so one who sees the end of g's pipe finds g without a space
 * already (framesnap refuses it).
 *
 * A THREAD relative that forks meanwhile sees g as gone and may share its tables holding entries
 * still writable here: g never writes again, and a copy of such a table write-protects them
 * (ptshare.c). */
static void proc_exit_release(struct proc *g)
{
  vm_space_in_flux(1);
  spin_lock(&proc_lock);
  pde_t *pd = vm_space_detach(&g->vm);
  spin_unlock(&proc_lock);
  for (int fd = 0; fd < PROC_NOFILE; fd++) {
    if (g->files[fd])
      file_close(g->files[fd]);
    g->files[fd] = 0;
  }
  if (pd)
    proc_space_destroy(&g->vm, pd);
  vm_space_in_flux(-1);
}

/* Give g's children to init; wake init if one of them is already a zombie (proc_lock held). */
static void proc_reparent_children(struct proc *g)
{
  for (struct proc *c = proc_list; c; c = c->next) {
    if (c->parent != g)
      continue;
    c->parent = proc_init;
    if (c->state == PROC_ZOMBIE)
      proc_wakeup_locked(proc_init);
  }
}

void proc_thread_end(int status, int whole)
{
  struct proc *t = proc_current(), *g = t->group;
  if (g == proc_init)
    proc_init_exit(status);
  spin_lock(&proc_lock);
  if (whole && !g->exiting) {
    g->exiting = 1;
    g->proc_status = status;
    proc_group_end_others_locked(t);
  }
  t->exit_status = status;
  if (--g->vm.threads > 0) {
    /* Not the last: the thread ends here. Its CPU leaves the space before proc_lock goes
     * (sched.c), so whoever sees the count drop under proc_lock finds this CPU out of the set. */
    t->state = PROC_DONE;
    proc_wakeup_locked(t);               /* a thread_join */
    proc_wakeup_locked(&g->vm);          /* an exec waiting for its siblings to end */
    sched_switch_out();
    panic("proc_thread_end: ended thread %d ran again", t->pid);
  }
  if (!g->exiting)
    g->proc_status = status;             /* the last thread_exit gives the process its status */
  g->exiting = 1;
  spin_unlock(&proc_lock);
  sti();                                 /* from a fault too: the teardown lets others run */
  proc_exit_release(g);
  spin_lock(&proc_lock);                 /* held until this CPU's scheduler is off our stack */
  proc_reparent_children(g);
  if (t != g)
    t->state = PROC_DONE;
  g->state = PROC_ZOMBIE;
  proc_wakeup_locked(g->parent);
  sched_switch_out();
  panic("proc_exit: zombie pid %d ran again", t->pid);
}

void proc_exit(int status)
{
  proc_thread_end(status, 1);
}

int proc_wait(int pid, uint32_t status_uva)
{
  struct proc *cur = proc_current(), *g = cur->group;
  if (status_uva && uaccess_check(status_uva, sizeof(int), UACCESS_WRITE) < 0)
    return -1;
  spin_lock(&proc_lock);
  for (;;) {
    int have = 0;
    for (struct proc *c = proc_list; c; c = c->next) {
      if (c->parent != g || c->group != c || (pid != -1 && c->pid != pid))
        continue;
      have = 1;
      if (c->state != PROC_ZOMBIE)
        continue;
      int cpid = c->pid, status = c->proc_status;
      struct proc *threads = proc_unlink_done_locked(c, 0);
      proc_unlink_locked(c);
      spin_unlock(&proc_lock);
      proc_release_chain(threads);
      proc_release(c);
      if (status_uva && copy_to_user(status_uva, &status, sizeof(int)) < 0)
        return -1;
      return cpid;
    }
    if (!have || cur->killed_by) {
      spin_unlock(&proc_lock);
      return -1;
    }
    proc_sleep(g, &proc_lock);
  }
}

void proc_start_init(const char *program, void (*on_exit)(int status))
{
  static char *const argv[] = { 0 };
  struct proc *p = proc_alloc("init", 0);
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
