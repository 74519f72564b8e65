/*
 * kt_spin.c - self-tests of the lock checker (spinlock.h): a recursive
 * acquire, a lock taken out of the lock order and two locks of one rank
 * are each reported with both locks and both call sites, and locks taken
 * in the order are not.
 *
 * The checks run in report mode (spin_check_report), so a catch fills a
 * report instead of panicking and the lock asked for is not taken. The
 * locks are the tests' own, given the ranks of real ones.
 */
#include "test/ktest.h"
#include "arch/percpu.h"
#include "arch/spinlock.h"
#include "lib/string.h"

/* r names lock asked at again_line against held taken at held_line, both in this file. */
static int kt_report_is(const struct spin_report *r, const char *lock, const char *held, int held_line,
                        int again_line)
{
  return r->hits == 1 && r->lock && strcmp(r->lock, lock) == 0 && r->held_lock &&
         strcmp(r->held_lock, held) == 0 && r->held_line == held_line && r->again_line == again_line &&
         r->held_file && strcmp(r->held_file, __FILE__) == 0 && r->again_file &&
         strcmp(r->again_file, __FILE__) == 0;
}

/* Taking a lock this CPU holds is caught, with both call sites. */
static void kt_spin_recursive(void)
{
  struct spinlock l = SPINLOCK_INIT("spin-test", SPIN_RANK_TEST);
  struct spin_report r;
  memset(&r, 0, sizeof r);
  int held_before = spin_locks_held(this_cpu());
  spin_check_report(&r);
  spin_lock(&l);
  int first_line = l.line;
  spin_lock(&l);
  spin_check_report(0);
  int held_twice = spin_locks_held(this_cpu()) - held_before;
  spin_unlock(&l);
  ktest_check("kt_spin_recursive", r.hits == 1 && r.lock && strcmp(r.lock, "spin-test") == 0 &&
                                       r.held_lock == r.lock && r.held_line == first_line &&
                                       r.again_line > first_line && r.held_file && r.again_file &&
                                       held_twice == 1 && !l.locked &&
                                       spin_locks_held(this_cpu()) == held_before,
              "%d reports, lock %s, held at line %d (want %d), again at line %d, held %d times, left %s",
              r.hits, r.lock ? r.lock : "none", r.held_line, first_line, r.again_line, held_twice,
              l.locked ? "locked" : "free");
}

/* The pool rank comes after the count rank: count then pool is no report, pool then count is one
 * naming both locks and lines, and the count lock is left untaken. */
static void kt_spin_order(void)
{
  struct spinlock count = SPINLOCK_INIT("test-pageref", SPIN_RANK_PAGEREF);
  struct spinlock pool = SPINLOCK_INIT("test-pool", SPIN_RANK_POOL);
  struct spin_report r;
  uint32_t ranks_before = this_cpu()->ranks_held;

  memset(&r, 0, sizeof r);
  spin_check_report(&r);
  spin_lock(&count);
  spin_lock(&pool);
  int both = count.locked && pool.locked && spin_holding(&count) && spin_holding(&pool);
  spin_check_report(0);
  spin_unlock(&count);                 /* release need not follow the order */
  spin_unlock(&pool);
  ktest_check("kt_spin_order_kept", r.hits == 0 && both && this_cpu()->ranks_held == ranks_before,
              "%d reports (first: %s under %s), both held %d, ranks 0x%x after (want 0x%x)", r.hits,
              r.lock ? r.lock : "none", r.held_lock ? r.held_lock : "none", both, this_cpu()->ranks_held,
              ranks_before);

  memset(&r, 0, sizeof r);
  spin_check_report(&r);
  spin_lock(&pool);
  int pool_line = __LINE__ - 1;
  spin_lock(&count);
  int count_line = __LINE__ - 1;
  spin_check_report(0);
  int count_taken = count.locked;
  spin_unlock(&pool);
  ktest_check("kt_spin_order_broken",
              kt_report_is(&r, "test-pageref", "test-pool", pool_line, count_line) && !count_taken &&
                  this_cpu()->ranks_held == ranks_before,
              "%d reports: %s at %s:%d under %s from %s:%d (want test-pageref at line %d under test-pool "
              "from line %d), count lock %s, ranks 0x%x after (want 0x%x)",
              r.hits, r.lock ? r.lock : "none", r.again_file ? r.again_file : "?", r.again_line,
              r.held_lock ? r.held_lock : "none", r.held_file ? r.held_file : "?", r.held_line, count_line,
              pool_line, count_taken ? "taken" : "not taken", this_cpu()->ranks_held, ranks_before);
}

/* Two locks of one rank (the three pools share one) are never held at once: the second is reported. */
static void kt_spin_same_rank(void)
{
  struct spinlock user = SPINLOCK_INIT("test-user", SPIN_RANK_POOL);
  struct spinlock kernel = SPINLOCK_INIT("test-kernel", SPIN_RANK_POOL);
  struct spin_report r;
  uint32_t ranks_before = this_cpu()->ranks_held;
  memset(&r, 0, sizeof r);
  spin_check_report(&r);
  spin_lock(&user);
  int user_line = __LINE__ - 1;
  spin_lock(&kernel);
  int kernel_line = __LINE__ - 1;
  spin_check_report(0);
  int kernel_taken = kernel.locked;
  spin_unlock(&user);
  ktest_check("kt_spin_same_rank",
              kt_report_is(&r, "test-kernel", "test-user", user_line, kernel_line) && !kernel_taken &&
                  this_cpu()->ranks_held == ranks_before,
              "%d reports: %s at line %d under %s from line %d (want test-kernel at %d under test-user from %d), "
              "second lock %s",
              r.hits, r.lock ? r.lock : "none", r.again_line, r.held_lock ? r.held_lock : "none", r.held_line,
              kernel_line, user_line, kernel_taken ? "taken" : "not taken");
}

void ktest_spin(void)
{
  kt_spin_recursive();
  kt_spin_order();
  kt_spin_same_rank();
}
