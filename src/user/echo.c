/*
 * echo.c - print the arguments; the tiny program fork+exec demos and benchmarks run.
 */
#include "user.h"

int main(int argc, char *argv[])
{
  for (int i = 1; i < argc; i++)
    printf("%s%s", argv[i], i + 1 < argc ? " " : "");
  if (argc > 1)
    printf("\n");
  return 0;
}
