/* Bump allocator (blog_os allocator/bump.rs): hands out memory upward from a
 * pointer and takes the whole arena back when every allocation is freed.
 *
 * Blocks tile [start, next): each is a header and its payload. An alignment
 * gap before a block becomes a filler block, already marked free, so the tiling
 * holds and check() and validate() can walk it. Freed blocks keep their header
 * (marked free) until the reset, which lets free() see double frees.
 */
#include "mm/alloc/alloc.h"

#define BUMP_USED 0x55706d62u   /* "bmpU" */
#define BUMP_FREE 0x46706d62u   /* "bmpF" */

struct bump {
	uintptr_t start;     /* first block, right after this structure */
	uintptr_t end;       /* end of the arena */
	uintptr_t next;      /* where the next block goes */
	size_t used;         /* bytes in live blocks */
	size_t high_water;   /* highest next - start reached */
	size_t live;
	uint64_t allocs, frees, failures;
};

#define HDR sizeof(struct alloc_header)

static void *bump_init(void *arena, size_t size)
{
	uintptr_t base = alloc_align_up((uintptr_t)arena, ALLOC_ALIGN);
	uintptr_t start = alloc_align_up(base + sizeof(struct bump), ALLOC_ALIGN);
	uintptr_t end = ((uintptr_t)arena + size) & ~(uintptr_t)(ALLOC_ALIGN - 1);
	struct bump *b = (struct bump *)base;

	if (size < sizeof(struct bump) + 2 * ALLOC_ALIGN || start > end)
		return NULL;
	*b = (struct bump){ .start = start, .end = end, .next = start };
	return b;
}

static void *bump_alloc(void *self, size_t size, size_t align)
{
	struct bump *b = self;
	size_t block = alloc_block_size(size);
	uintptr_t payload;

	align = alloc_effective_align(align);
	if (!align || size > ALLOC_MAX_SIZE)
		goto fail;
	payload = alloc_align_up(b->next + HDR, align);
	if (payload - HDR + block > b->end || payload - HDR + block < b->next)
		goto fail;
	if (payload - HDR > b->next)    /* the gap becomes a free filler block */
		alloc_header_set((struct alloc_header *)b->next,
				 payload - HDR - b->next, BUMP_FREE);
	alloc_header_set(alloc_header_of((void *)payload), block, BUMP_USED);
	b->next = payload - HDR + block;
	if (b->next - b->start > b->high_water)
		b->high_water = b->next - b->start;
	b->used += block;
	b->live++;
	b->allocs++;
	return (void *)payload;
fail:
	b->failures++;
	return NULL;
}

/* Walk the tiling from start to find out what p is. */
static enum alloc_ptr_state walk_for(const struct bump *b, uintptr_t h)
{
	uintptr_t at = b->start;

	while (at < b->next) {
		const struct alloc_header *bh = (const void *)at;

		if (!alloc_header_is(bh, BUMP_USED) && !alloc_header_is(bh, BUMP_FREE))
			return ALLOC_PTR_CORRUPT;
		if (at >= h || bh->size < HDR || bh->size > b->next - at)
			break;
		at += bh->size;
	}
	return ALLOC_PTR_FOREIGN;
}

static enum alloc_ptr_state bump_validate(const void *self, const void *p)
{
	const struct bump *b = self;
	uintptr_t h = (uintptr_t)p - HDR;
	const struct alloc_header *hp = (const void *)h;

	if ((uintptr_t)p % ALLOC_ALIGN || (uintptr_t)p < b->start + HDR ||
	    (uintptr_t)p >= b->next)
		return ALLOC_PTR_FOREIGN;
	if (alloc_header_is(hp, BUMP_USED) && hp->size <= b->next - h)
		return ALLOC_PTR_LIVE;
	if (alloc_header_is(hp, BUMP_FREE))
		return ALLOC_PTR_FREED;
	return walk_for(b, h);
}

static struct alloc_header *live_header(const struct bump *b, const void *p)
{
	enum alloc_ptr_state s = bump_validate(b, p);

	if (s != ALLOC_PTR_LIVE)
		alloc_bad_pointer("bump", s, p);
	return alloc_header_of(p);
}

static void bump_free(void *self, void *p)
{
	struct bump *b = self;
	struct alloc_header *h;

	if (!p)
		return;
	h = live_header(b, p);
	alloc_header_set(h, h->size, BUMP_FREE);
	b->used -= h->size;
	b->frees++;
	if (--b->live == 0)
		b->next = b->start;     /* everything freed: start over */
}

static size_t bump_usable_size(const void *self, const void *p)
{
	return live_header(self, p)->size - HDR;
}

/* Any block can shrink in place; only the last one can grow. */
static bool bump_resize(void *self, void *p, size_t size)
{
	struct bump *b = self;
	struct alloc_header *h = live_header(b, p);
	size_t block = alloc_block_size(size);

	if (size > ALLOC_MAX_SIZE)
		return false;
	if ((uintptr_t)h + h->size != b->next)
		return block <= h->size;
	if (block > b->end - (uintptr_t)h)
		return false;
	b->used = b->used - h->size + block;
	alloc_header_set(h, block, BUMP_USED);
	b->next = (uintptr_t)h + block;
	if (b->next - b->start > b->high_water)
		b->high_water = b->next - b->start;
	return true;
}

static void bump_extend(void *self, size_t bytes)
{
	struct bump *b = self;

	ASSERT(bytes % ALLOC_ALIGN == 0);
	b->end += bytes;
}

static void bump_stats(const void *self, struct alloc_stats *out)
{
	const struct bump *b = self;
	size_t tail = b->end - b->next;

	*out = (struct alloc_stats){
		.arena_bytes = b->end - (uintptr_t)b,
		.used_bytes = b->used,
		.free_bytes = tail,
		.largest_free = tail > HDR ? tail - HDR : 0,
		.high_water = b->high_water + (b->start - (uintptr_t)b),
		.live = b->live,
		.allocs = b->allocs, .frees = b->frees, .failures = b->failures,
	};
}

static void bump_check(const void *self)
{
	const struct bump *b = self;
	size_t used = 0, live = 0;
	uintptr_t at = b->start;

	if (b->next < b->start || b->next > b->end || (b->live == 0) != (b->next == b->start))
		panic("bump heap: bad state (start %p next %p end %p, %zu live)",
		      (void *)b->start, (void *)b->next, (void *)b->end, b->live);
	while (at < b->next) {
		const struct alloc_header *h = (const void *)at;
		bool in_use = alloc_header_is(h, BUMP_USED);

		if (!in_use && !alloc_header_is(h, BUMP_FREE))
			panic("bump heap: corrupted block header at %p", (void *)h);
		if (h->size < HDR || h->size % ALLOC_ALIGN || h->size > b->next - at)
			panic("bump heap: block at %p has a bad size %llu",
			      (void *)h, (unsigned long long)h->size);
		used += in_use ? h->size : 0;
		live += in_use;
		at += h->size;
	}
	if (used != b->used || live != b->live)
		panic("bump heap: counted %zu live blocks of %zu bytes, expected "
		      "%zu of %zu", live, used, b->live, b->used);
}

const struct alloc_ops bump_ops = {
	.name = "bump",
	.reuses_freed = false,
	.init = bump_init,
	.alloc = bump_alloc,
	.free = bump_free,
	.validate = bump_validate,
	.usable_size = bump_usable_size,
	.resize = bump_resize,
	.extend = bump_extend,
	.stats = bump_stats,
	.check = bump_check,
};
