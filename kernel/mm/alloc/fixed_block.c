/* Fixed-size block allocator (blog_os allocator/fixed_size_block.rs): one
 * free list per power-of-two block size, 32 to 2048 bytes, and the
 * linked-list allocator as the fallback for bigger or more aligned requests.
 *
 * A list that runs dry is refilled with a chunk from the fallback, cut into
 * blocks of its class; chunks are never given back. Every block has a header
 * (block size, used/free), so free() needs no size and can tell a class block
 * from a fallback block; chunks are listed so that a bad pointer inside one
 * can be told from a corrupted block header.
 */
#include "mm/alloc/alloc.h"

#define FB_USED  0x556b6266u   /* "fbkU" */
#define FB_FREE  0x466b6266u   /* "fbkF" */
#define FB_CHUNK 0x436b6266u   /* "fbkC" */

#define FB_CLASSES          7       /* blocks of 32, 64, ... 2048 bytes */
#define FB_MIN_SHIFT        5       /* the smallest block: 1 << 5 = 32 */
#define FB_CHUNK_TARGET     4096    /* bytes of blocks a refill cuts */
#define FB_CHUNK_MIN_BLOCKS 4       /* ... but at least this many blocks */

#define HDR sizeof(struct alloc_header)

struct fb_free {
	struct alloc_header h;
	struct fb_free *next;
};

/* Start of a chunk; its blocks follow. h.size is the whole chunk. */
struct fb_chunk {
	struct alloc_header h;
	struct fb_chunk *next;
	uint64_t block_size;
};

_Static_assert(sizeof(struct fb_chunk) % ALLOC_ALIGN == 0, "chunk header size");
_Static_assert(sizeof(struct fb_chunk) + FB_CHUNK_MIN_BLOCKS * (1 << (FB_MIN_SHIFT +
	       FB_CLASSES - 1)) + ALLOC_EXTEND_SLACK <= ALLOC_EXTEND_MIN &&
	       sizeof(struct fb_chunk) + FB_CHUNK_TARGET + ALLOC_EXTEND_SLACK <=
	       ALLOC_EXTEND_MIN, "a refill fits in ALLOC_EXTEND_MIN");

struct fixed_block {
	struct fb_free *heads[FB_CLASSES];
	struct fb_chunk *chunks;
	void *fallback;           /* linked_list handle, right after this */
	uintptr_t lo, hi;         /* the fallback's arena, for pointer checks */
	size_t class_used;        /* bytes of live class blocks */
	size_t class_cached;      /* bytes of free class blocks */
	size_t chunk_bytes;       /* fallback bytes held by chunks */
	size_t live_small, nchunks;
	uint64_t allocs, frees, failures;
};

static const struct alloc_ops *const fallback_ops = &linked_list_ops;

static size_t class_size(int c)
{
	return (size_t)1 << (c + FB_MIN_SHIFT);
}

/* The class for a request, or -1 for the fallback. */
static int class_of(size_t size, size_t align)
{
	size_t block = alloc_block_size(size);
	int c = 0;

	if (align > ALLOC_ALIGN || size > ALLOC_MAX_SIZE ||
	    block > class_size(FB_CLASSES - 1))
		return -1;
	while (class_size(c) < block)
		c++;
	return c;
}

static void *fb_init(void *arena, size_t size)
{
	uintptr_t base = alloc_align_up((uintptr_t)arena, ALLOC_ALIGN);
	uintptr_t rest = alloc_align_up(base + sizeof(struct fixed_block), ALLOC_ALIGN);
	struct fixed_block *fb = (struct fixed_block *)base;
	void *ll;

	if (size < rest - (uintptr_t)arena)
		return NULL;
	ll = fallback_ops->init((void *)rest, size - (rest - (uintptr_t)arena));
	if (!ll)
		return NULL;
	*fb = (struct fixed_block){ .fallback = ll, .lo = rest,
				    .hi = (uintptr_t)arena + size };
	return fb;
}

/* A free-list entry must be an intact free block of its class. */
static void verify_free(const struct fixed_block *fb, const struct fb_free *f, int c)
{
	uintptr_t at = (uintptr_t)f;

	if (at < fb->lo || at >= fb->hi || at % ALLOC_ALIGN ||
	    !alloc_header_is(&f->h, FB_FREE) || f->h.size != class_size(c))
		panic("fixed_block heap: corrupted free block at %p in the %zu-byte "
		      "list (a write after free?)", (const void *)f, class_size(c));
}

/* Cut a new chunk from the fallback into free blocks of class c. */
static bool refill(struct fixed_block *fb, int c)
{
	size_t bs = class_size(c);
	size_t n = FB_CHUNK_TARGET / bs;
	size_t bytes, i;
	struct fb_chunk *ch;

	n = n < FB_CHUNK_MIN_BLOCKS ? FB_CHUNK_MIN_BLOCKS : n;
	bytes = sizeof(struct fb_chunk) + n * bs;
	ch = fallback_ops->alloc(fb->fallback, bytes, ALLOC_ALIGN);

	if (!ch)
		return false;
	alloc_header_set(&ch->h, bytes, FB_CHUNK);
	ch->block_size = bs;
	ch->next = fb->chunks;
	fb->chunks = ch;
	fb->nchunks++;
	fb->chunk_bytes += fallback_ops->usable_size(fb->fallback, ch) + HDR;
	for (i = n; i-- > 0;) {     /* pushed last first: handed out in order */
		struct fb_free *f = (struct fb_free *)((uintptr_t)(ch + 1) + i * bs);

		alloc_header_set(&f->h, bs, FB_FREE);
		f->next = fb->heads[c];
		fb->heads[c] = f;
		fb->class_cached += bs;
	}
	return true;
}

static void *fb_alloc(void *self, size_t size, size_t align)
{
	struct fixed_block *fb = self;
	int c = class_of(size, alloc_effective_align(align));
	struct fb_free *f;
	void *p;

	if (c < 0 || !alloc_effective_align(align)) {
		p = fallback_ops->alloc(fb->fallback, size, align);
		fb->allocs += p != NULL;
		fb->failures += p == NULL;
		return p;
	}
	if (!fb->heads[c] && !refill(fb, c)) {
		fb->failures++;
		return NULL;
	}
	f = fb->heads[c];
	verify_free(fb, f, c);
	fb->heads[c] = f->next;
	alloc_header_set(&f->h, class_size(c), FB_USED);
	fb->class_used += class_size(c);
	fb->class_cached -= class_size(c);
	fb->live_small++;
	fb->allocs++;
	return (void *)((uintptr_t)f + HDR);
}

static bool is_class_block(const struct fixed_block *fb, uintptr_t p, uint32_t magic)
{
	const struct alloc_header *h = alloc_header_of((const void *)p);

	return p % ALLOC_ALIGN == 0 && p >= fb->lo + HDR && p < fb->hi &&
	       alloc_header_is(h, magic) && alloc_is_pow2(h->size) &&
	       h->size >= class_size(0) && h->size <= class_size(FB_CLASSES - 1);
}

/* h is no block start the fallback knows: inside a chunk it is either a
 * block start with a broken header or a pointer into a block. */
static enum alloc_ptr_state chunk_walk(const struct fixed_block *fb, uintptr_t h)
{
	for (const struct fb_chunk *ch = fb->chunks; ch; ch = ch->next) {
		uintptr_t first = (uintptr_t)ch + sizeof(*ch);

		if (!alloc_header_is(&ch->h, FB_CHUNK))
			return ALLOC_PTR_CORRUPT;
		if (h >= (uintptr_t)ch && h < (uintptr_t)ch + ch->h.size)
			return h >= first && (h - first) % ch->block_size == 0 ?
			       ALLOC_PTR_CORRUPT : ALLOC_PTR_FOREIGN;
	}
	return ALLOC_PTR_FOREIGN;
}

static enum alloc_ptr_state fb_validate(const void *self, const void *p)
{
	const struct fixed_block *fb = self;
	uintptr_t at = (uintptr_t)p;
	enum alloc_ptr_state s;

	if (is_class_block(fb, at, FB_USED))
		return ALLOC_PTR_LIVE;
	if (is_class_block(fb, at, FB_FREE))
		return ALLOC_PTR_FREED;
	if (at % ALLOC_ALIGN || at < fb->lo + HDR || at >= fb->hi)
		return ALLOC_PTR_FOREIGN;
	s = fallback_ops->validate(fb->fallback, p);
	if (s == ALLOC_PTR_LIVE)      /* unless it is one of our chunks */
		return alloc_header_is(p, FB_CHUNK) ? ALLOC_PTR_FOREIGN : s;
	return s == ALLOC_PTR_FOREIGN ? chunk_walk(fb, at - HDR) : s;
}

/* Panics unless p is live; returns whether it is a class block. */
static bool live_class_block(const struct fixed_block *fb, const void *p)
{
	enum alloc_ptr_state s;

	if (is_class_block(fb, (uintptr_t)p, FB_USED))
		return true;
	s = fb_validate(fb, p);
	if (s != ALLOC_PTR_LIVE)
		alloc_bad_pointer("fixed_block", s, p);
	return false;
}

static void fb_free(void *self, void *p)
{
	struct fixed_block *fb = self;
	struct fb_free *f;
	size_t bs;
	int c = 0;

	if (!p)
		return;
	fb->frees++;
	if (!live_class_block(fb, p)) {
		fallback_ops->free(fb->fallback, p);
		return;
	}
	f = (struct fb_free *)alloc_header_of(p);
	bs = f->h.size;
	while (class_size(c) != bs)
		c++;
	alloc_header_set(&f->h, bs, FB_FREE);
	f->next = fb->heads[c];
	fb->heads[c] = f;
	fb->class_used -= bs;
	fb->class_cached += bs;
	fb->live_small--;
}

static size_t fb_usable_size(const void *self, const void *p)
{
	const struct fixed_block *fb = self;

	if (live_class_block(fb, p))
		return alloc_header_of(p)->size - HDR;
	return fallback_ops->usable_size(fb->fallback, p);
}

/* A class block keeps its size: it can take anything that fits it. */
static bool fb_resize(void *self, void *p, size_t size)
{
	struct fixed_block *fb = self;

	if (live_class_block(fb, p))
		return size <= ALLOC_MAX_SIZE &&
		       alloc_block_size(size) <= alloc_header_of(p)->size;
	return fallback_ops->resize(fb->fallback, p, size);
}

static void fb_extend(void *self, size_t bytes)
{
	struct fixed_block *fb = self;

	fallback_ops->extend(fb->fallback, bytes);
	fb->hi += bytes;
}

static void fb_stats(const void *self, struct alloc_stats *out)
{
	const struct fixed_block *fb = self;
	struct alloc_stats ll;
	size_t own = (uintptr_t)fb->fallback - (uintptr_t)fb;

	fallback_ops->stats(fb->fallback, &ll);
	*out = (struct alloc_stats){
		.arena_bytes = ll.arena_bytes + own,
		.used_bytes = ll.used_bytes - fb->chunk_bytes + fb->class_used,
		.free_bytes = ll.free_bytes + fb->class_cached,
		.largest_free = ll.largest_free,
		.high_water = ll.high_water + own,
		.live = ll.live - fb->nchunks + fb->live_small,
		.allocs = fb->allocs, .frees = fb->frees, .failures = fb->failures,
	};
}

/* Count the used and free blocks of one chunk; panics on a broken header. */
static void check_chunk(const struct fixed_block *fb, const struct fb_chunk *ch,
			size_t *used, size_t *live, size_t *free_blocks)
{
	uintptr_t end = (uintptr_t)ch + ch->h.size;

	if (!alloc_header_is(&ch->h, FB_CHUNK) ||
	    fallback_ops->validate(fb->fallback, ch) != ALLOC_PTR_LIVE)
		panic("fixed_block heap: corrupted chunk at %p", (const void *)ch);
	for (uintptr_t at = (uintptr_t)(ch + 1); at + ch->block_size <= end;
	     at += ch->block_size) {
		const struct alloc_header *h = (const void *)at;
		bool in_use = alloc_header_is(h, FB_USED);

		if ((!in_use && !alloc_header_is(h, FB_FREE)) || h->size != ch->block_size)
			panic("fixed_block heap: corrupted block header at %p", (const void *)h);
		*used += in_use ? h->size : 0;
		*live += in_use;
		*free_blocks += !in_use;
	}
}

static void fb_check(const void *self)
{
	const struct fixed_block *fb = self;
	size_t used = 0, live = 0, free_in_chunks = 0, listed = 0, cached = 0, n = 0;

	fallback_ops->check(fb->fallback);
	for (const struct fb_chunk *ch = fb->chunks; ch; ch = ch->next, n++)
		check_chunk(fb, ch, &used, &live, &free_in_chunks);
	for (int c = 0; c < FB_CLASSES; c++)
		for (const struct fb_free *f = fb->heads[c]; f; f = f->next) {
			verify_free(fb, f, c);
			cached += f->h.size;
			if (++listed > free_in_chunks)
				panic("fixed_block heap: free lists longer than "
				      "the free blocks (a loop?)");
		}
	if (n != fb->nchunks || used != fb->class_used || live != fb->live_small ||
	    listed != free_in_chunks || cached != fb->class_cached)
		panic("fixed_block heap: counted %zu chunks, %zu live blocks of %zu "
		      "bytes, %zu free (%zu listed, %zu bytes); expected %zu, %zu "
		      "of %zu, %zu bytes", n, live, used, free_in_chunks, listed,
		      cached, fb->nchunks, fb->live_small, fb->class_used,
		      fb->class_cached);
}

const struct alloc_ops fixed_block_ops = {
	.name = "fixed_block",
	.reuses_freed = true,
	.init = fb_init,
	.alloc = fb_alloc,
	.free = fb_free,
	.validate = fb_validate,
	.usable_size = fb_usable_size,
	.resize = fb_resize,
	.extend = fb_extend,
	.stats = fb_stats,
	.check = fb_check,
};
