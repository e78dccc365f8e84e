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

#endif /* MM_FRAME_H */
