/*
 * cpus.h - finding and starting the other CPUs at boot (src/kernel/start/cpus.c).
 */
#ifndef START_CPUS_H
#define START_CPUS_H

/* Read the firmware's CPU list, enable the boot CPU's local APIC and start every other listed
 * CPU (boot CPU, after mm_init, with interrupts masked). */
void cpus_start(void);

#endif
