/*
 * mm.h - the memory manager: set-up from the E820 map, accounting.
 */
#ifndef MM_MM_H
#define MM_MM_H
#include <stdint.h>
#include "boot/bootinfo.h"

/* The least RAM the kernel accepts: usable RAM must reach this address. QEMU -m 16 gives
 * 15.875 MiB (its BIOS keeps the top 128 KiB); mm_init and the self-tests share the bound. */
#define MM_RAM_MIN             (15u * 1024u * 1024u)
/* RAM at or above this address is left unused (the 32-bit PCI hole and everything past 4 GiB). */
#define MM_ADDR_LIMIT          0xF0000000u

/* Where mm_init put things (physical addresses), for the boot screen and the self-tests. */
struct mm_layout {
  uint32_t mem_top;            /* end of the highest usable RAM region used */
  uint32_t usable_bytes;       /* usable RAM reported by E820 below the address limit */
  uint64_t ignored_bytes;      /* usable RAM reported by E820 above it, left unused */
  uint32_t kernel_end;         /* end of the kernel image */
  uint32_t early_end;          /* end of the boot-time structures below the kernel pool */
  uint32_t refs_phys, refs_bytes;
  uint32_t kbitmap_phys, ubitmap_phys;
  uint32_t kpool_base, kpool_end;
  uint32_t upool_base, upool_end;
};

extern struct mm_layout mm_layout;
extern const struct bootinfo *mm_bootinfo;

/* Build the pools, the count array and the kernel page directory from the E820 map. */
void mm_init(const struct bootinfo *bi);
/* Print the E820 map and the pool layout. */
void mm_print_layout(void);

/* Non-zero when the frame at pa is RAM according to E820. */
int mm_frame_is_ram(uint32_t pa);

#endif
