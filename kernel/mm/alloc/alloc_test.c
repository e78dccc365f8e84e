/* Tests for the three allocator designs (bump, linked_list, fixed_block),
 * each on an arena of its own: the same cases run in a test image and on the
 * host under ASan/UBSan. Most cases run once per design (KTEST_PARAM).
 */
#ifdef KTEST_HOST
#include <stdlib.h>
#endif

#include "ktest.h"
#include "lib/string.h"
#include "mm/alloc/alloc.h"

#define ARENA_SIZE  (256 * 1024)
#define SMALL_ARENA (16 * 1024)
#define HDR         sizeof(struct alloc_header)

/* QEMU's TCG is slow: the kernel runs the long cases shorter. */
#ifdef KTEST_HOST
#define CHURN_STEPS 200000
#define BOXES       100000
#define VEC_LEN     10000
#else
#define CHURN_STEPS 3000
#define BOXES       3000
#define VEC_LEN     1000
#endif

#define CHURN_SLOTS     64
#define CHURN_MAX_SIZE  3000   /* spans every size class and the fallback */
#define CHURN_CHECK_EVERY 997

/* ------------------------------------------------------------------------ */
/* Arenas: malloc'ed to the byte on the host (ASan sees any overrun), a static
 * buffer in the kernel. */

#ifdef KTEST_HOST
static void *arena_get(size_t size)
{
	return calloc(1, size);
}

static void arena_put(void *mem)
{
	free(mem);
}
#else
static unsigned char arena_buf[ARENA_SIZE] __attribute__((aligned(4096)));

static void *arena_get(size_t size)
{
	return size <= sizeof(arena_buf) ? arena_buf : NULL;
}

static void arena_put(void *mem)
{
	(void)mem;
}
#endif

static void release_arena(struct ktest *t)
{
	if (t->priv)
		arena_put(t->priv);
}

KTEST_SUITE(alloc, .case_exit = release_arena);

/* A fresh allocator of this design on an arena of size bytes. */
static void *setup(struct ktest *t, const struct alloc_ops *ops, size_t size)
{
	void *a;

	t->priv = arena_get(size);
	ASSERT_NOT_NULL(t->priv);
	a = ops->init(t->priv, size);
	ASSERT_NOT_NULL_MSG(a, "%s init on %zu bytes", ops->name, size);
	return a;
}

typedef const struct alloc_ops *design;

static const design designs[] = { &bump_ops, &linked_list_ops, &fixed_block_ops };
static const design reusing_designs[] = { &linked_list_ops, &fixed_block_ops };

static void describe(const design *ops, char *buf, size_t len)
{
	strlcpy(buf, (*ops)->name, len);
}

/* Content checks: byte i of a block tagged tag. */
static unsigned char pattern(unsigned tag, size_t i)
{
	return (unsigned char)(tag * 151u + i * 131u + 7u);
}

static void fill(void *p, size_t n, unsigned tag)
{
	for (size_t i = 0; i < n; i++)
		((unsigned char *)p)[i] = pattern(tag, i);
}

/* Index of the first byte that differs from the pattern, or n. */
static size_t first_bad(const void *p, size_t n, unsigned tag)
{
	for (size_t i = 0; i < n; i++)
		if (((const unsigned char *)p)[i] != pattern(tag, i))
			return i;
	return n;
}

/* xorshift64*: reproducible pseudo-random numbers. */
static uint64_t rnd_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* realloc on top of the interface: in place when the design can, else move. */
static void *grow(const struct alloc_ops *ops, void *a, void *p, size_t old,
		  size_t size)
{
	void *q;

	if (ops->resize(a, p, size))
		return p;
	q = ops->alloc(a, size, 0);
	if (q) {
		memcpy(q, p, old < size ? old : size);
		ops->free(a, p);
	}
	return q;
}

static struct alloc_stats stats_of(const struct alloc_ops *ops, void *a)
{
	struct alloc_stats s;

	ops->stats(a, &s);
	return s;
}

/* ------------------------------------------------------------------------ */
/* The seed's heap_allocation cases, per design. */

KTEST_PARAM(alloc, simple_allocation, design, designs, describe)
{
	const struct alloc_ops *ops = *param;
	void *a = setup(t, ops, ARENA_SIZE);
	uint64_t *x = ops->alloc(a, sizeof(*x), 0);
	uint64_t *y = ops->alloc(a, sizeof(*y), 0);

	ASSERT_NOT_NULL(x);
	ASSERT_NOT_NULL(y);
	*x = 41;
	*y = 13;
	EXPECT_EQ(41u, *x);
	EXPECT_EQ(13u, *y);
	EXPECT_PTR_NE(x, y);
	EXPECT_EQ(0u, (uintptr_t)x % ALLOC_ALIGN);
	EXPECT_EQ(2u, stats_of(ops, a).live);
	ops->check(a);
	ops->free(a, x);
	ops->free(a, y);
	EXPECT_EQ(0u, stats_of(ops, a).live);
	EXPECT_EQ(0u, stats_of(ops, a).used_bytes);
	ops->check(a);
}

/* blog_os's large_vec: a growing array keeps its contents. */
KTEST_PARAM(alloc, large_growing_array, design, designs, describe)
{
	const struct alloc_ops *ops = *param;
	void *a = setup(t, ops, ARENA_SIZE);
	size_t cap = 1, len;
	uint64_t *v = ops->alloc(a, cap * sizeof(*v), 0);
	uint64_t sum = 0;

	ASSERT_NOT_NULL(v);
	for (len = 0; len < VEC_LEN; len++) {
		if (len == cap) {
			v = grow(ops, a, v, cap * sizeof(*v), 2 * cap * sizeof(*v));
			ASSERT_NOT_NULL_MSG(v, "growing to %zu elements", 2 * cap);
			cap *= 2;
		}
		v[len] = len;
	}
	for (size_t i = 0; i < len; i++)
		sum += v[i];
	EXPECT_EQ((uint64_t)VEC_LEN * (VEC_LEN - 1) / 2, sum);
	ops->check(a);
	ops->free(a, v);
	EXPECT_EQ(0u, stats_of(ops, a).live);
}

/* blog_os's many_boxes: freed memory is reused, so the footprint after many
 * allocate-free rounds is the footprint after a few. */
KTEST_PARAM(alloc, many_boxes, design, designs, describe)
{
	const struct alloc_ops *ops = *param;
	void *a = setup(t, ops, SMALL_ARENA);
	size_t early = 0;

	for (uint64_t i = 0; i < BOXES; i++) {
		uint64_t *x = ops->alloc(a, sizeof(*x), 0);

		ASSERT_NOT_NULL_MSG(x, "box %llu", (unsigned long long)i);
		*x = i;
		ASSERT_EQ(i, *x);
		ops->free(a, x);
		if (i == 10)
			early = stats_of(ops, a).high_water;
	}
	EXPECT_EQ(early, stats_of(ops, a).high_water);
	ops->check(a);
}

/* blog_os's many_boxes_long_lived: one block stays live while many come and
 * go, more than the arena could hold at once. A design that reuses freed
 * blocks gets through; bump cannot reuse while a block lives: it runs out,
 * and only freeing the long-lived block gives the arena back. */
KTEST_PARAM(alloc, many_boxes_long_lived, design, designs, describe)
{
	const struct alloc_ops *ops = *param;
	void *a = setup(t, ops, SMALL_ARENA);
	uint64_t *long_lived = ops->alloc(a, sizeof(*long_lived), 0);
	uint64_t i, rounds = SMALL_ARENA / alloc_block_size(8) * 2;
	size_t early = 0;

	ASSERT_NOT_NULL(long_lived);
	*long_lived = 1;
	for (i = 0; i < rounds; i++) {
		uint64_t *x = ops->alloc(a, sizeof(*x), 0);

		if (!x)
			break;
		*x = i;
		ASSERT_EQ(i, *x);
		ops->free(a, x);
		if (i == 10)
			early = stats_of(ops, a).high_water;
	}
	EXPECT_EQ(1u, *long_lived);
	if (ops->reuses_freed) {
		EXPECT_EQ(rounds, i);
		EXPECT_EQ(early, stats_of(ops, a).high_water);
	} else {
		EXPECT_LT(i, rounds);
		ops->free(a, long_lived);
		long_lived = ops->alloc(a, sizeof(*long_lived), 0);
		EXPECT_NOT_NULL_MSG(long_lived, "after the arena emptied");
	}
	ops->free(a, long_lived);
	ops->check(a);
}

/* ------------------------------------------------------------------------ */
/* Sizes and alignment. */

KTEST_PARAM(alloc, zero_size_gives_unique_blocks, design, designs, describe)
{
	const struct alloc_ops *ops = *param;
	void *a = setup(t, ops, ARENA_SIZE);
	void *p = ops->alloc(a, 0, 0);
	void *q = ops->alloc(a, 0, 0);

	ASSERT_NOT_NULL(p);
	ASSERT_NOT_NULL(q);
	EXPECT_PTR_NE(p, q);
	EXPECT_GE(ops->usable_size(a, p), 1u);
	ops->free(a, p);
	ops->free(a, q);
	EXPECT_EQ(0u, stats_of(ops, a).live);
	ops->check(a);
}

KTEST_PARAM(alloc, alignment, design, designs, describe)
{
	const struct alloc_ops *ops = *param;
	void *a = setup(t, ops, ARENA_SIZE);
	void *blocks[14];
	size_t n = 0;

	for (size_t align = 1; align <= 8192; align *= 2, n++) {
		size_t size = 8 + n * 40;

		blocks[n] = ops->alloc(a, size, align);
		ASSERT_NOT_NULL_MSG(blocks[n], "align %zu", align);
		EXPECT_EQ_MSG(0u, (uintptr_t)blocks[n] % (align < ALLOC_ALIGN ?
				ALLOC_ALIGN : align), "align %zu", align);
		EXPECT_GE(ops->usable_size(a, blocks[n]), size);
		fill(blocks[n], size, (unsigned)n);
	}
	ops->check(a);
	for (size_t i = 0; i < n; i++)
		EXPECT_EQ_MSG(8 + i * 40, first_bad(blocks[i], 8 + i * 40, (unsigned)i),
			      "block %zu", i);
	for (size_t i = 0; i < n; i++)
		ops->free(a, blocks[(i * 5) % n]);   /* 5 is coprime to n */
	EXPECT_EQ(0u, stats_of(ops, a).live);
	ops->check(a);
}

KTEST_PARAM(alloc, bad_alignment_fails, design, designs, describe)
{
	const struct alloc_ops *ops = *param;
	void *a = setup(t, ops, ARENA_SIZE);
	static const size_t bad[] = { 3, 24, 48, 1000, ALLOC_MAX_ALIGN * 2 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_NULL_MSG(ops->alloc(a, 16, bad[i]), "align %zu", bad[i]);
	EXPECT_EQ(sizeof(bad) / sizeof(bad[0]), stats_of(ops, a).failures);
	EXPECT_EQ(0u, stats_of(ops, a).live);
	ops->check(a);
}

/* ------------------------------------------------------------------------ */
/* Out of memory: NULL, and the heap and its blocks stay intact. */

KTEST_PARAM(alloc, out_of_memory, design, designs, describe)
{
	const struct alloc_ops *ops = *param;
	void *a = setup(t, ops, SMALL_ARENA);
	void *blocks[SMALL_ARENA / 128];
	size_t n = 0, size = 200;
	struct alloc_stats before;

	while (n < sizeof(blocks) / sizeof(blocks[0])) {
		void *p = ops->alloc(a, size, 0);

		if (!p)
			break;
		fill(p, size, (unsigned)n);
		blocks[n++] = p;
	}
	ASSERT_LT(n, sizeof(blocks) / sizeof(blocks[0]));
	ASSERT_GT(n, 0u);
	before = stats_of(ops, a);
	EXPECT_NULL(ops->alloc(a, size, 0));
	EXPECT_NULL(ops->alloc(a, SMALL_ARENA, 0));
	EXPECT_NULL(ops->alloc(a, (size_t)-1, 0));
	EXPECT_NULL(ops->alloc(a, ALLOC_MAX_SIZE + 1, 0));
	EXPECT_EQ(before.failures + 4, stats_of(ops, a).failures);
	EXPECT_EQ(before.used_bytes, stats_of(ops, a).used_bytes);
	ops->check(a);
	for (size_t i = 0; i < n; i++) {
		EXPECT_EQ_MSG(size, first_bad(blocks[i], size, (unsigned)i), "block %zu", i);
		ops->free(a, blocks[i]);
	}
	EXPECT_NOT_NULL_MSG(blocks[0] = ops->alloc(a, size, 0), "after freeing");
	ops->free(a, blocks[0]);
	ops->check(a);
}

/* largest_free is exact: that request fits, one granule more does not. */
KTEST_PARAM(alloc, largest_free_is_exact, design, designs, describe)
{
	const struct alloc_ops *ops = *param;
	void *a = setup(t, ops, SMALL_ARENA);
	size_t largest = stats_of(ops, a).largest_free;
	void *p;

	ASSERT_GT(largest, SMALL_ARENA / 2);
	EXPECT_NULL(ops->alloc(a, largest + ALLOC_ALIGN, 0));
	p = ops->alloc(a, largest, 0);
	ASSERT_NOT_NULL(p);
	fill(p, largest, 1);
	EXPECT_EQ(largest, first_bad(p, largest, 1));
	ops->free(a, p);
	EXPECT_EQ(largest, stats_of(ops, a).largest_free);
	ops->check(a);
}

/* extend(): what the kernel heap does when it maps more pages. Each extend
 * is as small as the contract allows. */
KTEST_PARAM(alloc, extend_makes_room, design, designs, describe)
{
	const struct alloc_ops *ops = *param;
	size_t size = 3000, align = 256, small = 40, half = ARENA_SIZE / 2, extra;
	void *a = setup(t, ops, ARENA_SIZE);
	void *p;

	a = ops->init(t->priv, half);     /* the first half only, then fill it */
	ASSERT_NOT_NULL(a);
	while (ops->alloc(a, size, align))
		;
	while (ops->alloc(a, small, 0))
		;
	extra = alloc_align_up(size + align + ALLOC_EXTEND_SLACK, ALLOC_ALIGN);
	extra = extra < ALLOC_EXTEND_MIN ? ALLOC_EXTEND_MIN : extra;
	ops->extend(a, extra);
	p = ops->alloc(a, size, align);
	ASSERT_NOT_NULL(p);
	EXPECT_EQ(0u, (uintptr_t)p % align);
	EXPECT_LE((uintptr_t)p + size, (uintptr_t)t->priv + half + extra);
	fill(p, size, 3);
	while (ops->alloc(a, small, 0))
		;
	ops->extend(a, ALLOC_EXTEND_MIN);
	EXPECT_NOT_NULL(ops->alloc(a, small, 0));
	ops->check(a);
	EXPECT_EQ(size, first_bad(p, size, 3));
}

/* ------------------------------------------------------------------------ */
/* resize(): true means the block holds the new size with its contents. */

KTEST_PARAM(alloc, resize_keeps_contents, design, designs, describe)
{
	const struct alloc_ops *ops = *param;
	void *a = setup(t, ops, ARENA_SIZE);
	void *p = ops->alloc(a, 100, 0);
	size_t sizes[] = { 40, 600, 5000, 20, 9000 };
	size_t have = 100;

	ASSERT_NOT_NULL(p);
	fill(p, have, 9);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t keep = have < sizes[i] ? have : sizes[i];
		size_t usable = ops->usable_size(a, p);
		bool ok = ops->resize(a, p, sizes[i]);

		if (ok) {
			EXPECT_GE(ops->usable_size(a, p), sizes[i]);
			have = sizes[i];
		} else {
			EXPECT_LT_MSG(usable, sizes[i], "refused a resize that fits");
			EXPECT_EQ(usable, ops->usable_size(a, p));
			keep = have;
		}
		EXPECT_EQ_MSG(keep, first_bad(p, keep, 9), "after resize to %zu", sizes[i]);
		fill(p, have, 9);
		ops->check(a);
	}
	ops->free(a, p);
	EXPECT_EQ(0u, stats_of(ops, a).used_bytes);
}

/* ------------------------------------------------------------------------ */
/* Long randomized alloc/free/resize sequences with content checks. */

struct slot {
	void *p;
	size_t size;
	unsigned tag;
};

static void churn_alloc(const struct alloc_ops *ops, void *a, struct slot *s,
			uint64_t *rng, unsigned tag)
{
	size_t size = rnd_next(rng) % CHURN_MAX_SIZE;
	size_t align = (rnd_next(rng) % 8 == 0) ? (size_t)1 << (rnd_next(rng) % 10) : 0;

	s->p = ops->alloc(a, size, align);
	if (!s->p)
		return;        /* full: fine, nothing may have changed */
	ASSERT_EQ_MSG(0u, (uintptr_t)s->p % (align > ALLOC_ALIGN ? align : ALLOC_ALIGN),
		      "size %zu align %zu", size, align);
	s->size = size;
	s->tag = tag;
	fill(s->p, size, tag);
}

static void churn_resize(const struct alloc_ops *ops, void *a, struct slot *s,
			 uint64_t *rng)
{
	size_t size = rnd_next(rng) % CHURN_MAX_SIZE;
	void *q = grow(ops, a, s->p, s->size, size);
	size_t keep = s->size < size ? s->size : size;

	if (!q)
		return;        /* no room to move: the old block is untouched */
	ASSERT_EQ_MSG(keep, first_bad(q, keep, s->tag), "resize %zu -> %zu",
		      s->size, size);
	s->p = q;
	s->size = size;
	fill(q, size, s->tag);
}

static void churn_step(const struct alloc_ops *ops, void *a, struct slot *slots,
		       uint64_t *rng, unsigned step)
{
	struct slot *s = &slots[rnd_next(rng) % CHURN_SLOTS];

	if (!s->p) {
		churn_alloc(ops, a, s, rng, step);
		return;
	}
	ASSERT_EQ_MSG(ALLOC_PTR_LIVE, ops->validate(a, s->p), "step %u", step);
	ASSERT_EQ_MSG(s->size, first_bad(s->p, s->size, s->tag), "step %u", step);
	if (rnd_next(rng) % 4 == 0) {
		churn_resize(ops, a, s, rng);
	} else {
		ops->free(a, s->p);
		s->p = NULL;
	}
}

static void free_all(const struct alloc_ops *ops, void *a, struct slot *slots)
{
	for (size_t i = 0; i < CHURN_SLOTS; i++) {
		ops->free(a, slots[i].p);
		slots[i].p = NULL;
	}
}

KTEST_PARAM(alloc, random_churn, design, designs, describe, KTEST_SLOW)
{
	const struct alloc_ops *ops = *param;
	void *a = setup(t, ops, ARENA_SIZE);
	static struct slot slots[CHURN_SLOTS];
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	struct alloc_stats s;

	memset(slots, 0, sizeof(slots));
	for (unsigned step = 1; step <= CHURN_STEPS; step++) {
		churn_step(ops, a, slots, &rng, step);
		if (step % CHURN_CHECK_EVERY == 0) {
			ops->check(a);
			s = stats_of(ops, a);
			ASSERT_LE(s.used_bytes + s.free_bytes, s.arena_bytes);
			ASSERT_EQ(s.allocs - s.frees, (uint64_t)s.live);
		}
		if (!ops->reuses_freed && step % (CHURN_SLOTS * 4) == 0)
			free_all(ops, a, slots);   /* let bump reset */
	}
	free_all(ops, a, slots);
	ops->check(a);
	s = stats_of(ops, a);
	EXPECT_EQ(0u, s.live);
	EXPECT_EQ(0u, s.used_bytes);
	EXPECT_GT(s.allocs, (uint64_t)CHURN_STEPS / 4);
}

/* ------------------------------------------------------------------------ */
/* Bad pointers: validate() names the problem, free() panics on it. */

/* Two neighbouring 64-byte blocks after a long-lived one. */
static void two_blocks(struct ktest *t, const struct alloc_ops *ops, void *a,
		       unsigned char **p, unsigned char **q)
{
	(void)t;
	ASSERT_NOT_NULL(ops->alloc(a, 64, 0));
	*p = ops->alloc(a, 40, 0);
	*q = ops->alloc(a, 40, 0);
	ASSERT_NOT_NULL(*p);
	ASSERT_NOT_NULL(*q);
	memset(*p, 0, 40);
	memset(*q, 0, 40);
}

KTEST_PARAM(alloc, validate_classifies_pointers, design, designs, describe)
{
	const struct alloc_ops *ops = *param;
	void *a = setup(t, ops, ARENA_SIZE);
	unsigned char *p, *q;
	int local;

	two_blocks(t, ops, a, &p, &q);
	EXPECT_EQ(ALLOC_PTR_LIVE, ops->validate(a, p));
	EXPECT_EQ(ALLOC_PTR_FOREIGN, ops->validate(a, p + ALLOC_ALIGN));
	EXPECT_EQ(ALLOC_PTR_FOREIGN, ops->validate(a, p + 1));
	EXPECT_EQ(ALLOC_PTR_FOREIGN, ops->validate(a, &local));
	EXPECT_EQ(ALLOC_PTR_FOREIGN, ops->validate(a, (char *)t->priv + ARENA_SIZE));
	ops->free(a, p);
	EXPECT_EQ(ALLOC_PTR_FREED, ops->validate(a, p));
	/* q follows p: writing past p's end breaks q's header. */
	ASSERT_PTR_EQ(p + ops->usable_size(a, q) + HDR, q);
	memset(q - HDR, 0x5a, 8);
	EXPECT_EQ(ALLOC_PTR_CORRUPT, ops->validate(a, q));
}

KTEST_PARAM(alloc, double_free_panics, design, designs, describe,
	    KTEST_SHOULD_PANIC)
{
	const struct alloc_ops *ops = *param;
	void *a = setup(t, ops, ARENA_SIZE);
	unsigned char *p, *q;

	two_blocks(t, ops, a, &p, &q);
	ops->free(a, p);
	ops->free(a, p);
}

KTEST_PARAM(alloc, foreign_free_panics, design, designs, describe,
	    KTEST_SHOULD_PANIC)
{
	const struct alloc_ops *ops = *param;
	void *a = setup(t, ops, ARENA_SIZE);
	static uint64_t not_from_the_heap[4];

	ops->free(a, &not_from_the_heap[2]);
}

KTEST_PARAM(alloc, interior_free_panics, design, designs, describe,
	    KTEST_SHOULD_PANIC)
{
	const struct alloc_ops *ops = *param;
	void *a = setup(t, ops, ARENA_SIZE);
	unsigned char *p, *q;

	two_blocks(t, ops, a, &p, &q);
	ops->free(a, p + ALLOC_ALIGN);
}

KTEST_PARAM(alloc, corrupted_header_panics, design, designs, describe,
	    KTEST_SHOULD_PANIC)
{
	const struct alloc_ops *ops = *param;
	void *a = setup(t, ops, ARENA_SIZE);
	unsigned char *p, *q;

	two_blocks(t, ops, a, &p, &q);
	memset(p, 0xa5, ops->usable_size(a, p) + 8);   /* overruns into q */
	ops->free(a, q);
}

/* ------------------------------------------------------------------------ */
/* What each design promises beyond the interface. */

KTEST(alloc, bump_resets_when_all_freed)
{
	void *a = setup(t, &bump_ops, ARENA_SIZE);
	void *p = bump_ops.alloc(a, 100, 0);
	void *q = bump_ops.alloc(a, 100, 0);
	void *r;

	ASSERT_NOT_NULL(p);
	ASSERT_NOT_NULL(q);
	bump_ops.free(a, p);
	r = bump_ops.alloc(a, 100, 0);
	EXPECT_PTR_NE(p, r);          /* q still lives: no reuse */
	bump_ops.free(a, q);
	bump_ops.free(a, r);
	EXPECT_PTR_EQ(p, bump_ops.alloc(a, 100, 0));
	EXPECT_EQ(1u, stats_of(&bump_ops, a).live);
}

KTEST(alloc, linked_list_first_fit_splits)
{
	void *a = setup(t, &linked_list_ops, ARENA_SIZE);
	unsigned char *x = linked_list_ops.alloc(a, 256, 0);
	unsigned char *y = linked_list_ops.alloc(a, 256, 0);
	unsigned char *u, *v;

	ASSERT_NOT_NULL(x);
	ASSERT_NOT_NULL(y);
	linked_list_ops.free(a, x);
	u = linked_list_ops.alloc(a, 32, 0);
	v = linked_list_ops.alloc(a, 32, 0);
	EXPECT_PTR_EQ(x, u);                          /* first fit */
	EXPECT_PTR_EQ(x + alloc_block_size(32), v);   /* the rest, split off */
	linked_list_ops.check(a);
}

KTEST(alloc, linked_list_merges_neighbours)
{
	void *a = setup(t, &linked_list_ops, ARENA_SIZE);
	struct alloc_stats s = stats_of(&linked_list_ops, a);
	size_t whole = s.largest_free;
	void *b[3];

	for (int i = 0; i < 3; i++)
		ASSERT_NOT_NULL(b[i] = linked_list_ops.alloc(a, 500, 0));
	linked_list_ops.free(a, b[1]);
	linked_list_ops.free(a, b[0]);    /* merges with b[1] */
	EXPECT_EQ(whole - 3 * alloc_block_size(500),
		  stats_of(&linked_list_ops, a).largest_free);
	EXPECT_NOT_NULL(b[0] = linked_list_ops.alloc(a, 2 * alloc_block_size(500) - HDR, 0));
	linked_list_ops.free(a, b[0]);
	linked_list_ops.free(a, b[2]);    /* merges both ways */
	s = stats_of(&linked_list_ops, a);
	EXPECT_EQ(whole, s.largest_free);
	EXPECT_EQ(s.free_bytes - HDR, s.largest_free);
	linked_list_ops.check(a);
}

/* Freeing a block whose neighbour's header it overran is caught right away. */
KTEST(alloc, linked_list_sees_overrun_on_free, KTEST_SHOULD_PANIC)
{
	void *a = setup(t, &linked_list_ops, ARENA_SIZE);
	unsigned char *p = linked_list_ops.alloc(a, 40, 0);

	ASSERT_NOT_NULL(linked_list_ops.alloc(a, 40, 0));
	memset(p, 0xa5, linked_list_ops.usable_size(a, p) + 8);
	linked_list_ops.free(a, p);
}

/* A write to a freed block's list link is caught when the list is walked. */
KTEST_PARAM(alloc, write_after_free_panics, design, reusing_designs, describe,
	    KTEST_SHOULD_PANIC)
{
	const struct alloc_ops *ops = *param;
	void *a = setup(t, ops, ARENA_SIZE);
	unsigned char *p, *q;

	two_blocks(t, ops, a, &p, &q);
	ops->free(a, p);
	memset(p, 0x11, 8);
	ops->free(a, ops->alloc(a, 40, 0));
	ops->alloc(a, 40, 0);
	ops->alloc(a, 40, 0);
}

KTEST(alloc, fixed_block_reuses_its_class)
{
	void *a = setup(t, &fixed_block_ops, ARENA_SIZE);
	void *p = fixed_block_ops.alloc(a, 24, 0);
	void *q, *r;

	ASSERT_NOT_NULL(p);
	fixed_block_ops.free(a, p);
	q = fixed_block_ops.alloc(a, 20, 0);
	EXPECT_PTR_EQ(p, q);                 /* same class, last freed first */
	r = fixed_block_ops.alloc(a, 100, 0);
	EXPECT_PTR_NE(p, r);
	EXPECT_EQ(128 - HDR, fixed_block_ops.usable_size(a, r));  /* 116 -> 128 */
	fixed_block_ops.check(a);
}

KTEST(alloc, fixed_block_size_classes)
{
	void *a = setup(t, &fixed_block_ops, ARENA_SIZE);
	size_t largest_class = 2048 - HDR;

	for (size_t size = 1; size <= largest_class; size = size * 3 + 1) {
		size_t block = 32;

		while (block - HDR < size)
			block *= 2;
		EXPECT_EQ_MSG(block - HDR,
			      fixed_block_ops.usable_size(a, fixed_block_ops.alloc(a, size, 0)),
			      "size %zu", size);
	}
	EXPECT_EQ(largest_class, fixed_block_ops.usable_size(
			  a, fixed_block_ops.alloc(a, largest_class, 0)));
	/* Bigger, or more aligned: the fallback, sized to the request. */
	EXPECT_LT(fixed_block_ops.usable_size(a, fixed_block_ops.alloc(a, 2100, 0)),
		  2100u + 64);
	EXPECT_EQ(0u, (uintptr_t)fixed_block_ops.alloc(a, 40, 64) % 64);
	fixed_block_ops.check(a);
}
