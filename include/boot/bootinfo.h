/*
 * bootinfo.h - what the loader hands the kernel at BOOTINFO_PHYS.
 *
 * Offsets are fixed: the real-mode part of the loader (NASM) writes the
 * E820 map at BOOTINFO_E820_OFFSET and its count at BOOTINFO_COUNT_OFFSET.
 */
#ifndef BOOT_BOOTINFO_H
#define BOOT_BOOTINFO_H

#define BOOTINFO_MAGIC        0xC0DEB007
#define BOOTINFO_COUNT_OFFSET 4
#define BOOTINFO_E820_OFFSET  32
#define E820_MAX              32
#define E820_ENTRY_SIZE       24
#define E820_USABLE           1
#define E820_ACPI             3

/* Disk table inside the MBR (at BOOT_TABLE_OFFSET), patched by mkimage. */
#define BOOTTAB_LOADER_LBA    0
#define BOOTTAB_LOADER_SECTORS 4
#define BOOTTAB_KERNEL_LBA    8
#define BOOTTAB_KERNEL_SECTORS 12
#define BOOTTAB_FS_LBA        16
#define BOOTTAB_FS_SECTORS    20

#ifndef __ASSEMBLER__
#include <stdint.h>

struct e820_entry {
  uint64_t base;
  uint64_t length;
  uint32_t type;
  uint32_t acpi;
} __attribute__((packed));

struct bootinfo {
  uint32_t magic;
  uint32_t e820_count;
  uint32_t fs_lba;
  uint32_t fs_sectors;
  uint32_t kernel_lba;
  uint32_t kernel_sectors;
  uint32_t kernel_phys_end;   /* first byte after the loaded kernel image */
  uint32_t reserved;
  struct e820_entry e820[E820_MAX];
} __attribute__((packed));

struct boot_table {
  uint32_t loader_lba;
  uint32_t loader_sectors;
  uint32_t kernel_lba;
  uint32_t kernel_sectors;
  uint32_t fs_lba;
  uint32_t fs_sectors;
} __attribute__((packed));
#endif

#endif
