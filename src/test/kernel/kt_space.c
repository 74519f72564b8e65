/*
 * kt_space.c - self-tests of address-space CPU sets (vmspace.c) and the shootdown that reaches
 * only the CPUs in a set (tlb_shootdown_cpus).
 *
 * kt_smp_space_cpus: a space made for the test (a fresh directory, no process) is entered and
 * left on each started CPU alone, then on all of them at once; its set must name exactly the
 * CPUs inside it at every step, each CPU must run on its directory while inside and on the
 * kernel's after, and its struct cpu must point at the space only while inside. The APs take
 * their part in their T_IPI_CALL handler (smp_call_start), interrupts masked.
 *
 * kt_smp_space_shootdown: for every set of started CPUs, a space whose set is that one is shot
 * down from this CPU; each other CPU's count of requests served must grow by one exactly when it
 * is in the set, and the returned set must be the set without this CPU.
 *
 * kt_smp_space_running (at the end of a run, from init's exit, interrupts masked): the running
 * process's set is exactly this CPU, the one CPU that runs it, and this CPU names its space.
 */
#include "test/ktest.h"
#include "arch/percpu.h"
#include "arch/smp.h"
#include "arch/tlb.h"
#include "arch/x86.h"
#include "mm/vm.h"
#include "mm/vmspace.h"
#include "proc/proc.h"
#include "sched/proc.h"
#include "arch/printk.h"
#include "lib/fmt.h"

#define KT_SPACE_DETAIL 160            /* the first thing seen wrong, for the check's line */

/* What one CPU saw of the test space, inside it and after leaving it. */
struct kt_space_seen {
  uint32_t set_in, set_out;            /* vs.cpus */
  uint32_t cr3_in, cr3_out;
  int vm_in, vm_out;                   /* this_cpu()->vm == the test space */
};

/* The shared state of kt_smp_space_cpus. */
struct kt_space_run {
  struct vm_space vs;
  int together;                        /* all CPUs inside at once: wait for `release` */
  volatile int inside, release;
  uint32_t set_all;                    /* the set while every CPU was inside */
  struct kt_space_seen seen[CPU_MAX];
};

/* Enter the test space, note what this CPU sees, (together: wait until told), leave, note again. */
static void kt_space_visit(void *arg)
{
  struct kt_space_run *r = arg;
  struct cpu *c = this_cpu();
  struct kt_space_seen *s = &r->seen[c->id];
  uint32_t flags = irq_save();
  vm_space_enter(&r->vs);
  s->set_in = r->vs.cpus;
  s->cr3_in = read_cr3();
  s->vm_in = c->vm == &r->vs;
  __atomic_add_fetch(&r->inside, 1, __ATOMIC_SEQ_CST);
  while (r->together && !__atomic_load_n(&r->release, __ATOMIC_SEQ_CST)) {
    tlb_service();
    cpu_relax();
  }
  vm_space_leave(&r->vs);
  s->set_out = r->vs.cpus;
  s->cr3_out = read_cr3();
  s->vm_out = c->vm == &r->vs;
  irq_restore(flags);
}

/* What is wrong with what CPU id saw alone (expect_in: the set while inside), or 0. */
static const char *kt_space_wrong(const struct kt_space_run *r, int id, uint32_t expect_in)
{
  const struct kt_space_seen *s = &r->seen[id];
  if (s->set_in != expect_in)
    return "the set inside is not the CPUs inside";
  if (s->cr3_in != V2P(r->vs.pd) || !s->vm_in)
    return "not on the space's directory, or struct cpu does not name it, inside";
  if (s->set_out & (1u << id))
    return "its bit still set after leaving";
  if (s->cr3_out != V2P(kernel_pd) || s->vm_out)
    return "not back on kernel_pd, or struct cpu still names the space";
  return 0;
}

/* Note the first wrong thing CPU id saw in first; returns 1 when there was one. */
static int kt_space_judge(const struct kt_space_run *r, int id, uint32_t expect_in, char *first, uint32_t n)
{
  const char *why = kt_space_wrong(r, id, expect_in);
  if (!why)
    return 0;
  const struct kt_space_seen *s = &r->seen[id];
  kprintf("[ktest] space cpu%d: %s: set 0x%x inside (want 0x%x), 0x%x after; cr3 0x%x inside (dir 0x%x), "
          "0x%x after\n", id, why, s->set_in, expect_in, s->set_out, s->cr3_in, V2P(r->vs.pd), s->cr3_out);
  if (!first[0])
    fmt_snprintf(first, n, "cpu%d: %s: set 0x%x inside (want 0x%x), 0x%x after", id, why, s->set_in, expect_in,
                 s->set_out);
  return 1;
}

/* Run kt_space_visit on CPU id (this one directly); returns -1 when it refused. */
static int kt_space_start(struct kt_space_run *r, int id)
{
  if (id == this_cpu()->id) {
    kt_space_visit(r);
    return 0;
  }
  return smp_call_start(id, kt_space_visit, r);
}

void ktest_space_cpus(void)
{
  static struct kt_space_run run;      /* the APs read it: not on this CPU's stack */
  struct kt_space_run *r = &run;
  char first[KT_SPACE_DETAIL] = "";
  int bad = 0, refused = -1, me = this_cpu()->id;
  uint32_t started = 0;
  vm_space_init(&r->vs);
  r->vs.pd = vm_space_create();
  r->vs.cpus = 0;
  for (int i = 0; r->vs.pd && i < CPU_MAX; i++) {
    if (!cpus[i].started)
      continue;
    started |= 1u << i;
    r->together = 0;
    if (kt_space_start(r, i) < 0) {
      refused = i;
      continue;
    }
    if (i != me)
      smp_call_wait(i);
    bad += kt_space_judge(r, i, 1u << i, first, sizeof first);
  }
  /* All at once: the APs wait inside until this CPU, the last in, has read the set. */
  uint32_t asked = 0;
  r->together = 1;
  r->inside = r->release = 0;
  for (int i = 0; r->vs.pd && i < CPU_MAX; i++) {
    if (!(started & (1u << i)) || i == me)
      continue;
    if (smp_call_start(i, kt_space_visit, r) == 0)
      asked |= 1u << i;
    else
      refused = i;
  }
  if (r->vs.pd) {
    while (__atomic_load_n(&r->inside, __ATOMIC_SEQ_CST) < __builtin_popcount(asked))
      cpu_relax();
    uint32_t flags = irq_save();
    vm_space_enter(&r->vs);
    r->set_all = r->vs.cpus;
    vm_space_leave(&r->vs);
    irq_restore(flags);
    __atomic_store_n(&r->release, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < CPU_MAX; i++)
      if (asked & (1u << i))
        smp_call_wait(i);
    if (r->set_all != (asked | 1u << me)) {
      bad++;
      kprintf("[ktest] space: set 0x%x with cpus 0x%x inside at once\n", r->set_all, asked | 1u << me);
      if (!first[0])
        fmt_snprintf(first, sizeof first, "set 0x%x with cpus 0x%x inside at once", r->set_all, asked | 1u << me);
    }
    if (r->vs.cpus != 0) {
      bad++;
      if (!first[0])
        fmt_snprintf(first, sizeof first, "set 0x%x after every CPU left", r->vs.cpus);
    }
  }
  ktest_check("kt_smp_space_cpus", r->vs.pd && refused < 0 && bad == 0, "%d wrong on cpus 0x%x; first: %s%s", bad,
              started, r->vs.pd ? first : "no memory for the test", refused >= 0 ? "; a CPU refused its part" : "");
  if (r->vs.pd)
    proc_space_destroy(0, r->vs.pd);
}

/* The count of shootdown requests each CPU has served. */
static void kt_space_served(uint32_t served[CPU_MAX])
{
  for (int i = 0; i < CPU_MAX; i++)
    served[i] = __atomic_load_n(&cpus[i].tlb_served, __ATOMIC_SEQ_CST);
}

void ktest_space_shootdown(void)
{
  struct vm_space vs;                      /* only its set matters: no CPU enters it */
  vm_space_init(&vs);
  vs.pd = kernel_pd;
  char first[KT_SPACE_DETAIL] = "";
  int me = this_cpu()->id, bad = 0, masks = 0;
  uint32_t started = 0, before[CPU_MAX], after[CPU_MAX];
  for (int i = 0; i < CPU_MAX; i++)
    started |= cpus[i].started ? 1u << i : 0;
  for (uint32_t m = 1; m <= started; m++) {
    if (m & ~started)
      continue;
    masks++;
    vs.cpus = m;
    kt_space_served(before);
    uint32_t reached = vm_space_shootdown(&vs, (uint32_t)kernel_pd, 1);   /* a kernel page: harmless */
    kt_space_served(after);
    uint32_t flushed = 0;
    for (int i = 0; i < CPU_MAX; i++)
      flushed |= after[i] != before[i] && i != me ? 1u << i : 0;
    uint32_t want = m & ~(1u << me);
    if (reached == want && flushed == want)
      continue;
    bad++;
    kprintf("[ktest] space shootdown from cpu%d, set 0x%x: reached 0x%x, CPUs that flushed 0x%x (want 0x%x)\n",
            me, m, reached, flushed, want);
    if (!first[0])
      fmt_snprintf(first, sizeof first, "set 0x%x: reached 0x%x, flushed 0x%x (want 0x%x)", m, reached, flushed,
                   want);
  }
  ktest_check("kt_smp_space_shootdown", bad == 0, "%d of %d sets wrong from cpu%d; first: %s", bad, masks, me, first);
}

void ktest_space_running(void)
{
  struct proc *p = proc_current() ? proc_current_group() : 0;
  struct cpu *c = this_cpu();
  uint32_t set = p ? p->vm.cpus : 0;
  ktest_check("kt_smp_space_running", p && set == 1u << c->id && c->vm == &p->vm,
              "pid %d on cpu%d: its space's set 0x%x (want 0x%x), struct cpu %s it", p ? p->pid : -1, c->id, set,
              1u << c->id, p && c->vm == &p->vm ? "names" : "does not name");
}
