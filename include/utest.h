/*
 * utest.h - check helpers for the user-space test programs (src/user/t_*.c).
 *
 * Every check prints exactly one line, `name: ok` or `name: FAIL: what was
 * seen`, which the host harness counts. A test program returns
 * utest_status() from main so the runner also sees the outcome.
 */
#ifndef UTEST_H
#define UTEST_H

/* Print `name: ok` and count a pass. */
void utest_ok(const char *name);
/* Print `name: FAIL: <formatted detail>` and count a failure. */
void utest_fail(const char *name, const char *fmt, ...);
/* Pass when cond is non-zero, otherwise fail with the formatted detail; returns cond != 0. */
int utest_check(const char *name, int cond, const char *fmt, ...);
/* 0 when no check in this process failed, 1 otherwise. */
int utest_status(void);
/* Non-zero when the program was started with "quick" as its first argument. */
int utest_quick(int argc, char *argv[]);
/* Deterministic pseudo-random numbers (xorshift32) for seeded tests. */
unsigned utest_rand(unsigned *state);

#endif
