/*
 * pause.c - print "[pause] WHAT: press Enter to continue" and wait for a line.
 *
 * Lets a student (or run/docs/screenshots.sh) look at the screen between steps.
 */
#include "user.h"

int main(int argc, char *argv[])
{
  char line[64];
  printf("[pause] %s: press Enter to continue\n", argc > 1 ? argv[1] : "paused");
  read(0, line, sizeof line);
  return 0;
}
