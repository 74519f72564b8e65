/*
 * ktest.h - the kernel self-tests run in test mode before init starts.
 */
#ifndef TEST_KTEST_H
#define TEST_KTEST_H

/* Run every self-test; each prints `kt_name: ok` or `kt_name: FAIL: ...`. */
void ktest_run_all(void);
/* Record one result: prints the line; returns cond != 0. */
int ktest_check(const char *name, int cond, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Number of failed self-tests so far. */
int ktest_failures(void);
/* Between these two, every line this CPU prints starts with "(expected) ": a self-test that
 * plants an error marks what the kernel prints about it, so no one reads it as a real one. */
void ktest_expected_begin(void);
void ktest_expected_end(void);

/* The groups, one file each under src/test/kernel/. */
void ktest_lib(void);
void ktest_dev(void);
void ktest_tty(void);
void ktest_cpu(void);
void ktest_mm(void);
struct pool;
/* Allocate every frame of p one at a time, check the pool then says empty, free all, check the
 * count; prints name's verdict (kt_mm.c). */
void kt_pool_exhaust(const char *name, struct pool *p);
/* The copy-on-write decision on a write fault: reuse at count 1, copy when shared (kt_cow.c). */
void ktest_cow(void);
void ktest_ptshare(void);
/* The batched teardown: counts and the pool exactly right, frames another space maps kept (kt_release.c). */
void ktest_release(void);
/* The zero frame: no count however many entries map it, teardown and a table copy (kt_zero.c). */
void ktest_zero(void);
/* The isolation rule: memcheck's report of a frame writable in two spaces, the table copy (kt_wshare.c). */
void ktest_wshare(void);
void ktest_cpu_check(void);
void ktest_smp(void);
/* Tests of several CPUs at work: scratch pages, TLB shootdown. */
void ktest_smp_run(void);
/* TLB shootdown with every started CPU as the sender in turn, every other one reading (kt_tlb.c). */
void ktest_tlb(void);
/* Address-space CPU sets: entering and leaving on each CPU and on all at once (kt_space.c). */
void ktest_space_cpus(void);
/* A shootdown aimed at a space's CPU set reaches exactly those CPUs (kt_space.c; 2 CPUs or more). */
void ktest_space_shootdown(void);
/* At the end of a run, from init's exit: the running process's space holds exactly this CPU. */
void ktest_space_running(void);
/* The lock checker: recursive acquire, the lock order, one rank held twice (kt_spin.c). */
void ktest_spin(void);
/* At the end of a test run: every CPU that came up ran at least one process. */
void kt_smp_all_cpus_ran(void);

#endif
