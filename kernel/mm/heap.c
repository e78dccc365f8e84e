/* Kernel heap: a virtual region at HEAP_START, mapped page by page with
 * frames from mm/frame as the allocator asks for room, never shrunk; the
 * allocator design behind it is picked at build time (HEAP_OPS). In KASAN
 * builds every block passes through mm/heap_kasan.c (redzones, quarantine).
 */
#include "mm/heap.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "lib/string.h"
#include "mm/alloc/alloc.h"
#include "mm/frame.h"
#include "mm/heap_kasan.h"
#include "panic.h"
#include "san/kasan.h"

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
	if (!kasan_add_range(start, bytes)) {   /* its shadow, with KASAN */
		unmap_range(start, start + bytes);
		return false;
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
	kasan_disable_current();
	ops->extend(heap, need);
	kasan_enable_current();
	grows++;
	return true;
}

/* ------------------------------------------------------------------------ */
/* The design itself, for mm/heap_kasan.h; the caller masks interrupts. A
 * design reads and writes its blocks whole, KASAN's redzones included: no
 * KASAN checks while it works. */

static void *design_alloc(size_t size, size_t align)
{
	void *p;

	kasan_disable_current();
	p = ops->alloc(heap, size, align);
	kasan_enable_current();
	return p;
}

void *heap_raw_alloc(size_t size, size_t align)
{
	void *p = design_alloc(size, align);

	if (!p && grow(size, align))
		p = design_alloc(size, align);
	return p;
}

void heap_raw_free(void *p)
{
	kasan_disable_current();
	ops->free(heap, p);
	kasan_enable_current();
}

size_t heap_raw_usable_size(const void *p)
{
	size_t n;

	kasan_disable_current();
	n = ops->usable_size(heap, p);
	kasan_enable_current();
	return n;
}

bool heap_raw_resize(void *p, size_t size)
{
	bool done;

	kasan_disable_current();
	done = ops->resize(heap, p, size);
	kasan_enable_current();
	return done;
}

enum alloc_ptr_state heap_raw_validate(const void *p)
{
	enum alloc_ptr_state state;

	kasan_disable_current();
	state = ops->validate(heap, p);
	kasan_enable_current();
	return state;
}

uint64_t heap_raw_mapped(void)
{
	return mapped;
}

bool heap_raw_reuses_freed(void)
{
	return ops->reuses_freed;
}

/* ------------------------------------------------------------------------ */
/* kmalloc and friends. */

void *kmalloc_aligned(size_t size, size_t align)
{
	uint64_t flags;
	void *p;

	if (!alloc_effective_align(align) || size > HEAP_MAX_SIZE)
		return NULL;
	flags = irq_save();
	p = heap_kasan_alloc(size, align, __builtin_frame_address(0));
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

	heap_kasan_free(p, __builtin_frame_address(0));
	irq_restore(flags);
}

size_t kmalloc_usable_size(const void *p)
{
	uint64_t flags = irq_save();
	size_t n = heap_kasan_usable_size(p);

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
	old = heap_kasan_usable_size(p);
	in_place = heap_kasan_resize(p, size);
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
	out->quarantined_bytes = 0;
	kasan_disable_current();
	ops->stats(heap, &out->alloc);
	kasan_enable_current();
	heap_kasan_stats(out);
	irq_restore(flags);
}

void heap_check(void)
{
	uint64_t flags = irq_save();

	kasan_disable_current();
	ops->check(heap);
	kasan_enable_current();
	irq_restore(flags);
}
