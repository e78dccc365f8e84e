/* Linked-list allocator (blog_os allocator/linked_list.rs): first fit over a
 * free list kept in address order, splitting blocks on allocation and merging
 * a freed block with free neighbours.
 *
 * Blocks tile [start, end) with no gaps: a header, then the payload; a free
 * block's payload starts with its list link. An alignment gap too small to be
 * a free block is never left: the block moves up instead. A freed block that
 * merges into its neighbour keeps a "free" header inside the merged block, so
 * freeing it again is still seen as a double free until the memory is reused.
 */
#include "mm/alloc/alloc.h"

#define LL_USED 0x55736c6cu   /* "llsU" */
#define LL_FREE 0x46736c6cu   /* "llsF" */

struct ll_free {
	struct alloc_header h;
	struct ll_free *next;   /* next free block up, never adjacent */
};

#define HDR       sizeof(struct alloc_header)
#define MIN_BLOCK (2 * ALLOC_ALIGN)   /* room for struct ll_free */

_Static_assert(sizeof(struct ll_free) <= MIN_BLOCK, "free block fits");

struct linked_list {
	uintptr_t start;             /* the first block */
	uintptr_t end;
	struct ll_free *free_list;   /* lowest free block */
	size_t used;                 /* bytes in live blocks */
	size_t high_water;           /* highest live block end, from the arena base */
	size_t live;
	uint64_t allocs, frees, failures;
};

static bool header_ok(const struct linked_list *l, uintptr_t at, uint32_t magic)
{
	const struct alloc_header *h = (const void *)at;

	return at >= l->start && at < l->end && at % ALLOC_ALIGN == 0 &&
	       alloc_header_is(h, magic) && h->size >= HDR &&
	       h->size % ALLOC_ALIGN == 0 && h->size <= l->end - at;
}

/* A free-list entry must be an intact free block below its successor. */
static void verify_free(const struct linked_list *l, const struct ll_free *f)
{
	if (!header_ok(l, (uintptr_t)f, LL_FREE) || f->h.size < MIN_BLOCK ||
	    (f->next && (uintptr_t)f->next <= (uintptr_t)f + f->h.size))
		panic("linked_list heap: corrupted free block at %p (a write "
		      "after free?)", (void *)f);
}

static void note_used(struct linked_list *l, uintptr_t h, size_t old, size_t now)
{
	size_t top = h + now - (uintptr_t)l;

	l->used = l->used - old + now;
	if (top > l->high_water)
		l->high_water = top;
}

static void *ll_init(void *arena, size_t size)
{
	uintptr_t base = alloc_align_up((uintptr_t)arena, ALLOC_ALIGN);
	uintptr_t start = alloc_align_up(base + sizeof(struct linked_list), ALLOC_ALIGN);
	uintptr_t end = ((uintptr_t)arena + size) & ~(uintptr_t)(ALLOC_ALIGN - 1);
	struct linked_list *l = (struct linked_list *)base;

	if (size < sizeof(struct linked_list) + 2 * MIN_BLOCK ||
	    end < start + MIN_BLOCK)
		return NULL;
	*l = (struct linked_list){ .start = start, .end = end,
				   .free_list = (struct ll_free *)start };
	alloc_header_set(&l->free_list->h, end - start, LL_FREE);
	l->free_list->next = NULL;
	return l;
}

/* Where in free block f a block of this size and alignment can start, or 0.
 * A gap in front of it must be big enough to stay a free block. */
static uintptr_t fit(const struct ll_free *f, size_t block, size_t align)
{
	uintptr_t s = (uintptr_t)f, e = s + f->h.size;
	uintptr_t h = alloc_align_up(s + HDR, align) - HDR;

	if (h != s && h - s < MIN_BLOCK)
		h = alloc_align_up(s + MIN_BLOCK + HDR, align) - HDR;
	return h + block <= e && h + block > h ? h : 0;
}

/* Carve [h, h + block) out of free block f (reached through *link): the
 * gap before it stays free, a tail big enough becomes a new free block. */
static void *take(struct linked_list *l, struct ll_free **link,
		  struct ll_free *f, uintptr_t h, size_t block)
{
	uintptr_t s = (uintptr_t)f, e = s + f->h.size;
	struct ll_free *rest = f->next;

	if (e - (h + block) >= MIN_BLOCK) {
		struct ll_free *tail = (struct ll_free *)(h + block);

		alloc_header_set(&tail->h, e - (h + block), LL_FREE);
		tail->next = rest;
		rest = tail;
	} else {
		block = e - h;
	}
	if (h > s) {
		alloc_header_set(&f->h, h - s, LL_FREE);
		f->next = rest;
	} else {
		*link = rest;
	}
	alloc_header_set((struct alloc_header *)h, block, LL_USED);
	note_used(l, h, 0, block);
	l->live++;
	l->allocs++;
	return (void *)(h + HDR);
}

static void *ll_alloc(void *self, size_t size, size_t align)
{
	struct linked_list *l = self;
	size_t block = alloc_block_size(size);
	struct ll_free **link = &l->free_list;

	align = alloc_effective_align(align);
	if (align && size <= ALLOC_MAX_SIZE) {
		for (struct ll_free *f = *link; f; link = &f->next, f = *link) {
			uintptr_t h;

			verify_free(l, f);
			h = fit(f, block, align);
			if (h)
				return take(l, link, f, h, block);
		}
	}
	l->failures++;
	return NULL;
}

/* Put [at, at + size) on the free list, merged with free neighbours. */
static void insert_free(struct linked_list *l, uintptr_t at, size_t size)
{
	struct ll_free *prev = NULL, *next = l->free_list;
	struct ll_free *blk = (struct ll_free *)at;

	while (next && (uintptr_t)next < at) {
		verify_free(l, next);
		prev = next;
		next = next->next;
	}
	if (next)
		verify_free(l, next);
	/* Marked free even when it merges away: a second free() then says
	 * "double free". */
	alloc_header_set(&blk->h, size, LL_FREE);
	if (next && at + size == (uintptr_t)next) {
		size += next->h.size;
		next = next->next;
	}
	if (prev && (uintptr_t)prev + prev->h.size == at) {
		alloc_header_set(&prev->h, prev->h.size + size, LL_FREE);
		prev->next = next;
		return;
	}
	alloc_header_set(&blk->h, size, LL_FREE);
	blk->next = next;
	if (prev)
		prev->next = blk;
	else
		l->free_list = blk;
}

/* Walk the tiling from start to tell a foreign pointer from a broken heap. */
static enum alloc_ptr_state walk_for(const struct linked_list *l, uintptr_t h)
{
	for (uintptr_t at = l->start; at < l->end && at <= h;) {
		if (!header_ok(l, at, LL_USED) && !header_ok(l, at, LL_FREE))
			return ALLOC_PTR_CORRUPT;
		at += ((const struct alloc_header *)at)->size;
	}
	return ALLOC_PTR_FOREIGN;
}

static enum alloc_ptr_state ll_validate(const void *self, const void *p)
{
	const struct linked_list *l = self;
	uintptr_t h = (uintptr_t)p - HDR;

	if ((uintptr_t)p % ALLOC_ALIGN || (uintptr_t)p < l->start + HDR ||
	    (uintptr_t)p >= l->end)
		return ALLOC_PTR_FOREIGN;
	if (header_ok(l, h, LL_USED))
		return ALLOC_PTR_LIVE;
	if (alloc_header_is((const void *)h, LL_FREE))
		return ALLOC_PTR_FREED;
	return walk_for(l, h);
}

static struct alloc_header *live_header(const struct linked_list *l, const void *p)
{
	enum alloc_ptr_state s = ll_validate(l, p);

	if (s != ALLOC_PTR_LIVE)
		alloc_bad_pointer("linked_list", s, p);
	return alloc_header_of(p);
}

static void ll_free(void *self, void *p)
{
	struct linked_list *l = self;
	struct alloc_header *h;
	uintptr_t after;

	if (!p)
		return;
	h = live_header(l, p);
	after = (uintptr_t)h + h->size;
	if (after < l->end && !header_ok(l, after, LL_USED) &&
	    !header_ok(l, after, LL_FREE))
		panic("linked_list heap: corrupted block header at %p, right "
		      "after the block %p being freed (a buffer overrun?)",
		      (void *)after, p);
	l->used -= h->size;
	l->live--;
	l->frees++;
	insert_free(l, (uintptr_t)h, h->size);
}

static size_t ll_usable_size(const void *self, const void *p)
{
	return live_header(self, p)->size - HDR;
}

/* Unlink free block f; returns where its link was. */
static struct ll_free **unlink_free(struct linked_list *l, struct ll_free *f)
{
	struct ll_free **link = &l->free_list;

	while (*link != f) {
		verify_free(l, *link);
		link = &(*link)->next;
	}
	*link = f->next;
	return link;
}

/* Grow h into the free block right after it, if that is enough. */
static bool grow_in_place(struct linked_list *l, struct alloc_header *h, size_t block)
{
	uintptr_t after = (uintptr_t)h + h->size;
	struct ll_free *f = (struct ll_free *)after, **link;
	size_t total, old = h->size;

	if (after >= l->end || !header_ok(l, after, LL_FREE) ||
	    old + f->h.size < block)
		return false;
	total = old + f->h.size;
	link = unlink_free(l, f);
	if (total - block >= MIN_BLOCK) {
		struct ll_free *tail = (struct ll_free *)((uintptr_t)h + block);

		alloc_header_set(&tail->h, total - block, LL_FREE);
		tail->next = *link;
		*link = tail;
	} else {
		block = total;
	}
	alloc_header_set(h, block, LL_USED);
	note_used(l, (uintptr_t)h, old, block);
	return true;
}

static bool ll_resize(void *self, void *p, size_t size)
{
	struct linked_list *l = self;
	struct alloc_header *h = live_header(l, p);
	size_t block = alloc_block_size(size), old = h->size;

	if (size > ALLOC_MAX_SIZE)
		return false;
	if (block > old)
		return grow_in_place(l, h, block);
	if (old - block >= MIN_BLOCK) {
		alloc_header_set(h, block, LL_USED);
		note_used(l, (uintptr_t)h, old, block);
		insert_free(l, (uintptr_t)h + block, old - block);
	}
	return true;
}

static void ll_extend(void *self, size_t bytes)
{
	struct linked_list *l = self;
	uintptr_t at = l->end;

	ASSERT(bytes % ALLOC_ALIGN == 0 && bytes >= MIN_BLOCK);
	l->end += bytes;
	insert_free(l, at, bytes);
}

static void ll_stats(const void *self, struct alloc_stats *out)
{
	const struct linked_list *l = self;
	size_t largest = 0;

	for (const struct ll_free *f = l->free_list; f; f = f->next)
		if (f->h.size - HDR > largest)
			largest = f->h.size - HDR;
	*out = (struct alloc_stats){
		.arena_bytes = l->end - (uintptr_t)l,
		.used_bytes = l->used,
		.free_bytes = (l->end - l->start) - l->used,
		.largest_free = largest,
		.high_water = l->high_water,
		.live = l->live,
		.allocs = l->allocs, .frees = l->frees, .failures = l->failures,
	};
}

/* Every block intact, free blocks on the list in order and never adjacent,
 * the counters right. */
static void ll_check(const void *self)
{
	const struct linked_list *l = self;
	const struct ll_free *want = l->free_list;
	size_t used = 0, live = 0;
	bool prev_free = false;
	uintptr_t at;

	for (at = l->start; at < l->end; at += ((const struct alloc_header *)at)->size) {
		bool is_free = header_ok(l, at, LL_FREE);

		if (!is_free && !header_ok(l, at, LL_USED))
			panic("linked_list heap: corrupted block header at %p", (void *)at);
		if (is_free && (prev_free || (uintptr_t)want != at))
			panic("linked_list heap: free block %p is %s", (void *)at,
			      prev_free ? "next to another free block" :
			      "missing from the free list");
		if (is_free) {
			verify_free(l, want);
			want = want->next;
		} else {
			used += ((const struct alloc_header *)at)->size;
			live++;
		}
		prev_free = is_free;
	}
	if (at != l->end || want)
		panic("linked_list heap: blocks end at %p, arena at %p; free list "
		      "left over at %p", (void *)at, (void *)l->end, (const void *)want);
	if (used != l->used || live != l->live)
		panic("linked_list heap: counted %zu live blocks of %zu bytes, "
		      "expected %zu of %zu", live, used, l->live, l->used);
}

const struct alloc_ops linked_list_ops = {
	.name = "linked_list",
	.reuses_freed = true,
	.init = ll_init,
	.alloc = ll_alloc,
	.free = ll_free,
	.validate = ll_validate,
	.usable_size = ll_usable_size,
	.resize = ll_resize,
	.extend = ll_extend,
	.stats = ll_stats,
	.check = ll_check,
};
