/*
 * pic.c - the two 8259A interrupt controllers, remapped to vectors 32..47,
 * and the 8253/8254 PIT as the 100 Hz scheduler clock.
 */
#include "arch/cpu.h"
#include "arch/trap.h"
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
