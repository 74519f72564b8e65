/*
 * kt_cpu_check.c - self-tests of the boot-time processor check: this CPU passes
 * it, and an i386 or a CPU whose CR0.WP does not stick is refused by name.
 */
#include "test/ktest.h"
#include "arch/cpu_check.h"
#include "arch/x86.h"
#include "lib/string.h"

/* Non-zero when word occurs in s. */
static int kt_mentions(const char *s, const char *word)
{
  unsigned n = (unsigned)strlen(word);
  for (; s && *s; s++)
    if (strncmp(s, word, n) == 0)
      return 1;
  return 0;
}

void ktest_cpu_check(void)
{
  const struct cpu_info *c = &cpu_info;
  const char *here = cpu_missing(c);
  ktest_check("kt_cpu_check_this_cpu", here == 0 && c->ac && c->wp && (read_cr0() & CR0_WP),
              "AC %d, WP %d, CR0 0x%x, refused: %s", c->ac, c->wp, read_cr0(), here ? here : "no");
  ktest_check("kt_cpu_check_cpuid_family", !c->cpuid || c->max_leaf == 0 || c->family >= 4,
              "CPUID max leaf %u says family %u on a CPU that can set EFLAGS.AC", c->max_leaf, c->family);

  struct cpu_info i386 = *c;
  i386.ac = 0;
  i386.wp = 0;
  i386.cpuid = 0;
  const char *why386 = cpu_missing(&i386);
  ktest_check("kt_cpu_check_refuses_i386", kt_mentions(why386, "i386") && kt_mentions(why386, "i486"),
              "sentence for an i386: %s", why386 ? why386 : "(none)");

  struct cpu_info no_wp = *c;
  no_wp.wp = 0;
  const char *why_wp = cpu_missing(&no_wp);
  ktest_check("kt_cpu_check_refuses_no_wp", kt_mentions(why_wp, "CR0.WP"), "sentence without CR0.WP: %s",
              why_wp ? why_wp : "(none)");
}
