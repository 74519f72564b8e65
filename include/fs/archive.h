/*
 * archive.h - the program archive packed into the disk image by mkimage.
 *
 * Layout at its first sector: struct archive_header, then count entries of
 * struct archive_entry; file offsets are relative to the archive's start.
 */
#ifndef FS_ARCHIVE_H
#define FS_ARCHIVE_H
#include <stdint.h>

#define ARCHIVE_MAGIC     "COWARCH1"
#define ARCHIVE_NAME_LEN  24
#define ARCHIVE_MAX_FILES 128

struct archive_header {
  char magic[8];
  uint32_t count;
  uint32_t size;          /* bytes in the whole archive */
};

struct archive_entry {
  char name[ARCHIVE_NAME_LEN];
  uint32_t offset;
  uint32_t size;
};

/* Read the archive from the disk into kernel memory; panics with a reason when it is unusable. */
void archive_init(uint32_t lba, uint32_t sectors);
/* The file called name (a leading '/' is ignored); its bytes and size, or 0. */
const uint8_t *archive_find(const char *name, uint32_t *size);
/* The i-th entry, or 0 past the end. */
const struct archive_entry *archive_entry_at(uint32_t i);

#endif
