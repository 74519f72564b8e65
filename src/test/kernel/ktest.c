/*
 * ktest.c - the self-test runner (test mode only).
 */
#include "test/ktest.h"
#include "arch/printk.h"
#include "lib/fmt.h"

#define KTEST_DETAIL 160

static int ktest_failed;
static int ktest_passed;

int ktest_check(const char *name, int cond, const char *fmt, ...)
{
  if (cond) {
    ktest_passed++;
    kprintf("%s: ok\n", name);
    return 1;
  }
  char detail[KTEST_DETAIL];
  va_list ap;
  va_start(ap, fmt);
  fmt_vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  ktest_failed++;
  kprintf("%s: FAIL: %s\n", name, detail);
  return 0;
}

int ktest_failures(void)
{
  return ktest_failed;
}

void ktest_expected_begin(void)
{
  kprint_line_prefix("(expected) ");
}

void ktest_expected_end(void)
{
  kprint_line_prefix(0);
}

/* The groups in order: what one builds on is checked before it (the library, the devices and
 * the CPU, the memory manager, then the copy-on-write decision, then shared page tables, which
 * make their copies with it, then the other CPUs), so the first FAIL names the most basic
 * broken step. */
void ktest_run_all(void)
{
  kprintf("[ktest] kernel self-tests\n");
  ktest_lib();
  ktest_dev();
  ktest_tty();
  ktest_cpu();
  ktest_cpu_check();
  ktest_mm();
  ktest_cow();         /* before anything built on the copy-on-write decision */
  ktest_ptshare();
  ktest_release();     /* a space torn down whole, private and shared tables */
  ktest_zero();        /* the zero frame: uncounted entries in teardown and a table copy */
  ktest_wshare();
  ktest_smp();
  ktest_smp_run();
  ktest_spin();
  kprintf("[ktest] %d passed, %d failed\n", ktest_passed, ktest_failed);
}
