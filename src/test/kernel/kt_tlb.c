/*
 * kt_tlb.c - self-test of tlb_shootdown in every direction: each started CPU in turn changes a
 * kernel mapping and shoots it down while every other started CPU reads through it.
 *
 * One round, sender S and readers R (every other started CPU):
 *  1. each reader reads va, mapped to the old frame, so its TLB holds the translation;
 *  2. S remaps va to the new frame (vm_map flushes S's own entry only), then waits until every
 *     reader has read va once more: a reader that still sees the old word holds the stale
 *     entry the shootdown must remove;
 *  3. S calls tlb_shootdown(va, 1) and, once it returns, sets `returned`;
 *  4. each reader reads va until it sees the new word, in bursts with interrupts masked and
 *     interrupts let in between bursts. Each read looks at `returned` first. A correct
 *     shootdown cannot return while a reader that has not flushed masks interrupts (S waits for
 *     the reader's IPI handler), so the old word read after `returned` was seen means
 *     tlb_shootdown returned before that reader flushed.
 *
 * What it proves, for every sender->reader pair: the reader had the stale entry, and the
 * flush reached it before tlb_shootdown returned. What it cannot: the emulators' TLBs are
 * not a processor's. QEMU's TCG keeps a software TLB per CPU that no other CPU's page-table
 * write touches (so step 2 does see the old word there), but an entry can be dropped early
 * (step 2 then reads the new word: the round proves nothing and is repeated, KT_TLB_TRIES
 * times at most). A missed shootdown shows only while the stale entry survives; a shootdown
 * that does not wait shows only when S returns while the reader is inside a burst, which is
 * most of the time, not always.
 *
 * The APs run their part in their T_IPI_CALL handler. That vector and T_IPI_TLB share the
 * local APIC's priority class, so the TLB IPI is held back while the call is in service even
 * with interrupts enabled: an AP reader first signals the end of the call interrupt itself
 * (the handler's own EOI afterwards finds nothing in service and changes nothing).
 */
#include "test/ktest.h"
#include "arch/percpu.h"
#include "arch/smp.h"
#include "arch/lapic.h"
#include "arch/tlb.h"
#include "arch/x86.h"
#include "mm/kheap.h"
#include "mm/pool.h"
#include "mm/vm.h"
#include "arch/printk.h"
#include "lib/fmt.h"

#define KT_TLB_OLD_WORD   0xA0A00000u   /* | sender << 8 | try: the old frame's first word */
#define KT_TLB_NEW_WORD   0xB0B00000u   /* likewise for the new frame */
#define KT_TLB_BURST      2000          /* reads per burst with interrupts masked */
#define KT_TLB_GAP        8             /* loads with interrupts let in between bursts (each a TCG block) */
#define KT_TLB_TRIES      3             /* rounds per sender until every reader held a stale entry */
#define KT_TLB_DETAIL     128           /* the first bad pair, for the check's line */

/* How a reader's watch (step 4) ended. */
enum kt_tlb_end {
  KT_TLB_NEW_BEFORE = 1,   /* the new word, before it saw `returned` */
  KT_TLB_NEW_AFTER,        /* the new word, with `returned` already set */
  KT_TLB_OLD_AFTER,        /* the old word with `returned` already set: the shootdown did not wait */
  KT_TLB_OTHER,            /* neither frame's word */
};

/* What one reader saw in a round. */
struct kt_tlb_seen {
  uint32_t cached;         /* step 1: the word before the remap */
  uint32_t stale;          /* step 2: the word after the remap, before the shootdown */
  uint32_t last;           /* the word that ended step 4 */
  int end;                 /* enum kt_tlb_end */
};

/* One round's shared state. */
struct kt_tlb_round {
  uint32_t va, old_pa, new_pa, old_word, new_word;
  int sender, readers;
  volatile int cached, checked;    /* readers done with step 1, step 2 */
  volatile int remapped, returned;
  uint32_t sender_after;           /* the word the sender read once its shootdown returned */
  struct kt_tlb_seen seen[CPU_MAX];
};

/* Step 4: read va until the new word shows; returns how it ended, the last word in *last. */
static int kt_tlb_watch(struct kt_tlb_round *r, volatile uint32_t *w, uint32_t *last)
{
  for (;;) {
    for (int i = 0; i < KT_TLB_BURST; i++) {
      int returned = __atomic_load_n(&r->returned, __ATOMIC_SEQ_CST);
      uint32_t v = *w;
      *last = v;
      if (v == r->new_word)
        return returned ? KT_TLB_NEW_AFTER : KT_TLB_NEW_BEFORE;
      if (v != r->old_word)
        return KT_TLB_OTHER;
      if (returned)
        return KT_TLB_OLD_AFTER;
    }
    sti();
    for (int i = 0; i < KT_TLB_GAP; i++)
      (void)__atomic_load_n(&r->returned, __ATOMIC_RELAXED);   /* no pause: TCG leaves its CPU loop on one */
    cli();
  }
}

/* A reader's steps 1, 2 and 4, with interrupts masked except between step 4's bursts. */
static void kt_tlb_reader(void *arg)
{
  struct kt_tlb_round *r = arg;
  struct kt_tlb_seen *s = &r->seen[this_cpu()->id];
  volatile uint32_t *w = (volatile uint32_t *)r->va;
  uint32_t flags = irq_save();
  s->cached = *w;
  __atomic_add_fetch(&r->cached, 1, __ATOMIC_SEQ_CST);
  while (!__atomic_load_n(&r->remapped, __ATOMIC_SEQ_CST))
    cpu_relax();
  s->stale = *w;
  __atomic_add_fetch(&r->checked, 1, __ATOMIC_SEQ_CST);
  s->end = kt_tlb_watch(r, w, &s->last);
  irq_restore(flags);
}

/* A reader on an AP, in its T_IPI_CALL handler: end the call interrupt first (see above). */
static void kt_tlb_reader_call(void *arg)
{
  lapic_eoi();
  kt_tlb_reader(arg);
}

/* The sender: steps 2 and 3. */
static void kt_tlb_sender(void *arg)
{
  struct kt_tlb_round *r = arg;
  while (__atomic_load_n(&r->cached, __ATOMIC_SEQ_CST) < r->readers)
    cpu_relax();
  vm_unmap(kernel_pd, r->va);
  vm_map(kernel_pd, r->va, r->new_pa, PTE_W);
  __atomic_store_n(&r->remapped, 1, __ATOMIC_SEQ_CST);
  while (__atomic_load_n(&r->checked, __ATOMIC_SEQ_CST) < r->readers)
    cpu_relax();
  tlb_shootdown(r->va, 1);
  r->sender_after = *(volatile uint32_t *)r->va;
  __atomic_store_n(&r->returned, 1, __ATOMIC_SEQ_CST);
}

/* Map va to the old frame on every CPU and give both frames their words for this round. */
static void kt_tlb_reset(struct kt_tlb_round *r, int sender, int try)
{
  r->sender = sender;
  r->old_word = KT_TLB_OLD_WORD | (uint32_t)sender << 8 | (uint32_t)try;
  r->new_word = KT_TLB_NEW_WORD | (uint32_t)sender << 8 | (uint32_t)try;
  *(volatile uint32_t *)P2V(r->old_pa) = r->old_word;
  *(volatile uint32_t *)P2V(r->new_pa) = r->new_word;
  vm_unmap(kernel_pd, r->va);
  vm_map(kernel_pd, r->va, r->old_pa, PTE_W);
  tlb_shootdown(r->va, 1);
  r->readers = r->cached = r->checked = r->remapped = r->returned = 0;
  r->sender_after = 0;
  for (int i = 0; i < CPU_MAX; i++)
    r->seen[i] = (struct kt_tlb_seen){ 0, 0, 0, 0 };
}

/* Run one round from this CPU (the test's own): the APs take their parts by smp_call. Returns
 * the first CPU that could not be asked, or -1. */
static int kt_tlb_round(struct kt_tlb_round *r)
{
  int me = this_cpu()->id, refused = -1;
  uint32_t asked = 0;                  /* bit i: cpu i runs a part */
  for (int i = 0; i < CPU_MAX; i++) {
    if (!cpus[i].started || i == me || i == r->sender)
      continue;
    if (smp_call_start(i, kt_tlb_reader_call, r) == 0) {
      asked |= 1u << i;
      r->readers++;
    } else if (refused < 0) {
      refused = i;
    }
  }
  if (r->sender == me) {
    kt_tlb_sender(r);
  } else {
    r->readers++;                      /* this CPU reads too */
    if (smp_call_start(r->sender, kt_tlb_sender, r) == 0) {
      asked |= 1u << r->sender;
    } else {
      refused = r->sender;
      __atomic_store_n(&r->remapped, 1, __ATOMIC_SEQ_CST);   /* let the readers finish */
      __atomic_store_n(&r->returned, 1, __ATOMIC_SEQ_CST);
    }
    kt_tlb_reader(r);
  }
  for (int i = 0; i < CPU_MAX; i++)
    if (asked & (1u << i))
      smp_call_wait(i);
  return refused;
}

/* Non-zero when some reader of the round read the new word already in step 2. */
static int kt_tlb_unproven(const struct kt_tlb_round *r)
{
  for (int i = 0; i < CPU_MAX; i++)
    if (cpus[i].started && i != r->sender && r->seen[i].stale == r->new_word)
      return 1;
  return 0;
}

/* What is wrong with reader s of round r, or 0 when the pair passed. */
static const char *kt_tlb_wrong(const struct kt_tlb_round *r, const struct kt_tlb_seen *s)
{
  if (s->cached != r->old_word)
    return "not the old word at first";
  if (s->stale == r->new_word)
    return "no stale entry (new word before any shootdown), nothing proven";
  if (s->stale != r->old_word)
    return "neither word after the remap";
  if (s->end == KT_TLB_OLD_AFTER)
    return "old word after tlb_shootdown returned";
  if (s->end != KT_TLB_NEW_BEFORE && s->end != KT_TLB_NEW_AFTER)
    return "neither word while waiting for the flush";
  return 0;
}

/* Check the round's pairs: print a line for each bad one, describe the first bad one of the
 * whole test in first (when it is still empty), count the readers that first saw the new word
 * before and after the sender's return flag in seen[0], seen[1]; return the number of bad ones. */
static int kt_tlb_judge(const struct kt_tlb_round *r, char *first, uint32_t n, int seen[2])
{
  int bad = 0;
  for (int i = 0; i < CPU_MAX; i++) {
    const struct kt_tlb_seen *s = &r->seen[i];
    if (!cpus[i].started || i == r->sender)
      continue;
    seen[0] += s->end == KT_TLB_NEW_BEFORE;
    seen[1] += s->end == KT_TLB_NEW_AFTER;
    const char *why = kt_tlb_wrong(r, s);
    if (!why)
      continue;
    bad++;
    kprintf("[ktest] shootdown sender cpu%d, reader cpu%d: %s: read 0x%08x, after the remap 0x%08x, last 0x%08x "
            "(old 0x%08x, new 0x%08x)\n", r->sender, i, why, s->cached, s->stale, s->last, r->old_word, r->new_word);
    if (!first[0])
      fmt_snprintf(first, n, "sender cpu%d, reader cpu%d: %s: read 0x%08x, 0x%08x, last 0x%08x", r->sender, i,
                   why, s->cached, s->stale, s->last);
  }
  if (r->sender_after != r->new_word) {
    bad++;
    kprintf("[ktest] shootdown sender cpu%d read 0x%08x after its own shootdown (new 0x%08x)\n", r->sender,
            r->sender_after, r->new_word);
    if (!first[0])
      fmt_snprintf(first, n, "sender cpu%d read 0x%08x after its own shootdown (new 0x%08x)", r->sender,
                   r->sender_after, r->new_word);
  }
  return bad;
}

void ktest_tlb(void)
{
  static struct kt_tlb_round round;   /* the APs read it: not on this CPU's stack */
  struct kt_tlb_round *r = &round;
  char first[KT_TLB_DETAIL] = "";
  int bad = 0, pairs = 0, seen[2] = { 0, 0 }, retried = 0, refused = -1;
  r->old_pa = kframe_alloc();
  r->new_pa = kframe_alloc();
  r->va = kvpool_alloc(1);
  int ok = r->old_pa && r->new_pa && r->va;
  for (int sender = 0; ok && sender < CPU_MAX; sender++) {
    if (!cpus[sender].started)
      continue;
    int try = 0;
    do {
      retried += try > 0;
      kt_tlb_reset(r, sender, try);
      int no = kt_tlb_round(r);
      if (no >= 0 && refused < 0)
        refused = no;
    } while (kt_tlb_unproven(r) && ++try < KT_TLB_TRIES);
    pairs += smp_cpus_up() - 1;
    bad += kt_tlb_judge(r, first, sizeof first, seen);
  }
  kprintf("[ktest] shootdown: %d sender->reader pairs; the new word first read before the "
          "sender's return flag by %d, after it by %d; %d rounds repeated (no stale entry)\n", pairs,
          seen[0], seen[1], retried);
  ktest_check("kt_smp_shootdown", ok && refused < 0 && bad == 0,
              "%d of %d pairs bad; first: %s%s", bad, pairs, ok ? first : "no memory for the test",
              refused >= 0 ? "; a CPU refused its part" : "");
  if (r->va) {
    vm_unmap(kernel_pd, r->va);
    tlb_shootdown(r->va, 1);
    kvpool_free(r->va, 1);
  }
  if (r->old_pa)
    kframe_free(r->old_pa);
  if (r->new_pa)
    kframe_free(r->new_pa);
}
