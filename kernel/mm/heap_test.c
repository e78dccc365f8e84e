/* Tests for the kernel heap: kmalloc & co on the allocator this build picked
 * (heap_allocator), growth from the frame allocator, out-of-memory, bad frees.
 */
#include "arch/x86_64/paging.h"
#include "ktest.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/alloc/alloc.h"
#include "mm/heap.h"
#include "init.h"

#define CHURN_STEPS 2000
#define CHURN_SLOTS 32

/* A case that ends in a panic on purpose leaves its blocks in t->priv. */
static void free_priv(struct ktest *t)
{
	kfree(t->priv);
}

KTEST_SUITE(heap, .case_exit = free_priv);

static struct heap_stats stats(void)
{
	struct heap_stats s;

	heap_stats(&s);
	return s;
}

static bool in_heap(const void *p, size_t size)
{
	uint64_t a = (uint64_t)(uintptr_t)p;

	return a >= HEAP_START && a + size <= HEAP_START + stats().mapped_bytes;
}

KTEST(heap, reports_its_allocator)
{
	struct heap_stats s = stats();

	ktest_log("allocator %s, %llu KiB mapped", s.allocator,
		  (unsigned long long)s.mapped_bytes / 1024);
	EXPECT_GE(s.mapped_bytes, HEAP_INITIAL);
	EXPECT_EQ(0u, s.mapped_bytes % PAGE_SIZE_4K);
}

KTEST(heap, simple_allocation)
{
	uint64_t *x = kmalloc(sizeof(*x)), *y = kmalloc(sizeof(*y));

	ASSERT_NOT_NULL(x);
	ASSERT_NOT_NULL(y);
	*x = 41;
	*y = 13;
	EXPECT_EQ(41u, *x);
	EXPECT_EQ(13u, *y);
	EXPECT_TRUE(in_heap(x, sizeof(*x)));
	EXPECT_EQ(0u, (uintptr_t)x % ALLOC_ALIGN);
	EXPECT_GE(kmalloc_usable_size(x), sizeof(*x));
	kfree(x);
	kfree(y);
	kfree(NULL);
	heap_check();
}

KTEST(heap, zero_size)
{
	void *p = kmalloc(0), *q = kmalloc(0);

	ASSERT_NOT_NULL(p);
	ASSERT_NOT_NULL(q);
	EXPECT_PTR_NE(p, q);
	kfree(p);
	kfree(q);
}

KTEST(heap, heap_pages_are_writable_and_nx)
{
	void *p = kmalloc(64);
	struct translation tr;

	ASSERT_NOT_NULL(p);
	ASSERT_TRUE(paging_translate((uint64_t)(uintptr_t)p, &tr));
	EXPECT_TRUE(tr.flags & PTE_WRITABLE);
	EXPECT_EQ(paging_nx_enabled(), !!(tr.flags & PTE_NX));
	EXPECT_FALSE(tr.flags & PTE_USER);
	kfree(p);
}

KTEST(heap, kcalloc_zeroes_and_checks_overflow)
{
	size_t n = 100;
	unsigned char *p = kmalloc(n * sizeof(uint32_t));
	uint32_t *z;

	ASSERT_NOT_NULL(p);
	memset(p, 0xa5, n * sizeof(uint32_t));
	kfree(p);
	z = kcalloc(n, sizeof(*z));
	ASSERT_NOT_NULL(z);
	for (size_t i = 0; i < n; i++)
		EXPECT_EQ_MSG(0u, z[i], "element %zu", i);
	kfree(z);
	EXPECT_NULL(kcalloc(SIZE_MAX / 2, 4));
	EXPECT_NULL(kcalloc((SIZE_MAX >> 2) + 2, 4));   /* the product wraps to 4 */
	EXPECT_NULL(kcalloc(4, (SIZE_MAX >> 2) + 2));
}

KTEST(heap, krealloc_keeps_contents)
{
	unsigned char *p = krealloc(NULL, 10), *q;

	ASSERT_NOT_NULL(p);
	for (int i = 0; i < 10; i++)
		p[i] = (unsigned char)i;
	q = krealloc(p, 5000);
	ASSERT_NOT_NULL(q);
	for (int i = 0; i < 10; i++)
		EXPECT_EQ_MSG(i, q[i], "byte %d", i);
	memset(q + 10, 0x77, 4990);
	p = krealloc(q, 3);
	ASSERT_NOT_NULL(p);
	EXPECT_EQ(2, p[2]);
	/* Too big to ever fit: NULL, and p stays valid. */
	EXPECT_NULL(krealloc(p, HEAP_MAX_SIZE + 1));
	EXPECT_EQ(2, p[2]);
	kfree(p);
	heap_check();
}

KTEST(heap, kmalloc_aligned)
{
	void *blocks[12];
	int n = 0;

	for (size_t align = 1; align <= 0x10000; align *= 4, n++) {
		blocks[n] = kmalloc_aligned(100, align);
		ASSERT_NOT_NULL_MSG(blocks[n], "align %zu", align);
		EXPECT_EQ_MSG(0u, (uintptr_t)blocks[n] % align, "align %zu", align);
		memset(blocks[n], n, 100);
	}
	EXPECT_NULL(kmalloc_aligned(100, 3));
	EXPECT_NULL(kmalloc_aligned(100, 48));
	while (n-- > 0)
		kfree(blocks[n]);
	heap_check();
}

/* More than HEAP_INITIAL at once: the heap maps more pages. */
KTEST(heap, grows_on_demand)
{
	struct heap_stats before = stats();
	size_t size = before.mapped_bytes * 2;
	unsigned char *p = kmalloc(size);

	ASSERT_NOT_NULL(p);
	EXPECT_GT(stats().mapped_bytes, before.mapped_bytes);
	EXPECT_GT(stats().grows, before.grows);
	EXPECT_TRUE(in_heap(p, size));
	memset(p, 0x5a, size);
	EXPECT_EQ(0x5a, p[size - 1]);
	kfree(p);
	heap_check();
}

/* Out of memory: NULL, the heap still whole. First out of address space,
 * then, with every frame taken, out of frames. */
KTEST(heap, out_of_memory_returns_null, KTEST_SLOW)
{
	uint64_t *keep = kmalloc(sizeof(*keep)), chain = 0, f;
	struct heap_stats s;
	void *p;

	ASSERT_NOT_NULL(keep);
	*keep = 0x1234;
	EXPECT_NULL(kmalloc(HEAP_MAX_SIZE));
	while ((f = frame_alloc()) != 0) {
		*(uint64_t *)phys_to_virt(f) = chain;
		chain = f;
	}
	s = stats();
	p = kmalloc(s.alloc.largest_free + HEAP_GROW_MIN);
	EXPECT_NULL(p);
	EXPECT_GT(stats().grow_failures, s.grow_failures);
	EXPECT_EQ(s.mapped_bytes, stats().mapped_bytes);
	while (chain) {
		f = *(uint64_t *)phys_to_virt(chain);
		frame_free(chain);
		chain = f;
	}
	heap_check();
	EXPECT_EQ(0x1234u, *keep);
	p = kmalloc(s.alloc.largest_free + HEAP_GROW_MIN);
	EXPECT_NOT_NULL_MSG(p, "with the frames back");
	kfree(p);
	kfree(keep);
}

/* Long randomized kmalloc/krealloc/kfree with content checks. */
KTEST(heap, random_churn, KTEST_SLOW)
{
	static struct { unsigned char *p; size_t size; unsigned char tag; } s[CHURN_SLOTS];
	uint64_t rng = 0x2545f4914f6cdd1dull;

	memset(s, 0, sizeof(s));
	for (unsigned step = 0; step < CHURN_STEPS; step++) {
		unsigned i;
		size_t size;

		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		i = rng % CHURN_SLOTS;
		size = (rng >> 8) % 3000;
		for (size_t b = 0; s[i].p && b < s[i].size; b++)
			ASSERT_EQ_MSG(s[i].tag, s[i].p[b], "slot %u byte %zu", i, b);
		if (s[i].p && (rng >> 40) % 3 == 0) {
			unsigned char *q = krealloc(s[i].p, size);

			ASSERT_NOT_NULL(q);
			s[i].p = q;
		} else if (s[i].p) {
			kfree(s[i].p);
			s[i].p = NULL;
			continue;
		} else {
			ASSERT_NOT_NULL(s[i].p = kmalloc(size));
		}
		s[i].size = size;
		s[i].tag = (unsigned char)step;
		memset(s[i].p, s[i].tag, size);
	}
	heap_check();
	for (unsigned i = 0; i < CHURN_SLOTS; i++)
		kfree(s[i].p);
	heap_check();
}

KTEST(heap, double_free_panics, KTEST_SHOULD_PANIC)
{
	void *p;

	t->priv = kmalloc(16);     /* p is not the heap's only block */
	p = kmalloc(16);
	kfree(p);
	kfree(p);
}

KTEST(heap, free_of_foreign_pointer_panics, KTEST_SHOULD_PANIC)
{
	static uint64_t not_from_the_heap[4];

	kfree(&not_from_the_heap[2]);
}

KTEST(heap, free_of_interior_pointer_panics, KTEST_SHOULD_PANIC)
{
	unsigned char *p = kmalloc(100);

	ASSERT_NOT_NULL(p);
	t->priv = p;
	memset(p, 0, 100);
	kfree(p + 32);
}

KTEST(heap, heap_still_works_after_the_panics)
{
	void *p = kmalloc(100);

	ASSERT_NOT_NULL(p);
	kfree(p);
	heap_check();
}
