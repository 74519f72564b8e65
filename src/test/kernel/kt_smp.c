/*
 * kt_smp.c - self-tests of multiprocessor start-up: the firmware tables,
 * the boot CPU's local APIC, and every AP's own record of how it came up.
 *
 * The expected CPU count is the firmware's enabled-processor count; a
 * boot configuration line `cpus N` in init.conf (the SMP test images)
 * also names it, so a kernel that finds no table at all cannot pass by
 * starting nothing.
 */
#include "test/ktest.h"
#include "arch/lapic.h"
#include "arch/smp.h"
#include "firmware/firmware.h"
#include "arch/x86.h"
#include "fs/archive.h"
#include "mm/kheap.h"
#include "mm/kmap.h"
#include "mm/vm.h"
#include "lib/string.h"
#include "arch/printk.h"

#define CONF_KEY      "cpus "
#define CONF_KEY_LEN  5
#define SVR_ENABLE    0x100
#define SVR_VECTOR    0xFF
#define KT_KMAP_PA    0xF0000   /* BIOS ROM: in the direct map too, so both views can be compared */
#define KT_KMAP_LEN   (PGSIZE + 16)   /* crosses a page boundary */
#define KT_FAKE_LEN   20              /* an ACPI 1.0 RSDP: the part its checksum covers */
#define KT_FAKE_CSUM  8               /* offset of the RSDP checksum byte */

/* The N of a line `cpus N` in init.conf, or 0 when there is none. */
static int kt_conf_cpus(void)
{
  uint32_t size;
  const uint8_t *conf = archive_find("init.conf", &size);
  for (uint32_t i = 0; conf && i + CONF_KEY_LEN < size; i++) {
    if ((i == 0 || conf[i - 1] == '\n') && memcmp(conf + i, CONF_KEY, CONF_KEY_LEN) == 0) {
      int n = 0;
      for (uint32_t j = i + CONF_KEY_LEN; j < size && conf[j] >= '0' && conf[j] <= '9'; j++)
        n = n * 10 + (conf[j] - '0');
      return n;
    }
  }
  return 0;
}

/* Every started CPU, the boot CPU too, runs with caching on: CD and NW clear in the CR0 it
 * recorded at its start (a BIOS may leave them set; the kernel clears them). */
static void kt_smp_caches_on(void)
{
  int uncached = -1;
  for (int i = 0; i < CPU_MAX && uncached < 0; i++)
    if (cpus[i].started && (cpus[i].seen_cr0 & (CR0_CD | CR0_NW)))
      uncached = i;
  ktest_check("kt_cpu_caches_on", uncached < 0 && !(read_cr0() & (CR0_CD | CR0_NW)),
              "cpu%d runs with caching off: CR0 0x%08x (CD or NW set)", uncached < 0 ? this_cpu()->id : uncached,
              uncached < 0 ? read_cr0() : cpus[uncached].seen_cr0);
}

/* Each started AP saw its own APIC ID, its own stack, the kernel's page directory, PG and WP;
 * one line per property, naming the first AP that breaks it. */
static void kt_smp_ap_records(void)
{
  int bad_id = 0, bad_stack = 0, bad_paging = 0, aps = 0;
  for (int i = 1; i < CPU_MAX; i++) {
    const struct cpu *c = &cpus[i];
    if (!c->started)
      continue;
    aps++;
    int own_stack = c->seen_esp > c->stack_top - KSTACK_PAGES * PGSIZE && c->seen_esp <= c->stack_top;
    for (int j = 0; j < CPU_MAX; j++)
      own_stack &= j == i || !cpus[j].started || cpus[j].stack_top != c->stack_top;
    if (!bad_id && c->seen_apic_id != c->apic_id)
      bad_id = i;
    if (!bad_stack && !own_stack)
      bad_stack = i;
    if (!bad_paging && ((c->seen_cr0 & (CR0_PG | CR0_WP)) != (CR0_PG | CR0_WP) || c->seen_cr3 != V2P(kernel_pd)))
      bad_paging = i;
  }
  if (!aps)
    return;   /* nothing to check on one CPU: kt_smp_online already compared the count */
  const struct cpu *c = &cpus[bad_id];
  ktest_check("kt_smp_ap_apic_id", !bad_id, "cpu%d was started as APIC ID %u but its APIC says %u", bad_id,
              c->apic_id, c->seen_apic_id);
  c = &cpus[bad_stack];
  ktest_check("kt_smp_ap_stack", !bad_stack, "cpu%d ran at esp 0x%08x; its stack is (0x%08x, 0x%08x]", bad_stack,
              c->seen_esp, c->stack_top - KSTACK_PAGES * PGSIZE, c->stack_top);
  c = &cpus[bad_paging];
  ktest_check("kt_smp_ap_paging", !bad_paging, "cpu%d: CR0 0x%08x (PG and WP wanted), CR3 0x%08x (kernel pd 0x%08x)",
              bad_paging, c->seen_cr0, c->seen_cr3, V2P(kernel_pd));
  kprintf("[ktest] records of %d AP%s checked\n", aps, aps == 1 ? "" : "s");
}

/* A temporary mapping (forced by PTE_PCD) shows the same bytes as the direct map, and after
 * kunmap_phys its pages are unmapped and its virtual range is free again. */
static void kt_smp_kmap(void)
{
  const uint8_t *direct = P2V(KT_KMAP_PA);
  const uint8_t *t = kmap_phys(KT_KMAP_PA, KT_KMAP_LEN, PTE_PCD);
  uint32_t va = (uint32_t)t;
  int temp = va >= KVPOOL_BASE && va < KVPOOL_BASE + KVPOOL_SIZE;
  int same = t && memcmp(t, direct, KT_KMAP_LEN) == 0;
  if (t)
    kunmap_phys((void *)t, KT_KMAP_LEN);
  uint32_t left0 = vm_vaddr2paddr(kernel_pd, va), left1 = vm_vaddr2paddr(kernel_pd, va + PGSIZE);
  const uint8_t *again = kmap_phys(KT_KMAP_PA, KT_KMAP_LEN, PTE_PCD);
  if (again)
    kunmap_phys((void *)again, KT_KMAP_LEN);
  ktest_check("kt_smp_kmap", temp && same && !left0 && !left1 && again == t,
              "mapped at 0x%08x (temporary %d, same bytes %d); after unmap 0x%x 0x%x still mapped; remap at 0x%08x",
              va, temp, same, left0, left1, (uint32_t)again);
}

/* fw_search rejects (and counts) a signature whose checksum is wrong and accepts it once fixed.
 * The fake RSDP is planted in the trampoline page, which no AP needs any more. */
static void kt_smp_checksum(void)
{
  uint8_t *page = P2V(AP_TRAMPOLINE_PHYS), saved[KT_FAKE_LEN];
  struct fw_config cfg;
  memcpy(saved, page, KT_FAKE_LEN);
  memset(&cfg, 0, sizeof cfg);
  memset(page, 0x5A, KT_FAKE_LEN);
  memcpy(page, "RSD PTR ", 8);
  page[KT_FAKE_CSUM] = 0;
  page[KT_FAKE_CSUM] = (uint8_t)(1 - fw_checksum(page, KT_FAKE_LEN));   /* off by one */
  ktest_expected_begin();             /* fw_search prints the bad checksum it ignores */
  uint32_t bad = fw_search(&cfg, AP_TRAMPOLINE_PHYS, KT_FAKE_LEN, "RSD PTR ", 8, KT_FAKE_LEN);
  ktest_expected_end();
  int rejected = cfg.bad_tables;
  page[KT_FAKE_CSUM]--;
  uint32_t good = fw_search(&cfg, AP_TRAMPOLINE_PHYS, KT_FAKE_LEN, "RSD PTR ", 8, KT_FAKE_LEN);
  memcpy(page, saved, KT_FAKE_LEN);
  ktest_check("kt_smp_checksum", bad == 0 && rejected == 1 && good == AP_TRAMPOLINE_PHYS,
              "bad checksum: found 0x%x, %d rejected; good checksum: found 0x%x", bad, rejected, good);
}

void ktest_smp(void)
{
  kt_smp_caches_on();
  kt_smp_kmap();
  kt_smp_checksum();
  const struct fw_config *fw = &fw_config;
  int want = kt_conf_cpus(), up = smp_cpus_up();
  if (!lapic_cpu_has_apic()) {
    /* The machine may have more CPUs (see the boot configuration), but without an APIC none can start. */
    ktest_check("kt_smp_online", up == 1 && !smp_apic_used(), "no local APIC, yet %d CPUs up (machine: %d)", up, want);
    return;
  }
  ktest_check("kt_smp_tables", fw->source && fw->bad_tables == 0 && fw->ncpu >= 1 && fw->lapic_pa,
              "source %s, %d CPUs listed, %d bad tables, local APIC at 0x%08x", fw->source ? fw->source : "none",
              fw->ncpu, fw->bad_tables, fw->lapic_pa);
  uint32_t svr = lapic_svr();
  ktest_check("kt_smp_lapic", smp_apic_used() && (svr & SVR_ENABLE) && (svr & SVR_VECTOR) == T_LAPIC_SPURIOUS &&
                                  lapic_id() == cpus[0].apic_id,
              "SVR 0x%x (enable bit and vector 0x%x wanted), APIC ID %u vs boot record %u", svr, T_LAPIC_SPURIOUS,
              lapic_id(), cpus[0].apic_id);
  ktest_check("kt_smp_online", up == fw->ncpu && (want == 0 || up == want),
              "%d CPUs up, the firmware lists %d enabled, the boot configuration expects %d", up, fw->ncpu, want);
  kt_smp_ap_records();
}
