/* What an allocator design tells about itself (alloc.h), in a header of its
 * own so that the heap's users (mm/heap.h) see this and not the designs.
 */
#ifndef MM_ALLOC_ALLOC_STATS_H
#define MM_ALLOC_ALLOC_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Largest alignment alloc() accepts; larger ones fail (NULL). */
#define ALLOC_MAX_ALIGN 0x200000

struct alloc_stats {
	size_t arena_bytes;   /* the arena, the allocator's own state included */
	size_t used_bytes;    /* held by live allocations, their headers included */
	size_t free_bytes;    /* not held by a live allocation and reusable */
	size_t largest_free;  /* largest request alloc() can meet right now */
	size_t high_water;    /* bytes from the arena start to the highest byte
			       * ever handed out: the footprint */
	size_t live;          /* allocations not yet freed */
	uint64_t allocs;      /* successful alloc() calls since init */
	uint64_t frees;       /* free() calls of a live block since init */
	uint64_t failures;    /* alloc() calls that returned NULL */
};

#endif
