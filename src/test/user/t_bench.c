/*
 * t_bench.c - the benchmark's quick runs inside the test suite.
 *
 * First `forkbench par 2 quick` in a child (the parallel fault rows: their
 * format and that every written page took a frame; a failure ends here), then becomes
 * `forkbench quick`: the smallest sizes and few repetitions, whose own checks
 * (bench_format, bench_positive, bench_old_frames, bench_cow_frames) look at
 * the output's shape and the frame counts, never at timings.
 */
#include "user.h"
#include "test/utest.h"

#define T_BENCH_NO_EXEC 127

int main(void)
{
  char *par_argv[] = { "forkbench", "par", "2", "quick", 0 };
  char *argv[] = { "forkbench", "quick", 0 };
  int status = UTEST_NO_CHILD, pid = fork();

  if (pid == 0) {
    exec("forkbench", par_argv);
    exit(T_BENCH_NO_EXEC);
  }
  if (pid > 0 && waitpid(pid, &status) != pid)
    status = UTEST_NO_CHILD;
  if (!utest_check("bench_par_quick", status == 0,
                   "forkbench par 2 quick exited %d (want 0; %d: it could not be exec'd)", status,
                   T_BENCH_NO_EXEC))
    return utest_status();
  exec("forkbench", argv);
  printf("bench_exec: FAIL: cannot exec forkbench\n");
  return 1;
}
