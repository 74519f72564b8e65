/*
 * ata_regs.h - primary IDE channel registers and bits, shared by the
 * loader (src/boot/loader.c) and the kernel's driver (src/kernel/dev/ata.c).
 */
#ifndef DEV_ATA_REGS_H
#define DEV_ATA_REGS_H

#define ATA_DATA      0x1F0
#define ATA_COUNT     0x1F2
#define ATA_LBA0      0x1F3
#define ATA_LBA1      0x1F4
#define ATA_LBA2      0x1F5
#define ATA_DRIVE     0x1F6
#define ATA_CMD       0x1F7
#define ATA_STATUS    0x1F7
#define ATA_CTRL      0x3F6
#define ATA_BSY       0x80
#define ATA_DF        0x20
#define ATA_DRQ       0x08
#define ATA_ERR       0x01
#define ATA_READ      0x20
#define ATA_NIEN      0x02
#define ATA_LBA_MODE  0xE0
#define ATA_WORDS     256

#endif
