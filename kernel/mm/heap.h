/* Kernel heap: kmalloc and friends over a virtual region that grows on demand
 * with frames from the frame allocator; one of the three allocator designs
 * (mm/alloc/) manages it, chosen by the meson option heap_allocator.
 */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/alloc/alloc_stats.h"

#define HEAP_START     0xffffc00000000000ull /* PML4 slot 384: nothing else there */
#define HEAP_MAX_SIZE  0x40000000ull         /* 1 GiB of address space reserved */
#define HEAP_INITIAL   0x10000ull            /* mapped by heap_init() */
#define HEAP_GROW_MIN  0x10000ull            /* the least one growth maps */

struct heap_stats {
	const char *allocator;     /* the design behind kmalloc */
	bool reuses_freed;         /* false for bump: see alloc.h */
	uint64_t mapped_bytes;     /* mapped so far, from HEAP_START */
	uint64_t grows;            /* times the heap grew */
	uint64_t grow_failures;    /* times it could not (out of frames or space) */
	uint64_t quarantined_bytes; /* freed, held back by KASAN's quarantine */
	struct alloc_stats alloc;  /* what the design says; with KASAN the
				    * quarantine's blocks count as freed */
};

/* Map the first HEAP_INITIAL bytes and set the allocator up. Once, from kmain,
 * after frame_init(); panics when it cannot. */
void heap_init(void);

/*
 * size bytes aligned to 16, or NULL when neither the heap nor the frames
 * left can hold them. kmalloc(0) returns a unique smallest block, never NULL
 * unless memory is out. A NULL return leaves the heap as it was. All of these
 * may run with interrupts on or off, but not in an interrupt handler that
 * interrupted one of them (the heap masks interrupts while it works, so on
 * this one-CPU kernel that cannot happen).
 */
void *kmalloc(size_t size);

/* kmalloc() aligned to align, a power of two up to ALLOC_MAX_ALIGN; NULL for
 * any other align. */
void *kmalloc_aligned(size_t size, size_t align);

/* n * size zeroed bytes; NULL also when n * size overflows. */
void *kcalloc(size_t n, size_t size);

/*
 * Resize p to size bytes, keeping min(old, size) bytes of contents: in place
 * when the design can, else by moving (the result is then 16-aligned).
 * krealloc(NULL, size) is kmalloc(size). On failure returns NULL and p is
 * untouched and still owned by the caller.
 */
void *krealloc(void *p, size_t size);

/* Free p from kmalloc & co; NULL is ignored. Panics (with the pointer and
 * the reason) on a double free, a pointer the heap never gave out, or a
 * corrupted block header. */
void kfree(void *p);

/* Bytes usable at p (at least what was asked); panics like kfree(). */
size_t kmalloc_usable_size(const void *p);

void heap_stats(struct heap_stats *out);

/* Walk the whole heap, panicking at the first broken invariant. Slow. */
void heap_check(void);

#endif /* MM_HEAP_H */
