/*
 * cpu_check.h - the processor features the kernel relies on, checked at boot.
 */
#ifndef ARCH_CPU_CHECK_H
#define ARCH_CPU_CHECK_H
#include <stdint.h>

#define CPUID_VENDOR_LEN 12
#define CPUID_EDX_TSC    (1u << 4)
#define CPUID_EDX_MSR    (1u << 5)   /* rdmsr/wrmsr */
#define CPUID_EDX_APIC   (1u << 9)   /* an on-chip local APIC */

/* What cpu_probe found. */
struct cpu_info {
  int ac;                 /* EFLAGS.AC can be set: an i486 or later (an i386 cannot) */
  int cpuid;              /* EFLAGS.ID can be toggled: the CPUID instruction exists */
  int wp;                 /* CR0.WP stays set once written */
  char vendor[CPUID_VENDOR_LEN + 1];
  uint32_t max_leaf, family, model, stepping;
  uint32_t features_edx;  /* CPUID leaf 1 EDX; 0 without CPUID */
};

extern struct cpu_info cpu_info;

/* Fill c from this processor, using only instructions every i386 has (CPUID only when
 * EFLAGS.ID says it exists). Sets CR0.WP on an i486 or later. */
void cpu_probe(struct cpu_info *c);
/* A sentence naming the first feature c lacks that the kernel needs, or 0 when none is missing. */
const char *cpu_missing(const struct cpu_info *c);
/* Probe into cpu_info and print it; stop the machine with cpu_missing's sentence if it is not enough. */
void cpu_check(void);

#endif
