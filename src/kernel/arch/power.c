/*
 * power.c - ends a run: QEMU's isa-debug-exit device and Bochs' shutdown port.
 */
#include "arch/power.h"
#include "arch/x86.h"
#include "arch/serial.h"

#define DEBUG_EXIT_PORT     0xF4
#define BOCHS_SHUTDOWN_PORT 0x8900

void power_off(int code)
{
  const char *msg = "Shutdown";
  cli();
  serial_flush();
  outl(DEBUG_EXIT_PORT, (uint32_t)code);
  for (const char *p = msg; *p; p++)
    outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*p);
  for (;;)
    hlt();
}
