/*
 * loader.c - second stage, protected-mode half.
 *
 * Reads the kernel ELF from the disk by ATA PIO (the disk table in the MBR
 * says where it starts), loads every PT_LOAD segment at its physical
 * address by the program headers, builds the boot page directory (identity
 * and higher-half map of the first BOOT_MAP_SIZE bytes, plus the recursive
 * slot) and enters the kernel.
 */
#include <stdint.h>
#include "arch/x86.h"
#include "boot/layout.h"
#include "dev/ata_regs.h"
#include "boot/bootinfo.h"
#include "lib/elf.h"

#define COM1          0x3F8
#define VGA_TEXT      0xB8000
#define PTE_PW        0x3
#define ENTRIES       1024

void loader_enter_kernel(uint32_t pd, uint32_t entry, uint32_t bootinfo);

static uint8_t loader_sector[SECTOR_SIZE];
static uint32_t loader_vga_pos;

/* Print a message on serial (raw, 8N1 set by the kernel later) and VGA, then halt. */
static void loader_fail(const char *msg)
{
  outb(COM1 + 3, 0x03);
  for (const char *p = msg; *p; p++) {
    while (!(inb(COM1 + 5) & 0x20)) {
    }
    outb(COM1, (uint8_t)*p);
    ((volatile uint16_t *)VGA_TEXT)[loader_vga_pos++] = (uint16_t)(0x4F00 | (uint8_t)*p);
  }
  for (;;) {
    cli();
    hlt();
  }
}

/* Read one sector at lba into loader_sector by polled ATA PIO (primary master, LBA28). */
static void loader_read_sector(uint32_t lba)
{
  while (inb(ATA_STATUS) & ATA_BSY) {
  }
  outb(ATA_DRIVE, (uint8_t)(ATA_LBA_MODE | ((lba >> 24) & 0x0F)));
  outb(ATA_COUNT, 1);
  outb(ATA_LBA0, (uint8_t)lba);
  outb(ATA_LBA1, (uint8_t)(lba >> 8));
  outb(ATA_LBA2, (uint8_t)(lba >> 16));
  outb(ATA_CMD, ATA_READ);
  for (;;) {
    uint8_t st = inb(ATA_STATUS);
    if (st & ATA_ERR)
      loader_fail("loader: disk read error\r\n");
    if (!(st & ATA_BSY) && (st & ATA_DRQ))
      break;
  }
  uint16_t *w = (uint16_t *)loader_sector;
  for (int i = 0; i < SECTOR_SIZE / 2; i++)
    w[i] = inw(ATA_DATA);
}

/* Copy len bytes starting at byte offset off of the kernel file to dst. */
static void loader_read(uint32_t kernel_lba, uint32_t off, uint8_t *dst, uint32_t len)
{
  while (len > 0) {
    uint32_t in = off % SECTOR_SIZE;
    uint32_t n = SECTOR_SIZE - in;
    if (n > len)
      n = len;
    loader_read_sector(kernel_lba + off / SECTOR_SIZE);
    for (uint32_t i = 0; i < n; i++)
      dst[i] = loader_sector[in + i];
    dst += n;
    off += n;
    len -= n;
  }
}

/* Load the kernel, map it and jump; never returns. */
void loader_main(struct bootinfo *bi)
{
  const struct boot_table *bt = (const struct boot_table *)(MBR_PHYS + BOOT_TABLE_OFFSET);
  struct elf32_ehdr eh;
  uint32_t end = KERNEL_PHYS;

  loader_read(bt->kernel_lba, 0, (uint8_t *)&eh, sizeof eh);
  if (eh.e_ident[0] != 0x7F || eh.e_ident[1] != 'E' || eh.e_ident[2] != 'L' || eh.e_ident[3] != 'F' ||
      eh.e_machine != ELF_MACHINE_386 || eh.e_phentsize != sizeof(struct elf32_phdr))
    loader_fail("loader: kernel is not an i386 ELF\r\n");
  for (uint32_t i = 0; i < eh.e_phnum; i++) {
    struct elf32_phdr ph;
    loader_read(bt->kernel_lba, eh.e_phoff + i * sizeof ph, (uint8_t *)&ph, sizeof ph);
    if (ph.p_type != ELF_PT_LOAD)
      continue;
    if (ph.p_paddr < KERNEL_PHYS || ph.p_paddr + ph.p_memsz > KERNEL_IMAGE_LIMIT ||
        ph.p_offset + ph.p_filesz > bt->kernel_sectors * SECTOR_SIZE)
      loader_fail("loader: kernel segment outside the loadable range\r\n");
    loader_read(bt->kernel_lba, ph.p_offset, (uint8_t *)ph.p_paddr, ph.p_filesz);
    for (uint32_t b = ph.p_filesz; b < ph.p_memsz; b++)
      ((uint8_t *)ph.p_paddr)[b] = 0;
    if (ph.p_paddr + ph.p_memsz > end)
      end = ph.p_paddr + ph.p_memsz;
  }

  bi->magic = BOOTINFO_MAGIC;
  bi->fs_lba = bt->fs_lba;
  bi->fs_sectors = bt->fs_sectors;
  bi->kernel_lba = bt->kernel_lba;
  bi->kernel_sectors = bt->kernel_sectors;
  bi->kernel_phys_end = end;

  uint32_t *pd = (uint32_t *)BOOT_PD_PHYS;
  uint32_t *pt = (uint32_t *)BOOT_PT0_PHYS;
  for (uint32_t i = 0; i < ENTRIES; i++)
    pd[i] = 0;
  for (uint32_t i = 0; i < 2 * ENTRIES; i++)
    pt[i] = (i * PGSIZE) | PTE_PW;
  pd[0] = BOOT_PT0_PHYS | PTE_PW;
  pd[KERNEL_BASE >> 22] = BOOT_PT0_PHYS | PTE_PW;
  pd[(KERNEL_BASE >> 22) + 1] = BOOT_PT1_PHYS | PTE_PW;
  pd[RECURSIVE_PDE] = BOOT_PD_PHYS | PTE_PW;
  loader_enter_kernel(BOOT_PD_PHYS, eh.e_entry, BOOTINFO_PHYS);
}
