/*
 * t_acc_deepchain - acceptance: a chain of forks, each level its own slot.
 *
 * Follows ucore's fork-chain tests. A heap array has one page (slot) per
 * level. Level L writes its slot, checks every ancestor's slot still holds
 * the value the ancestor had written before forking and that no deeper slot
 * was written, then forks level L+1 and overwrites its own slot. Each level
 * waits for its child and passes the first failure up through its exit
 * status (reason * CHAIN_REASON_UNIT + level). Levels: 50, quick 10.
 * Usage: t_acc_deepchain [quick]
 */
#include "user.h"
#include "test/utest.h"

#define CHAIN_LEVELS_FULL    50
#define CHAIN_LEVELS_QUICK   10
#define CHAIN_REASON_UNIT    100     /* exit status = reason * unit + level */
#define CHAIN_EXIT_OK        1       /* a level's exit when all below it passed (not 0: a parent
                                        wrongly running child code must not pass) */
#define CHAIN_BAD_ANCESTOR   1       /* an ancestor's slot lost its pre-fork value */
#define CHAIN_BAD_DEEPER     2       /* a deeper slot was not zero */
#define CHAIN_NO_FORK        3
#define CHAIN_BAD_AFTER      4       /* own or an ancestor's slot wrong after the child ran */
#define CHAIN_CHILD_KILLED   5       /* the child came back with -1, 0 or no status */
#define CHAIN_VALUE_SALT     0xC4A10000u
#define CHAIN_WORDS          (PGSIZE / 4)

/* The value level writes into its slot before (after_fork 0) or after (1) forking. */
static unsigned chain_value(int level, int after_fork)
{
  return CHAIN_VALUE_SALT ^ ((unsigned)level << 8) ^ (unsigned)after_fork;
}

/* Fill slot (page) level with value. */
static void chain_set(unsigned *slots, int level, unsigned value)
{
  for (int w = 0; w < CHAIN_WORDS; w++)
    slots[level * CHAIN_WORDS + w] = value;
}

/* First word of slot level that is not want, or -1; *seen gets it. */
static int chain_find_bad(const unsigned *slots, int level, unsigned want, unsigned *seen)
{
  for (int w = 0; w < CHAIN_WORDS; w++) {
    *seen = slots[level * CHAIN_WORDS + w];
    if (*seen != want)
      return w;
  }
  return -1;
}

/* Check slots [from, to) of level's view: ancestors (below level) hold their pre-fork value
 * (or after_fork's for level itself), deeper ones 0. Returns 0 or the failure status. */
static int chain_check(const unsigned *slots, int level, int from, int to, int reason)
{
  unsigned seen = 0, want;
  for (int j = from; j < to; j++) {
    want = j < level ? chain_value(j, 0) : j == level ? chain_value(j, 1) : 0;
    int w = chain_find_bad(slots, j, want, &seen);
    if (w >= 0) {
      printf("acc_deepchain level %d (pid %d): slot %d word %d holds 0x%x, expected 0x%x\n",
             level, getpid(), j, w, seen, want);
      return (j > level ? CHAIN_BAD_DEEPER : reason) * CHAIN_REASON_UNIT + level;
    }
  }
  return 0;
}

/* Run level (and, by forking, every deeper one); returns 0 or the first failure status. */
static int chain_level(unsigned *slots, int level, int levels)
{
  int pid, got, status = 0, bad;

  chain_set(slots, level, chain_value(level, 0));
  bad = chain_check(slots, level, 0, level, CHAIN_BAD_ANCESTOR);
  if (!bad)
    bad = chain_check(slots, level, level + 1, levels + 1, CHAIN_BAD_DEEPER);
  if (bad || level == levels)
    return bad;

  pid = fork();
  if (pid == 0) {
    bad = chain_level(slots, level + 1, levels);
    exit(bad ? bad : CHAIN_EXIT_OK);
  }
  if (pid < 0)
    return CHAIN_NO_FORK * CHAIN_REASON_UNIT + level;
  chain_set(slots, level, chain_value(level, 1));
  got = waitpid(pid, &status);
  if (got != pid || status < CHAIN_EXIT_OK)
    status = CHAIN_CHILD_KILLED * CHAIN_REASON_UNIT + level + 1;
  else if (status == CHAIN_EXIT_OK)
    status = 0;
  bad = chain_check(slots, level, 0, level + 1, CHAIN_BAD_AFTER);
  return status ? status : bad;
}

int main(int argc, char *argv[])
{
  struct memstat base;
  int levels = utest_quick(argc, argv) ? CHAIN_LEVELS_QUICK : CHAIN_LEVELS_FULL;
  int bytes = (levels + 1) * PGSIZE, result, view;
  unsigned *slots;

  memstat(&base);
  utest_warm_heap(bytes);
  memstat(&base);
  slots = sbrk(bytes);
  if (!utest_check("acc_deepchain_setup", slots != (unsigned *)-1, "sbrk(%d) failed", bytes))
    return utest_status();
  memset(slots, 0, (unsigned)bytes);

  result = chain_level(slots, 0, levels);
  utest_check("acc_deepchain_result", result == 0,
              "%d levels: status %d = reason %d at level %d (1 ancestor slot changed, 2 deeper "
              "slot written, 3 fork failed, 4 slot wrong after the child ran, 5 child killed)",
              levels, result, result / CHAIN_REASON_UNIT, result % CHAIN_REASON_UNIT);
  view = chain_check(slots, 0, 0, levels + 1, CHAIN_BAD_AFTER);
  utest_check("acc_deepchain_root_view", view == 0,
              "after the chain the root's slots are wrong: status %d (its own slot must hold "
              "its after-fork value, every deeper one 0)", view);
  sbrk(-bytes);
  utest_check_end("acc_deepchain", &base);
  return utest_status();
}
