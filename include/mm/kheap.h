/*
 * kheap.h - kernel virtual address pool, kernel pages, stacks and kmalloc.
 *
 * The kernel virtual pool hands out page ranges in [KVPOOL_BASE,
 * KVPOOL_BASE + KVPOOL_SIZE); kpage_alloc backs them with kernel-pool
 * frames. kmalloc serves small objects from size-class pages and returns
 * a page to the pools as soon as it is empty, so a run that frees what it
 * allocated gets back exactly the frames it started with.
 */
#ifndef MM_KHEAP_H
#define MM_KHEAP_H
#include <stdint.h>

#define KSTACK_PAGES 2

/* Set up the kernel virtual pool's bitmap (placed at bitmap). */
void kvpool_init(uint32_t *bitmap);
/* Reserve n contiguous virtual pages; returns the address or 0. */
uint32_t kvpool_alloc(uint32_t n);
/* Release n virtual pages at va. */
void kvpool_free(uint32_t va, uint32_t n);

/* n pages of zeroed kernel memory; 0 when either pool is exhausted (nothing leaks). */
void *kpage_alloc(uint32_t n);
/* Unmap n pages at va and free their frames and virtual range. */
void kpage_free(void *va, uint32_t n);

/* A kernel stack of KSTACK_PAGES with an unmapped guard page below; returns its top or 0. */
uint32_t kstack_alloc(void);
/* Free the stack whose top kstack_alloc returned. */
void kstack_free(uint32_t top);
/* Non-zero when va is inside some kernel stack's guard page. */
int kstack_is_guard(uint32_t va);

/* n bytes of zeroed kernel memory, 16-byte aligned; 0 when out of memory. */
void *kmalloc(uint32_t n);
/* Free memory from kmalloc (0 is ignored). */
void kfree(void *p);

#endif
