/*
 * t_proc_protect - bad memory accesses kill only the process that made them.
 *
 * Each case runs in its own child: write to its own (read-only) text, read or
 * write kernel memory, touch the stack guard page and below, run off the stack
 * by recursion, dereference NULL, jump to a kernel address or to NULL. Every
 * child must be killed (wait status -1) while the parent carries on with its
 * text intact and no frames lost.
 * Usage: t_proc_protect [quick]
 */
#include "user.h"
#include "test/utest.h"

#define PROT_KILLED        (-1)    /* status of a process the kernel killed */
#define PROT_SURVIVED      42      /* a child that got past its bad access */
#define PROT_KERNEL_BASE   0xC0000000u
#define PROT_KERNEL_TEXT   0xC0100000u
#define PROT_GUARD_LOW     0xBFFF7000u   /* the unmapped page under the user stack */
#define PROT_GUARD_HIGH    0xBFFF7FFCu   /* last word of the guard page */
#define PROT_BELOW_GUARD   0xBFFF0000u
#define PROT_RECURSE_BYTES 1024          /* stack eaten per recursion level */
#define PROT_RECURSE_MAX   (1u << 20)    /* far more levels than the 8-page stack holds */

/* Addresses come through a volatile so the compiler cannot see a constant NULL. */
static volatile unsigned prot_addr;

/* Somewhere in the program's text. */
static void prot_text_anchor(void)
{
}

/* Bad accesses, one per function; each returns only if the kernel let it through.
 * Write the program's own (read-only) text. */
static void prot_write_text(void)
{
  prot_addr = (unsigned)&prot_text_anchor;
  *(volatile unsigned char *)prot_addr = 0xCC;
}

/* Read kernel memory. */
static void prot_read_kernel(void)
{
  volatile unsigned v;
  prot_addr = PROT_KERNEL_TEXT;
  v = *(volatile unsigned *)prot_addr;
  (void)v;
}

/* Write kernel memory. */
static void prot_write_kernel(void)
{
  prot_addr = PROT_KERNEL_BASE;
  *(volatile unsigned *)prot_addr = 0;
}

/* Write the top word of the stack guard page. */
static void prot_write_guard(void)
{
  prot_addr = PROT_GUARD_HIGH;
  *(volatile unsigned *)prot_addr = 1;
}

/* Read the bottom of the stack guard page. */
static void prot_read_guard(void)
{
  volatile unsigned v;
  prot_addr = PROT_GUARD_LOW;
  v = *(volatile unsigned *)prot_addr;
  (void)v;
}

/* Write below the stack guard page. */
static void prot_write_below_guard(void)
{
  prot_addr = PROT_BELOW_GUARD;
  *(volatile unsigned *)prot_addr = 1;
}

/* Recurse with a big frame until the stack runs into the guard page. */
static unsigned prot_recurse(unsigned depth)
{
  volatile unsigned char frame[PROT_RECURSE_BYTES];
  if (depth >= PROT_RECURSE_MAX)
    return 0;
  frame[0] = (unsigned char)depth;
  frame[PROT_RECURSE_BYTES - 1] = (unsigned char)depth;
  return prot_recurse(depth + 1) + frame[0] + frame[PROT_RECURSE_BYTES - 1];
}

/* Run off the bottom of the stack. */
static void prot_stack_overflow(void)
{
  prot_addr = prot_recurse(0);
}

/* Read through NULL. */
static void prot_read_null(void)
{
  volatile unsigned v;
  prot_addr = 0;
  v = *(volatile unsigned *)prot_addr;
  (void)v;
}

/* Write through NULL. */
static void prot_write_null(void)
{
  prot_addr = 0;
  *(volatile unsigned *)prot_addr = 1;
}

/* Call code at a kernel address. */
static void prot_jump_kernel(void)
{
  prot_addr = PROT_KERNEL_TEXT;
  ((void (*)(void))prot_addr)();
}

/* Call code at NULL. */
static void prot_jump_null(void)
{
  prot_addr = 0;
  ((void (*)(void))prot_addr)();
}

/* A case: the check name and the bad access its child makes. */
struct prot_case {
  const char *name;
  void (*access)(void);
};

static const struct prot_case prot_cases[] = {
  { "proc_protect_write_text", prot_write_text },
  { "proc_protect_read_kernel", prot_read_kernel },
  { "proc_protect_write_kernel", prot_write_kernel },
  { "proc_protect_write_guard", prot_write_guard },
  { "proc_protect_read_guard", prot_read_guard },
  { "proc_protect_below_guard", prot_write_below_guard },
  { "proc_protect_stack_overflow", prot_stack_overflow },
  { "proc_protect_read_null", prot_read_null },
  { "proc_protect_write_null", prot_write_null },
  { "proc_protect_jump_kernel", prot_jump_kernel },
  { "proc_protect_jump_null", prot_jump_null },
};
#define PROT_CASE_COUNT ((int)(sizeof(prot_cases) / sizeof(prot_cases[0])))

/* Run one case in a child; it must be killed and reaped with status -1. */
static void prot_run_case(const struct prot_case *c)
{
  int pid, got, status = 0;

  pid = fork();
  if (pid == 0) {
    c->access();
    exit(PROT_SURVIVED);
  }
  got = pid < 0 ? -1 : waitpid(pid, &status);
  utest_check(c->name, pid > 0 && got == pid && status == PROT_KILLED,
              "child %d: waitpid %d, status %d (want -1; %d means the access was allowed)",
              pid, got, status, PROT_SURVIVED);
}

/* Run every check; the exit status is 0 when all of them passed. */
int main(int argc, char *argv[])
{
  struct memstat before, after;
  const volatile unsigned char *text = (const volatile unsigned char *)&prot_text_anchor;
  unsigned char text_byte = text[0];
  int i, bad;

  (void)utest_quick(argc, argv);   /* the same small work in both modes */
  memstat(&before);
  for (i = 0; i < PROT_CASE_COUNT; i++)
    prot_run_case(&prot_cases[i]);
  memstat(&after);
  bad = memcheck();
  utest_check("proc_protect_text_intact", text[0] == text_byte,
              "text byte at 0x%x was 0x%x before the children, 0x%x after",
              (unsigned)text, text_byte, text[0]);
  utest_check("proc_protect_no_leak", after.free_pages == before.free_pages && bad == 0,
              "user free pages %u -> %u after %d killed children, memcheck %d",
              before.free_pages, after.free_pages, PROT_CASE_COUNT, bad);
  return utest_status();
}
