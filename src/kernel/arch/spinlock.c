/*
 * spinlock.c - checked interrupt-masking test-and-set locks, and the
 * per-CPU interrupt-masking depth (push_off/pop_off) they are built on.
 */
#include "arch/spinlock.h"
#include "arch/percpu.h"
#include "arch/x86.h"
#include "mm/tlb.h"
#include "kernel/printk.h"

static struct spin_report *spin_report_to;

/* Atomically store v into *p and return the old value. */
static inline uint32_t spin_xchg(volatile uint32_t *p, uint32_t v)
{
  __asm__ volatile("xchgl %0, %1" : "+m"(*p), "+r"(v) : : "memory");
  return v;
}

void push_off(void)
{
  uint32_t f = read_eflags();
  cli();
  struct cpu *c = this_cpu();
  if (c->irq_depth++ == 0)
    c->irq_were_enabled = (f & EFLAGS_IF) != 0;
}

void pop_off(void)
{
  struct cpu *c = this_cpu();
  if (read_eflags() & EFLAGS_IF)
    panic("pop_off: cpu%d has interrupts enabled inside a masked section", c->id);
  if (c->irq_depth < 1)
    panic("pop_off: cpu%d unbalanced (depth %d)", c->id, c->irq_depth);
  if (--c->irq_depth == 0 && c->irq_were_enabled)
    sti();
}

int spin_holding(const struct spinlock *l)
{
  return l->locked && l->cpu == this_cpu();
}

/* Record this CPU as l's holder (l just taken). */
static void spin_took(struct spinlock *l, const char *file, int line)
{
  struct cpu *c = this_cpu();
  l->cpu = c;
  l->file = file;
  l->line = line;
  c->locks_held++;
}

void spin_lock_at(struct spinlock *l, const char *file, int line)
{
  push_off();
  struct cpu *c = this_cpu();
  if (spin_holding(l)) {
    if (spin_report_to) {
      struct spin_report *r = spin_report_to;
      r->hits++;
      r->lock = l->name;
      r->held_file = l->file, r->held_line = l->line;
      r->again_file = file, r->again_line = line;
      pop_off();
      return;
    }
    panic("spinlock %s: cpu%d takes it again at %s:%d; it took it at %s:%d", l->name, c->id, file, line,
          l->file, l->line);
  }
  uint32_t spins = 0;
  while (spin_xchg(&l->locked, 1)) {
    tlb_service();
    cpu_relax();
    if (++spins == SPIN_LIMIT) {
      struct cpu *h = l->cpu;
      panic("spinlock %s: cpu%d waited too long at %s:%d; held by cpu%d since %s:%d", l->name, c->id, file,
            line, h ? h->id : -1, l->file ? l->file : "?", l->line);
    }
  }
  spin_took(l, file, line);
}

int spin_trylock_at(struct spinlock *l, const char *file, int line)
{
  push_off();
  if (spin_holding(l) || spin_xchg(&l->locked, 1)) {
    pop_off();
    return 0;
  }
  spin_took(l, file, line);
  return 1;
}

void spin_unlock(struct spinlock *l)
{
  struct cpu *c = this_cpu();
  if (!spin_holding(l))
    panic("spinlock %s: released by cpu%d, which does not hold it", l->name, c->id);
  l->cpu = 0;
  l->file = 0;
  c->locks_held--;
  spin_xchg(&l->locked, 0);
  pop_off();
}

void spin_check_report(struct spin_report *r)
{
  spin_report_to = r;
}
