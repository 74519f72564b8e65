/*
 * mm_init.c - lays out physical memory from the E820 map.
 *
 * Physical layout after boot:
 *   [KERNEL_PHYS, kernel_end)    kernel image
 *   [kernel_end, early_end)      pool bitmaps, the reference-count array,
 *                                kernel page directory and kernel page tables
 *   [early_end, kpool_end)       kernel pool (direct-mapped at KERNEL_BASE)
 *   [kpool_end, mem_top)         user pool (not mapped in the kernel half)
 */
#include "mm/mm.h"
#include "mm/pool.h"
#include "mm/zeropage.h"
#include "mm/pageref.h"
#include "mm/kheap.h"
#include "mm/vm.h"
#include "arch/printk.h"
#include "lib/string.h"
#include "lib/fmt.h"

#define MIB               (1024u * 1024u)
#define KPOOL_SHARE       4            /* the kernel pool ends at a quarter of RAM ... */
#define KPOOL_END_MIN     (6 * MIB)    /* ... but not below 6 MiB ... */
#define KPOOL_END_MAX     (32 * MIB)   /* ... nor above 32 MiB */
#define E820_TYPE_BAD     5            /* the last type with a name (E820 "bad memory") */
#define ADDR_4GIB         (1ull << 32)
#define HEX64_LEN         20           /* "0x" and up to 16 digits and a NUL */

struct mm_layout mm_layout;
const struct bootinfo *mm_bootinfo;
static uint32_t early_next;

/* Bump-allocate zeroed, page-aligned memory right after the kernel (boot-mapped). */
static void *early_alloc(uint32_t bytes)
{
  uint32_t pa = early_next;
  early_next = PG_ROUND_UP(early_next + bytes);
  if (early_next > BOOT_MAP_SIZE)
    panic("mm: boot structures outgrow the %u MiB the loader maps", BOOT_MAP_SIZE / MIB);
  memset(P2V(pa), 0, early_next - pa);
  return P2V(pa);
}

/* Non-zero when the whole frame at pa lies in a usable E820 region. */
static int mm_frame_usable(const struct bootinfo *bi, uint32_t pa)
{
  int usable = 0;
  for (uint32_t i = 0; i < bi->e820_count; i++) {
    const struct e820_entry *e = &bi->e820[i];
    uint64_t end = e->base + e->length;
    if (pa + (uint64_t)PGSIZE <= e->base || pa >= end)
      continue;
    if (e->type != E820_USABLE)
      return 0;                     /* overlapping reserved regions win */
    if (e->base <= pa && pa + (uint64_t)PGSIZE <= end)
      usable = 1;
  }
  return usable;
}

/* End of the highest usable RAM below MM_ADDR_LIMIT in a region that starts at or above 1 MiB;
 * *usable gets the usable bytes below MM_ADDR_LIMIT (what the pools can hold), *ignored the
 * usable bytes at or above it (beyond what 32-bit paging without PAE can address). */
static uint32_t mm_find_top(const struct bootinfo *bi, uint32_t *usable, uint64_t *ignored)
{
  uint64_t top = 0;
  *usable = 0;
  *ignored = 0;
  for (uint32_t i = 0; i < bi->e820_count; i++) {
    const struct e820_entry *e = &bi->e820[i];
    if (e->type != E820_USABLE)
      continue;
    uint64_t base = e->base, end = e->base + e->length;
    if (end > MM_ADDR_LIMIT) {
      *ignored += end - (base > MM_ADDR_LIMIT ? base : MM_ADDR_LIMIT);
      if (base >= MM_ADDR_LIMIT)
        continue;                   /* wholly above the limit: none of it is used */
      end = MM_ADDR_LIMIT;
    }
    *usable += (uint32_t)(end - base);
    if (base >= KERNEL_PHYS && end > top)
      top = end;
  }
  return (uint32_t)top & ~(uint32_t)(PGSIZE - 1);
}

/* Fill p with the usable frames of [base, end). */
static void mm_fill_pool(struct pool *p, const struct bootinfo *bi, uint32_t base, uint32_t end)
{
  for (uint32_t pa = base; pa < end; pa += PGSIZE)
    if (mm_frame_usable(bi, pa))
      pool_add_frame(p, pa);
}

void mm_init(const struct bootinfo *bi)
{
  struct mm_layout *l = &mm_layout;
  mm_bootinfo = bi;
  l->mem_top = mm_find_top(bi, &l->usable_bytes, &l->ignored_bytes);
  if (l->mem_top < MM_RAM_MIN)
    panic("mm: usable RAM ends at %u KiB; the kernel needs RAM up to at least %u KiB (QEMU -m 16)",
          l->mem_top / 1024, MM_RAM_MIN / 1024);
  l->kernel_end = bi->kernel_phys_end;
  early_next = PG_ROUND_UP(l->kernel_end);

  uint32_t kpool_end = l->mem_top / KPOOL_SHARE;
  if (kpool_end < KPOOL_END_MIN)
    kpool_end = KPOOL_END_MIN;
  if (kpool_end > KPOOL_END_MAX)
    kpool_end = KPOOL_END_MAX;
  kpool_end = PG_ROUND_DOWN(kpool_end);
  uint32_t ufr = (l->mem_top - kpool_end) / PGSIZE;
  uint32_t kfr_max = kpool_end / PGSIZE;

  /* Boot-time structures. */
  uint32_t *ubitmap = early_alloc((ufr + 31) / 32 * 4);
  uint32_t *kbitmap = early_alloc((kfr_max + 31) / 32 * 4);
  uint32_t *kvbitmap = early_alloc(KVPOOL_SIZE / PGSIZE / 8);
  uint16_t *refs = early_alloc(ufr * sizeof(uint16_t));
  pde_t *pd = early_alloc(PGSIZE);
  uint32_t direct_pts = (kpool_end + PT_ENTRIES * PGSIZE - 1) / (PT_ENTRIES * PGSIZE);
  for (uint32_t i = 0; i < direct_pts; i++) {
    pte_t *pt = early_alloc(PGSIZE);
    for (uint32_t j = 0; j < PT_ENTRIES; j++)
      pt[j] = ((i * PT_ENTRIES + j) * PGSIZE) | PTE_P | PTE_W;
    pd[PDX(KERNEL_BASE) + i] = V2P(pt) | PTE_P | PTE_W;
  }
  for (uint32_t va = KVPOOL_BASE; va < KVPOOL_BASE + KVPOOL_SIZE; va += PT_ENTRIES * PGSIZE)
    pd[PDX(va)] = V2P(early_alloc(PGSIZE)) | PTE_P | PTE_W;
  pte_t *scratch_pt = early_alloc(PGSIZE);
  pd[PDX(SCRATCH_VA)] = V2P(scratch_pt) | PTE_P | PTE_W;
  pd[RECURSIVE_PDE] = V2P(pd) | PTE_P | PTE_W;

  l->early_end = early_next;
  l->refs_phys = V2P(refs);
  l->refs_bytes = ufr * sizeof(uint16_t);
  l->kbitmap_phys = V2P(kbitmap);
  l->ubitmap_phys = V2P(ubitmap);
  l->kpool_base = l->early_end;
  l->kpool_end = kpool_end;
  l->upool_base = kpool_end;
  l->upool_end = l->mem_top;
  if (l->kpool_base + 64 * PGSIZE > kpool_end)
    panic("mm: no room left for the kernel pool");

  vm_init(pd, scratch_pt);
  pool_init(&pool_kernel, "kernel", l->kpool_base, (kpool_end - l->kpool_base) / PGSIZE, kbitmap);
  mm_fill_pool(&pool_kernel, bi, l->kpool_base, kpool_end);
  pool_init(&pool_user, "user", l->upool_base, ufr, ubitmap);
  mm_fill_pool(&pool_user, bi, l->upool_base, l->upool_end);
  pool_use_stocks(&pool_user);
  page_ref_init(refs);
  kvpool_init(kvbitmap);
  zero_page_init();
}

int mm_frame_is_ram(uint32_t pa)
{
  return mm_frame_usable(mm_bootinfo, pa);
}

/* A physical address in hex into buf: eight digits below 4 GiB, all of them above. */
static const char *mm_hex64(char *buf, uint64_t v)
{
  uint32_t hi = (uint32_t)(v >> 32), lo = (uint32_t)v;
  if (hi)
    fmt_snprintf(buf, HEX64_LEN, "0x%x%08x", hi, lo);
  else
    fmt_snprintf(buf, HEX64_LEN, "0x%08x", lo);
  return buf;
}

/* One line of the E820 map: the region's full 64-bit range and type, and for usable RAM the part
 * the pools leave out (at or above MM_ADDR_LIMIT: 32-bit paging without PAE cannot reach it). */
static void mm_print_e820(const struct e820_entry *e)
{
  static const char *const types[] = { "?", "usable", "reserved", "ACPI data", "ACPI NVS", "bad" };
  char first[HEX64_LEN], last[HEX64_LEN];
  uint64_t end = e->base + e->length;    /* exclusive */
  const char *type = e->type <= E820_TYPE_BAD ? types[e->type] : "?";
  const char *note = "";
  if (e->length == 0)
    note = " (empty)";
  else if (e->type == E820_USABLE && e->base >= ADDR_4GIB)
    note = ", above 4 GiB: not used";
  else if (e->type == E820_USABLE && e->base >= MM_ADDR_LIMIT)
    note = ", above the kernel's address limit: not used";
  else if (e->type == E820_USABLE && end > MM_ADDR_LIMIT)
    note = ", only the part below the kernel's address limit used";
  kprintf("[mm]   %s-%s %s%s\n", mm_hex64(first, e->base), mm_hex64(last, e->length ? end - 1 : e->base), type,
          note);
}

void mm_print_layout(void)
{
  const struct bootinfo *bi = mm_bootinfo;
  const struct mm_layout *l = &mm_layout;
  kprintf("[mm] BIOS E820 memory map (%u entries):\n", bi->e820_count);
  for (uint32_t i = 0; i < bi->e820_count; i++)
    mm_print_e820(&bi->e820[i]);
  kprintf("[mm] usable RAM %u KiB; kernel image 0x%08x-0x%08x\n", l->usable_bytes / 1024, KERNEL_PHYS,
          l->kernel_end);
  if (l->ignored_bytes)
    kprintf("[mm] %u MiB of RAM at or above 0x%08x ignored: 32-bit paging without PAE cannot reach it\n",
            (uint32_t)(l->ignored_bytes / MIB), MM_ADDR_LIMIT);
  kprintf("[mm] kernel pool 0x%08x-0x%08x  %u frames\n", l->kpool_base, l->kpool_end, pool_kernel.total);
  kprintf("[mm] user pool   0x%08x-0x%08x  %u frames\n", l->upool_base, l->upool_end, pool_user.total);
  kprintf("[mm] refcount array 0x%08x (%u bytes); scratch page 0x%08x\n", l->refs_phys, l->refs_bytes,
          SCRATCH_VA);
  kprintf("[mm] kernel heap 0x%08x; page tables via the recursive slot at 0x%08x\n", KVPOOL_BASE,
          RECURSIVE_PT_BASE);
}
