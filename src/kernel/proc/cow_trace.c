/*
 * cow_trace.c - the [cow] trace line: one line per decision of a write fault, for a process
 * whose trace level is on (trace 1 in the shell, the cowtrace system call).
 */
#include "proc/proc.h"
#include "cow/cow.h"
#include "arch/percpu.h"
#include "arch/printk.h"
#include "arch/trapframe.h"

int cow_trace_set(int level)
{
  struct proc *p = proc_current();
  int old = p->cow_trace;
  p->cow_trace = level;
  return old;
}

void cow_trace(uint32_t va, uint32_t err, uint32_t eip, const struct cow_report *rep)
{
  struct proc *p = proc_current();
  if (!p || !p->cow_trace)
    return;
  char dec[40];
  trap_pf_decode(err, dec, sizeof dec);
  for (int i = 0; i < rep->n; i++) {
    const struct cow_step *s = &rep->step[i];
    kprintf("[cow] pid=%d name=%s va=0x%08x err=0x%x(%s) eip=0x%08x %s frame 0x%08x->0x%08x ref %u->%u cpu=%d\n",
            p->pid, p->name, va, err, dec, eip, s->action, s->old_pa, s->new_pa, s->refs_before, s->refs_after,
            this_cpu()->id);
  }
}
