/*
 * cpu_check.c - the processor the kernel runs on, checked before anything relies on it.
 *
 * The floor is the i486: copy-on-write needs CR0.WP (kernel writes honour read-only
 * pages) and the page-table code needs INVLPG. An i386 cannot set EFLAGS.AC; CPUID
 * exists when EFLAGS.ID can be toggled (late i486s and every later model) and names
 * the vendor, the model and optional features such as the time-stamp counter.
 * The kernel is built with -march=i486 and the build checks that no later
 * instruction slipped in, so the path up to this check runs on every model.
 */
#include "arch/cpu_check.h"
#include "arch/x86.h"
#include "arch/printk.h"
#include "lib/string.h"

#define EFLAGS_AC      (1u << 18)
#define EFLAGS_ID      (1u << 21)
#define CPUID_LEAF_VENDOR   0u
#define CPUID_LEAF_FEATURES 1u
#define CPUID_FAMILY(a)     (((a) >> 8) & 0xFu)
#define CPUID_MODEL(a)      (((a) >> 4) & 0xFu)
#define CPUID_STEPPING(a)   ((a) & 0xFu)
#define CPUID_EXT_FAMILY(a) (((a) >> 20) & 0xFFu)
#define CPUID_EXT_MODEL(a)  (((a) >> 16) & 0xFu)
#define CPUID_FAMILY_EXTENDED 0xFu    /* the base family that says "add the extended family" */
#define CPUID_FAMILY_P6       6u

struct cpu_info cpu_info;

/* 1 when the EFLAGS bits in mask can be flipped, else 0; EFLAGS is restored (cpu_probe.asm). */
int cpu_eflags_toggles(uint32_t mask);
/* CPUID leaf into r[0..3] = eax, ebx, ecx, edx. Only when EFLAGS.ID toggles (cpu_probe.asm). */
void cpu_cpuid(uint32_t leaf, uint32_t r[4]);

void cpu_probe(struct cpu_info *c)
{
  uint32_t r[4];
  memset(c, 0, sizeof *c);
  c->ac = cpu_eflags_toggles(EFLAGS_AC);
  if (!c->ac)
    return;                       /* an i386: CR0.WP is a reserved bit there, leave it alone */
  write_cr0(read_cr0() | CR0_WP);
  c->wp = (read_cr0() & CR0_WP) != 0;
  c->cpuid = cpu_eflags_toggles(EFLAGS_ID);
  if (!c->cpuid)
    return;
  cpu_cpuid(CPUID_LEAF_VENDOR, r);
  c->max_leaf = r[0];
  memcpy(c->vendor, &r[1], 4);    /* the vendor string is ebx, edx, ecx */
  memcpy(c->vendor + 4, &r[3], 4);
  memcpy(c->vendor + 8, &r[2], 4);
  c->vendor[CPUID_VENDOR_LEN] = 0;
  if (c->max_leaf < CPUID_LEAF_FEATURES)
    return;
  cpu_cpuid(CPUID_LEAF_FEATURES, r);
  c->family = CPUID_FAMILY(r[0]);
  c->model = CPUID_MODEL(r[0]);
  c->stepping = CPUID_STEPPING(r[0]);
  if (c->family == CPUID_FAMILY_EXTENDED)
    c->family += CPUID_EXT_FAMILY(r[0]);
  if (c->family >= CPUID_FAMILY_P6)
    c->model += CPUID_EXT_MODEL(r[0]) << 4;
  c->features_edx = r[3];
}

const char *cpu_missing(const struct cpu_info *c)
{
  if (!c->ac)
    return "this processor cannot set EFLAGS.AC, so it is an i386: cowos needs an i486 or later "
           "(CR0.WP for copy-on-write, INVLPG for the page tables)";
  if (!c->wp)
    return "CR0.WP does not stay set on this processor: cowos needs kernel writes to honour "
           "read-only pages for copy-on-write";
  return 0;
}

void cpu_check(void)
{
  struct cpu_info *c = &cpu_info;
  cpu_probe(c);
  const char *missing = cpu_missing(c);
  if (missing)
    panic("cpu: %s", missing);
  if (c->cpuid)
    kprintf("[cpu] %s family %u model %u stepping %u; i486 features present; time-stamp counter %s\n",
            c->vendor, c->family, c->model, c->stepping, c->features_edx & CPUID_EDX_TSC ? "yes" : "no");
  else
    kprintf("[cpu] an i486 without CPUID; i486 features present; time-stamp counter no\n");
}
