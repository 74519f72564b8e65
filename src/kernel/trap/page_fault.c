/*
 * page_fault.c - c_page_fault_handler, called by asm_page_fault_handler.
 *
 * Decides what a page fault is:
 *   - a write to a present PTE_COW page (from user or kernel mode): the
 *     copy-on-write path (cow_fault.c);
 *   - the first touch of an untouched heap page (from user or kernel
 *     mode, e.g. copy-out): the zero frame or a zeroed frame (zero_fault.c);
 *   - a fault the entries no longer explain: another thread of the space
 *     fixed it first (a copy-on-write copy's entry, cleared for its
 *     shootdown, is back; a reuse made it writable): the stale translation
 *     is dropped and the access retried;
 *   - a kernel self-test's deliberate fault: recorded, execution resumes;
 *   - a fault inside uaccess_copy that could not be resolved: the copy
 *     returns -1 to its system call;
 *   - any other fault from user mode: the process is killed with a
 *     one-line reason;
 *   - anything else in kernel mode: a kernel bug, dumped and panicked.
 */
#include "trap/trap.h"
#include "cow/cow.h"
#include "cow/zero.h"
#include "mm/vm.h"
#include "mm/vmspace.h"
#include "arch/percpu.h"
#include "mm/kheap.h"
#include "sched/proc.h"
#include "proc/proc.h"
#include "sched/uaccess.h"
#include "arch/printk.h"
#include "arch/trapframe.h"

/* Why a user-mode fault that is not copy-on-write is fatal, in a few words. */
static const char *page_fault_reason(uint32_t err, uint32_t cr2)
{
  if (cr2 >= USER_TOP)
    return "access to kernel memory";
  if (cr2 < PGSIZE)
    return "null pointer dereference";
  if (cr2 >= USER_STACK_GUARD && cr2 < USER_STACK_BOTTOM)
    return "stack overflow into the guard page";
  if (!(err & PF_PRESENT))
    return "access to unmapped memory";
  if (err & PF_WRITE)
    return "write to read-only memory";
  return "protection violation";
}

/* Non-zero when eip lies in the fault-tolerant user-copy routine. */
static int page_fault_in_uaccess(uint32_t eip)
{
  return eip >= (uint32_t)uaccess_copy_start && eip < (uint32_t)uaccess_copy_end;
}

/* Kill the current process for a fault: the [fault] line with the reason, then exit. */
static void page_fault_kill(uint32_t va, uint32_t err, uint32_t eip, const char *why)
{
  struct proc *p = proc_current();
  char dec[40];
  kprintf("[fault] pid=%d name=%s va=0x%08x eip=0x%08x err=0x%x(%s) killed: %s\n", p->pid, p->name, va, eip,
          err, trap_pf_decode(err, dec, sizeof dec), why);
  proc_exit(PROC_KILLED);
}

/* Does the current space's entry for the user address va now allow the access err describes?
 * Then another thread fixed the fault while this one waited for the space lock: drop this
 * CPU's translation and retry. */
static int page_fault_spurious(uint32_t va, uint32_t err)
{
  uint32_t need = PTE_P | PTE_U | (err & PF_WRITE ? PTE_W : 0);
  if (va >= USER_TOP || (*vm_pde_current(va) & need) != need || (*vm_pte_current(va) & need) != need)
    return 0;
  vm_invlpg(PG_ROUND_DOWN(va));
  return 1;
}

/* A fault on the current process's lazily backed range [zero_start, break) (its heap):
 * zero_handle_fault, or COW_NOT_COW outside it. */
static enum cow_result page_fault_zero(uint32_t va, uint32_t err, struct cow_report *rep)
{
  struct proc *p = proc_current();
  if (!p || !p->group)
    return COW_NOT_COW;
  return zero_handle_fault(va, err, p->group->zero_start, PG_ROUND_UP(p->group->brk), rep);
}

void c_page_fault_handler(uint32_t error_code, uint32_t cr2, struct trap_frame *tf)
{
  enum cow_result r = COW_NOT_COW;
  struct cow_report rep;
  struct vm_space *vs;
  THIS_CPU_READ(vm, vs);
  int locked = vs && cr2 < USER_TOP ? vm_space_lock_shared(vs) : 0;
  if ((error_code & (PF_PRESENT | PF_WRITE)) == (PF_PRESENT | PF_WRITE)) {
    r = cow_handle_write(cr2, &rep);                 /* it fills rep */
  } else {
    rep.n = 0;
    rep.shot_cpus = 0;
    if (locked && page_fault_spurious(cr2, error_code))
      r = COW_SPURIOUS;
  }
  if (r == COW_NOT_COW && vs)
    r = page_fault_zero(cr2, error_code, &rep);
  vm_space_unlock_shared(vs, locked);
  struct proc *p = proc_current();
  if (p && p->cow_trace && (rep.n || rep.shot_cpus))
    cow_trace(cr2, error_code, tf->eip, &rep);
  if (r == COW_COPIED || r == COW_REUSED || r == COW_SPURIOUS || r == COW_ZERO_MAPPED) {
    if (p && p->killed_by && trap_from_user(tf))
      proc_check_killed(tf);
    return;
  }

  if (trap_expect_consume(tf, cr2))
    return;

  if (trap_from_user(tf))
    page_fault_kill(cr2, error_code, tf->eip,
                    r == COW_OUT_OF_MEMORY        ? "out of memory for a copy-on-write copy"
                    : r == COW_ZERO_OUT_OF_MEMORY ? "out of memory for a zero page"
                                                  : page_fault_reason(error_code, cr2));

  if (page_fault_in_uaccess(tf->eip) && cr2 < USER_TOP) {
    tf->eip = (uint32_t)uaccess_fault_resume;
    return;
  }
  trap_dump(tf, cr2);
  if (kstack_is_guard(cr2))
    panic("kernel stack overflow (guard page 0x%08x hit)", cr2);
  panic("page fault in kernel mode at eip 0x%08x, address 0x%08x", tf->eip, cr2);
}
