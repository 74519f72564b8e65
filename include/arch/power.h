/*
 * power.h - stopping the machine and telling the host how the run ended.
 */
#ifndef ARCH_POWER_H
#define ARCH_POWER_H

/* Values written to QEMU's isa-debug-exit port; QEMU exits with (v << 1) | 1. */
#define POWER_PASS   0x10   /* exit code 33 */
#define POWER_FAIL   0x11   /* exit code 35 */
#define POWER_PANIC  0x12   /* exit code 37 */

/* Report code to the emulator (QEMU isa-debug-exit, Bochs shutdown port) and halt for good. */
void power_off(int code) __attribute__((noreturn));

#endif
