/*
 * mkimage.c - host tool: assembles the raw disk image.
 *
 *   mkimage OUT MBR LOADER KERNEL CONF PROGRAM...
 *
 * Sector 0: the MBR with its disk table (BOOT_TABLE_OFFSET) filled in.
 * Sectors LOADER_LBA..: the loader, at most LOADER_MAX_SECTORS.
 * Then the kernel ELF, then the program archive (init.conf from CONF and
 * each PROGRAM under its base name without extension). The image is padded
 * to whole cylinders of 16 heads x 63 sectors so emulators agree on its
 * geometry. Any part that does not fit its space stops the build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "boot/layout.h"
#include "boot/bootinfo.h"
#include "fs/archive.h"

#define CYLINDER_SECTORS (16 * 63)
#define MBR_SIZE 512

struct blob {
  unsigned char *data;
  size_t size;
};

/* Read a whole file or exit with a message. */
static struct blob mk_read(const char *path)
{
  struct blob b = { 0, 0 };
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "mkimage: cannot open %s\n", path);
    exit(1);
  }
  fseek(f, 0, SEEK_END);
  b.size = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  b.data = malloc(b.size ? b.size : 1);
  if (!b.data || fread(b.data, 1, b.size, f) != b.size) {
    fprintf(stderr, "mkimage: cannot read %s\n", path);
    exit(1);
  }
  fclose(f);
  return b;
}

/* Sectors needed for n bytes. */
static uint32_t mk_sectors(size_t n)
{
  return (uint32_t)((n + SECTOR_SIZE - 1) / SECTOR_SIZE);
}

/* The archive name of a program path: base name without extension. */
static void mk_name(const char *path, char *name)
{
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t n = strcspn(base, ".");
  if (n >= ARCHIVE_NAME_LEN) {
    fprintf(stderr, "mkimage: program name %.*s is longer than %d characters\n", (int)n, base,
            ARCHIVE_NAME_LEN - 1);
    exit(1);
  }
  memcpy(name, base, n);
  name[n] = 0;
}

int main(int argc, char **argv)
{
  if (argc < 6) {
    fprintf(stderr, "usage: mkimage OUT MBR LOADER KERNEL CONF PROGRAM...\n");
    return 2;
  }
  struct blob mbr = mk_read(argv[2]), loader = mk_read(argv[3]), kernel = mk_read(argv[4]);
  int files = argc - 5;
  if (mbr.size != MBR_SIZE) {
    fprintf(stderr, "mkimage: %s is %zu bytes, not one 512-byte sector\n", argv[2], mbr.size);
    return 1;
  }
  if (mk_sectors(loader.size) > LOADER_MAX_SECTORS) {
    fprintf(stderr, "mkimage: the loader (%zu bytes) outgrows its %d sectors (LOADER_MAX_SECTORS)\n",
            loader.size, LOADER_MAX_SECTORS);
    return 1;
  }
  if (files > ARCHIVE_MAX_FILES) {
    fprintf(stderr, "mkimage: %d files; the archive holds at most %d\n", files, ARCHIVE_MAX_FILES);
    return 1;
  }

  /* The archive: header, entries, then the files, each 16-byte aligned. */
  struct blob *fb = calloc((size_t)files, sizeof *fb);
  struct archive_entry *ents = calloc((size_t)files, sizeof *ents);
  size_t off = sizeof(struct archive_header) + (size_t)files * sizeof *ents;
  for (int i = 0; i < files; i++) {
    const char *path = argv[5 + i];
    fb[i] = mk_read(path);
    if (i == 0)
      strcpy(ents[i].name, "init.conf");
    else
      mk_name(path, ents[i].name);
    for (int j = 0; j < i; j++)
      if (strcmp(ents[j].name, ents[i].name) == 0) {
        fprintf(stderr, "mkimage: two files named %s\n", ents[i].name);
        return 1;
      }
    off = (off + 15) & ~(size_t)15;
    ents[i].offset = (uint32_t)off;
    ents[i].size = (uint32_t)fb[i].size;
    off += fb[i].size;
  }
  size_t arch_size = off;
  unsigned char *arch = calloc(1, arch_size);
  struct archive_header hdr;
  memcpy(hdr.magic, ARCHIVE_MAGIC, sizeof hdr.magic);
  hdr.count = (uint32_t)files;
  hdr.size = (uint32_t)arch_size;
  memcpy(arch, &hdr, sizeof hdr);
  memcpy(arch + sizeof hdr, ents, (size_t)files * sizeof *ents);
  for (int i = 0; i < files; i++)
    memcpy(arch + ents[i].offset, fb[i].data, fb[i].size);

  struct boot_table bt;
  bt.loader_lba = LOADER_LBA;
  bt.loader_sectors = LOADER_MAX_SECTORS;
  bt.kernel_lba = LOADER_LBA + LOADER_MAX_SECTORS;
  bt.kernel_sectors = mk_sectors(kernel.size);
  bt.fs_lba = bt.kernel_lba + bt.kernel_sectors;
  bt.fs_sectors = mk_sectors(arch_size);
  memcpy(mbr.data + BOOT_TABLE_OFFSET, &bt, sizeof bt);

  uint32_t total = bt.fs_lba + bt.fs_sectors;
  total = (total + CYLINDER_SECTORS - 1) / CYLINDER_SECTORS * CYLINDER_SECTORS;
  unsigned char *img = calloc(total, SECTOR_SIZE);
  memcpy(img, mbr.data, MBR_SIZE);
  memcpy(img + (size_t)bt.loader_lba * SECTOR_SIZE, loader.data, loader.size);
  memcpy(img + (size_t)bt.kernel_lba * SECTOR_SIZE, kernel.data, kernel.size);
  memcpy(img + (size_t)bt.fs_lba * SECTOR_SIZE, arch, arch_size);
  FILE *out = fopen(argv[1], "wb");
  if (!out || fwrite(img, SECTOR_SIZE, total, out) != total || fclose(out) != 0) {
    fprintf(stderr, "mkimage: cannot write %s\n", argv[1]);
    return 1;
  }
  printf("mkimage: %s: loader %u sectors, kernel %u sectors at %u, archive %d files %u sectors at %u, %u sectors\n",
         argv[1], LOADER_MAX_SECTORS, bt.kernel_sectors, bt.kernel_lba, files, bt.fs_sectors, bt.fs_lba, total);
  return 0;
}
