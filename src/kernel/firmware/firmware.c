/*
 * firmware.c - helpers shared by the two firmware-table readers (acpi.c,
 * mptable.c): checksums, the signature search below 1 MiB, the CPU list.
 */
#include "firmware/firmware.h"
#include "mm/kmap.h"
#include "lib/string.h"
#include "arch/printk.h"

uint8_t fw_checksum(const void *p, uint32_t n)
{
  const uint8_t *b = p;
  uint8_t sum = 0;
  for (uint32_t i = 0; i < n; i++)
    sum = (uint8_t)(sum + b[i]);
  return sum;
}

struct fw_config fw_config;

uint32_t fw_search(struct fw_config *cfg, uint32_t pa, uint32_t len, const char *sig, uint32_t siglen,
                   uint32_t sumlen)
{
  if (!pa || pa >= BIOS_ROM_END || len < sumlen)
    return 0;
  if (pa + len > BIOS_ROM_END)
    len = BIOS_ROM_END - pa;
  const uint8_t *base = kmap_phys(pa, len, 0);
  uint32_t found = 0;
  if (!base)
    return 0;
  for (uint32_t off = 0; off + sumlen <= len && !found; off += FW_SEARCH_ALIGN) {
    if (memcmp(base + off, sig, siglen) != 0)
      continue;
    uint8_t sum = fw_checksum(base + off, sumlen);
    if (sum == 0)
      found = pa + off;
    else
      fw_reject(cfg, sig, pa + off, "checksum", sum);
  }
  kunmap_phys((void *)base, len);
  return found;
}

void fw_reject(struct fw_config *cfg, const char *what, uint32_t pa, const char *why, uint32_t value)
{
  cfg->bad_tables++;
  kprintf("[smp] firmware table '%s' at 0x%08x: bad %s (0x%x): ignored\n", what, pa, why, value);
}

void fw_add_cpu(struct fw_config *cfg, uint8_t apic_id)
{
  cfg->ncpu_enabled++;
  if (cfg->ncpu < CPU_MAX)
    cfg->apic_id[cfg->ncpu++] = apic_id;
}
