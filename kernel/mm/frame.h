/* Physical frame allocator: 4 KiB frames from the usable RAM of boot_info's
 * E820 map, one bit per frame in a bitmap kept in that RAM. See
 * docs/architecture.md, "Memory".
 */
#ifndef MM_FRAME_H
#define MM_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#include "boot_info.h"

#define FRAME_SIZE       0x1000ull
#define FRAME_LOW_LIMIT  0x100000ull   /* below 1 MiB: BIOS, loader; never used */
#define FRAME_RANGES_MAX (2 * BOOT_MMAP_MAX + 8)

/* [start, end), frame aligned. */
struct frame_range {
	uint64_t start, end;
};

/*
 * A pool of frames. The global allocator below is one; tests build others
 * over memory maps of their own. Not locked: the owner serialises.
 */
struct frame_pool {
	uint64_t *bitmap;       /* bit set: the frame is not free */
	uint64_t words;         /* 64-bit words in the bitmap */
	uint64_t bitmap_phys;   /* where the bitmap lives ... */
	uint64_t bitmap_bytes;  /* ... and its size, frame aligned */
	uint64_t phys_offset;   /* virtual = phys_offset + physical */
	struct frame_range ranges[FRAME_RANGES_MAX]; /* allocatable: sorted, disjoint */
	unsigned nranges;
	uint64_t total;         /* allocatable frames */
	uint64_t free;          /* of those, not handed out */
	uint64_t hint;          /* bitmap word to search from */
};

/*
 * Build a pool from the usable regions of bi's memory map, minus everything
 * below FRAME_LOW_LIMIT, the loader's and kernel's physical ranges, the
 * kernel ELF, any region the map also lists as not usable, and the bitmap
 * itself (placed in the lowest range that holds it). Reaches memory through
 * bi->phys_offset. Returns 0, or -1 when no usable range can hold the bitmap.
 */
int frame_pool_init(struct frame_pool *pool, const struct boot_info *bi);

/* A free frame's physical address, now in use; 0 when none is left. */
uint64_t frame_pool_alloc(struct frame_pool *pool);

/* Give back a frame from frame_pool_alloc(). Panics on a double free and on
 * an address that is not an allocatable frame. */
void frame_pool_free(struct frame_pool *pool, uint64_t phys);

/* Whether phys is the start of a frame this pool may hand out. */
bool frame_pool_allocatable(const struct frame_pool *pool, uint64_t phys);

/* The kernel's frame allocator. frame_init() runs once, from kmain; it panics
 * when the memory map leaves no room for the bitmap. The others may run in
 * any context, interrupts included, once frame_init() is done. */
void frame_init(const struct boot_info *bi);

/* A free frame, or 0 when physical memory is exhausted. */
uint64_t frame_alloc(void);

/* Like frame_alloc(), filled with zeros (page tables need that). */
uint64_t frame_alloc_zeroed(void);

/* Free a frame; panics on a double free or a frame never allocatable. */
void frame_free(uint64_t phys);

uint64_t frame_total_count(void);   /* allocatable frames */
uint64_t frame_free_count(void);    /* free now */
uint64_t frame_used_count(void);    /* handed out now */

/* The global pool, for tests and diagnostics; read only. */
const struct frame_pool *frame_global_pool(void);

#endif /* MM_FRAME_H */
