/*
 * pic.c - the two 8259A interrupt controllers, remapped to vectors 32..47,
 * and the 8253/8254 PIT as the 100 Hz scheduler clock.
 */
#include "arch/cpu.h"
#include "arch/trapframe.h"
#include "arch/x86.h"
#include "user.h"

#define PIC1_CMD      0x20
#define PIC1_DATA     0x21
#define PIC2_CMD      0xA0
#define PIC2_DATA     0xA1
#define PIC_ICW1      0x11          /* edge triggered, cascade, ICW4 follows */
#define PIC_ICW4_8086 0x01
#define PIC_EOI       0x20
#define PIC_CASCADE_IRQ 2
#define PIT_CH0       0x40
#define PIT_CMD       0x43
#define PIT_MODE_RATE 0x36          /* channel 0, lo/hi byte, mode 3 */
#define PIT_BASE_HZ   1193182
#define PIT_CH2       0x42
#define PIT_CH2_ONESHOT 0xB0        /* channel 2, lo/hi byte, mode 0 (interrupt on terminal count) */
#define PIT_CH2_MAX   0xFFFF
#define PORT_SYS_CTRL 0x61          /* bit 0 channel-2 gate, bit 1 speaker, bit 5 channel-2 output */
#define SYS_CTRL_GATE2 0x01
#define SYS_CTRL_SPEAKER 0x02
#define SYS_CTRL_OUT2 0x20
#define PIT_DELAY_CHUNK_US 50000    /* below the 16-bit counter's 54.9 ms */
#define PIT_POLL_LIMIT 50000000     /* port reads before a channel that never fires is given up on */
#define US_PER_S      1000000

static uint16_t pic_mask = 0xFFFF;

/* Write the current mask to both PICs. */
static void pic_write_mask(void)
{
  outb(PIC1_DATA, (uint8_t)pic_mask);
  outb(PIC2_DATA, (uint8_t)(pic_mask >> 8));
}

void pic_init(void)
{
  outb(PIC1_CMD, PIC_ICW1);
  outb(PIC2_CMD, PIC_ICW1);
  outb(PIC1_DATA, T_IRQ0);
  outb(PIC2_DATA, T_IRQ0 + 8);
  outb(PIC1_DATA, 1 << PIC_CASCADE_IRQ);
  outb(PIC2_DATA, PIC_CASCADE_IRQ);
  outb(PIC1_DATA, PIC_ICW4_8086);
  outb(PIC2_DATA, PIC_ICW4_8086);
  pic_mask = (uint16_t)~(1 << PIC_CASCADE_IRQ);
  pic_write_mask();
}

void pic_enable(int irq)
{
  pic_mask = (uint16_t)(pic_mask & ~(1 << irq));
  pic_write_mask();
}

void pic_eoi(int irq)
{
  if (irq >= 8)
    outb(PIC2_CMD, PIC_EOI);
  outb(PIC1_CMD, PIC_EOI);
}

void pit_init(void)
{
  uint16_t divisor = PIT_BASE_HZ / HZ;
  outb(PIT_CMD, PIT_MODE_RATE);
  outb(PIT_CH0, (uint8_t)divisor);
  outb(PIT_CH0, (uint8_t)(divisor >> 8));
}

/* Count down us (at most PIT_DELAY_CHUNK_US) on channel 2 and poll its output; -1 if it never rises. */
static int pit_delay_chunk(uint32_t us)
{
  uint32_t count = (uint32_t)((uint64_t)us * PIT_BASE_HZ / US_PER_S);
  uint8_t ctrl = (uint8_t)(inb(PORT_SYS_CTRL) & ~(SYS_CTRL_GATE2 | SYS_CTRL_SPEAKER));
  if (count == 0)
    count = 1;
  if (count > PIT_CH2_MAX)
    count = PIT_CH2_MAX;
  outb(PORT_SYS_CTRL, ctrl);                    /* gate low: counting held */
  outb(PIT_CMD, PIT_CH2_ONESHOT);               /* output goes low */
  outb(PIT_CH2, (uint8_t)count);
  outb(PIT_CH2, (uint8_t)(count >> 8));
  outb(PORT_SYS_CTRL, ctrl | SYS_CTRL_GATE2);   /* gate high: count down */
  for (uint32_t i = 0; i < PIT_POLL_LIMIT; i++)
    if (inb(PORT_SYS_CTRL) & SYS_CTRL_OUT2)
      return 0;
  return -1;
}

int pit_delay_us(uint32_t us)
{
  while (us > 0) {
    uint32_t n = us < PIT_DELAY_CHUNK_US ? us : PIT_DELAY_CHUNK_US;
    if (pit_delay_chunk(n) < 0)
      return -1;
    us -= n;
  }
  return 0;
}
