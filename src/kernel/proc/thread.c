/*
 * thread.c - creating and joining threads of one process.
 *
 * A new thread copies its creator's trap frame, then starts at the user
 * library's entry stub with the stack pointer just below [fn][arg] (written
 * to the caller's own memory, so a bad stack is an answer, not a fault).
 * It joins its process's space (vm.threads counts it, under proc_lock) only
 * once it is fully built, and never if the process began to end meanwhile:
 * a thread is either counted and runnable, or never ran.
 *
 * Ending is exit.c's (proc_thread_end). An ended thread stays PROC_DONE
 * until one thread_join collects it; the leader's record stays after that
 * too, since it is the process.
 */
#include "proc/thread.h"
#include "proc/proc.h"
#include "sched/proc.h"
#include "sched/uaccess.h"
#include "arch/trapframe.h"

#define THREAD_START_WORDS 2   /* fn and arg, below the new thread's stack top */

int proc_thread_create(uint32_t fn, uint32_t arg, uint32_t stack_top, uint32_t entry)
{
  struct proc *cur = proc_current();
  uint32_t words[THREAD_START_WORDS] = { fn, arg };
  if (uaccess_check(fn, 1, UACCESS_READ) < 0 || uaccess_check(entry, 1, UACCESS_READ) < 0 ||
      stack_top < sizeof words || copy_to_user(stack_top - sizeof words, words, sizeof words) < 0)
    return -1;
  struct proc *t = proc_alloc(cur->name, cur->group);
  if (!t)
    return -1;
  *t->tf = *cur->tf;
  t->tf->eip = entry;
  t->tf->esp = stack_top - sizeof words;
  t->tf->eax = 0;
  int tid = t->pid;
  if (proc_start_thread(t) < 0) {
    proc_free(t);
    return -1;
  }
  return tid;
}

/* The thread tid of g other than me that has started (proc_lock held), or 0. */
static struct proc *thread_find_locked(const struct proc *g, const struct proc *me, int tid)
{
  for (struct proc *p = proc_list; p; p = p->next)
    if (p->pid == tid && p->group == g && p != me && p->state != PROC_EMBRYO)
      return p;
  return 0;
}

int proc_thread_join(int tid, uint32_t status_uva)
{
  struct proc *cur = proc_current(), *g = cur->group;
  if (status_uva && uaccess_check(status_uva, sizeof(int), UACCESS_WRITE) < 0)
    return -1;
  spin_lock(&proc_lock);
  struct proc *t = thread_find_locked(g, cur, tid);
  if (!t || t->joined) {
    spin_unlock(&proc_lock);
    return -1;
  }
  t->joined = 1;                       /* a second join of t gets -1 from here on */
  while (t->state != PROC_DONE) {
    if (cur->killed_by) {
      t->joined = 0;
      spin_unlock(&proc_lock);
      return -1;
    }
    proc_sleep(t, &proc_lock);
  }
  int status = t->exit_status;
  if (t != g)
    proc_unlink_locked(t);             /* off its CPU: it ended under proc_lock (exit.c) */
  spin_unlock(&proc_lock);
  if (t != g)
    proc_free(t);
  if (status_uva && copy_to_user(status_uva, &status, sizeof(int)) < 0)
    return -1;
  return 0;
}
