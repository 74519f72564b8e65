/*
 * firmware.h - the multiprocessor description the BIOS leaves in memory:
 * the ACPI MADT (acpi.c) or, failing that, the MP configuration table
 * (mptable.c), both read into one struct fw_config.
 *
 * A table whose signature or checksum is wrong is reported on the boot
 * screen and ignored, never trusted.
 */
#ifndef FIRMWARE_FIRMWARE_H
#define FIRMWARE_FIRMWARE_H
#include <stdint.h>
#include "arch/percpu.h"

#define FW_OVERRIDES_MAX 16
#define BDA_EBDA_SEGMENT 0x40E      /* BIOS data area: the EBDA's real-mode segment */
#define BDA_BASE_KIB     0x413      /* BIOS data area: KiB of base memory */
#define EBDA_SEARCH_LEN  1024       /* both tables may sit in the EBDA's first KiB */
#define BIOS_ROM_START   0xE0000
#define BIOS_ROM_END     0x100000
#define FW_SEARCH_ALIGN  16

/* An ISA interrupt the firmware routes to another I/O APIC input. */
struct fw_override {
  uint8_t irq;
  uint32_t gsi;
  uint16_t flags;               /* ACPI MPS INTI flags: polarity bits 1-0, trigger bits 3-2 */
};

struct fw_config {
  const char *source;           /* "ACPI MADT", "MP table", or 0 when nothing usable was found */
  int ncpu;                     /* enabled processors kept, at most CPU_MAX */
  int ncpu_enabled;             /* enabled processors listed (may exceed CPU_MAX) */
  int ncpu_disabled;            /* listed but marked disabled (absent) */
  uint8_t apic_id[CPU_MAX];
  uint32_t lapic_pa;            /* local APIC registers, physical */
  int nioapic;
  uint8_t ioapic_id;            /* the first I/O APIC */
  uint32_t ioapic_pa, ioapic_gsi_base;
  int noverride;
  struct fw_override override[FW_OVERRIDES_MAX];
  int pcat_compat;              /* ACPI: dual 8259s present */
  int bad_tables;               /* tables rejected for a bad signature, length or checksum */
};

/* What the firmware said at boot (source 0 when nothing usable was found; start/cpus.c). */
extern struct fw_config fw_config;

/* Fill cfg from the ACPI RSDP -> RSDT -> MADT chain; 0 on success, -1 when absent or invalid. */
int acpi_read_madt(struct fw_config *cfg);
/* Fill cfg from the MP floating pointer and its configuration table; 0 on success, -1 otherwise. */
int mptable_read(struct fw_config *cfg);
/* Sum of n bytes (a valid table sums to 0). */
uint8_t fw_checksum(const void *p, uint32_t n);
/* Search [pa, pa + len) below 1 MiB on 16-byte boundaries for the signature sig (siglen bytes)
 * whose first sumlen bytes sum to 0; returns its physical address or 0. A match with a bad
 * checksum is reported and skipped. */
uint32_t fw_search(struct fw_config *cfg, uint32_t pa, uint32_t len, const char *sig, uint32_t siglen,
                   uint32_t sumlen);
/* Report a table that failed a check (why, with the value seen) and count it in cfg->bad_tables. */
void fw_reject(struct fw_config *cfg, const char *what, uint32_t pa, const char *why, uint32_t value);
/* Record one enabled processor with the given APIC ID in cfg. */
void fw_add_cpu(struct fw_config *cfg, uint8_t apic_id);

#endif
