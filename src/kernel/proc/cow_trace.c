/*
 * cow_trace.c - the [cow] trace line: one line per decision of a write fault, for a process
 * whose trace level is on (trace 1 in the shell, the cowtrace system call).
 *
 * Trace levels: COW_TRACE_OFF (0) prints nothing, COW_TRACE_ON (1) one line per decision
 * (a copy-on-write copy or reuse, a shared table's copy or reuse, and the first touch of an
 * untouched heap page as its own kind: "zero-read" maps the shared zero frame, frame
 * 0->zero frame, ref 0->0 since it has no count; "zero-fill" maps a fresh zeroed frame, ref 0->1),
 * COW_TRACE_SHOOTDOWN (2) also one line per TLB shootdown that reached another CPU: which
 * CPUs, which range, and why (a fork, a copy-on-write copy, a shared table made private, a
 * shrinking sbrk). A thread's lines name its process's pid and, after the CPU, its tid. The lines are rate-limited over the whole machine: at most
 * COW_TRACE_MAX_LINES in a window of COW_TRACE_WINDOW_TICKS (one second). The lines held back
 * are counted, and the count is printed as one line, "[cow] N lines not shown (...)", before
 * the next line that is shown, and at the next cowtrace call (the shell makes one after
 * each program it ran), so a storm of faults ends with its count on the screen. A cowtrace
 * call also starts a new window: a program the shell starts (its child calls cowtrace just
 * before exec) gets the whole allowance, whatever ran just before it.
 *
 * The window and the counts are shared by every CPU and kept with atomic operations, no
 * lock: a fault may come while the tty or a pipe lock is held, and printing takes the
 * console lock. Two CPUs crossing a window's end together may let a line or two more
 * through; no line is lost from the count.
 */
#include "proc/proc.h"
#include "cow/cow.h"
#include "sched/sched.h"
#include "arch/percpu.h"
#include "arch/printk.h"
#include "arch/trapframe.h"
#include "lib/fmt.h"
#include "user.h"

#define COW_TRACE_OFF          0
#define COW_TRACE_ON           1
#define COW_TRACE_SHOOTDOWN    2
#define COW_TRACE_CPUS_LEN     (CPU_MAX * 2 + 1)           /* "1,2,3" */
#define COW_TRACE_MAX_LINES    COWTRACE_LINES_PER_SECOND   /* [cow] lines shown per window */
#define COW_TRACE_WINDOW_TICKS HZ                          /* one second */

static uint32_t cow_trace_window;      /* tick the current window began */
static uint32_t cow_trace_shown;       /* lines shown in the current window */
static uint32_t cow_trace_held;        /* lines not shown since the last count line */

/* Print the count of the lines held back since the last count line, if any. */
static void cow_trace_report_held(void)
{
  uint32_t held = __atomic_exchange_n(&cow_trace_held, 0, __ATOMIC_ACQ_REL);
  if (held)
    kprintf("[cow] %u lines not shown (the trace shows at most %d a second)\n", held, COW_TRACE_MAX_LINES);
}

/* Start a new window at this tick with nothing shown in it yet. */
static void cow_trace_new_window(void)
{
  __atomic_store_n(&cow_trace_window, clock_ticks(), __ATOMIC_RELEASE);
  __atomic_store_n(&cow_trace_shown, 0, __ATOMIC_RELEASE);
}

/* May one more line be shown now? Starts a new window when the last one is over; a line that
 * may not be shown is counted as held back. */
static int cow_trace_admit(void)
{
  uint32_t now = clock_ticks();
  uint32_t start = __atomic_load_n(&cow_trace_window, __ATOMIC_ACQUIRE);
  if (now - start >= COW_TRACE_WINDOW_TICKS &&
      __atomic_compare_exchange_n(&cow_trace_window, &start, now, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    __atomic_store_n(&cow_trace_shown, 0, __ATOMIC_RELEASE);
  uint32_t shown = __atomic_load_n(&cow_trace_shown, __ATOMIC_ACQUIRE);
  while (shown < COW_TRACE_MAX_LINES)
    if (__atomic_compare_exchange_n(&cow_trace_shown, &shown, shown + 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
      return 1;
  __atomic_fetch_add(&cow_trace_held, 1, __ATOMIC_ACQ_REL);
  return 0;
}

int cow_trace_set(int level)
{
  struct proc *p = proc_current();
  if (level < COW_TRACE_OFF || level > COW_TRACE_SHOOTDOWN)
    return -1;
  cow_trace_report_held();
  cow_trace_new_window();
  int old = p->cow_trace;
  p->cow_trace = level;
  return old;
}

/* " tid=T" for a thread other than its process's first, "" for that one (buf: 16 bytes). */
static const char *cow_trace_tid(const struct proc *p, char *buf)
{
  if (p == p->group)
    return "";
  fmt_snprintf(buf, 16, " tid=%d", p->pid);
  return buf;
}

void cow_trace_shootdown(const char *why, uint32_t va, uint32_t npages, uint32_t cpus)
{
  struct proc *p = proc_current();
  if (!p || p->cow_trace < COW_TRACE_SHOOTDOWN || !cow_trace_admit())
    return;
  char list[COW_TRACE_CPUS_LEN], tid[16];
  int n = 0;
  for (int i = 0; i < CPU_MAX; i++)
    if (cpus & (1u << i))
      n += fmt_snprintf(list + n, sizeof list - (uint32_t)n, n ? ",%d" : "%d", i);
  cow_trace_report_held();
  kprintf("[cow] pid=%d name=%s shootdown va=0x%08x pages=%u cpus=%s why=%s cpu=%d%s\n", p->group->pid, p->name,
          va, npages, list, why, this_cpu()->id, cow_trace_tid(p, tid));
}

void cow_trace(uint32_t va, uint32_t err, uint32_t eip, const struct cow_report *rep)
{
  struct proc *p = proc_current();
  if (!p || p->cow_trace == COW_TRACE_OFF)
    return;
  char dec[40], tid[16];
  trap_pf_decode(err, dec, sizeof dec);
  for (int i = 0; i < rep->n; i++) {
    const struct cow_step *s = &rep->step[i];
    if (!cow_trace_admit())
      continue;
    cow_trace_report_held();
    kprintf("[cow] pid=%d name=%s va=0x%08x err=0x%x(%s) eip=0x%08x %s frame 0x%08x->0x%08x ref %u->%u cpu=%d%s\n",
            p->group->pid, p->name, va, err, dec, eip, s->action, s->old_pa, s->new_pa, s->refs_before,
            s->refs_after, this_cpu()->id, cow_trace_tid(p, tid));
  }
  if (rep->shot_cpus)
    cow_trace_shootdown(rep->shot_why, rep->shot_va, rep->shot_pages, rep->shot_cpus);
}
