/*
 * spinlock.c - checked interrupt-masking test-and-set locks, and the
 * per-CPU interrupt-masking depth (push_off/pop_off) they are built on.
 */
#include "arch/spinlock.h"
#include "arch/percpu.h"
#include "arch/x86.h"
#include "arch/tlb.h"
#include "arch/printk.h"

static struct spin_report *spin_report_to;

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

int spin_locks_held(const struct cpu *c)
{
  int n = 0;
  for (uint32_t m = c->ranks_held; m; m &= m - 1)
    n++;
  return n;
}

/* Fill the report (report mode) for l asked for at file:line against held lock h, and undo this
 * call's masking; 0 when not in report mode. */
static int spin_report_hit(struct spinlock *l, const struct spinlock *h, const char *file, int line)
{
  struct spin_report *r = spin_report_to;
  if (!r)
    return 0;
  r->hits++;
  r->lock = l->name;
  r->held_lock = h->name;
  r->held_file = h->file, r->held_line = h->line;
  r->again_file = file, r->again_line = line;
  pop_off();
  return 1;
}

void spin_out_of_order(struct spinlock *l, struct cpu *c, const char *file, int line)
{
  if (l->cpu == c) {
    if (!spin_report_hit(l, l, file, line))
      panic("spinlock %s: cpu%d takes it again at %s:%d; it took it at %s:%d", l->name, c->id, file, line,
            l->file, l->line);
    return;
  }
  /* the highest rank held: the lock taken last by code that kept the order until now */
  uint32_t r = 31u - (uint32_t)__builtin_clz(c->ranks_held);
  const struct spinlock *h = c->rank_lock[r];
  if (!spin_report_hit(l, h, file, line))
    panic("lock order: cpu%d takes %s (rank %u) at %s:%d while holding %s (rank %u) taken at %s:%d "
          "(include/arch/spinlock.h)", c->id, l->name, l->rank, file, line, h->name, h->rank, h->file, h->line);
}

void spin_wait(struct spinlock *l, struct cpu *c, const char *file, int line)
{
  uint32_t spins = 0;
  do {
    tlb_service();
    cpu_relax();
    if (++spins == SPIN_LIMIT) {
      struct cpu *h = l->cpu;
      panic("spinlock %s: cpu%d waited too long at %s:%d; held by cpu%d since %s:%d", l->name, c->id, file,
            line, h ? h->id : -1, l->file ? l->file : "?", l->line);
    }
  } while (spin_xchg(&l->locked, 1));
}

int spin_trylock_at(struct spinlock *l, const char *file, int line)
{
  push_off();
  struct cpu *c = this_cpu();
  if (c->ranks_held >= l->rank_bit) {
    spin_out_of_order(l, c, file, line);
    return 0;
  }
  if (spin_xchg(&l->locked, 1)) {
    pop_off();
    return 0;
  }
  spin_took(l, c, file, line, l->rank_bit);
  return 1;
}

void spin_bad_masking(const struct cpu *c)
{
  if (read_eflags() & EFLAGS_IF)
    panic("spin_unlock: cpu%d has interrupts enabled inside a masked section", c->id);
  panic("spin_unlock: cpu%d unbalanced (depth %d)", c->id, c->irq_depth);
}

void spin_bad_unlock(const struct spinlock *l, const struct cpu *c)
{
  panic("spinlock %s: released by cpu%d, which does not hold it", l->name, c->id);
}

void spin_check_report(struct spin_report *r)
{
  spin_report_to = r;
}
