/*
 * ata.c - polled PIO reads from the primary master disk.
 */
#include "dev/ata.h"
#include "dev/ata_regs.h"
#include "arch/x86.h"


/* Wait for BSY to clear and DRQ to rise; -1 on error. */
static int ata_wait_drq(void)
{
  for (;;) {
    uint8_t st = inb(ATA_STATUS);
    if (st & (ATA_ERR | ATA_DF))
      return -1;
    if (!(st & ATA_BSY) && (st & ATA_DRQ))
      return 0;
  }
}

int ata_read(uint32_t lba, uint32_t count, void *buf)
{
  uint16_t *w = buf;
  outb(ATA_CTRL, ATA_NIEN);
  for (uint32_t s = 0; s < count; s++, lba++) {
    while (inb(ATA_STATUS) & ATA_BSY)
      ;
    outb(ATA_DRIVE, (uint8_t)(ATA_LBA_MODE | ((lba >> 24) & 0x0F)));
    outb(ATA_COUNT, 1);
    outb(ATA_LBA0, (uint8_t)lba);
    outb(ATA_LBA1, (uint8_t)(lba >> 8));
    outb(ATA_LBA2, (uint8_t)(lba >> 16));
    outb(ATA_CMD, ATA_READ);
    if (ata_wait_drq() < 0)
      return -1;
    for (int i = 0; i < ATA_WORDS; i++)
      *w++ = inw(ATA_DATA);
  }
  return 0;
}
