/*
 * pipe.c - pipes.
 *
 * The ring buffer advances only after bytes have been copied to or from
 * the user buffer, so a failed copy (bad pointer, out of memory breaking
 * copy-on-write) loses no data. A write of at most PIPE_SIZE bytes is
 * atomic: it waits for room for all of it and is never interleaved with
 * another writer's (see pipe_write). Each pipe's lock covers its indices
 * and end counts, and the copy of one run to or from user memory (a
 * copy-on-write fault inside takes locks of its own; the lock order:
 * include/arch/spinlock.h). No code holds two pipes' locks at once.
 */
#include "fs/pipe.h"
#include "fs/file.h"
#include "mm/kheap.h"
#include "sched/proc.h"
#include "sched/uaccess.h"
#include "sched/sched.h"
#include "arch/x86.h"
#include "arch/spinlock.h"

struct pipe {
  struct spinlock lock;
  char *buf;
  uint32_t nread, nwrite;   /* totals; the ring index is the total modulo PIPE_SIZE */
  int readers, writers;
};

int pipe_create(struct file **rd, struct file **wr)
{
  struct pipe *p = kmalloc(sizeof *p);
  char *buf = kmalloc(PIPE_SIZE);
  struct file *r = kmalloc(sizeof *r);
  struct file *w = kmalloc(sizeof *w);
  if (!p || !buf || !r || !w) {
    kfree(p), kfree(buf), kfree(r), kfree(w);
    return -1;
  }
  p->lock = (struct spinlock)SPINLOCK_INIT("pipe", SPIN_RANK_WAIT);
  p->buf = buf;
  p->nread = p->nwrite = 0;
  p->readers = p->writers = 1;
  r->type = FILE_PIPE_READ, r->refs = 1, r->pipe = p;
  w->type = FILE_PIPE_WRITE, w->refs = 1, w->pipe = p;
  *rd = r, *wr = w;
  return 0;
}

void pipe_close_end(struct pipe *p, int writer)
{
  spin_lock(&p->lock);
  if (writer)
    p->writers--;
  else
    p->readers--;
  proc_wakeup(p);
  int gone = p->readers == 0 && p->writers == 0;
  spin_unlock(&p->lock);
  if (gone) {
    kfree(p->buf);
    kfree(p);
  }
}

/* The contiguous run of at most n bytes starting at ring position pos. */
static uint32_t pipe_run(uint32_t pos, uint32_t avail, int n)
{
  uint32_t run = PIPE_SIZE - pos % PIPE_SIZE;
  if (run > avail)
    run = avail;
  if (run > (uint32_t)n)
    run = (uint32_t)n;
  return run;
}

int pipe_read(struct pipe *p, uint32_t uva, int n)
{
  if (n < 0 || uaccess_check(uva, (uint32_t)n, UACCESS_WRITE) < 0)
    return -1;
  if (n == 0)
    return 0;
  spin_lock(&p->lock);
  while (p->nread == p->nwrite && p->writers > 0) {
    if (proc_current()->killed_by) {
      spin_unlock(&p->lock);
      return -1;
    }
    proc_sleep(p, &p->lock);
  }
  int got = 0, failed = 0;
  while (got < n && p->nread != p->nwrite && !failed) {
    uint32_t run = pipe_run(p->nread, p->nwrite - p->nread, n - got);
    if (copy_to_user(uva + (uint32_t)got, p->buf + p->nread % PIPE_SIZE, run) < 0) {
      failed = 1;
      break;
    }
    p->nread += run;
    got += (int)run;
  }
  proc_wakeup(p);
  spin_unlock(&p->lock);
  return got > 0 ? got : (failed ? -1 : 0);
}

/* A write of at most PIPE_SIZE bytes waits until all of it fits and goes in whole, never
 * interleaved with another writer's; a longer one goes in as room appears, may be interleaved
 * between runs, and lets others run (and a killed writer stop) between them. */
int pipe_write(struct pipe *p, uint32_t uva, int n)
{
  if (n < 0 || uaccess_check(uva, (uint32_t)n, UACCESS_READ) < 0)
    return -1;
  int put = 0;
  while (put < n) {
    uint32_t need = n <= PIPE_SIZE ? (uint32_t)(n - put) : 1;
    spin_lock(&p->lock);
    while (PIPE_SIZE - (p->nwrite - p->nread) < need && p->readers > 0 && !proc_current()->killed_by)
      proc_sleep(p, &p->lock);
    if (p->readers == 0 || proc_current()->killed_by) {
      spin_unlock(&p->lock);
      return put > 0 ? put : -1;
    }
    /* all of a write of at most PIPE_SIZE bytes (it may wrap the ring: two runs), else what fits */
    uint32_t chunk = n <= PIPE_SIZE ? need : PIPE_SIZE - (p->nwrite - p->nread);
    if (chunk > (uint32_t)(n - put))
      chunk = (uint32_t)(n - put);
    while (chunk > 0) {
      uint32_t run = pipe_run(p->nwrite, chunk, (int)chunk);
      if (copy_from_user(p->buf + p->nwrite % PIPE_SIZE, uva + (uint32_t)put, run) < 0) {
        spin_unlock(&p->lock);
        return put > 0 ? put : -1;
      }
      p->nwrite += run;
      put += (int)run;
      chunk -= run;
    }
    proc_wakeup(p);
    spin_unlock(&p->lock);
    if (n > PIPE_SIZE && put < n && sched_preempt_point() < 0)
      return put;
  }
  return put;
}
