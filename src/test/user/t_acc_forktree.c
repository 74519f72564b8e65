/*
 * t_acc_forktree - acceptance: a binary tree of processes, each named once.
 *
 * Follows JOS's "forktree" (lab 4). The root is "", its children "0" and
 * "1", theirs "00", "01", ... down to names of FORKTREE_DEPTH digits: 31
 * nodes. Every node prints `forktree node NAME` once and writes its number
 * (1 followed by the name's binary digits: "" is 1, "01" is 5) as a single
 * byte into a pipe inherited from the root, so writes from different nodes
 * cannot interleave. Inner nodes exit without waiting; the root reads until
 * every writer is gone and checks each of the 31 numbers came exactly once.
 * Usage: t_acc_forktree [quick]
 */
#include "user.h"
#include "test/utest.h"

#define FORKTREE_DEPTH       4
#define FORKTREE_NODES       ((1 << (FORKTREE_DEPTH + 1)) - 1)   /* 31 */
#define FORKTREE_ROOT_ID     1
#define FORKTREE_FORK_FAILED 0x80   /* or-ed into a node's number when its fork failed */
#define FORKTREE_NODE_EXIT   4      /* how nodes exit (not 0: a root wrongly running node code
                                       must not pass) */
#define FORKTREE_BUF         64

/* A node's number: 1 followed by the binary digits of its name. */
static int forktree_id(const char *name)
{
  int id = FORKTREE_ROOT_ID;
  for (; *name; name++)
    id = id * 2 + (*name - '0');
  return id;
}

/* The name of node number id, written into buf; "\"\"" for the root so the line shows it. */
static const char *forktree_name(int id, char *buf)
{
  int len = 0;
  if (id == FORKTREE_ROOT_ID)
    return "\"\"";
  for (int v = id; v > FORKTREE_ROOT_ID; v /= 2)
    len++;
  buf[len] = 0;
  for (int i = len - 1; i >= 0; i--, id /= 2)
    buf[i] = (char)('0' + id % 2);
  return buf;
}

static int forktree_kids[2];      /* the root's two children */
static int forktree_read_fd = -1;  /* the root's end of the pipe; descendants close it */

static void forktree_node(const char *cur, int out);

/* Fork the child of cur on branch; it runs its subtree and exits. Returns fork's result. */
static int forktree_child(const char *cur, char branch, int out)
{
  char nxt[FORKTREE_DEPTH + 1];
  unsigned len = strlen(cur);
  int pid;

  if (len >= FORKTREE_DEPTH)
    return 0;
  strcpy(nxt, cur);
  nxt[len] = branch;
  nxt[len + 1] = 0;
  pid = fork();
  if (pid == 0) {
    close(forktree_read_fd);
    forktree_node(nxt, out);
    exit(FORKTREE_NODE_EXIT);
  }
  if (pid < 0) {
    unsigned char failed = (unsigned char)(FORKTREE_FORK_FAILED | forktree_id(cur));
    write(out, &failed, 1);
  }
  return pid;
}

/* One node: print the name, send the number, fork both children (the root keeps their pids). */
static void forktree_node(const char *cur, int out)
{
  char buf[FORKTREE_DEPTH + 1];
  unsigned char id = (unsigned char)forktree_id(cur);

  printf("forktree node %s\n", forktree_name(id, buf));
  write(out, &id, 1);
  forktree_kids[0] = forktree_child(cur, '0', out);
  forktree_kids[1] = forktree_child(cur, '1', out);
}

int main(int argc, char *argv[])
{
  struct memstat base;
  unsigned char got[FORKTREE_BUF];
  int seen[FORKTREE_NODES + 1];
  int fds[2], n, missing = 0, first_missing = 0, dups = 0, first_dup = 0, strays = 0;
  int fork_failed = 0, failed_at = 0, reaped = 0, status, bad_status = FORKTREE_NODE_EXIT;
  char buf1[FORKTREE_DEPTH + 1], buf2[FORKTREE_DEPTH + 1];

  (void)argc;
  (void)argv;
  memstat(&base);
  if (!utest_check("acc_forktree_pipe", pipe(fds) == 0, "pipe failed"))
    return utest_status();
  memset(seen, 0, sizeof(seen));
  forktree_read_fd = fds[0];
  forktree_node("", fds[1]);
  close(fds[1]);
  while ((n = read(fds[0], got, sizeof(got))) > 0) {
    for (int i = 0; i < n; i++) {
      if (got[i] & FORKTREE_FORK_FAILED) {
        fork_failed++;
        failed_at = got[i] & ~FORKTREE_FORK_FAILED;
      } else if (got[i] >= FORKTREE_ROOT_ID && got[i] <= FORKTREE_NODES) {
        seen[got[i]]++;
      } else {
        strays++;
      }
    }
  }
  close(fds[0]);
  for (int id = FORKTREE_ROOT_ID; id <= FORKTREE_NODES; id++) {
    if (seen[id] == 0 && missing++ == 0)
      first_missing = id;
    if (seen[id] > 1 && dups++ == 0)
      first_dup = id;
  }
  utest_check("acc_forktree_names", missing == 0 && dups == 0 && strays == 0,
              "of %d names %d never came (first '%s'), %d came more than once (first '%s'), "
              "%d stray bytes", FORKTREE_NODES, missing,
              missing ? forktree_name(first_missing, buf1) : "-", dups,
              dups ? forktree_name(first_dup, buf2) : "-", strays);
  utest_check("acc_forktree_forks", fork_failed == 0,
              "%d forks failed, the last one in node '%s'", fork_failed,
              forktree_name(failed_at ? failed_at : FORKTREE_ROOT_ID, buf1));

  for (int k = 0; k < 2; k++) {
    status = 0;
    if (forktree_kids[k] > 0 && waitpid(forktree_kids[k], &status) == forktree_kids[k]) {
      reaped++;
      if (status != FORKTREE_NODE_EXIT)
        bad_status = status;
    }
  }
  utest_check("acc_forktree_root_children", reaped == 2 && bad_status == FORKTREE_NODE_EXIT,
              "children %d and %d: %d reaped, a status was %d (want 2 reaped, status %d)",
              forktree_kids[0], forktree_kids[1], reaped, bad_status, FORKTREE_NODE_EXIT);
  utest_check_end("acc_forktree", &base);
  return utest_status();
}
