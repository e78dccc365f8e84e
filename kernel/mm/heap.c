/* Kernel heap: a virtual region at HEAP_START, mapped page by page with
 * frames from mm/frame as the allocator asks for room, never shrunk; the
 * allocator design behind it is picked at build time (HEAP_OPS).
 */
#include "mm/heap.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "lib/string.h"
#include "mm/alloc/alloc.h"
#include "mm/frame.h"
#include "panic.h"

#ifndef HEAP_OPS
#define HEAP_OPS fixed_block_ops
#endif

#define HEAP_PAGE_FLAGS (PTE_WRITABLE | PTE_NX)

_Static_assert(HEAP_GROW_MIN >= ALLOC_EXTEND_MIN && HEAP_GROW_MIN % PAGE_SIZE_4K == 0,
	       "a growth always makes room for one more small block");

static const struct alloc_ops *const ops = &HEAP_OPS;
static void *heap;            /* the allocator's handle */
static uint64_t mapped;       /* bytes mapped from HEAP_START */
static uint64_t grows, grow_failures;

/* Undo a growth that ran out of frames part way: [from, to) back unmapped. */
static void unmap_range(uint64_t from, uint64_t to)
{
	struct translation tr;

	for (uint64_t va = from; va < to; va += PAGE_SIZE_4K)
		if (paging_translate(va, &tr) && paging_unmap(va) == PAGING_OK)
			frame_free(tr.phys);
}

/* Map bytes (page multiple) more at the end of the heap. False, with nothing
 * changed, when out of frames or address space. */
static bool map_more(uint64_t bytes)
{
	uint64_t start = HEAP_START + mapped;

	if (bytes > HEAP_MAX_SIZE - mapped)
		return false;
	for (uint64_t va = start; va < start + bytes; va += PAGE_SIZE_4K) {
		uint64_t frame = frame_alloc();
		int err = frame ? paging_map(va, frame, HEAP_PAGE_FLAGS,
					     frame_alloc_zeroed) : PAGING_NO_MEMORY;

		if (err != PAGING_OK) {
			if (frame)
				frame_free(frame);
			if (err != PAGING_NO_MEMORY)
				panic("heap: cannot map 0x%llx (error %d)",
				      (unsigned long long)va, err);
			unmap_range(start, va);
			return false;
		}
	}
	mapped += bytes;
	return true;
}

void heap_init(void)
{
	if (!map_more(HEAP_INITIAL))
		panic("heap: no frames for the first %llu KiB",
		      (unsigned long long)HEAP_INITIAL / 1024);
	heap = ops->init((void *)HEAP_START, HEAP_INITIAL);
	if (!heap)
		panic("heap: %s cannot start on %llu bytes", ops->name,
		      (unsigned long long)HEAP_INITIAL);
}

/* Grow the heap so that one request of size and align fits (alloc.h). */
static bool grow(size_t size, size_t align)
{
	uint64_t need = (uint64_t)size + align + ALLOC_EXTEND_SLACK;

	need = need < HEAP_GROW_MIN ? HEAP_GROW_MIN : need;
	need = (need + PAGE_SIZE_4K - 1) & ~(PAGE_SIZE_4K - 1);
	if (!map_more(need)) {
		grow_failures++;
		return false;
	}
	ops->extend(heap, need);
	grows++;
	return true;
}

void *kmalloc_aligned(size_t size, size_t align)
{
	uint64_t flags;
	void *p;

	if (!alloc_effective_align(align) || size > HEAP_MAX_SIZE)
		return NULL;
	flags = irq_save();
	p = ops->alloc(heap, size, align);
	if (!p && grow(size, align))
		p = ops->alloc(heap, size, align);
	irq_restore(flags);
	return p;
}

void *kmalloc(size_t size)
{
	return kmalloc_aligned(size, 0);
}

void *kcalloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = kmalloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void kfree(void *p)
{
	uint64_t flags = irq_save();

	ops->free(heap, p);
	irq_restore(flags);
}

size_t kmalloc_usable_size(const void *p)
{
	uint64_t flags = irq_save();
	size_t n = ops->usable_size(heap, p);

	irq_restore(flags);
	return n;
}

void *krealloc(void *p, size_t size)
{
	uint64_t flags;
	size_t old;
	bool in_place;
	void *q;

	if (!p)
		return kmalloc(size);
	flags = irq_save();
	old = ops->usable_size(heap, p);
	in_place = ops->resize(heap, p, size);
	irq_restore(flags);
	if (in_place)
		return p;
	q = kmalloc(size);
	if (q) {
		memcpy(q, p, old < size ? old : size);
		kfree(p);
	}
	return q;
}

void heap_stats(struct heap_stats *out)
{
	uint64_t flags = irq_save();

	out->allocator = ops->name;
	out->reuses_freed = ops->reuses_freed;
	out->mapped_bytes = mapped;
	out->grows = grows;
	out->grow_failures = grow_failures;
	ops->stats(heap, &out->alloc);
	irq_restore(flags);
}

void heap_check(void)
{
	uint64_t flags = irq_save();

	ops->check(heap);
	irq_restore(flags);
}
