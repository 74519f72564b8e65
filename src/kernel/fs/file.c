/*
 * file.c - open files: the console and pipe ends.
 */
#include "fs/file.h"
#include "fs/pipe.h"
#include "dev/tty.h"
#include "mm/kheap.h"
#include "sched/uaccess.h"
#include "sched/sched.h"
#include "arch/printk.h"
#include "arch/spinlock.h"

#define CONSOLE_CHUNK  128
#define CONSOLE_ATOMIC 1024   /* a console write up to this size is never interleaved */

static struct file console_in = { FILE_CONSOLE_IN, 1, 0 };
static struct file console_out = { FILE_CONSOLE_OUT, 1, 0 };
static struct spinlock file_lock = SPINLOCK_INIT("file", SPIN_RANK_FILE);   /* every file's refs */

struct file *file_console_in(void)
{
  return &console_in;
}

struct file *file_console_out(void)
{
  return &console_out;
}

/* Console files are static and never freed. */
static int file_is_console(const struct file *f)
{
  return f == &console_in || f == &console_out;
}

struct file *file_dup(struct file *f)
{
  if (!file_is_console(f)) {
    spin_lock(&file_lock);
    f->refs++;
    spin_unlock(&file_lock);
  }
  return f;
}

void file_close(struct file *f)
{
  if (file_is_console(f))
    return;
  spin_lock(&file_lock);
  int last = --f->refs == 0;
  spin_unlock(&file_lock);
  if (!last)
    return;
  pipe_close_end(f->pipe, f->type == FILE_PIPE_WRITE);
  kfree(f);
}

int file_read(struct file *f, uint32_t uva, int n)
{
  switch (f->type) {
  case FILE_CONSOLE_IN:
    return tty_read(uva, n);
  case FILE_PIPE_READ:
    return pipe_read(f->pipe, uva, n);
  default:
    return -1;
  }
}

/* Write n user bytes to the console in small chunks. The first CONSOLE_ATOMIC bytes come out
 * whole; past them other processes may run (and print) between chunks, and a killed writer
 * stops there: bytes written so far, or -1. */
static int file_console_write(uint32_t uva, int n)
{
  char chunk[CONSOLE_CHUNK];
  if (n < 0 || uaccess_check(uva, (uint32_t)n, UACCESS_READ) < 0)
    return -1;
  for (int done = 0; done < n;) {
    if (done >= CONSOLE_ATOMIC && sched_preempt_point() < 0)
      return done;
    int c = n - done > CONSOLE_CHUNK ? CONSOLE_CHUNK : n - done;
    if (copy_from_user(chunk, uva + (uint32_t)done, (uint32_t)c) < 0)
      return -1;
    kwrite(chunk, c);
    done += c;
  }
  return n;
}

int file_write(struct file *f, uint32_t uva, int n)
{
  switch (f->type) {
  case FILE_CONSOLE_OUT:
    return file_console_write(uva, n);
  case FILE_PIPE_WRITE:
    return pipe_write(f->pipe, uva, n);
  default:
    return -1;
  }
}
