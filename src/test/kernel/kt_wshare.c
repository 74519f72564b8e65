/*
 * kt_wshare.c - self-tests of the isolation rule: no user frame writable in
 * two address spaces that are not THREAD relatives. memcheck reports a frame
 * planted writable in two processes (and not when they are THREAD relatives),
 * and a shared page table copied for a writer leaves a frame that was already
 * shared (count above 1) writable in neither space.
 */
#include "test/ktest.h"
#include "check/memcheck.h"
#include "mm/pageref.h"
#include "mm/ptshare.h"
#include "mm/kheap.h"
#include "mm/vm.h"
#include "sched/proc.h"
#include "proc/proc.h"
#include "lib/string.h"

#define KT_WS_VA      0x40000000u
#define KT_WS_PID     9001          /* the two records' pids: far above any the self-tests reach */
#define KT_WS_GROUP   9001          /* the THREAD group they join in the allowed case */

/* A process record for memcheck to walk (an embryo: no CPU runs it): pid, name and space pd, on the list. */
static struct proc *kt_ws_proc(int pid, const char *name, pde_t *pd)
{
  struct proc *p = kmalloc(sizeof *p);
  if (!p)
    return 0;
  memset(p, 0, sizeof *p);
  p->pid = pid;
  p->group = p;
  p->state = PROC_EMBRYO;                /* walked by memcheck, never picked by a scheduler */
  p->vm.pd = pd;
  strncpy_z(p->name, name, sizeof p->name);
  spin_lock(&proc_lock);
  p->next = proc_list;
  proc_list = p;
  spin_unlock(&proc_lock);
  return p;
}

/* Take a record made by kt_ws_proc off the list and free it (its space stays). */
static void kt_ws_unproc(struct proc *p)
{
  if (!p)
    return;
  spin_lock(&proc_lock);
  proc_unlink_locked(p);
  spin_unlock(&proc_lock);
  kfree(p);
}

/* One fresh frame mapped writable at KT_WS_VA in x and at vy in y (count 2); 0 when out of memory
 * (the frame is not left mapped). */
static uint32_t kt_ws_frame(pde_t *x, pde_t *y, uint32_t vy)
{
  uint32_t pa = x && y ? page_alloc_user() : 0;
  if (!pa)
    return 0;
  if (vm_map(x, KT_WS_VA, pa, PTE_W | PTE_U) < 0)
    goto bad;
  page_ref_inc(pa);
  if (vm_map(y, vy, pa, PTE_W | PTE_U) < 0) {
    vm_unmap(x, KT_WS_VA);
    page_ref_dec(pa);
    goto bad;
  }
  return pa;
bad:
  page_ref_dec(pa);
  return 0;
}

/* Destroy the space pd if there is one. */
static void kt_ws_destroy(pde_t *pd)
{
  if (pd)
    proc_space_destroy(0, pd);
}

/* The bad state built on purpose: one frame mapped writable in two spaces. memcheck must report
 * it once, and not at all when the two processes are THREAD relatives. */
static void kt_wshare_planted(void)
{
  pde_t *a = vm_space_create(), *b = vm_space_create();
  uint32_t pa = kt_ws_frame(a, b, KT_WS_VA + PGSIZE);
  struct proc *pa_proc = pa ? kt_ws_proc(KT_WS_PID, "kt_ws_a", a) : 0;
  struct proc *pb_proc = pa ? kt_ws_proc(KT_WS_PID + 1, "kt_ws_b", b) : 0;
  int unrelated = -1, related = -1;
  if (pa_proc && pb_proc) {
    unrelated = memcheck();
    pa_proc->thread_group = pb_proc->thread_group = KT_WS_GROUP;
    related = memcheck();
  }
  kt_ws_unproc(pa_proc);
  kt_ws_unproc(pb_proc);
  kt_ws_destroy(a);
  kt_ws_destroy(b);
  ktest_check("kt_wshare_memcheck_reports", unrelated == 1,
              "frame 0x%x writable in pids %d and %d: memcheck found %d problems (want 1)", pa, KT_WS_PID,
              KT_WS_PID + 1, unrelated);
  ktest_check("kt_wshare_memcheck_threads", related == 0,
              "the same two as THREAD relatives: memcheck found %d problems (want 0)", related);
}

/* A shared table holding a writable entry whose frame is already shared (count 2: an exiting
 * THREAD relative's space z still maps it) is copied for a writer: the frame must end up writable
 * in neither table, and memcheck must find nothing once z is gone. */
static void kt_wshare_copy(void)
{
  pde_t *z = vm_space_create(), *a = vm_space_create(), *b = vm_space_create();
  uint32_t pa = b ? kt_ws_frame(a, z, KT_WS_VA) : 0, x = PDX(KT_WS_VA), refs = 0;
  enum pt_unshare_result r = PT_PRIVATE;
  pte_t ea = 0, eb = 0;
  int found = -1;
  if (pa) {
    pt_share_space(a, b);
    r = pt_unshare(b, x, 0, 0, 0);
    ea = *vm_walk(a, KT_WS_VA, 0);
    eb = r == PT_COPIED ? *vm_walk(b, KT_WS_VA, 0) : 0;
    refs = page_ref_get(pa);
  }
  kt_ws_destroy(z);                      /* the relative is gone: a, b and their tables are left */
  struct proc *pa_proc = pa ? kt_ws_proc(KT_WS_PID, "kt_ws_a", a) : 0;
  struct proc *pb_proc = pa ? kt_ws_proc(KT_WS_PID + 1, "kt_ws_b", b) : 0;
  if (pa_proc && pb_proc)
    found = memcheck();
  kt_ws_unproc(pa_proc);
  kt_ws_unproc(pb_proc);
  kt_ws_destroy(b);
  kt_ws_destroy(a);
  int cow = (ea & (PTE_W | PTE_COW)) == PTE_COW && (eb & (PTE_W | PTE_COW)) == PTE_COW;
  ktest_check("kt_wshare_copy_cow", r == PT_COPIED && refs == 3 && cow,
              "unshare result %d (want %d), entries 0x%x (shared table) 0x%x (copy), want both PTE_COW and "
              "not PTE_W, count %u (want 3)", r, PT_COPIED, ea, eb, refs);
  ktest_check("kt_wshare_copy_memcheck", found == 0, "after the copy memcheck found %d problems (want 0)", found);
}

void ktest_wshare(void)
{
  kt_wshare_planted();
  kt_wshare_copy();
}
