/*
 * acpi.c - the ACPI tables that describe the processors: RSDP -> RSDT ->
 * MADT ("APIC"). Only 32-bit pointers (the RSDT) are followed.
 *
 * The RSDP lies below 1 MiB (EBDA or BIOS ROM area); the RSDT and MADT
 * usually lie at the top of RAM, outside the direct map: each is mapped
 * for as long as it is read, then unmapped (kmap_phys / kunmap_phys).
 */
#include "firmware/firmware.h"
#include "mm/kmap.h"
#include "mm/vm.h"
#include "lib/string.h"
#include "arch/printk.h"

#define RSDP_SIG          "RSD PTR "
#define RSDP_SIG_LEN      8
#define RSDP_V1_LEN       20        /* the ACPI 1.0 part, covered by the first checksum */
#define RSDP_OFF_REVISION 15
#define RSDP_OFF_RSDT     16
#define RSDP_OFF_LENGTH   20
#define RSDP_REV_V2       2
#define RSDP_V2_MAX_LEN   64
#define SDT_HEADER_LEN    36
#define SDT_OFF_LENGTH    4
#define SDT_SIG_LEN       4
#define SDT_MAX_LEN       0x10000   /* a longer table is treated as corrupt */
#define MADT_OFF_LAPIC    0x24
#define MADT_OFF_FLAGS    0x28
#define MADT_OFF_ENTRIES  0x2C
#define MADT_PCAT_COMPAT  0x1
#define MADT_LAPIC        0
#define MADT_IOAPIC       1
#define MADT_OVERRIDE     2
#define MADT_LAPIC_ADDR   5
#define MADT_CPU_ENABLED  0x1
#define ISA_BUS           0
#define RSDT_ENTRY_LEN    4         /* the RSDT holds 32-bit table addresses */
#define MADT_RECORD_HEAD  2         /* type and length */

/* MADT records (ACPI 5.2.12), each starting with type and length. */
struct madt_lapic {
  uint8_t type, len, acpi_id, apic_id;
  uint32_t flags;               /* bit 0: enabled */
} __attribute__((packed));

struct madt_ioapic {
  uint8_t type, len, ioapic_id, reserved;
  uint32_t address, gsi_base;
} __attribute__((packed));

struct madt_override {
  uint8_t type, len, bus, irq;
  uint32_t gsi;
  uint16_t flags;
} __attribute__((packed));

struct madt_lapic_addr {
  uint8_t type, len;
  uint16_t reserved;
  uint32_t address_lo, address_hi;
} __attribute__((packed));

_Static_assert(sizeof(struct madt_lapic) == 8 && sizeof(struct madt_ioapic) == 12 &&
                   sizeof(struct madt_override) == 10 && sizeof(struct madt_lapic_addr) == 12,
               "MADT record layouts");

/* A little-endian 32-bit load from a table (no alignment assumed). */
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, sizeof v); return v; }

/* The RSDP's physical address: first KiB of the EBDA, then the BIOS area; 0 when absent. */
static uint32_t acpi_find_rsdp(struct fw_config *cfg)
{
  uint32_t ebda = (uint32_t)*(const uint16_t *)P2V(BDA_EBDA_SEGMENT) << 4;
  uint32_t pa = fw_search(cfg, ebda, EBDA_SEARCH_LEN, RSDP_SIG, RSDP_SIG_LEN, RSDP_V1_LEN);
  if (!pa)
    pa = fw_search(cfg, BIOS_ROM_START, BIOS_ROM_END - BIOS_ROM_START, RSDP_SIG, RSDP_SIG_LEN, RSDP_V1_LEN);
  return pa;
}

/* The RSDT address from a valid RSDP at pa; 0 (reported) when its ACPI 2.0 checksum is bad. */
static uint32_t acpi_rsdt_from_rsdp(struct fw_config *cfg, uint32_t pa)
{
  const uint8_t *r = kmap_phys(pa, RSDP_V2_MAX_LEN, 0);
  uint32_t rsdt = 0;
  if (!r)
    return 0;
  uint8_t rev = r[RSDP_OFF_REVISION];
  uint32_t len = rd32(r + RSDP_OFF_LENGTH);
  if (rev >= RSDP_REV_V2 && (len < RSDP_V1_LEN || len > RSDP_V2_MAX_LEN))
    fw_reject(cfg, "RSD PTR", pa, "length", len);
  else if (rev >= RSDP_REV_V2 && fw_checksum(r, len) != 0)
    fw_reject(cfg, "RSD PTR", pa, "extended checksum", fw_checksum(r, len));
  else
    rsdt = rd32(r + RSDP_OFF_RSDT);
  kunmap_phys((void *)r, RSDP_V2_MAX_LEN);
  kprintf("[smp] ACPI RSDP at 0x%08x, revision %u, RSDT at 0x%08x\n", pa, rev, rsdt);
  return rsdt;
}

/* Map the system description table at pa whose signature is sig; checks its length and
 * checksum. Returns the mapping (length in *len) or 0, reporting a bad table. */
static const uint8_t *acpi_map_table(struct fw_config *cfg, uint32_t pa, const char *sig, uint32_t *len)
{
  const uint8_t *h = kmap_phys(pa, SDT_HEADER_LEN, 0);
  if (!h)
    return 0;
  int match = memcmp(h, sig, SDT_SIG_LEN) == 0;
  uint32_t n = rd32(h + SDT_OFF_LENGTH);
  kunmap_phys((void *)h, SDT_HEADER_LEN);
  if (!match)
    return 0;
  if (n < SDT_HEADER_LEN || n > SDT_MAX_LEN) {
    fw_reject(cfg, sig, pa, "length", n);
    return 0;
  }
  const uint8_t *t = kmap_phys(pa, n, 0);
  if (!t)
    return 0;
  uint8_t sum = fw_checksum(t, n);
  if (sum != 0) {
    kunmap_phys((void *)t, n);
    fw_reject(cfg, sig, pa, "checksum", sum);
    return 0;
  }
  *len = n;
  return t;
}

/* Read the MADT's records into cfg; -1 (reported) when a record runs past the table. */
static int acpi_parse_madt(struct fw_config *cfg, uint32_t pa, const uint8_t *m, uint32_t len)
{
  cfg->lapic_pa = rd32(m + MADT_OFF_LAPIC);
  cfg->pcat_compat = (rd32(m + MADT_OFF_FLAGS) & MADT_PCAT_COMPAT) != 0;
  for (uint32_t off = MADT_OFF_ENTRIES; off < len;) {
    const uint8_t *e = m + off;
    uint8_t type = e[0], elen = off + 1 < len ? e[1] : 0;
    if (elen < MADT_RECORD_HEAD || off + elen > len) {
      fw_reject(cfg, "APIC", pa, "record length at offset", off);
      return -1;
    }
    if (type == MADT_LAPIC && elen >= sizeof(struct madt_lapic)) {
      struct madt_lapic r;
      memcpy(&r, e, sizeof r);
      if (r.flags & MADT_CPU_ENABLED)
        fw_add_cpu(cfg, r.apic_id);
      else
        cfg->ncpu_disabled++;
    } else if (type == MADT_IOAPIC && elen >= sizeof(struct madt_ioapic)) {
      struct madt_ioapic r;
      memcpy(&r, e, sizeof r);
      if (cfg->nioapic++ == 0) {
        cfg->ioapic_id = r.ioapic_id;
        cfg->ioapic_pa = r.address;
        cfg->ioapic_gsi_base = r.gsi_base;
      }
    } else if (type == MADT_OVERRIDE && elen >= sizeof(struct madt_override)) {
      struct madt_override r;
      memcpy(&r, e, sizeof r);
      if (r.bus == ISA_BUS && cfg->noverride < FW_OVERRIDES_MAX)
        cfg->override[cfg->noverride++] = (struct fw_override){ r.irq, r.gsi, r.flags };
    } else if (type == MADT_LAPIC_ADDR && elen >= sizeof(struct madt_lapic_addr)) {
      struct madt_lapic_addr r;
      memcpy(&r, e, sizeof r);
      if (r.address_hi == 0)
        cfg->lapic_pa = r.address_lo;   /* a 64-bit override, usable only below 4 GiB */
    }
    off += elen;
  }
  return 0;
}

int acpi_read_madt(struct fw_config *cfg)
{
  uint32_t rsdp = acpi_find_rsdp(cfg);
  uint32_t rsdt_pa = rsdp ? acpi_rsdt_from_rsdp(cfg, rsdp) : 0;
  uint32_t rsdt_len, madt_len;
  int found = -1;
  if (!rsdt_pa)
    return -1;
  const uint8_t *rsdt = acpi_map_table(cfg, rsdt_pa, "RSDT", &rsdt_len);
  if (!rsdt) {
    kprintf("[smp] ACPI: no valid RSDT at 0x%08x\n", rsdt_pa);
    return -1;
  }
  for (uint32_t off = SDT_HEADER_LEN; off + RSDT_ENTRY_LEN <= rsdt_len && found < 0; off += RSDT_ENTRY_LEN) {
    uint32_t pa = rd32(rsdt + off);
    const uint8_t *madt = acpi_map_table(cfg, pa, "APIC", &madt_len);
    if (!madt)
      continue;
    kprintf("[smp] ACPI MADT at 0x%08x, %u bytes\n", pa, madt_len);
    struct fw_config tmp = *cfg;
    if (acpi_parse_madt(&tmp, pa, madt, madt_len) == 0) {
      *cfg = tmp;
      cfg->source = "ACPI MADT";
      found = 0;
    } else {
      cfg->bad_tables = tmp.bad_tables;
    }
    kunmap_phys((void *)madt, madt_len);
  }
  kunmap_phys((void *)rsdt, rsdt_len);
  return found;
}
