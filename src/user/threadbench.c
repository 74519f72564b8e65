/*
 * threadbench.c - what a multi-threaded process pays to fork and to copy a
 * page (`make bench` boots it on 5 CPUs under -icount): forkbench.c's
 * threads mode, built as a program of its own so that forkbench's text, and
 * with it the pages every forkbench fork row copies or shares, stays as it was.
 */
#define FORKBENCH_THREADS 1
#include "forkbench.c"
