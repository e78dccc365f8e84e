/* Catalog, stacks and the heap: a case whose frame is far larger than its
 * stack, or that corrupts the heap, fails itself and nothing else; the run
 * reboots after a heap it cannot trust (docs/verdicts.md).
 *
 * expect: image FAIL
 */
#include <stddef.h>
#include <stdint.h>

#include "ktest.h"
#include "lib/string.h"
#include "mm/heap.h"

#define HUGE_FRAME (80 * 1024)   /* more than a case's 64 KiB stack */

KTEST_SUITE(stack_heap);

static volatile int sink;

/* Not static: the compiler must keep the whole array its caller passes. */
void stack_heap_touch_first(volatile char *p);

__attribute__((noinline)) void stack_heap_touch_first(volatile char *p)
{
	p[0] = 1;
	sink = p[0];
}

/* expect: stack_heap.huge_frame_touches_first_element FAIL */
KTEST(stack_heap, huge_frame_touches_first_element)
{
	volatile char big[HUGE_FRAME];

	stack_heap_touch_first(big);
}

/* A frame that fits: the stack works after an overflow. */
__attribute__((noinline)) static unsigned fill_and_sum(void)
{
	volatile unsigned char buf[32 * 1024];
	unsigned sum = 0;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = 1;
	for (size_t i = 0; i < sizeof(buf); i++)
		sum += buf[i];
	return sum;
}

/* expect: stack_heap.runner_survives_a_huge_frame PASS */
KTEST(stack_heap, runner_survives_a_huge_frame)
{
	EXPECT_EQ(32u * 1024, fill_and_sum());
}

/* expect: stack_heap.huge_frame_filled_upward FAIL */
KTEST(stack_heap, huge_frame_filled_upward)
{
	char big[HUGE_FRAME];

	memset(big, 0x5a, sizeof(big));
	sink = big[HUGE_FRAME - 1];
}

/* expect: stack_heap.runner_survives_a_filled_frame PASS */
KTEST(stack_heap, runner_survives_a_filled_frame)
{
	EXPECT_EQ(32u * 1024, fill_and_sum());
}

__attribute__((noinline)) static int recurse(int n)
{
	volatile char pad[256];

	pad[n & 255] = (char)n;
	return n > 1000000 ? pad[0] : recurse(n + 1) + pad[(n + 1) & 255];
}

/* expect: stack_heap.runaway_recursion FAIL */
KTEST(stack_heap, runaway_recursion)
{
	sink = recurse(0);
}

/* expect: stack_heap.overwrites_the_next_block_header FAIL */
KTEST(stack_heap, overwrites_the_next_block_header)
{
	char *a = kmalloc(64), *b = kmalloc(64);

	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	memset(a, 0x41, (size_t)(b - a));   /* runs into b's header */
	kfree(a);
	kfree(b);
}

/* expect: stack_heap.heap_works_after_the_reboot PASS */
KTEST(stack_heap, heap_works_after_the_reboot)
{
	void *p = kmalloc(128);

	ASSERT_NOT_NULL(p);
	kfree(p);
}
