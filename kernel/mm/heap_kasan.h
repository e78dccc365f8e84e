/* The heap's KASAN layer (heap_kasan.c): every kmalloc block gets a left
 * redzone holding its metadata, a right redzone, and on kfree a stay in a
 * quarantine, whatever allocator design is behind the heap. Private to
 * mm/heap.c and the KASAN runtime. Without KASAN the layer is these
 * pass-throughs to the heap's raw functions.
 */
#ifndef MM_HEAP_KASAN_H
#define MM_HEAP_KASAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/alloc/alloc.h"
#include "mm/heap.h"

/* The design behind the heap, for this layer (heap.c); the caller holds
 * the heap's lock (interrupts masked). heap_raw_alloc() grows the heap
 * once when the design is full. */
void *heap_raw_alloc(size_t size, size_t align);
void heap_raw_free(void *p);
size_t heap_raw_usable_size(const void *p);
bool heap_raw_resize(void *p, size_t size);
enum alloc_ptr_state heap_raw_validate(const void *p);
uint64_t heap_raw_mapped(void);
bool heap_raw_reuses_freed(void);

#ifdef KASAN

/* kmalloc_aligned()'s block (align valid) with its redzones and metadata;
 * frame: kmalloc's frame, where the allocation trace starts. NULL when out
 * of memory. */
void *heap_kasan_alloc(size_t size, size_t align, const void *frame);

/* kfree(): poison the object and hold it in the quarantine; the oldest
 * objects go back to the design (a design that never reuses freed memory,
 * bump, gets it back at once, still poisoned). Reports and panics on a
 * double or invalid free. */
void heap_kasan_free(void *p, const void *frame);

/* The size asked for; panics for a pointer that is not a live object. */
size_t heap_kasan_usable_size(const void *p);

/* Never in place: krealloc() moves, so a stale pointer to the old block
 * is caught. Panics like heap_kasan_usable_size(). */
bool heap_kasan_resize(void *p, size_t size);

/* Count the quarantine's blocks as freed in what the design says. */
void heap_kasan_stats(struct heap_stats *s);

/* A heap object for a report: the one whose object, redzone or freed body
 * holds addr. */
struct heap_object {
	uint64_t start;            /* the object as kmalloc returned it */
	size_t size;               /* as asked for */
	uint32_t alloc_trace;      /* stack depot handles (0: none) */
	uint32_t free_trace;
	bool freed;                /* in quarantine */
};
bool heap_kasan_object(uint64_t addr, struct heap_object *out);

#else

static inline void *heap_kasan_alloc(size_t size, size_t align, const void *frame)
{
	(void)frame;
	return heap_raw_alloc(size, align);
}

static inline void heap_kasan_free(void *p, const void *frame)
{
	(void)frame;
	heap_raw_free(p);
}

static inline size_t heap_kasan_usable_size(const void *p)
{
	return heap_raw_usable_size(p);
}

static inline bool heap_kasan_resize(void *p, size_t size)
{
	return heap_raw_resize(p, size);
}

static inline void heap_kasan_stats(struct heap_stats *s)
{
	(void)s;
}

#endif /* KASAN */

#endif /* MM_HEAP_KASAN_H */
