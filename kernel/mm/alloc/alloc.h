/* Heap allocator designs behind one interface (blog_os's allocator module):
 * bump, linked_list (first fit) and fixed_block (power-of-two size classes).
 * Portable C: each manages an arena it is given, in the kernel or on the host.
 */
#ifndef MM_ALLOC_ALLOC_H
#define MM_ALLOC_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm/alloc/alloc_stats.h"
#include "panic.h"

/* Every allocation is aligned to at least this, and every header is this big. */
#define ALLOC_ALIGN 16

/* A request above this fails at once: it keeps size arithmetic from wrapping. */
#define ALLOC_MAX_SIZE ((size_t)1 << 40)

/* Room extend() needs beyond size + align for one more block: a header and
 * the smallest free block an alignment gap may leave behind. */
#define ALLOC_EXTEND_SLACK 64

/* The least extend() that always makes room for one more small block (it
 * holds fixed_block's biggest refill chunk). */
#define ALLOC_EXTEND_MIN 0x4000

/* What validate() says about a pointer handed to free(). */
enum alloc_ptr_state {
	ALLOC_PTR_LIVE,      /* a block this allocator gave out, not yet freed */
	ALLOC_PTR_FREED,     /* a block already freed: freeing it again is a double free */
	ALLOC_PTR_FOREIGN,   /* not the start of any block of this allocator */
	ALLOC_PTR_CORRUPT,   /* a block header on the way is overwritten */
};

/*
 * One allocator design. A handle (the void * every operation takes) is what
 * init() returned; the allocator keeps its state at the start of the arena and
 * never touches memory outside it. No operation locks: the caller serialises.
 */
struct alloc_ops {
	const char *name;
	/* Whether a block freed while others are live can be reused (bump: no). */
	bool reuses_freed;
	/* Manage [arena, arena + size). Returns the handle, or NULL when the
	 * arena cannot even hold the allocator's state. */
	void *(*init)(void *arena, size_t size);
	/* size bytes aligned to align (0, or a power of two; anything below
	 * ALLOC_ALIGN means ALLOC_ALIGN). size 0 gives a unique smallest block. NULL when there is
	 * no room, align is not a power of two or above ALLOC_MAX_ALIGN, or size
	 * is above ALLOC_MAX_SIZE; nothing changes then. */
	void *(*alloc)(void *a, size_t size, size_t align);
	/* Free p; NULL is ignored. Panics when validate() does not say LIVE. */
	void (*free)(void *a, void *p);
	/* What p is to this allocator; never panics, changes nothing. */
	enum alloc_ptr_state (*validate)(const void *a, const void *p);
	/* Bytes usable at the live block p (at least the size asked for).
	 * Panics like free() for a pointer that is not live. */
	size_t (*usable_size)(const void *a, const void *p);
	/* Make the live block p hold size bytes without moving it. Returns
	 * false, with nothing changed, when it cannot. Panics like free(). */
	bool (*resize)(void *a, void *p, size_t size);
	/* The arena grows by bytes (a multiple of ALLOC_ALIGN, at least
	 * ALLOC_EXTEND_SLACK): the memory right after its end is now the
	 * allocator's. After extend(n), one request of size with alignment
	 * align succeeds if n >= size + align + ALLOC_EXTEND_SLACK and
	 * n >= ALLOC_EXTEND_MIN. */
	void (*extend)(void *a, size_t bytes);
	void (*stats)(const void *a, struct alloc_stats *out);
	/* Walk every structure of the allocator and panic at the first broken
	 * invariant; for tests and debugging (linear in the heap size). */
	void (*check)(const void *a);
};

extern const struct alloc_ops bump_ops;
extern const struct alloc_ops linked_list_ops;
extern const struct alloc_ops fixed_block_ops;

/*
 * The header in front of every block of the three designs (fixed_block's
 * chunks and size-class blocks too). check mixes magic, size and the header's
 * own address, so a header that was overwritten, or a pointer into the middle
 * of a block, rarely passes for a block start.
 */
struct alloc_header {
	uint64_t size;     /* bytes in the block, this header included */
	uint32_t magic;    /* which design and state: in use, free, ... */
	uint32_t check;
};

_Static_assert(sizeof(struct alloc_header) == ALLOC_ALIGN, "alloc_header size");

static inline uint32_t alloc_header_mix(const struct alloc_header *h,
					uint32_t magic, uint64_t size)
{
	uint64_t x = (uintptr_t)h ^ (size * 0x9e3779b97f4a7c15ull) ^ magic;

	return (uint32_t)x ^ (uint32_t)(x >> 32) ^ 0x5a5aa5a5u;
}

static inline void alloc_header_set(struct alloc_header *h, uint64_t size,
				    uint32_t magic)
{
	h->size = size;
	h->magic = magic;
	h->check = alloc_header_mix(h, magic, size);
}

/* True when h is an intact header with this magic. */
static inline bool alloc_header_is(const struct alloc_header *h, uint32_t magic)
{
	return h->magic == magic && h->check == alloc_header_mix(h, magic, h->size);
}

static inline struct alloc_header *alloc_header_of(const void *p)
{
	return (struct alloc_header *)((uintptr_t)p - sizeof(struct alloc_header));
}

static inline uintptr_t alloc_align_up(uintptr_t v, uintptr_t align)
{
	return (v + align - 1) & ~(align - 1);
}

static inline bool alloc_is_pow2(size_t v)
{
	return v && !(v & (v - 1));
}

/* The alignment alloc() uses for align (0: the default), or 0 when it must
 * fail. */
static inline size_t alloc_effective_align(size_t align)
{
	if (align == 0)
		return ALLOC_ALIGN;
	if (!alloc_is_pow2(align) || align > ALLOC_MAX_ALIGN)
		return 0;
	return align < ALLOC_ALIGN ? ALLOC_ALIGN : align;
}

/* Block bytes for a request: header plus payload, rounded; size 0 counts as 1. */
static inline size_t alloc_block_size(size_t size)
{
	return sizeof(struct alloc_header) +
	       alloc_align_up(size ? size : 1, ALLOC_ALIGN);
}

/* The panic for a free() (or usable_size(), resize()) of a pointer that is
 * not live: names the design, the pointer and what is wrong with it. */
__attribute__((noreturn)) static inline void
alloc_bad_pointer(const char *design, enum alloc_ptr_state state, const void *p)
{
	switch (state) {
	case ALLOC_PTR_FREED:
		panic("%s heap: double free of %p", design, p);
	case ALLOC_PTR_CORRUPT:
		panic("%s heap: corrupted block header found while freeing %p "
		      "(a buffer overrun?)", design, p);
	case ALLOC_PTR_FOREIGN:
	default:
		panic("%s heap: free of %p, which this heap never gave out",
		      design, p);
	}
}

#endif /* MM_ALLOC_ALLOC_H */
