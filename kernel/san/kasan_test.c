/* Tests for the KASAN runtime (san/kasan.c, san/stack_depot.c) and the
 * heap's KASAN layer (mm/heap_kasan.c): what the shadow says where, the
 * quarantine's accounting, the checked ranges. None makes a report: the
 * verdict catalog (ktest/catalog/kasan.c, sanitizers.c) proves those.
 */
#include "ktest.h"

#ifdef KASAN

#include "mm/alloc/alloc.h"
#include "mm/heap.h"
#include "san/kasan_internal.h"

#define ODD_SIZE    13          /* one whole granule and 5 bytes */
#define ODD_TAIL    (ODD_SIZE - KASAN_GRANULE)
#define BIG_ALIGN   256
#define CHURN       200
#define PHYS_MAP    0xffff800000100000ull   /* 1 MiB into the physical map */

KTEST_SUITE(kasan_runtime);

static uint8_t shadow_at(const void *p, ptrdiff_t offset)
{
	return (uint8_t)*kasan_shadow((uint64_t)(uintptr_t)p + (uint64_t)offset);
}

KTEST(kasan_runtime, heap_object_shadow)
{
	char *p = kmalloc(ODD_SIZE);

	ASSERT_NOT_NULL(p);
	EXPECT_EQ(KASAN_HEAP_LEFT, shadow_at(p, -1));
	EXPECT_EQ(KASAN_HEAP_LEFT, shadow_at(p, -(ptrdiff_t)ALLOC_ALIGN));
	EXPECT_EQ(0, shadow_at(p, 0));
	EXPECT_EQ(ODD_TAIL, shadow_at(p, KASAN_GRANULE));
	EXPECT_EQ(KASAN_HEAP_RIGHT, shadow_at(p, 2 * KASAN_GRANULE));
	kfree(p);
	EXPECT_EQ(KASAN_HEAP_FREED, shadow_at(p, 0));
	EXPECT_EQ(KASAN_HEAP_FREED, shadow_at(p, KASAN_GRANULE));
}

KTEST(kasan_runtime, aligned_object_keeps_its_alignment_and_redzone)
{
	char *p = kmalloc_aligned(ODD_SIZE, BIG_ALIGN);

	ASSERT_NOT_NULL(p);
	EXPECT_EQ(0u, (uintptr_t)p % BIG_ALIGN);
	EXPECT_EQ(KASAN_HEAP_LEFT, shadow_at(p, -BIG_ALIGN));
	EXPECT_EQ(KASAN_HEAP_LEFT, shadow_at(p, -1));
	kfree(p);
}

KTEST(kasan_runtime, first_bad_byte)
{
	char *p = kmalloc(ODD_SIZE);
	uint64_t a = (uint64_t)(uintptr_t)p;

	ASSERT_NOT_NULL(p);
	EXPECT_EQ(0u, kasan_first_bad(a, ODD_SIZE));
	EXPECT_EQ(a + ODD_SIZE, kasan_first_bad(a, ODD_SIZE + 1));
	EXPECT_EQ(a + ODD_SIZE, kasan_first_bad(a + ODD_SIZE, 1));
	EXPECT_EQ(a - 1, kasan_first_bad(a - 1, 2));
	kfree(p);
}

KTEST(kasan_runtime, usable_size_is_what_was_asked)
{
	char *p = kmalloc(ODD_SIZE);

	ASSERT_NOT_NULL(p);
	EXPECT_EQ((size_t)ODD_SIZE, kmalloc_usable_size(p));
	kfree(p);
}

KTEST(kasan_runtime, krealloc_moves_and_frees_the_old_block)
{
	char *p = kmalloc(ODD_SIZE), *q;

	ASSERT_NOT_NULL(p);
	p[0] = 42;
	q = krealloc(p, ODD_SIZE - 1);
	ASSERT_NOT_NULL(q);
	EXPECT_PTR_NE(p, q);
	EXPECT_EQ(42, q[0]);
	EXPECT_EQ(KASAN_HEAP_FREED, shadow_at(p, 0));
	kfree(q);
}

/* The quarantine is for designs that reuse freed blocks (not bump). */
static void need_quarantine(void)
{
	struct heap_stats s;

	heap_stats(&s);
	if (!s.reuses_freed)
		KTEST_SKIP("%s reuses no freed block: no quarantine", s.allocator);
}

/* A freed block waits in the quarantine, but counts as freed. */
KTEST(kasan_runtime, quarantine_is_not_a_leak)
{
	struct heap_stats before, after;
	void *p;

	need_quarantine();
	heap_stats(&before);
	p = kmalloc(ODD_SIZE);
	ASSERT_NOT_NULL(p);
	kfree(p);
	heap_stats(&after);
	EXPECT_EQ(before.alloc.live, after.alloc.live);
	EXPECT_EQ(before.alloc.allocs + 1, after.alloc.allocs);
	EXPECT_EQ(before.alloc.frees + 1, after.alloc.frees);
	EXPECT_GT(after.quarantined_bytes, (uint64_t)ODD_SIZE);
}

KTEST(kasan_runtime, quarantine_is_bounded)
{
	struct heap_stats s;

	need_quarantine();
	for (int i = 0; i < CHURN; i++)
		kfree(kmalloc(KASAN_GRANULE * i));
	heap_stats(&s);
	EXPECT_GT(s.quarantined_bytes, 0u);
	EXPECT_LE(s.quarantined_bytes, s.mapped_bytes / 8);
}

static char odd_global[ODD_SIZE];

KTEST(kasan_runtime, global_redzone)
{
	odd_global[0] = 1;
	EXPECT_EQ(0, shadow_at(odd_global, 0));
	EXPECT_EQ(ODD_TAIL, shadow_at(odd_global, KASAN_GRANULE));
	EXPECT_EQ(KASAN_GLOBAL, shadow_at(odd_global, 2 * KASAN_GRANULE));
}

KTEST(kasan_runtime, stack_redzones)
{
	char buf[ODD_SIZE];
	volatile char *p = buf;

	p[0] = 1;
	EXPECT_EQ(0, shadow_at(buf, 0));
	EXPECT_EQ(ODD_TAIL, shadow_at(buf, KASAN_GRANULE));
	EXPECT_LT((int8_t)shadow_at(buf, 2 * KASAN_GRANULE), 0);
	EXPECT_LT((int8_t)shadow_at(buf, -1), 0);
}

KTEST(kasan_runtime, checked_ranges)
{
	char local;
	void *p = kmalloc(1);

	ASSERT_NOT_NULL(p);
	EXPECT_TRUE(kasan_mapped((uint64_t)(uintptr_t)p, 1));
	EXPECT_TRUE(kasan_mapped((uint64_t)(uintptr_t)&local, 1));
	EXPECT_TRUE(kasan_mapped((uint64_t)(uintptr_t)odd_global, sizeof odd_global));
	EXPECT_FALSE(kasan_mapped(PHYS_MAP, 1));
	EXPECT_FALSE(kasan_mapped(0, 1));
	kfree(p);
}

/* Between these a redzone may be read without a report: the case passes. */
KTEST(kasan_runtime, no_checks_in_a_disabled_section)
{
	char *p = kmalloc(ODD_SIZE);
	volatile char *q = p;
	char c;

	ASSERT_NOT_NULL(p);
	kasan_disable_current();
	c = q[ODD_SIZE];
	kasan_enable_current();
	(void)c;
	kfree(p);
}

__attribute__((noinline)) static uint32_t trace_from_here(void)
{
	uint32_t h = kasan_save_trace(__builtin_frame_address(0));

	__asm__ volatile("" ::: "memory");   /* keep the call a call */
	return h;
}

/* The same stack twice gives one handle; another stack another. */
KTEST(kasan_runtime, stack_depot_keeps_each_trace_once)
{
	const void *frame = __builtin_frame_address(0);
	uint32_t a = kasan_save_trace(frame), b = kasan_save_trace(frame);
	uint32_t other = trace_from_here();
	const uint64_t *pcs;

	EXPECT_NE(0u, a);
	EXPECT_EQ(a, b);
	EXPECT_NE(a, other);
	EXPECT_GT(kasan_fetch_trace(a, &pcs), 0);
	EXPECT_EQ(0, kasan_fetch_trace(0, &pcs));
}

#else

KTEST_SUITE(kasan_runtime);

KTEST(kasan_runtime, needs_kasan)
{
	KTEST_SKIP("this build has no KASAN (meson option kasan)");
}

#endif
