/*
 * kt_cpu.c - self-tests of the CPU set-up: timer interrupts, controlled
 * exceptions, CR0.WP, the E820 map and the kernel's sections.
 */
#include "test/ktest.h"
#include "trap/trap.h"
#include "arch/x86.h"
#include "boot/layout.h"
#include "mm/mm.h"
#include "mm/vm.h"
#include "sched/sched.h"

#define KT_TICKS        5
#define KT_TICK_SPINS   200       /* hlt rounds: each ends at the next interrupt */
#define KT_BAD_ADDR     0xDEAD0000u
#define CMOS_INDEX      0x70
#define CMOS_DATA       0x71
#define CMOS_EXT_LO     0x34      /* RAM above 16 MiB in 64 KiB units */
#define CMOS_EXT_HI     0x35
#define CMOS_HIGH_LO    0x5B      /* RAM above 4 GiB in 64 KiB units, where QEMU puts it */
#define CMOS_HIGH_MID   0x5C
#define CMOS_HIGH_HI    0x5D
#define CMOS_UNIT_SHIFT 16        /* 64 KiB */
#define MIB             (1024u * 1024u)

extern char __kernel_start[], __text_end[], __data_start[], __bss_start[], __bss_end[], __kernel_end[];
/* Defined in kt_fault.asm: each faults once and resumes at its label. */
extern uint32_t ktest_read(uint32_t addr);
extern void ktest_write(uint32_t addr);
#define KT_WP_OFFSET 0x10
/* The page kt_cr0_wp_write_protect makes read-only and writes to (in the kernel's 4 KiB map). */
static uint8_t kt_wp_page[PGSIZE] __attribute__((aligned(PGSIZE)));
extern void ktest_ud2(void);
extern char ktest_read_resume[], ktest_write_resume[], ktest_ud2_resume[];

/* Read a CMOS register. */
static uint8_t kt_cmos(uint8_t reg)
{
  outb(CMOS_INDEX, reg);
  return inb(CMOS_DATA);
}

/* Arm the trap catcher for vector, resuming at resume. */
static void kt_expect(uint32_t vector, void *resume)
{
  trap_expected.vector = vector;
  trap_expected.resume_eip = (uint32_t)resume;
  trap_expected.hit = 0;
  trap_expected.error = trap_expected.cr2 = 0;
  trap_expected.armed = 1;
}

void ktest_cpu(void)
{
  uint32_t start = clock_ticks();
  sti();
  for (int i = 0; i < KT_TICK_SPINS && clock_ticks() - start < KT_TICKS; i++)
    hlt();
  cli();
  ktest_check("kt_timer_ticks", clock_ticks() - start >= KT_TICKS, "ticks advanced by %u (want %d) over %d interrupts",
              clock_ticks() - start, KT_TICKS, KT_TICK_SPINS);

  kt_expect(T_PAGE_FAULT, ktest_read_resume);
  ktest_read(KT_BAD_ADDR);
  ktest_check("kt_trap_page_fault_read", trap_expected.hit && trap_expected.error == 0 && trap_expected.cr2 == KT_BAD_ADDR,
              "hit %d err 0x%x cr2 0x%x (want err 0 = not-present,read,kernel)", trap_expected.hit,
              trap_expected.error, trap_expected.cr2);

  /* CR0.WP: a kernel write to a read-only page must fault (present, write, kernel = 0x3). The
   * page is the test's own: with WP off the write lands there, and the check names the bug. */
  uint32_t wp_page = (uint32_t)kt_wp_page;
  pte_t *pte = vm_walk(kernel_pd, wp_page, 0);
  pte_t saved = *pte;
  *pte &= ~(pte_t)PTE_W;
  vm_invlpg(wp_page);
  kt_expect(T_PAGE_FAULT, ktest_write_resume);
  ktest_write(wp_page + KT_WP_OFFSET);
  *pte = saved;
  vm_invlpg(wp_page);
  ktest_check("kt_cr0_wp_write_protect", (read_cr0() & CR0_WP) && trap_expected.hit && trap_expected.error == 0x3,
              "CR0 0x%x, hit %d err 0x%x (want 0x3)", read_cr0(), trap_expected.hit, trap_expected.error);

  kt_expect(T_INVALID_OP, ktest_ud2_resume);
  ktest_ud2();
  ktest_check("kt_trap_invalid_opcode", trap_expected.hit && trap_expected.error == 0, "hit %d err 0x%x",
              trap_expected.hit, trap_expected.error);

  const struct mm_layout *l = &mm_layout;
  uint32_t cmos_mb = 16 + (((uint32_t)kt_cmos(CMOS_EXT_HI) << 8 | kt_cmos(CMOS_EXT_LO)) * 64u) / 1024u;
  uint32_t e820_mb = (l->mem_top + MIB - 1) / MIB;
  ktest_check("kt_e820_sane", mm_bootinfo->e820_count > 0 && mm_bootinfo->e820[0].base == 0 && l->mem_top >= MM_RAM_MIN,
              "%u entries, first base 0x%x, top 0x%x", mm_bootinfo->e820_count, (uint32_t)mm_bootinfo->e820[0].base,
              l->mem_top);
  ktest_check("kt_e820_matches_cmos", e820_mb <= cmos_mb && e820_mb + 1 >= cmos_mb,
              "E820 top %u MiB, CMOS says %u MiB", e820_mb, cmos_mb);
  uint32_t cmos_high = (uint32_t)kt_cmos(CMOS_HIGH_HI) << 16 | (uint32_t)kt_cmos(CMOS_HIGH_MID) << 8 |
                       kt_cmos(CMOS_HIGH_LO);
  uint32_t ignored = (uint32_t)(l->ignored_bytes >> CMOS_UNIT_SHIFT);
  ktest_check("kt_e820_high_ram_ignored", ignored == cmos_high && l->upool_end == l->mem_top &&
                                              l->mem_top <= MM_ADDR_LIMIT,
              "ignored %u x 64 KiB, CMOS has %u x 64 KiB above 4 GiB; user pool ends 0x%x, top 0x%x",
              ignored, cmos_high, l->upool_end, l->mem_top);

  uint32_t ks = (uint32_t)__kernel_start, te = (uint32_t)__text_end, ds = (uint32_t)__data_start;
  uint32_t bs = (uint32_t)__bss_start, be = (uint32_t)__bss_end, ke = (uint32_t)__kernel_end;
  int order = ks == KERNEL_BASE + KERNEL_PHYS && ks < te && te <= ds && ds <= bs && bs <= be && be <= ke;
  ktest_check("kt_sections_layout", order && V2P(__kernel_end) <= KERNEL_IMAGE_LIMIT,
              "start 0x%x text_end 0x%x data 0x%x bss 0x%x-0x%x end 0x%x", (uint32_t)__kernel_start,
              (uint32_t)__text_end, (uint32_t)__data_start, (uint32_t)__bss_start, (uint32_t)__bss_end,
              (uint32_t)__kernel_end);
  ktest_check("kt_sections_physical", vm_vaddr2paddr(kernel_pd, (uint32_t)__kernel_start) == KERNEL_PHYS &&
                                          PG_ROUND_UP(mm_bootinfo->kernel_phys_end) == V2P(__kernel_end),
              "text at phys 0x%x, loader says image ends 0x%x, linker 0x%x",
              vm_vaddr2paddr(kernel_pd, (uint32_t)__kernel_start), mm_bootinfo->kernel_phys_end, V2P(__kernel_end));
}
