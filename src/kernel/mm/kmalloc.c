/*
 * kmalloc.c - the kernel's small-object allocator.
 *
 * Objects up to KMALLOC_MAX_SMALL bytes come from pages of one size class
 * (16 .. 2048 bytes); each page starts with a header and goes back to the
 * pools once its last object is freed. Larger requests get whole pages
 * behind a header.
 */
#include "mm/kheap.h"
#include "arch/spinlock.h"
#include "boot/layout.h"
#include "arch/printk.h"
#include "lib/string.h"

#define KMALLOC_MIN_SHIFT 4
#define KMALLOC_CLASSES   8              /* 16, 32, ..., 2048 */
#define KMALLOC_HEADER    16
#define KMALLOC_MAGIC     0x4B4D414Cu
#define KMALLOC_BIG       0xFFFF

struct kmalloc_page {
  uint32_t magic;
  uint16_t size;                         /* object size, or KMALLOC_BIG */
  uint16_t inuse;                        /* objects handed out, or pages for a big block */
  void *free;                            /* free objects in this page */
  struct kmalloc_page *next;             /* next page of the class with free objects */
};

static struct kmalloc_page *kmalloc_partial[KMALLOC_CLASSES];
static struct spinlock kheap_lock = SPINLOCK_INIT("kheap", SPIN_RANK_KHEAP);   /* the size classes' lists and pages */

/* Size class index for n bytes (n <= the largest class). */
static int kmalloc_class(uint32_t n)
{
  int c = 0;
  while ((1u << (c + KMALLOC_MIN_SHIFT)) < n)
    c++;
  return c;
}

/* A fresh page for class c with all its objects on the free list; 0 when out of memory. */
static struct kmalloc_page *kmalloc_new_page(int c)
{
  uint32_t size = 1u << (c + KMALLOC_MIN_SHIFT);
  struct kmalloc_page *pg = kpage_alloc(1);
  if (!pg)
    return 0;
  pg->magic = KMALLOC_MAGIC;
  pg->size = (uint16_t)size;
  pg->inuse = 0;
  pg->free = 0;
  uint32_t first = size < KMALLOC_HEADER ? KMALLOC_HEADER : (KMALLOC_HEADER + size - 1) / size * size;
  for (uint32_t off = PGSIZE - size; off >= first; off -= size) {
    *(void **)((uint8_t *)pg + off) = pg->free;
    pg->free = (uint8_t *)pg + off;
  }
  return pg;
}

/* Remove pg from class c's list of pages with free objects. */
static void kmalloc_unlink(int c, struct kmalloc_page *pg)
{
  struct kmalloc_page **pp = &kmalloc_partial[c];
  while (*pp && *pp != pg)
    pp = &(*pp)->next;
  if (*pp)
    *pp = pg->next;
}

void *kmalloc(uint32_t n)
{
  if (n == 0)
    n = 1;
  if (n + KMALLOC_HEADER > PGSIZE / 2) {
    uint32_t pages = (n + KMALLOC_HEADER + PGSIZE - 1) / PGSIZE;
    struct kmalloc_page *pg = kpage_alloc(pages);
    if (!pg)
      return 0;
    pg->magic = KMALLOC_MAGIC;
    pg->size = KMALLOC_BIG;
    pg->inuse = (uint16_t)pages;
    return (uint8_t *)pg + KMALLOC_HEADER;
  }
  int c = kmalloc_class(n);
  spin_lock(&kheap_lock);
  struct kmalloc_page *pg = kmalloc_partial[c];
  if (!pg) {
    pg = kmalloc_new_page(c);
    if (!pg) {
      spin_unlock(&kheap_lock);
      return 0;
    }
    pg->next = 0;
    kmalloc_partial[c] = pg;
  }
  void *obj = pg->free;
  pg->free = *(void **)obj;
  pg->inuse++;
  if (!pg->free)
    kmalloc_unlink(c, pg);
  uint32_t size = pg->size;
  spin_unlock(&kheap_lock);
  memset(obj, 0, size);
  return obj;
}

void kfree(void *p)
{
  if (!p)
    return;
  struct kmalloc_page *pg = (struct kmalloc_page *)((uint32_t)p & ~(uint32_t)(PGSIZE - 1));
  if (pg->size == KMALLOC_BIG) {
    pg = (struct kmalloc_page *)((uint8_t *)p - KMALLOC_HEADER);
    if (pg->magic != KMALLOC_MAGIC)
      panic("kfree: 0x%x is not a kmalloc block", (uint32_t)p);
    kpage_free(pg, pg->inuse);
    return;
  }
  spin_lock(&kheap_lock);
  if (pg->magic != KMALLOC_MAGIC || pg->inuse == 0)
    panic("kfree: 0x%x is not a live kmalloc object", (uint32_t)p);
  int c = kmalloc_class(pg->size);
  int was_full = pg->free == 0;
  *(void **)p = pg->free;
  pg->free = p;
  pg->inuse--;
  if (pg->inuse == 0) {
    if (!was_full)
      kmalloc_unlink(c, pg);
    pg->magic = 0;
    spin_unlock(&kheap_lock);
    kpage_free(pg, 1);           /* after unlocking: it shoots the page down on every CPU */
    return;
  }
  if (was_full) {
    pg->next = kmalloc_partial[c];
    kmalloc_partial[c] = pg;
  }
  spin_unlock(&kheap_lock);
}
