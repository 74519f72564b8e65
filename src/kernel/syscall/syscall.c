/*
 * syscall.c - the system-call table and the calls' argument checking.
 *
 * Every pointer a program passes is checked against its page tables
 * (uaccess.c) before the kernel touches it; a bad one gets -1 and nothing
 * else happens.
 */
#include "syscall/syscall.h"
#include "sched/proc.h"
#include "proc/proc.h"
#include "proc/thread.h"
#include "sched/sched.h"
#include "sched/uaccess.h"
#include "cow/cow.h"
#include "fs/file.h"
#include "fs/pipe.h"
#include "fs/archive.h"
#include "dev/tty.h"
#include "mm/mm.h"
#include "check/memcheck.h"
#include "mm/pool.h"
#include "mm/pageref.h"
#include "check/framesnap.h"
#include "mm/ptshare.h"
#include "mm/kheap.h"
#include "arch/trapframe.h"
#include "arch/x86.h"
#include "lib/string.h"
#include "user.h"

#define EXEC_PATH_MAX  64
#define EXEC_ARG_MAX   128
#define EXEC_MAX_ARGV  32
#define PROGLIST_LINE  (ARCHIVE_NAME_LEN + 1)
#define MEMSTAT_TRIES  1000   /* looks at the counters while copy-on-write copies keep moving */

typedef int (*syscall_fn)(uint32_t a, uint32_t b, uint32_t c);

/* The open file behind fd in the current process, or 0, for one read or write; sys_file_put
 * lets go of it (*held says how). One thread alone uses the table as it is: only it could close
 * fd, or start a thread that could. With several threads the table is read under proc_lock and
 * the file gets a reference for the call, so a sibling closing fd cannot free it meanwhile. */
static struct file *sys_file_get(uint32_t fd, int *held)
{
  struct proc *g = proc_current_group();
  struct file *f = 0;
  *held = 0;
  if (fd >= PROC_NOFILE)
    return 0;
  if (g->vm.threads <= 1)
    return g->files[fd];
  spin_lock(&proc_lock);
  if (g->files[fd])
    f = file_dup(g->files[fd]), *held = 1;
  spin_unlock(&proc_lock);
  return f;
}

/* Let go of a file from sys_file_get. */
static void sys_file_put(struct file *f, int held)
{
  if (held)
    file_close(f);
}

static int sys_fork(uint32_t a, uint32_t b, uint32_t c) { (void)a, (void)b, (void)c; return copy_process(fork_default_policy); }
static int sys_xfork(uint32_t policy, uint32_t b, uint32_t c) { (void)b, (void)c; return copy_process((int)policy); }
static int sys_exit(uint32_t status, uint32_t b, uint32_t c) { (void)b, (void)c; proc_exit((int)status); }
static int sys_wait(uint32_t st, uint32_t b, uint32_t c) { (void)b, (void)c; return proc_wait(-1, st); }
static int sys_waitpid(uint32_t pid, uint32_t st, uint32_t c) { (void)c; return (int)pid <= 0 ? -1 : proc_wait((int)pid, st); }
static int sys_getpid(uint32_t a, uint32_t b, uint32_t c) { (void)a, (void)b, (void)c; return proc_current_group()->pid; }
static int sys_gettid(uint32_t a, uint32_t b, uint32_t c) { (void)a, (void)b, (void)c; return proc_current()->pid; }
static int sys_thread_exit(uint32_t status, uint32_t b, uint32_t c) { (void)b, (void)c; proc_thread_end((int)status, 0); }
static int sys_thread_join(uint32_t tid, uint32_t st, uint32_t c) { (void)c; return proc_thread_join((int)tid, st); }
static int sys_futex_wait(uint32_t uva, uint32_t val, uint32_t c) { (void)c; return futex_sleep(uva, (int)val); }
static int sys_futex_wake(uint32_t uva, uint32_t n, uint32_t c) { (void)c; return (int)n < 0 ? -1 : futex_wakeup(uva, (int)n); }
/* thread_create(fn, arg, stack_top); esi: the entry stub the new thread starts in (usys.asm). */
static int sys_thread_create(uint32_t fn, uint32_t arg, uint32_t stack_top)
{
  return proc_thread_create(fn, arg, stack_top, proc_current()->tf->esi);
}
static int sys_getppid(uint32_t a, uint32_t b, uint32_t c)
{
  (void)a, (void)b, (void)c;
  struct proc *p = proc_current_group();
  spin_lock(&proc_lock);               /* the parent may be exiting on another CPU */
  int ppid = p->parent ? p->parent->pid : 0;
  spin_unlock(&proc_lock);
  return ppid;
}
static int sys_sbrk(uint32_t inc, uint32_t b, uint32_t c) { (void)b, (void)c; return proc_sbrk((int)inc); }
static int sys_kill(uint32_t pid, uint32_t b, uint32_t c) { (void)b, (void)c; return proc_kill((int)pid); }
static int sys_sleep(uint32_t n, uint32_t b, uint32_t c) { (void)b, (void)c; return (int)n < 0 ? -1 : clock_sleep(n); }
static int sys_yield(uint32_t a, uint32_t b, uint32_t c) { (void)a, (void)b, (void)c; sched_yield(); return 0; }
static int sys_uptime(uint32_t a, uint32_t b, uint32_t c) { (void)a, (void)b, (void)c; return (int)clock_ticks(); }
static int sys_memcheck(uint32_t a, uint32_t b, uint32_t c) { (void)a, (void)b, (void)c; return memcheck(); }
static int sys_cowtrace(uint32_t level, uint32_t b, uint32_t c) { (void)b, (void)c; return cow_trace_set((int)level); }
static int sys_setfg(uint32_t pid, uint32_t b, uint32_t c) { (void)b, (void)c; return tty_set_foreground((int)pid); }

static int sys_vtop(uint32_t va, uint32_t b, uint32_t c)
{
  (void)b, (void)c;
  return va >= USER_TOP ? 0 : (int)vm_vaddr2paddr(proc_current_group()->vm.pd, va);
}

/* exec's path and arguments in the kernel: one per call, since an exec lets others run. */
struct exec_args {
  char path[EXEC_PATH_MAX];
  char args[EXEC_MAX_ARGV][EXEC_ARG_MAX];
  char *argv[EXEC_MAX_ARGV + 1];
};

static int sys_exec(uint32_t upath, uint32_t uargv, uint32_t c)
{
  (void)c;
  struct exec_args *ea = kmalloc(sizeof *ea);
  int argc = 0, r = -1;
  if (!ea)
    return -1;
  if (!uargv || copy_str_from_user(ea->path, upath, sizeof ea->path) < 0)
    goto out;
  for (;; argc++) {
    uint32_t ustr;
    if (argc == EXEC_MAX_ARGV || copy_from_user(&ustr, uargv + (uint32_t)argc * 4, 4) < 0)
      goto out;
    if (!ustr)
      break;
    if (copy_str_from_user(ea->args[argc], ustr, EXEC_ARG_MAX) < 0)
      goto out;
    ea->argv[argc] = ea->args[argc];
  }
  ea->argv[argc] = 0;
  r = exec_load(proc_current(), ea->path, ea->argv, argc);
out:
  kfree(ea);
  return r;
}

/* Put rd and wr in the two lowest free slots of g's table (proc_lock): 0, or -1 (none placed). */
static int sys_pipe_install(struct proc *g, struct file *rd, struct file *wr, int fds[2])
{
  int n = 0;
  spin_lock(&proc_lock);
  for (int fd = 0; fd < PROC_NOFILE && n < 2; fd++)
    if (!g->files[fd])
      fds[n++] = fd;
  if (n == 2) {
    g->files[fds[0]] = rd;
    g->files[fds[1]] = wr;
  }
  spin_unlock(&proc_lock);
  return n == 2 ? 0 : -1;
}

static int sys_pipe(uint32_t ufds, uint32_t b, uint32_t c)
{
  (void)b, (void)c;
  struct proc *g = proc_current_group();
  int fds[2] = { -1, -1 };
  struct file *rd, *wr;
  if (uaccess_check(ufds, sizeof fds, UACCESS_WRITE) < 0 || pipe_create(&rd, &wr) < 0)
    return -1;
  if (sys_pipe_install(g, rd, wr, fds) == 0 && copy_to_user(ufds, fds, sizeof fds) == 0)
    return 0;
  if (fds[1] >= 0) {
    spin_lock(&proc_lock);
    if (g->files[fds[0]] == rd)
      g->files[fds[0]] = 0;
    if (g->files[fds[1]] == wr)
      g->files[fds[1]] = 0;
    spin_unlock(&proc_lock);
  }
  file_close(rd);
  file_close(wr);
  return -1;
}

static int sys_read(uint32_t fd, uint32_t buf, uint32_t n)
{
  int held;
  struct file *f = sys_file_get(fd, &held);
  if (!f)
    return -1;
  int r = file_read(f, buf, (int)n);
  sys_file_put(f, held);
  return r;
}

static int sys_write(uint32_t fd, uint32_t buf, uint32_t n)
{
  int held;
  struct file *f = sys_file_get(fd, &held);
  if (!f)
    return -1;
  int r = file_write(f, buf, (int)n);
  sys_file_put(f, held);
  return r;
}

static int sys_close(uint32_t fd, uint32_t b, uint32_t c)
{
  (void)b, (void)c;
  struct proc *g = proc_current_group();
  struct file *f = 0;
  spin_lock(&proc_lock);
  if (fd < PROC_NOFILE) {
    f = g->files[fd];
    g->files[fd] = 0;
  }
  spin_unlock(&proc_lock);
  if (!f)
    return -1;
  file_close(f);
  return 0;
}

static int sys_memstat(uint32_t ust, uint32_t b, uint32_t c)
{
  (void)b, (void)c;
  struct memstat st;
  if (uaccess_check(ust, sizeof st, UACCESS_WRITE) < 0)
    return -1;
  struct cow_stats cs;
  uint32_t copies[CPU_MAX];
  int tries = 0;
  do {                 /* a copy in flight has its frame but is not counted yet: look again */
    cow_copy_seqs(copies);
    st.free_pages = pool_user.free;
    cow_stats_sum(&cs);
  } while (cow_copies_moved(copies) && ++tries < MEMSTAT_TRIES);
  st.total_pages = pool_user.total;
  st.kernel_free_pages = pool_kernel.free;
  st.cow_faults = cs.faults;
  st.cow_copies = cs.copies;
  st.cow_reuses = cs.reuses;
  st.shared_pages = page_ref_shared();
  st.shared_tables = pt_share_shared();
  st.table_copies = pt_share_stats.copies;
  st.table_reuses = pt_share_stats.reuses;
  return copy_to_user(ust, &st, sizeof st);
}

static int sys_bootconf(uint32_t buf, uint32_t n, uint32_t c)
{
  (void)c;
  uint32_t size;
  const uint8_t *conf = archive_find("init.conf", &size);
  if (!conf || (int)n < 0 || size > n)
    return -1;
  return copy_to_user(buf, conf, size) < 0 ? -1 : (int)size;
}

static int sys_proglist(uint32_t buf, uint32_t n, uint32_t c)
{
  (void)c;
  char line[PROGLIST_LINE + 1];
  uint32_t off = 0;
  const struct archive_entry *e;
  if ((int)n < 0 || uaccess_check(buf, n, UACCESS_WRITE) < 0)
    return -1;
  for (uint32_t i = 0; (e = archive_entry_at(i)) != 0; i++) {
    if (strcmp(e->name, "init.conf") == 0)
      continue;
    strncpy_z(line, e->name, ARCHIVE_NAME_LEN + 1);
    uint32_t len = strlen(line);
    line[len++] = '\n';
    if (off + len > n || copy_to_user(buf + off, line, len) < 0)
      return -1;
    off += len;
  }
  return (int)off;
}

static int sys_framesnap(uint32_t ureq, uint32_t b, uint32_t c) { (void)b, (void)c; return framesnap_copy(ureq); }

static const syscall_fn syscall_table[SYS_COUNT] = {
  [SYS_fork] = sys_fork,         [SYS_xfork] = sys_xfork,       [SYS_exit] = sys_exit,
  [SYS_wait] = sys_wait,         [SYS_waitpid] = sys_waitpid,   [SYS_getpid] = sys_getpid,
  [SYS_getppid] = sys_getppid,   [SYS_sbrk] = sys_sbrk,         [SYS_exec] = sys_exec,
  [SYS_pipe] = sys_pipe,         [SYS_read] = sys_read,         [SYS_write] = sys_write,
  [SYS_close] = sys_close,       [SYS_kill] = sys_kill,         [SYS_sleep] = sys_sleep,
  [SYS_yield] = sys_yield,       [SYS_uptime] = sys_uptime,     [SYS_memstat] = sys_memstat,
  [SYS_memcheck] = sys_memcheck, [SYS_cowtrace] = sys_cowtrace, [SYS_vtop] = sys_vtop,
  [SYS_bootconf] = sys_bootconf, [SYS_proglist] = sys_proglist, [SYS_setfg] = sys_setfg,
  [SYS_framesnap] = sys_framesnap, [SYS_thread_create] = sys_thread_create,
  [SYS_thread_exit] = sys_thread_exit, [SYS_thread_join] = sys_thread_join, [SYS_gettid] = sys_gettid,
  [SYS_futex_wait] = sys_futex_wait, [SYS_futex_wake] = sys_futex_wake,
};

void syscall_dispatch(struct trap_frame *tf)
{
  uint32_t n = tf->eax;
  sti();
  if (n < SYS_COUNT && syscall_table[n])
    tf->eax = (uint32_t)syscall_table[n](tf->ebx, tf->ecx, tf->edx);
  else
    tf->eax = (uint32_t)-1;
  cli();
}
