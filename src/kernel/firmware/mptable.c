/*
 * mptable.c - the Intel MultiProcessor Specification tables, read when the
 * firmware offers no usable ACPI MADT: the floating pointer "_MP_" and the
 * configuration table "PCMP" it points at.
 */
#include "firmware/firmware.h"
#include "mm/kmap.h"
#include "mm/vm.h"
#include "lib/string.h"
#include "arch/printk.h"

#define MPF_SIG           "_MP_"
#define MP_SIG_LEN        4
#define MPF_LEN           16
#define MPF_OFF_CONFIG    4
#define MPF_OFF_FEATURE1  11        /* non-zero: a default configuration, no table */
#define MP_ROM_START      0xF0000
#define MPC_SIG           "PCMP"
#define MPC_HEADER_LEN    44
#define MPC_OFF_LENGTH    4
#define MPC_OFF_COUNT     34
#define MPC_OFF_LAPIC     36
#define MPC_PROC          0
#define MPC_BUS           1
#define MPC_IOAPIC        2
#define MPC_IOINTR        3
#define MPC_OTHER_LEN     8
#define MPC_CPU_ENABLED   0x1
#define MPC_IOAPIC_ENABLED 0x1
#define MPC_NO_ISA_BUS    0x100     /* above every 8-bit bus id */
#define MPC_BUS_ISA       "ISA   "

/* Configuration-table entries (MP spec 4.3): a processor is 20 bytes, every other kind 8. */
struct mpc_proc {
  uint8_t type, apic_id, apic_version, flags;   /* flags bit 0: enabled */
  uint32_t signature, features, reserved[2];
} __attribute__((packed));

struct mpc_bus {
  uint8_t type, bus_id;
  char bus_type[6];
} __attribute__((packed));

struct mpc_ioapic {
  uint8_t type, ioapic_id, version, flags;      /* flags bit 0: enabled */
  uint32_t address;
} __attribute__((packed));

struct mpc_iointr {
  uint8_t type, irq_type;
  uint16_t flags;
  uint8_t src_bus, src_irq, dst_ioapic, dst_pin;
} __attribute__((packed));

_Static_assert(sizeof(struct mpc_proc) == 20 && sizeof(struct mpc_bus) == MPC_OTHER_LEN &&
                   sizeof(struct mpc_ioapic) == MPC_OTHER_LEN && sizeof(struct mpc_iointr) == MPC_OTHER_LEN,
               "MP entry layouts");

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, sizeof v); return v; }
static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, sizeof v); return v; }

/* The floating pointer: first KiB of the EBDA, last KiB of base memory, then the BIOS ROM. */
static uint32_t mptable_find(struct fw_config *cfg)
{
  uint32_t ebda = (uint32_t)*(const uint16_t *)P2V(BDA_EBDA_SEGMENT) << 4;
  uint32_t base_end = (uint32_t)*(const uint16_t *)P2V(BDA_BASE_KIB) * 1024;
  uint32_t pa = fw_search(cfg, ebda, EBDA_SEARCH_LEN, MPF_SIG, MP_SIG_LEN, MPF_LEN);
  if (!pa && base_end >= EBDA_SEARCH_LEN)
    pa = fw_search(cfg, base_end - EBDA_SEARCH_LEN, EBDA_SEARCH_LEN, MPF_SIG, MP_SIG_LEN, MPF_LEN);
  if (!pa)
    pa = fw_search(cfg, MP_ROM_START, BIOS_ROM_END - MP_ROM_START, MPF_SIG, MP_SIG_LEN, MPF_LEN);
  return pa;
}

/* Read the configuration table's entries into cfg; -1 (reported) when one runs past it. */
static int mptable_parse(struct fw_config *cfg, uint32_t pa, const uint8_t *t, uint32_t len)
{
  uint32_t count = rd16(t + MPC_OFF_COUNT), off = MPC_HEADER_LEN, isa_bus = MPC_NO_ISA_BUS;
  cfg->lapic_pa = rd32(t + MPC_OFF_LAPIC);
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t *e = t + off;
    uint32_t elen = off < len && e[0] == MPC_PROC ? sizeof(struct mpc_proc) : MPC_OTHER_LEN;
    if (off + elen > len) {
      fw_reject(cfg, MPC_SIG, pa, "entry at offset", off);
      return -1;
    }
    if (e[0] == MPC_PROC) {
      struct mpc_proc r;
      memcpy(&r, e, sizeof r);
      if (r.flags & MPC_CPU_ENABLED)
        fw_add_cpu(cfg, r.apic_id);
      else
        cfg->ncpu_disabled++;
    } else if (e[0] == MPC_BUS) {
      struct mpc_bus r;
      memcpy(&r, e, sizeof r);
      if (memcmp(r.bus_type, MPC_BUS_ISA, sizeof r.bus_type) == 0)
        isa_bus = r.bus_id;
    } else if (e[0] == MPC_IOAPIC) {
      struct mpc_ioapic r;
      memcpy(&r, e, sizeof r);
      if ((r.flags & MPC_IOAPIC_ENABLED) && cfg->nioapic++ == 0) {
        cfg->ioapic_id = r.ioapic_id;
        cfg->ioapic_pa = r.address;
      }
    } else if (e[0] == MPC_IOINTR) {
      struct mpc_iointr r;
      memcpy(&r, e, sizeof r);
      if (r.src_bus == isa_bus && r.src_irq != r.dst_pin && cfg->noverride < FW_OVERRIDES_MAX)
        cfg->override[cfg->noverride++] = (struct fw_override){ r.src_irq, r.dst_pin, r.flags };   /* another pin */
    }
    off += elen;
  }
  return 0;
}

int mptable_read(struct fw_config *cfg)
{
  uint32_t mpf = mptable_find(cfg), pa, len;
  int ok = -1;
  if (!mpf)
    return -1;
  const uint8_t *f = kmap_phys(mpf, MPF_LEN, 0);
  if (!f)
    return -1;
  pa = rd32(f + MPF_OFF_CONFIG);
  uint8_t feature1 = f[MPF_OFF_FEATURE1];
  kunmap_phys((void *)f, MPF_LEN);
  kprintf("[smp] MP floating pointer at 0x%08x, configuration table at 0x%08x\n", mpf, pa);
  if (feature1 || !pa) {
    kprintf("[smp] MP default configuration %u (no table): not used\n", feature1);
    return -1;
  }
  const uint8_t *h = kmap_phys(pa, MPC_HEADER_LEN, 0);
  if (!h)
    return -1;
  int match = memcmp(h, MPC_SIG, MP_SIG_LEN) == 0;
  len = rd16(h + MPC_OFF_LENGTH);
  kunmap_phys((void *)h, MPC_HEADER_LEN);
  if (!match || len < MPC_HEADER_LEN) {
    fw_reject(cfg, MPC_SIG, pa, match ? "length" : "signature", len);
    return -1;
  }
  const uint8_t *t = kmap_phys(pa, len, 0);
  if (!t)
    return -1;
  uint8_t sum = fw_checksum(t, len);
  if (sum != 0) {
    fw_reject(cfg, MPC_SIG, pa, "checksum", sum);
  } else {
    struct fw_config tmp = *cfg;
    if (mptable_parse(&tmp, pa, t, len) == 0) {
      *cfg = tmp;
      cfg->source = "MP table";
      ok = 0;
    } else {
      cfg->bad_tables = tmp.bad_tables;
    }
  }
  kunmap_phys((void *)t, len);
  return ok;
}
