/*
 * t_acc_stress - acceptance: a seeded random stress of fork, memory and exec.
 *
 * The root coordinates; every other process is a worker blocked on its own
 * command pipe. Each step the root draws an operation and a worker from its
 * seeded generator: fork, write, read (check all), sbrk grow, sbrk shrink,
 * exec (of this program in a mode that checks a fresh image and exits), exit
 * or kill. Commands travel down the process tree (each process holds the
 * write ends of its children's pipes, so fds stay within 16) and the target
 * answers on one shared reply pipe; only one process acts at a time, so the
 * run is the same for the same seed. A worker fills heap pages with a
 * pattern made of its id and a counter and checks they hold exactly that; a
 * mismatch prints pid, address, expected and seen and ends the worker with
 * STRESS_EXIT_MISMATCH. memcheck() must be 0 after every k-th step and after
 * the last one; memcheck() costs time in proportion to RAM, so k grows with the
 * user pool: 1 (every step) up to STRESS_MEMCHECK_FRAMES frames (256 MiB of RAM),
 * then one more for each further STRESS_MEMCHECK_FRAMES, which
 * keeps the run's total memcheck work about that of 256 MiB. At most
 * STRESS_MAX_PROCS processes take part (the root included). A worker whose
 * command pipe reaches EOF (its parent is gone) closes its children's pipes,
 * reaps them and exits, so killing a worker ends its whole subtree. A worker
 * the kernel kills by mistake never answers: the root then waits for good,
 * and the [fault] line and the host's timeout tell what happened.
 * Usage: t_acc_stress [quick|full] [seed]   (t_acc_stress exec ID is the exec'd side)
 */
#include "user.h"
#include "test/utest.h"

#define STRESS_PROGRAM        "t_acc_stress"
#define STRESS_EXEC_ARG       "exec"
#define STRESS_STEPS_FULL     3000
#define STRESS_STEPS_QUICK    300
#define STRESS_DEFAULT_SEED   20250101u
#define STRESS_MAX_PROCS      30       /* the root and up to 29 workers */
#define STRESS_MAX_WORKERS    (STRESS_MAX_PROCS - 1)
#define STRESS_MAX_KIDS       8        /* per process: 3 + 2 + 8 + 2 fds fit in 16 */
#define STRESS_NOFILE         16
#define STRESS_FIRST_FD       3
#define STRESS_MAX_PAGES      256      /* heap pages per worker */
#define STRESS_HEAP_SHARE     4        /* all workers' heaps: at most a quarter of the frames */
#define STRESS_MAX_BATCH      4        /* pages one write, grow or shrink handles */
#define STRESS_EXEC_PAGES     2        /* heap the exec'd image tries */
#define STRESS_WORDS          (PGSIZE / 4)
#define STRESS_EXIT_DONE      6        /* a worker wound down cleanly (not 0: a root wrongly
                                          running worker code must not pass) */
#define STRESS_EXIT_MISMATCH  3        /* a worker found its memory changed */
#define STRESS_EXIT_EXEC_FAIL 4        /* exec returned */
#define STRESS_EXIT_EXEC_BAD  5        /* the exec'd image was not what it should be */
#define STRESS_EXIT_BASE      200000   /* exit op: this plus the worker id */
#define STRESS_EXEC_BASE      100000   /* exec'd image: this plus the worker id */
#define STRESS_KILLED         (-1)
#define STRESS_MEMCHECK_FRAMES 65536u  /* up to this many user frames: memcheck after every step */
#define STRESS_PROGRESS_STEPS 200      /* a progress line after this many steps */

enum stress_op { OP_FORK, OP_WRITE, OP_READ, OP_GROW, OP_SHRINK, OP_EXEC, OP_EXIT, OP_KILL,
                 OP_REAP, OP_NOP, OP_COUNT };
static const char *const stress_op_names[OP_COUNT] = {
  "fork", "write", "read", "grow", "shrink", "exec", "exit", "kill", "reap", "nop" };
/* Cumulative weights (out of 100) of the operations the root draws. */
static const int stress_op_weights[OP_KILL + 1] = { 25, 45, 57, 72, 82, 88, 94, 100 };
#define STRESS_WEIGHT_TOTAL   100

enum stress_code { CODE_OK, CODE_MISMATCH, CODE_FORK_FAILED, CODE_SBRK_FAILED,
                   CODE_REAP_FAILED, CODE_BAD_MSG };

/* A command: op with args for the process at the end of path (child slots from the root). */
struct stress_msg {
  int op, arg, arg2;
  int len, pos;                            /* path length; next hop to take */
  unsigned char path[STRESS_MAX_PROCS];
};

/* The target's answer on the shared reply pipe. */
struct stress_reply {
  int id, code, value;
};

/* One process's own state; a forked child inherits it, exec starts it from zero. */
static struct {
  int id;                                  /* 0 in the root */
  int cmd_fd, reply_fd;                    /* command read end; reply write end */
  int pages, max_pages;
  unsigned counter;                        /* writes so far, so every fill is new */
  unsigned *heap;                          /* page-aligned heap base */
  struct { int used, pid, fd; } kids[STRESS_MAX_KIDS];
  unsigned expect[STRESS_MAX_PAGES];       /* seed word each heap page was filled with */
} stress_self;

/* The root's model of one worker. */
struct stress_node {
  int live, id, pid, parent, slot;         /* parent: node index, 0 is the root */
  unsigned kid_slots;                      /* bit s set: child slot s in use */
};

static struct stress_node stress_nodes[STRESS_MAX_PROCS];
static int stress_reply_rd;                /* the root's end of the reply pipe */

/* What the root saw first go wrong. */
static struct {
  int step, op, id, code, value, want;
} stress_failure = { -1, 0, 0, 0, 0, 0 };

/* The first step after which memcheck() was not 0, and what it returned. */
static struct {
  int step, count;
} stress_memcheck_bad = { -1, 0 };
static int stress_memcheck_every = 1;   /* k: memcheck after every k-th step and the last */

/* ---- small helpers ---- */

/* Unsigned decimal value of s (atoi stops at 2^31). */
static unsigned stress_parse(const char *s)
{
  unsigned v = 0;
  for (; *s >= '0' && *s <= '9'; s++)
    v = v * 10 + (unsigned)(*s - '0');
  return v;
}

/* ---- a worker's memory ---- */

/* The seed word of fill number counter by worker id. */
static unsigned stress_seed_word(int id, unsigned counter)
{
  return (unsigned)id * 0x9E3779B1u ^ counter * 0x85EBCA6Bu ^ 0x5EEDu;
}

/* Fill heap page p with a new pattern and remember its seed word. */
static void stress_fill(int p)
{
  unsigned seed = stress_seed_word(stress_self.id, ++stress_self.counter);
  unsigned *page = stress_self.heap + p * STRESS_WORDS;
  stress_self.expect[p] = seed;
  for (int w = 0; w < STRESS_WORDS; w++)
    page[w] = seed + (unsigned)w;
}

/* Check heap pages [from, from + n) hold exactly their patterns; print a mismatch, return 1. */
static int stress_verify(int from, int n)
{
  for (int p = from; p < from + n; p++) {
    unsigned *page = stress_self.heap + p * STRESS_WORDS;
    for (int w = 0; w < STRESS_WORDS; w++) {
      unsigned want = stress_self.expect[p] + (unsigned)w;
      if (page[w] != want) {
        printf("acc_stress mismatch: pid %d (worker %d) address %p expected 0x%x seen 0x%x\n",
               getpid(), stress_self.id, &page[w], want, page[w]);
        return 1;
      }
    }
  }
  return 0;
}

/* ---- children (used by the root and by workers alike) ---- */

static void stress_worker_loop(void) __attribute__((noreturn));

/* In a fresh child: keep only the command and reply fds, take the new id, no children yet. */
static void stress_become_worker(int id, int cmd_fd)
{
  for (int fd = STRESS_FIRST_FD; fd < STRESS_NOFILE; fd++)
    if (fd != cmd_fd && fd != stress_self.reply_fd)
      close(fd);
  stress_self.id = id;
  stress_self.cmd_fd = cmd_fd;
  memset(stress_self.kids, 0, sizeof(stress_self.kids));
}

/* Fork a worker with id into child slot; the parent gets its pid (or -1), the child 0. */
static int stress_fork_kid(int slot, int id)
{
  int fds[2], pid;

  if (pipe(fds) != 0)
    return -1;
  pid = fork();
  if (pid == 0) {
    stress_become_worker(id, fds[0]);
    return 0;
  }
  close(fds[0]);
  if (pid < 0) {
    close(fds[1]);
    return -1;
  }
  stress_self.kids[slot].used = 1;
  stress_self.kids[slot].pid = pid;
  stress_self.kids[slot].fd = fds[1];
  return pid;
}

/* Reap the child in slot, waking it first with a no-op if poke; returns waitpid's result. */
static int stress_reap_kid(int slot, int poke, int *status)
{
  struct stress_msg nop;
  int got;

  if (poke) {
    memset(&nop, 0, sizeof(nop));
    nop.op = OP_NOP;
    write(stress_self.kids[slot].fd, &nop, sizeof(nop));   /* -1 if it is already gone */
  }
  got = waitpid(stress_self.kids[slot].pid, status);
  close(stress_self.kids[slot].fd);
  stress_self.kids[slot].used = 0;
  return got;
}

/* Close every child's command pipe (their subtrees wind down), reap them all; returns
 * STRESS_EXIT_DONE if every child wound down cleanly, else the first other status. */
static int stress_teardown(void)
{
  int status, first_bad = STRESS_EXIT_DONE;
  for (int s = 0; s < STRESS_MAX_KIDS; s++)
    if (stress_self.kids[s].used)
      close(stress_self.kids[s].fd);
  for (int s = 0; s < STRESS_MAX_KIDS; s++) {
    if (!stress_self.kids[s].used)
      continue;
    status = 0;
    if (waitpid(stress_self.kids[s].pid, &status) != stress_self.kids[s].pid)
      status = CODE_REAP_FAILED;
    if (status != STRESS_EXIT_DONE && first_bad == STRESS_EXIT_DONE)
      first_bad = status;
    stress_self.kids[s].used = 0;
  }
  return first_bad;
}

/* ---- the worker ---- */

/* Carry out op on this worker's heap; returns the reply code, *value says more. */
static int stress_do_memory(const struct stress_msg *m, int *value)
{
  int n, start;
  unsigned arg = (unsigned)m->arg;

  switch (m->op) {
  case OP_WRITE:
    if (stress_self.pages == 0)
      break;
    n = 1 + (int)(arg % STRESS_MAX_BATCH);
    if (n > stress_self.pages)
      n = stress_self.pages;
    start = (int)((arg / STRESS_MAX_BATCH) % (unsigned)(stress_self.pages - n + 1));
    for (int p = start; p < start + n; p++)
      stress_fill(p);
    if (stress_verify(start, n))
      return CODE_MISMATCH;
    break;
  case OP_READ:
    if (stress_verify(0, stress_self.pages))
      return CODE_MISMATCH;
    break;
  case OP_GROW:
    n = 1 + (int)(arg % STRESS_MAX_BATCH);
    if (n > stress_self.max_pages - stress_self.pages)
      n = stress_self.max_pages - stress_self.pages;
    if (n > 0 && sbrk(n * PGSIZE) == (void *)-1)
      return CODE_SBRK_FAILED;
    for (int p = stress_self.pages; p < stress_self.pages + n; p++)
      stress_fill(p);
    stress_self.pages += n;
    if (stress_verify(0, stress_self.pages))
      return CODE_MISMATCH;
    break;
  case OP_SHRINK:
    n = 1 + (int)(arg % STRESS_MAX_BATCH);
    if (n > stress_self.pages)
      n = stress_self.pages;
    if (n > 0 && sbrk(-n * PGSIZE) == (void *)-1)
      return CODE_SBRK_FAILED;
    stress_self.pages -= n;
    break;
  }
  *value = stress_self.pages;
  return CODE_OK;
}

/* Replace this worker with the exec'd side of the program; only returns if exec failed. */
static void stress_exec_self(void)
{
  char num[UTEST_NUM_LEN];
  char *argv[] = { STRESS_PROGRAM, STRESS_EXEC_ARG, utest_utoa((unsigned)stress_self.id, num), 0 };
  exec(STRESS_PROGRAM, argv);
}

/* Send this worker's answer to the root. */
static void stress_reply(int code, int value)
{
  struct stress_reply r;
  r.id = stress_self.id;
  r.code = code;
  r.value = value;
  utest_write_full(stress_self.reply_fd, &r, sizeof(r));
}

/* Serve commands until the command pipe reaches EOF, then wind down the subtree and exit. */
static void stress_worker_loop(void)
{
  struct stress_msg m;
  int value, code, pid, status;

  for (;;) {
    if (utest_read_full(stress_self.cmd_fd, &m, sizeof(m)) != (int)sizeof(m))
      exit(stress_teardown());
    if (m.op == OP_NOP)
      continue;
    if (m.pos < m.len) {                       /* not for us: pass it down */
      int s = m.path[m.pos++];
      if (s >= STRESS_MAX_KIDS || !stress_self.kids[s].used)
        stress_reply(CODE_BAD_MSG, s);
      else
        utest_write_full(stress_self.kids[s].fd, &m, sizeof(m));
      continue;
    }
    value = 0;
    switch (m.op) {
    case OP_FORK:
      pid = stress_fork_kid(m.arg2, m.arg);
      if (pid == 0)
        continue;                              /* the new worker: start serving */
      stress_reply(pid > 0 ? CODE_OK : CODE_FORK_FAILED, pid);
      break;
    case OP_EXIT:
      stress_reply(CODE_OK, 0);
      exit(STRESS_EXIT_BASE + stress_self.id);
    case OP_EXEC:
      stress_reply(CODE_OK, 0);
      stress_exec_self();
      exit(STRESS_EXIT_EXEC_FAIL);
    case OP_REAP:
      status = 0;
      pid = stress_reap_kid(m.arg, m.arg2, &status);
      stress_reply(pid > 0 ? CODE_OK : CODE_REAP_FAILED, status);
      break;
    default:
      code = stress_do_memory(&m, &value);
      stress_reply(code, value);
      if (code == CODE_MISMATCH)
        exit(STRESS_EXIT_MISMATCH);
      break;
    }
  }
}

/* The exec'd side: fresh state, its argument, a working heap; the exit status says. */
static int stress_exec_side(int argc, char *argv[])
{
  unsigned id = argc == 3 ? stress_parse(argv[2]) : 0;

  if (id == 0 || stress_self.id != 0 || stress_self.pages != 0) {
    printf("acc_stress exec'd side pid %d: argc %d, id %u, inherited id %d pages %d\n",
           getpid(), argc, id, stress_self.id, stress_self.pages);
    return STRESS_EXIT_EXEC_BAD;
  }
  stress_self.id = (int)id;
  stress_self.heap = sbrk(STRESS_EXEC_PAGES * PGSIZE);
  if (stress_self.heap == (unsigned *)-1)
    return STRESS_EXIT_EXEC_BAD;
  for (int p = 0; p < STRESS_EXEC_PAGES; p++)
    stress_fill(p);
  if (stress_verify(0, STRESS_EXEC_PAGES))
    return STRESS_EXIT_EXEC_BAD;
  return STRESS_EXEC_BASE + (int)id;
}

/* ---- the root ---- */

/* Record the first failure the root sees. */
static void stress_fail(int step, int op, int id, int code, int value, int want)
{
  if (stress_failure.step >= 0)
    return;
  stress_failure.step = step;
  stress_failure.op = op;
  stress_failure.id = id;
  stress_failure.code = code;
  stress_failure.value = value;
  stress_failure.want = want;
}

/* Send m to node n along the tree and wait for the reply; 0 if the reply is n's. */
static int stress_command(int n, struct stress_msg *m, struct stress_reply *r)
{
  unsigned char rev[STRESS_MAX_PROCS];
  int len = 0;

  for (int k = n; k != 0; k = stress_nodes[k].parent)
    rev[len++] = (unsigned char)stress_nodes[k].slot;
  m->len = len;
  m->pos = 1;
  for (int i = 0; i < len; i++)
    m->path[i] = rev[len - 1 - i];
  memset(r, 0, sizeof(*r));
  r->code = CODE_BAD_MSG;
  if (utest_write_full(stress_self.kids[m->path[0]].fd, m, sizeof(*m)) != (int)sizeof(*m))
    return -1;
  if (utest_read_full(stress_reply_rd, r, sizeof(*r)) != (int)sizeof(*r))
    return -1;
  return r->id == stress_nodes[n].id ? 0 : -1;
}

/* Mark node n and everything below it gone; n's pid stays until it is reaped, the others
 * wind down on their own (their command pipes close) and init reaps them. */
static void stress_forget(int n)
{
  int changed = 1;
  stress_nodes[n].live = 0;
  while (changed) {
    changed = 0;
    for (int k = 1; k < STRESS_MAX_PROCS; k++) {
      if (stress_nodes[k].live && !stress_nodes[stress_nodes[k].parent].live) {
        stress_nodes[k].live = 0;
        stress_nodes[k].pid = 0;
        changed = 1;
      }
    }
  }
}

/* Reap gone node n through its parent (poke wakes a killed one); returns its status. */
static int stress_reap_node(int n, int poke, int *ok)
{
  struct stress_msg m;
  struct stress_reply r;
  int parent = stress_nodes[n].parent, slot = stress_nodes[n].slot, status = 0;

  stress_nodes[parent].kid_slots &= ~(1u << slot);
  if (parent == 0) {
    *ok = stress_reap_kid(slot, poke, &status) == stress_nodes[n].pid;
    return status;
  }
  memset(&m, 0, sizeof(m));
  m.op = OP_REAP;
  m.arg = slot;
  m.arg2 = poke;
  *ok = stress_command(parent, &m, &r) == 0 && r.code == CODE_OK;
  return r.value;
}

/* A free node record and a free child slot of parent; 0 (and *slot -1) if there is none. */
static int stress_free_node(int parent, int *slot)
{
  *slot = -1;
  for (int s = 0; s < STRESS_MAX_KIDS && *slot < 0; s++)
    if (!(stress_nodes[parent].kid_slots & (1u << s)))
      *slot = s;
  for (int k = 1; k < STRESS_MAX_PROCS && *slot >= 0; k++)
    if (!stress_nodes[k].live && !stress_nodes[k].pid)
      return k;
  return 0;
}

/* One fork step: parent (node index, 0 the root) forks a new worker. Returns 0 or -1 on failure. */
static int stress_step_fork(int step, int parent, int *next_id, int *fork_failed)
{
  struct stress_msg m;
  struct stress_reply r;
  int slot, n = stress_free_node(parent, &slot), pid, id = (*next_id)++;

  if (n == 0)
    return 0;   /* no room: a no-op step */
  if (parent == 0) {
    pid = stress_fork_kid(slot, id);
    if (pid == 0)
      stress_worker_loop();
  } else {
    memset(&m, 0, sizeof(m));
    m.op = OP_FORK;
    m.arg = id;
    m.arg2 = slot;
    if (stress_command(parent, &m, &r) != 0 || (r.code != CODE_OK && r.code != CODE_FORK_FAILED)) {
      stress_fail(step, OP_FORK, stress_nodes[parent].id, r.code, r.value, CODE_OK);
      return -1;
    }
    pid = r.code == CODE_OK ? r.value : -1;
  }
  if (pid < 0) {
    (*fork_failed)++;
    return 0;
  }
  stress_nodes[n].live = 1;
  stress_nodes[n].id = id;
  stress_nodes[n].pid = pid;
  stress_nodes[n].parent = parent;
  stress_nodes[n].slot = slot;
  stress_nodes[n].kid_slots = 0;
  stress_nodes[parent].kid_slots |= 1u << slot;
  return 0;
}

/* One step that ends worker n (exit, exec or kill) and reaps it; returns 0 or -1 on failure. */
static int stress_step_end(int step, int op, int n)
{
  struct stress_msg m;
  struct stress_reply r;
  int want, status, ok, killed = 0;

  if (op == OP_KILL) {
    killed = kill(stress_nodes[n].pid);
    want = STRESS_KILLED;
  } else {
    memset(&m, 0, sizeof(m));
    m.op = op;
    if (stress_command(n, &m, &r) != 0 || r.code != CODE_OK) {
      stress_fail(step, op, stress_nodes[n].id, r.code, r.value, CODE_OK);
      return -1;
    }
    want = (op == OP_EXIT ? STRESS_EXIT_BASE : STRESS_EXEC_BASE) + stress_nodes[n].id;
  }
  stress_forget(n);
  status = stress_reap_node(n, op == OP_KILL, &ok);
  stress_nodes[n].pid = 0;
  if (!ok || status != want || killed != 0) {
    stress_fail(step, op, stress_nodes[n].id, ok ? killed : CODE_REAP_FAILED, status, want);
    return -1;
  }
  return 0;
}

/* One memory step (write, read, grow, shrink) on worker n; returns 0 or -1 on failure. */
static int stress_step_memory(int step, int op, int n, unsigned arg)
{
  struct stress_msg m;
  struct stress_reply r;

  memset(&m, 0, sizeof(m));
  m.op = op;
  m.arg = (int)(arg & 0x7fffffff);
  if (stress_command(n, &m, &r) != 0 || r.code != CODE_OK) {
    stress_fail(step, op, stress_nodes[n].id, r.code, r.value, CODE_OK);
    return -1;
  }
  return 0;
}

/* Live worker number k (0-based, in node order), or 0. */
static int stress_pick(int k)
{
  for (int n = 1; n < STRESS_MAX_PROCS; n++)
    if (stress_nodes[n].live && k-- == 0)
      return n;
  return 0;
}

/* Number of live workers. */
static int stress_live(void)
{
  int count = 0;
  for (int n = 1; n < STRESS_MAX_PROCS; n++)
    count += stress_nodes[n].live;
  return count;
}

/* Run steps seeded steps; counts per op go to ops[]. Returns the number of steps done. */
static int stress_run(unsigned seed, int steps, int ops[OP_COUNT], int *fork_failed, int *max_live)
{
  unsigned rng = seed ? seed : 1;
  int next_id = 1, step, op, n, live, bad, mc;

  stress_nodes[0].live = 1;
  for (step = 0; step < steps; step++) {
    unsigned draw = utest_rand(&rng) % STRESS_WEIGHT_TOTAL, pick = utest_rand(&rng);
    unsigned arg = utest_rand(&rng);
    live = stress_live();
    for (op = 0; (int)draw >= stress_op_weights[op]; op++)
      ;
    if (live == 0 || (op == OP_FORK && live < STRESS_MAX_WORKERS)) {
      op = OP_FORK;
      n = (int)(pick % (unsigned)(live + 1));
      n = n == 0 ? 0 : stress_pick(n - 1);
      bad = stress_step_fork(step, n, &next_id, fork_failed);
    } else {
      if (op == OP_FORK)
        op = OP_WRITE;   /* full: write instead */
      n = stress_pick((int)(pick % (unsigned)live));
      if (op == OP_EXEC || op == OP_EXIT || op == OP_KILL)
        bad = stress_step_end(step, op, n);
      else
        bad = stress_step_memory(step, op, n, arg);
    }
    ops[op]++;
    live = stress_live();
    if (live > *max_live)
      *max_live = live;
    if (bad)
      break;
    if ((step + 1) % STRESS_PROGRESS_STEPS == 0)
      utest_progress("acc_stress_steps", step + 1, steps);
    if ((step + 1) % stress_memcheck_every != 0 && step + 1 < steps)
      continue;
    mc = memcheck();
    if (mc != 0) {
      stress_memcheck_bad.step = step;
      stress_memcheck_bad.count = mc;
      break;
    }
  }
  return step;
}

int main(int argc, char *argv[])
{
  struct memstat base;
  int quick = utest_quick(argc, argv), steps, done, status, reply[2], fork_failed = 0;
  int ops[OP_COUNT], max_live = 0, per_worker;
  unsigned seed = argc > 2 ? stress_parse(argv[2]) : STRESS_DEFAULT_SEED;

  if (argc > 1 && strcmp(argv[1], STRESS_EXEC_ARG) == 0)
    return stress_exec_side(argc, argv);
  steps = quick ? STRESS_STEPS_QUICK : STRESS_STEPS_FULL;
  printf("acc_stress seed=%u steps=%d\n", seed, steps);

  utest_align_break();   /* the heap base must be page aligned */
  memstat(&base);
  if (!utest_check("acc_stress_setup", pipe(reply) == 0, "pipe failed"))
    return utest_status();
  stress_reply_rd = reply[0];
  stress_self.reply_fd = reply[1];
  stress_self.heap = sbrk(0);
  per_worker = (int)(base.free_pages / (STRESS_HEAP_SHARE * STRESS_MAX_WORKERS));
  stress_self.max_pages = per_worker < 1 ? 1 : per_worker > STRESS_MAX_PAGES ? STRESS_MAX_PAGES
                                                                          : per_worker;
  stress_memcheck_every = (int)((base.total_pages + STRESS_MEMCHECK_FRAMES - 1) / STRESS_MEMCHECK_FRAMES);
  if (stress_memcheck_every < 1)
    stress_memcheck_every = 1;
  memset(ops, 0, sizeof(ops));

  done = stress_run(seed, steps, ops, &fork_failed, &max_live);
  printf("acc_stress ran %d steps: fork %d write %d read %d grow %d shrink %d exec %d exit %d "
         "kill %d; %d forks failed; at most %d workers, %d pages each; memcheck every %d steps\n",
         done, ops[OP_FORK], ops[OP_WRITE], ops[OP_READ], ops[OP_GROW], ops[OP_SHRINK], ops[OP_EXEC],
         ops[OP_EXIT], ops[OP_KILL], fork_failed, max_live, stress_self.max_pages, stress_memcheck_every);
  utest_check("acc_stress_steps", stress_failure.step < 0,
              "step %d of %d: %s on worker %d gave code %d value %d, want %d (codes: 1 memory "
              "mismatch, 2 fork failed, 3 sbrk failed, 4 reap failed, 5 lost message; replay: "
              "%s %s %u)", stress_failure.step, steps, stress_op_names[stress_failure.op],
              stress_failure.id, stress_failure.code, stress_failure.value, stress_failure.want,
              STRESS_PROGRAM, quick ? "quick" : "full", seed);
  utest_check("acc_stress_memcheck_steps", stress_memcheck_bad.step < 0,
              "after step %d memcheck() returned %d (checked every %d steps); %d of %d steps ran "
              "(replay: %s %s %u)", stress_memcheck_bad.step, stress_memcheck_bad.count,
              stress_memcheck_every, done, steps,
              STRESS_PROGRAM, quick ? "quick" : "full", seed);

  status = stress_teardown();
  close(reply[0]);
  close(reply[1]);
  utest_check("acc_stress_teardown", status == STRESS_EXIT_DONE,
              "a worker ended with status %d while winding down (want %d; %d memory mismatch; "
              "replay: %s %s %u)", status, STRESS_EXIT_DONE, STRESS_EXIT_MISMATCH,
              STRESS_PROGRAM, quick ? "quick" : "full", seed);
  utest_check_end("acc_stress", &base);
  return utest_status();
}
