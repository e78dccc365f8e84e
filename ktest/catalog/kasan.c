/* Catalog, KASAN in the kernel: what the host has no twin for. The report
 * names where the object was allocated and freed; the quarantine holds a
 * freed block back while others come and go; krealloc's old block, the
 * memory functions' ranges, aligned and empty blocks are all covered; a bad
 * kfree is still a panic, now with the report. Each bug fails its case
 * only: the case after it passes.
 *
 * needs: kasan
 * expect: image FAIL
 */
#include <stddef.h>
#include <stdint.h>

#include "ktest.h"
#include "lib/string.h"
#include "mm/heap.h"

#define BLOCK     64
#define CHURN     32          /* blocks freed after the one that is used */
#define ALIGNMENT 256

static void free_priv(struct ktest *t)
{
	kfree(t->priv);
}

KTEST_SUITE(kasan, .case_exit = free_priv);

static volatile int sink;
static volatile size_t block_len = BLOCK;

static void heap_still_works(void)
{
	unsigned char *p = kmalloc(BLOCK);

	ASSERT_NOT_NULL(p);
	memset(p, 0x5a, BLOCK);
	EXPECT_EQ(0x5a, p[BLOCK - 1]);
	kfree(p);
}

/* Functions of their own in the traces (the sink keeps the calls from
 * becoming jumps, which leave no frame). */
__attribute__((noinline)) static char *allocate_block(void)
{
	char *p = kmalloc(BLOCK);

	sink = 0;
	return p;
}

__attribute__((noinline)) static void free_block(void *p)
{
	kfree(p);
	sink = 0;
}

/* expect: kasan.report_names_both_sites FAIL */
/* expect-log: kasan.report_names_both_sites KASAN: heap-use-after-free */
/* expect-log: kasan.report_names_both_sites Read of size 1 at address */
/* expect-log: kasan.report_names_both_sites 0 bytes inside the 64-byte heap object */
/* expect-log: kasan.report_names_both_sites allocate_block */
/* expect-log: kasan.report_names_both_sites free_block */
KTEST(kasan, report_names_both_sites)
{
	char *p = allocate_block();

	ASSERT_NOT_NULL(p);
	free_block(p);
	sink = ((volatile char *)p)[0];
}

/* expect: kasan.runs_after_the_report PASS */
KTEST(kasan, runs_after_the_report)
{
	heap_still_works();
}

/* expect: kasan.quarantine_holds_a_freed_block FAIL */
/* expect-log: kasan.quarantine_holds_a_freed_block heap-use-after-free */
KTEST(kasan, quarantine_holds_a_freed_block)
{
	char *p = kmalloc(BLOCK);

	ASSERT_NOT_NULL(p);
	kfree(p);
	for (int i = 0; i < CHURN; i++)
		kfree(kmalloc(BLOCK));  /* same size: would reuse p at once */
	sink = ((volatile char *)p)[1];
}

/* expect: kasan.runs_after_the_quarantine PASS */
KTEST(kasan, runs_after_the_quarantine)
{
	heap_still_works();
}

/* expect: kasan.use_after_krealloc FAIL */
/* expect-log: kasan.use_after_krealloc heap-use-after-free */
KTEST(kasan, use_after_krealloc)
{
	char *p = kmalloc(BLOCK), *q;

	ASSERT_NOT_NULL(p);
	q = krealloc(p, BLOCK / 2);     /* shrinking moves too */
	ASSERT_NOT_NULL(q);
	sink = ((volatile char *)p)[0];
	kfree(q);
}

/* expect: kasan.runs_after_krealloc PASS */
KTEST(kasan, runs_after_krealloc)
{
	char *p = kmalloc(BLOCK), *q;

	ASSERT_NOT_NULL(p);
	memset(p, 7, BLOCK);
	q = krealloc(p, 2 * BLOCK);
	ASSERT_NOT_NULL(q);
	EXPECT_EQ(7, q[BLOCK - 1]);
	kfree(q);
}

/* expect: kasan.memcpy_reads_past_the_end FAIL */
/* expect-log: kasan.memcpy_reads_past_the_end KASAN: heap-buffer-overflow in memcpy */
KTEST(kasan, memcpy_reads_past_the_end)
{
	char *src = kmalloc(BLOCK), *dst = kmalloc(2 * BLOCK);

	ASSERT_NOT_NULL(src);
	ASSERT_NOT_NULL(dst);
	memcpy(dst, src, block_len + 1);
	kfree(src);
	kfree(dst);
}

/* expect: kasan.memset_writes_past_the_end FAIL */
/* expect-log: kasan.memset_writes_past_the_end KASAN: heap-buffer-overflow in memset */
/* expect-log: kasan.memset_writes_past_the_end Write of size 65 */
KTEST(kasan, memset_writes_past_the_end)
{
	char *p = kmalloc(BLOCK);

	ASSERT_NOT_NULL(p);
	memset(p, 0, block_len + 1);
	kfree(p);
}

/* expect: kasan.runs_after_the_memory_functions PASS */
KTEST(kasan, runs_after_the_memory_functions)
{
	heap_still_works();
}

/* expect: kasan.aligned_block_has_redzones FAIL */
/* expect-log: kasan.aligned_block_has_redzones 1 bytes to the left of the 100-byte heap object */
KTEST(kasan, aligned_block_has_redzones)
{
	char *p = kmalloc_aligned(100, ALIGNMENT);

	ASSERT_NOT_NULL(p);
	EXPECT_EQ(0u, (uintptr_t)p % ALIGNMENT);
	sink = ((volatile char *)p)[(ptrdiff_t)block_len - BLOCK - 1];
	kfree(p);
}

/* expect: kasan.empty_block_has_no_bytes FAIL */
/* expect-log: kasan.empty_block_has_no_bytes 0 bytes to the right of the 0-byte heap object */
KTEST(kasan, empty_block_has_no_bytes)
{
	char *p = kmalloc(0);

	ASSERT_NOT_NULL(p);
	sink = ((volatile char *)p)[0];
	kfree(p);
}

/* expect: kasan.runs_after_the_redzones PASS */
KTEST(kasan, runs_after_the_redzones)
{
	heap_still_works();
}

/* A bad kfree panics as it always has; the report says what it was. */
/* expect: kasan.free_of_an_interior_pointer FAIL */
/* expect-log: kasan.free_of_an_interior_pointer KASAN: invalid-free */
/* expect-log: kasan.free_of_an_interior_pointer 8 bytes inside the 64-byte heap object */
KTEST(kasan, free_of_an_interior_pointer)
{
	char *p = kmalloc(BLOCK);

	ASSERT_NOT_NULL(p);
	t->priv = p;
	kfree(p + 8);
}

/* expect: kasan.runs_after_the_bad_free PASS */
KTEST(kasan, runs_after_the_bad_free)
{
	heap_still_works();
}
