/*
 * archive.c - the program archive, read once at boot and kept in kernel memory.
 */
#include "fs/archive.h"
#include "dev/ata.h"
#include "mm/kheap.h"
#include "arch/printk.h"
#include "lib/string.h"
#include "boot/layout.h"

static uint8_t *archive_data;
static const struct archive_header *archive_hdr;
static const struct archive_entry *archive_entries;

void archive_init(uint32_t lba, uint32_t sectors)
{
  if (sectors == 0)
    panic("archive: the disk image has no program archive");
  archive_data = kmalloc(sectors * SECTOR_SIZE);
  if (!archive_data)
    panic("archive: %u KiB does not fit in kernel memory", sectors / 2);
  if (ata_read(lba, sectors, archive_data) < 0)
    panic("archive: disk read error at sector %u", lba);
  archive_hdr = (const struct archive_header *)archive_data;
  archive_entries = (const struct archive_entry *)(archive_hdr + 1);
  if (memcmp(archive_hdr->magic, ARCHIVE_MAGIC, sizeof archive_hdr->magic) != 0 ||
      archive_hdr->count > ARCHIVE_MAX_FILES || archive_hdr->size > sectors * SECTOR_SIZE)
    panic("archive: bad header at sector %u", lba);
  for (uint32_t i = 0; i < archive_hdr->count; i++) {
    const struct archive_entry *e = &archive_entries[i];
    if (e->offset > archive_hdr->size || e->size > archive_hdr->size - e->offset)
      panic("archive: entry %u runs past the archive", i);
  }
}

const uint8_t *archive_find(const char *name, uint32_t *size)
{
  while (*name == '/')
    name++;
  for (uint32_t i = 0; archive_hdr && i < archive_hdr->count; i++) {
    const struct archive_entry *e = &archive_entries[i];
    if (strncmp(e->name, name, ARCHIVE_NAME_LEN) == 0 && strlen(name) < ARCHIVE_NAME_LEN) {
      *size = e->size;
      return archive_data + e->offset;
    }
  }
  return 0;
}

const struct archive_entry *archive_entry_at(uint32_t i)
{
  return archive_hdr && i < archive_hdr->count ? &archive_entries[i] : 0;
}
