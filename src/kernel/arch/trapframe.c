/*
 * trapframe.c - names for what a trap frame holds: the vector and a page fault's error code.
 */
#include "arch/trapframe.h"
#include "lib/fmt.h"

static const char *const trap_names[T_EXCEPTIONS] = {
  "divide error", "debug", "non-maskable interrupt", "breakpoint", "overflow", "bound range exceeded",
  "invalid opcode", "device not available", "double fault", "coprocessor segment overrun",
  "invalid TSS", "segment not present", "stack-segment fault", "general protection fault",
  "page fault", "reserved", "x87 floating-point error", "alignment check", "machine check",
  "SIMD floating-point error", "virtualization exception", "control protection", "reserved",
  "reserved", "reserved", "reserved", "reserved", "reserved", "reserved", "reserved",
  "security exception", "reserved",
};

const char *trap_name(uint32_t vector)
{
  if (vector < T_EXCEPTIONS)
    return trap_names[vector];
  if (vector == T_SYSCALL)
    return "system call";
  if (vector >= T_LAPIC_TIMER && vector <= T_IPI_CALL)
    return "local APIC";
  return vector < T_IRQ0 + T_IRQS ? "IRQ" : "unknown";
}

const char *trap_pf_decode(uint32_t err, char *buf, unsigned size)
{
  fmt_snprintf(buf, size, "%s,%s,%s", err & PF_PRESENT ? "present" : "not-present",
               err & PF_WRITE ? "write" : "read", err & PF_USER ? "user" : "kernel");
  return buf;
}
