/* Frame pools: the bitmap allocator behind mm/frame.h, over the usable
 * regions of a memory map. frame.c builds the kernel's allocator on one
 * pool; frame_test.c builds others over memory maps of its own. Only those
 * two include this header.
 */
#ifndef MM_FRAME_POOL_H
#define MM_FRAME_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "boot_info.h"
#include "mm/frame.h"

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

/* The kernel's pool, read only. */
const struct frame_pool *frame_global_pool(void);

#endif /* MM_FRAME_POOL_H */
