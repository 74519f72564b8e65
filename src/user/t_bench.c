/*
 * t_bench.c - the benchmark's quick run inside the test suite.
 *
 * Becomes `forkbench quick`: the smallest sizes and few repetitions, whose
 * own checks (bench_format, bench_positive, bench_old_frames,
 * bench_cow_frames) look at the output's shape and the frame counts, never
 * at timings.
 */
#include "user.h"

int main(void)
{
  char *argv[] = { "forkbench", "quick", 0 };
  exec("forkbench", argv);
  printf("bench_exec: FAIL: cannot exec forkbench\n");
  return 1;
}
