/*
 * kt_smp_run.c - self-tests of the kernel running on several CPUs at once:
 * each CPU's scratch page is its own, another CPU's stock of free frames
 * does not make an allocation fail, TLB shootdowns in every direction
 * (kt_tlb.c), address-space CPU sets and the shootdown aimed at them
 * (kt_space.c), and (at the end of the run) every CPU ran processes.
 *
 * The second CPU's half of the scratch test runs in its T_IPI_CALL handler
 * (smp_call_start), with interrupts masked, while cpu0 runs its own half.
 */
#include "test/ktest.h"
#include "arch/percpu.h"
#include "arch/smp.h"
#include "arch/spinlock.h"
#include "arch/x86.h"
#include "mm/kheap.h"
#include "mm/pool.h"
#include "mm/vm.h"
#include "arch/printk.h"
#include "lib/string.h"
#include "lib/fmt.h"

#define KT_SCRATCH_ROUNDS  2000
#define KT_SCRATCH_SPIN    50        /* pause between writing through the scratch page and reading back */
#define KT_PATTERN_CPU     0x5C000000u
#define KT_OTHER_CPU       1

/* What one CPU saw in the scratch test. */
struct kt_scratch {
  uint32_t frame;              /* its own frame (kernel pool: also seen through the direct map) */
  volatile int go;
  int bad_round;               /* first round that read something else, -1 none */
  uint32_t seen, want;
};

static volatile int kt_scratch_ready;

/* KT_SCRATCH_ROUNDS times: map the CPU's frame at its scratch page, write a pattern naming the CPU
 * and the round, drop the cached translation, read it back from the page-table entry. */
static void kt_scratch_rounds(void *arg)
{
  struct kt_scratch *s = arg;
  int id = this_cpu()->id;
  __atomic_add_fetch(&kt_scratch_ready, 1, __ATOMIC_SEQ_CST);
  while (__atomic_load_n(&kt_scratch_ready, __ATOMIC_SEQ_CST) < 2)
    cpu_relax();
  s->bad_round = -1;
  for (int r = 0; r < KT_SCRATCH_ROUNDS && s->bad_round < 0; r++) {
    uint32_t want = KT_PATTERN_CPU | (uint32_t)id << 16 | (uint32_t)r;
    volatile uint32_t *w = vm_scratch_map(s->frame);
    w[0] = want;
    for (int i = 0; i < KT_SCRATCH_SPIN; i++)
      cpu_relax();
    invlpg((uint32_t)w);       /* the next read walks the page table: another CPU's entry would show */
    uint32_t seen = w[0];
    vm_scratch_unmap();
    uint32_t direct = *(volatile uint32_t *)P2V(s->frame);
    if (seen != want || direct != want) {
      s->bad_round = r;
      s->seen = seen != want ? seen : direct;
      s->want = want;
    }
  }
}

/* Two CPUs copying through their scratch pages at once never see each other's frames. */
static void kt_smp_scratch(void)
{
  struct kt_scratch mine = { kframe_alloc(), 0, -1, 0, 0 }, other = { kframe_alloc(), 0, -1, 0, 0 };
  kt_scratch_ready = 0;
  int started = mine.frame && other.frame && smp_call_start(KT_OTHER_CPU, kt_scratch_rounds, &other) == 0;
  if (started) {
    kt_scratch_rounds(&mine);
    smp_call_wait(KT_OTHER_CPU);
  }
  ktest_check("kt_smp_scratch", started && mine.bad_round < 0 && other.bad_round < 0 &&
                                    cpus[0].scratch_va != cpus[KT_OTHER_CPU].scratch_va,
              "started %d; cpu0 round %d saw 0x%08x (want 0x%08x); cpu1 round %d saw 0x%08x (want 0x%08x)", started,
              mine.bad_round, mine.seen, mine.want, other.bad_round, other.seen, other.want);
  if (mine.frame)
    kframe_free(mine.frame);
  if (other.frame)
    kframe_free(other.frame);
}

/* cpu1's half of kt_smp_stock: take one user frame (its stock keeps the rest of a bitmap word)
 * and give it back. */
static void kt_stock_fill(void *arg)
{
  uint32_t pa = pool_alloc_frame(&pool_user);
  if (pa)
    pool_free(&pool_user, pa, 1);
  *(uint32_t *)arg = this_cpu()->frames.bits;
}

/* Frames in another CPU's stock do not make an allocation fail: with cpu1's stock filled, this
 * CPU still gets every free frame of the user pool (the stocks go back to the bitmap first). */
static void kt_smp_stock(void)
{
  uint32_t other_bits = 0;
  int started = smp_call_start(KT_OTHER_CPU, kt_stock_fill, &other_bits) == 0;
  if (started)
    smp_call_wait(KT_OTHER_CPU);
  ktest_check("kt_smp_stock_filled", started && other_bits != 0, "started %d, cpu1's stock 0x%08x", started,
              other_bits);
  kt_pool_exhaust("kt_smp_stock_drained", &pool_user);
}

void ktest_smp_run(void)
{
  ktest_space_cpus();
  if (smp_cpus_up() < 2) {
    kprintf("[ktest] kt_smp_scratch, kt_smp_stock_*, kt_smp_shootdown, kt_smp_space_shootdown: skipped (one CPU running)\n");
    return;
  }
  kt_smp_scratch();
  kt_smp_stock();
  ktest_tlb();
  ktest_space_shootdown();
}

void kt_smp_all_cpus_ran(void)
{
  char line[160];
  int n = 0, idle = -1;
  for (int i = 0; i < CPU_MAX; i++) {
    if (!cpus[i].started)
      continue;
    n += fmt_snprintf(line + n, sizeof line - (uint32_t)n, " cpu%d:%u", i, cpus[i].procs_run);
    if (!cpus[i].procs_run && idle < 0)
      idle = i;
  }
  kprintf("[ktest] processes switched in per CPU:%s\n", line);
  ktest_space_running();
  ktest_check("kt_smp_all_cpus_ran", idle < 0, "cpu%d never ran a process", idle);
}
