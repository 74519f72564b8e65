/*
 * framemap.c - draw the user pool as a grid coloured by reference count.
 *
 *   framemap              every frame of the user pool
 *   framemap PID          the frames process PID maps, and which of them are shared
 *   -s FIRST -c COUNT     only frames FIRST .. FIRST+COUNT-1 of the pool (closer up)
 *   -n N                  draw N maps one second apart; cells that changed are marked
 *
 * The kernel only hands over counts (framesnap); the drawing is the user
 * library's (src/lib/fmap.c), the same text on VGA (in colour) and serial.
 */
#include "user.h"
#include "fmap.h"

#define FRAMEMAP_INTERVAL HZ   /* ticks between repeated maps */

static struct fmap_grid framemap_grid;

int main(int argc, char *argv[])
{
  int pid = 0, repeats = 1, first = 0, count = 0;
  struct fmap_out out;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
      repeats = atoi(argv[++i]);
    else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
      first = atoi(argv[++i]);
    else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
      count = atoi(argv[++i]);
    else if (atoi(argv[i]) > 0)
      pid = atoi(argv[i]);
    else {
      printf("usage: framemap [PID] [-s FIRST] [-c COUNT] [-n MAPS]\n");
      return 1;
    }
  }
  if (first < 0 || count < 0 || fmap_grid_init(&framemap_grid, pid, (unsigned)first, (unsigned)count) < 0) {
    printf("framemap: no such range or process\n");
    return 1;
  }
  fmap_out_fd(&out, 1);
  for (int i = 0; i < repeats; i++) {
    if (i > 0)
      sleep(FRAMEMAP_INTERVAL);
    if (fmap_grid_update(&framemap_grid) < 0) {
      if (i == 0)
        printf("framemap: there is no process %d\n", pid);
      else
        printf("framemap: process %d is gone\n", pid);
      return 1;
    }
    fmap_grid_render(&framemap_grid, &out);
    fmap_out_flush(&out);
  }
  return 0;
}
