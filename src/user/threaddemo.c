/*
 * threaddemo.c - two threads of one process, a fork between them, and the TLB shootdown.
 *
 *   threaddemo       the whole demo (fits the 80x25 VGA screen with the shell's prompt)
 *
 * The main thread starts a writer thread that writes one page nonstop. They ping-pong through
 * a flag with no system call: on two CPUs or more an answer comes within the tick (both run
 * at the same time); on one CPU each answer waits for a timer tick to switch threads. No call
 * tells a program its CPU, so the [cow] lines' cpu= field names it.
 *
 * With trace 2 the main thread forks while the writer keeps writing. The fork write-protects
 * the page and shoots down the TLB of the writer's CPU ([cow] ... shootdown ... why=fork),
 * so the writer's next write faults and copies the page ([cow] ... copy ... tid=T); a copy in
 * a space of several threads clears the entry and shoots the page down before it installs
 * the copy (why=copy, when the other thread is on a CPU then). The child keeps the frame the
 * parent had before the fork. After the fork, parent and child each write their stack first:
 * one copies, the other reuses (which one varies; the demo says so).
 *
 * The writer's stack is in the page it writes, so its one copy also gives it a private
 * stack: it faults once. The main thread keeps its own trace off except around the fork; the
 * writer traces its own faults (a thread's trace level is its own). Last, the writer is
 * joined and the child reaped, and the free frame counts are compared with the start.
 */
#include "user.h"

#define DEMO_TRACE_SHOOTDOWN 2           /* cowtrace level: decisions and shootdowns */
#define DEMO_PROBE_ROUNDS    20          /* most ping-pongs of the CPU probe */
#define DEMO_WAIT_TICKS      (10 * HZ)   /* longest wait for the writer's copy */

/* The page the writer writes: its counter at the bottom, its stack above. */
struct demo_page {
  volatile unsigned count;
  unsigned char stack[PGSIZE - sizeof(unsigned)];
} __attribute__((aligned(PGSIZE)));

/* What the main thread and the writer tell each other, on a page of its own. */
struct demo_ctl {
  volatile int ping;                     /* main: the round it asks the writer to answer */
  volatile int pong;                     /* writer: the last round it answered */
  volatile int stop;                     /* main: the writer returns */
} __attribute__((aligned(PGSIZE)));

/* The frames of the fork step: the page before the fork, in the child, in the parent after the
 * writer's copy. */
struct demo_frames {
  unsigned before, child, after;
};

static struct demo_page demo_page;
static struct demo_ctl demo_ctl;

/* The writer thread: trace its own faults at level 2, then write the page until told to stop,
 * answering each ping; its loop touches no stack and makes no system call. */
static void demo_writer(void *arg)
{
  struct demo_ctl *c = arg;
  unsigned n = 0;
  cowtrace(DEMO_TRACE_SHOOTDOWN);
  while (!c->stop) {
    demo_page.count = ++n;
    if (c->pong != c->ping)
      c->pong = c->ping;
  }
}

/* 1 as soon as the writer answers a ping within the tick it was sent in: it ran at the same
 * time, on another CPU. 0 when none of DEMO_PROBE_ROUNDS pings was: on one CPU the writer runs
 * only once a timer tick has switched this thread out, so every answer comes a tick later. */
static int demo_parallel(struct demo_ctl *c)
{
  for (int r = 1; r <= DEMO_PROBE_ROUNDS; r++) {
    int start = uptime();
    c->ping = r;
    while (c->pong != r)
      ;
    if (uptime() == start)
      return 1;
  }
  return 0;
}

/* The reference count of the user frame at physical address pa, or -1. */
static int demo_refs(unsigned pa)
{
  unsigned char count = 0;
  struct framesnap snap = { .mode = FRAMESNAP_POOL, .start = 0, .count = 1, .buf = &count };
  if (framesnap(&snap) < 0 || pa < snap.pool_base)
    return -1;
  snap.start = (pa - snap.pool_base) / PGSIZE;
  if (framesnap(&snap) < 0)
    return -1;
  return count;
}

/* The child of the fork: hand the parent the frame behind the page, wait for the go, exit. */
static void demo_child(int to_parent, int from_parent)
{
  unsigned frame = vtop(&demo_page);
  char token;
  write(to_parent, &frame, sizeof frame);
  read(from_parent, &token, 1);
  exit(0);
}

/* Wait until the parent's page is at a frame other than before (the writer copied it), then
 * until the writer writes again (its fault is over, its [cow] lines printed): the new frame,
 * or 0 after DEMO_WAIT_TICKS. The copy clears the entry before it installs the new one, so
 * vtop may answer 0 (unmapped) in between: that is not the end of the copy. */
static unsigned demo_wait_copy(unsigned before)
{
  int start = uptime();
  unsigned now;
  while (((now = vtop(&demo_page)) == before || now == 0) && uptime() - start < DEMO_WAIT_TICKS)
    yield();
  if (now == before || now == 0)
    return 0;
  unsigned count = demo_page.count;
  while (demo_page.count == count && uptime() - start < DEMO_WAIT_TICKS)
    yield();
  return now;
}

/* Say what the fork's [cow] lines were and where the page is now. */
static void demo_explain_fork(int tid, int pid, int parallel, const struct demo_frames *f)
{
  if (parallel) {
    printf("[threaddemo] why=fork: fork made it read-only, flushed cpus= (the writer's)\n");
    printf("[threaddemo] why=copy: a copy in a threaded space flushes the other's CPU\n");
  } else {
    printf("[threaddemo] no shootdown line: tid %d was not on another CPU (one CPU)\n", tid);
  }
  printf("[threaddemo] stack lines: of parent and child, the first to write copied it\n");
  printf("[threaddemo] child pid %d: page at phys 0x%08x, the parent's frame\n", pid, f->child);
  printf("[threaddemo] after the copy: parent 0x%08x, child 0x%08x; refs %d, %d\n", f->after, f->child,
         demo_refs(f->after), demo_refs(f->child));
}

/* Fork with trace 2 while the writer (tid) writes; show the frames; reap the child. Returns
 * the child's pid, or -1 (the child reaped if there was one). */
static int demo_fork(int tid, int parallel, struct demo_frames *f)
{
  int to_parent[2], to_child[2];
  if (pipe(to_parent) < 0)
    return -1;
  if (pipe(to_child) < 0) {
    close(to_parent[0]), close(to_parent[1]);
    return -1;
  }
  printf("[threaddemo] trace 2 (cpu= is the CPU); tid %d forks, tid %d writing:\n", gettid(), tid);
  cowtrace(DEMO_TRACE_SHOOTDOWN);
  int pid = fork();
  if (pid == 0)
    demo_child(to_parent[1], to_child[0]);
  if (pid > 0) {
    read(to_parent[0], &f->child, sizeof f->child);
    f->after = demo_wait_copy(f->before);
  }
  cowtrace(0);
  if (pid > 0 && f->after)
    demo_explain_fork(tid, pid, parallel, f);
  else if (pid > 0)
    printf("[threaddemo] tid %d did not copy the page within %d s\n", tid, DEMO_WAIT_TICKS / HZ);
  else
    printf("[threaddemo] fork failed\n");
  if (pid > 0) {
    write(to_child[1], "x", 1);
    waitpid(pid, 0);
  }
  close(to_parent[0]), close(to_parent[1]), close(to_child[0]), close(to_child[1]);
  return pid > 0 && f->after ? pid : -1;
}

int main(void)
{
  struct memstat m0, m1;
  struct demo_frames f = { 0, 0, 0 };
  int old_trace = cowtrace(0);
  memstat(&m0);
  int tid = thread_create(demo_writer, &demo_ctl, (char *)&demo_page + PGSIZE);
  if (tid < 0) {
    printf("[threaddemo] thread_create failed\n");
    return 1;
  }
  int parallel = demo_parallel(&demo_ctl);
  printf("[threaddemo] tid %d (main = pid) and tid %d (writer) %s\n", gettid(), tid,
         parallel ? "run at once on 2 CPUs" : "take turns on 1 CPU");
  f.before = vtop(&demo_page);
  printf("[threaddemo] the writer's page: va %p, phys 0x%08x, %d reference\n", (void *)&demo_page, f.before,
         demo_refs(f.before));
  int pid = demo_fork(tid, parallel, &f);
  demo_ctl.stop = 1;
  int joined = thread_join(tid, 0);
  memstat(&m1);
  cowtrace(old_trace);
  int leaked = m1.free_pages != m0.free_pages || m1.kernel_free_pages != m0.kernel_free_pages;
  if (leaked)
    printf("[threaddemo] writer joined, child reaped: LEAK: free frames %u -> %u, kernel %u -> %u\n",
           m0.free_pages, m1.free_pages, m0.kernel_free_pages, m1.kernel_free_pages);
  else
    printf("[threaddemo] writer joined, child reaped: as many free frames as at start\n");
  return pid < 0 || joined < 0 || leaked;
}
