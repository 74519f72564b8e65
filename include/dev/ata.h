/*
 * ata.h - the primary IDE disk, read by polled PIO (LBA28).
 */
#ifndef DEV_ATA_H
#define DEV_ATA_H
#include <stdint.h>

/* Read count sectors starting at lba into buf; 0 or -1 on a device error. */
int ata_read(uint32_t lba, uint32_t count, void *buf);

#endif
