/* heap_allocation: kmalloc in a freshly booted kernel (blog_os's
 * tests/heap_allocation.rs), on whichever allocator the build picked.
 */
#include "ktest.h"
#include "mm/heap.h"

/* blog_os loops HEAP_SIZE times; our first mapping is the same idea. */
#define ROUNDS (HEAP_INITIAL / 16)
#define VEC_LEN 1000

KTEST_SUITE(heap_allocation);

static uint64_t mapped(void)
{
	struct heap_stats s;

	heap_stats(&s);
	return s.mapped_bytes;
}

KTEST(heap_allocation, simple_allocation)
{
	uint64_t *heap_value_1 = kmalloc(sizeof(uint64_t));
	uint64_t *heap_value_2 = kmalloc(sizeof(uint64_t));

	ASSERT_NOT_NULL(heap_value_1);
	ASSERT_NOT_NULL(heap_value_2);
	*heap_value_1 = 41;
	*heap_value_2 = 13;
	EXPECT_EQ(41u, *heap_value_1);
	EXPECT_EQ(13u, *heap_value_2);
	kfree(heap_value_1);
	kfree(heap_value_2);
}

KTEST(heap_allocation, large_vec)
{
	uint64_t *vec = NULL, sum = 0;
	size_t cap = 0;

	for (size_t i = 0; i < VEC_LEN; i++) {
		if (i == cap) {
			cap = cap ? 2 * cap : 1;
			vec = krealloc(vec, cap * sizeof(*vec));
			ASSERT_NOT_NULL_MSG(vec, "growing to %zu", cap);
		}
		vec[i] = i;
	}
	for (size_t i = 0; i < VEC_LEN; i++)
		sum += vec[i];
	EXPECT_EQ((uint64_t)(VEC_LEN - 1) * VEC_LEN / 2, sum);
	kfree(vec);
}

/* Each block is freed at once: the heap must not grow. */
KTEST(heap_allocation, many_boxes)
{
	uint64_t before = mapped();

	for (uint64_t i = 0; i < ROUNDS; i++) {
		uint64_t *x = kmalloc(sizeof(*x));

		ASSERT_NOT_NULL(x);
		*x = i;
		ASSERT_EQ(i, *x);
		kfree(x);
	}
	EXPECT_EQ(before, mapped());
}

/* What one block takes of the design, whatever wraps it (KASAN's redzones
 * in test images). */
static size_t block_cost(void)
{
	struct heap_stats before, after;
	uint64_t *x;

	heap_stats(&before);
	x = kmalloc(sizeof(*x));
	heap_stats(&after);
	kfree(x);
	return after.alloc.used_bytes - before.alloc.used_bytes;
}

/* One block lives throughout. A design that reuses freed blocks does not
 * grow; bump can only grow, and its growth stays what the blocks took. */
KTEST(heap_allocation, many_boxes_long_lived)
{
	struct heap_stats s;
	uint64_t *long_lived = kmalloc(sizeof(*long_lived));
	uint64_t before = mapped();
	size_t cost = block_cost();

	ASSERT_NOT_NULL(long_lived);
	*long_lived = 1;
	for (uint64_t i = 0; i < ROUNDS; i++) {
		uint64_t *x = kmalloc(sizeof(*x));

		ASSERT_NOT_NULL(x);
		*x = i;
		ASSERT_EQ(i, *x);
		kfree(x);
	}
	EXPECT_EQ(1u, *long_lived);
	heap_stats(&s);
	if (s.reuses_freed)
		EXPECT_EQ(before, s.mapped_bytes);
	else
		EXPECT_LE(s.mapped_bytes - before, ROUNDS * cost + HEAP_GROW_MIN);
	kfree(long_lived);
	heap_check();
}
