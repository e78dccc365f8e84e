/* Catalog, sanitizers: each kind of bug KASAN and UBSan catch fails exactly
 * the case that made it, with the report in that case's log, and the case
 * after it passes. Portable: its host twin runs the same cases under the
 * host's ASan and UBSan, with the same verdicts (docs/testing.md).
 *
 * needs: kasan ubsan
 * twin: host
 * expect: image FAIL
 */
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktest.h"

#ifdef KTEST_HOST
#include <stdlib.h>
#define heap_alloc malloc
#define heap_free free
#else
#include "mm/heap.h"
#define heap_alloc kmalloc
#define heap_free kfree
#endif

#define BLOCK 64
#define TABLE_LEN 8

KTEST_SUITE(sanitizers);

/* Runtime values: the compilers must not see the bugs coming. */
static volatile int sink;
static volatile size_t block_len = BLOCK, table_len = TABLE_LEN;
static volatile int int_max = INT_MAX, shift = 40, yes = 1;
static int table[TABLE_LEN];
static volatile int *volatile escaped;

/* The same pointer, which the compiler cannot follow: the bugs below are
 * on purpose, and gcc's own warnings about them would stop the build; nor
 * can UBSan's object-size check, which would report some of them first
 * (and, on the host, alone): the address sanitizers are what these test. */
static void *launder(void *p)
{
	void *volatile v = p;

	return v;
}

/* The heap works, the case after each bug says. */
static void heap_still_works(void)
{
	unsigned char *p = heap_alloc(BLOCK);

	ASSERT_TRUE(p != NULL);
	for (size_t i = 0; i < BLOCK; i++)
		p[i] = (unsigned char)i;
	EXPECT_EQ(BLOCK - 1, p[BLOCK - 1]);
	heap_free(p);
}

/* expect: sanitizers.heap_overflow_read FAIL */
/* expect-log: sanitizers.heap_overflow_read heap-buffer-overflow */
KTEST(sanitizers, heap_overflow_read)
{
	char *p = launder(heap_alloc(BLOCK));

	ASSERT_TRUE(p != NULL);
	sink = ((volatile char *)p)[block_len];            /* one byte past the end */
	heap_free(p);
}

/* expect: sanitizers.runs_after_heap_overflow_read PASS */
KTEST(sanitizers, runs_after_heap_overflow_read)
{
	heap_still_works();
}

/* expect: sanitizers.heap_overflow_write FAIL */
/* expect-log: sanitizers.heap_overflow_write heap-buffer-overflow */
KTEST(sanitizers, heap_overflow_write)
{
	char *p = launder(heap_alloc(BLOCK));

	ASSERT_TRUE(p != NULL);
	((volatile char *)p)[block_len] = 1;
	heap_free(p);
}

/* expect: sanitizers.runs_after_heap_overflow_write PASS */
KTEST(sanitizers, runs_after_heap_overflow_write)
{
	heap_still_works();
}

/* expect: sanitizers.heap_underflow FAIL */
/* expect-log: sanitizers.heap_underflow heap-buffer-overflow */
KTEST(sanitizers, heap_underflow)
{
	char *p = launder(heap_alloc(BLOCK));

	ASSERT_TRUE(p != NULL);
	sink = ((volatile char *)p)[(ptrdiff_t)block_len - BLOCK - 1];     /* p[-1] */
	heap_free(p);
}

/* expect: sanitizers.runs_after_heap_underflow PASS */
KTEST(sanitizers, runs_after_heap_underflow)
{
	heap_still_works();
}

/* expect: sanitizers.use_after_free FAIL */
/* expect-log: sanitizers.use_after_free heap-use-after-free */
KTEST(sanitizers, use_after_free)
{
	char *p = heap_alloc(BLOCK), *same = launder(p);

	ASSERT_TRUE(p != NULL);
	heap_free(p);
	sink = ((volatile char *)same)[0];
}

/* expect: sanitizers.runs_after_use_after_free PASS */
KTEST(sanitizers, runs_after_use_after_free)
{
	heap_still_works();
}

/* expect: sanitizers.double_free FAIL */
/* expect-log: sanitizers.double_free double-free */
KTEST(sanitizers, double_free)
{
	void *p = heap_alloc(BLOCK), *same = launder(p);

	ASSERT_TRUE(p != NULL);
	heap_free(p);
	heap_free(same);
}

/* expect: sanitizers.runs_after_double_free PASS */
KTEST(sanitizers, runs_after_double_free)
{
	heap_still_works();
}

/* An index the compiler can check against the array's bounds (UBSan), and
 * the access itself (KASAN's redzone after the global). */
/* expect: sanitizers.global_array_index FAIL */
/* expect-log: sanitizers.global_array_index index 8 out of bounds for type 'int */
KTEST(sanitizers, global_array_index)
{
	sink = table[table_len];
}

/* expect: sanitizers.runs_after_global_array_index PASS */
KTEST(sanitizers, runs_after_global_array_index)
{
	table[TABLE_LEN - 1] = 1;
	EXPECT_EQ(1, table[TABLE_LEN - 1]);
}

/* Through a pointer no bounds are known: only the redzone catches it. */
/* expect: sanitizers.global_overflow_through_pointer FAIL */
/* expect-log: sanitizers.global_overflow_through_pointer global-buffer-overflow */
KTEST(sanitizers, global_overflow_through_pointer)
{
	volatile int *p = launder(table);

	sink = p[table_len];
}

/* expect: sanitizers.runs_after_global_overflow PASS */
KTEST(sanitizers, runs_after_global_overflow)
{
	EXPECT_EQ(0, table[0]);
}

/* A read: a write would also trip the stack protector's canary. */
/* expect: sanitizers.stack_buffer_overflow FAIL */
/* expect-log: sanitizers.stack_buffer_overflow stack-buffer-overflow */
KTEST(sanitizers, stack_buffer_overflow)
{
	char buf[BLOCK];
	volatile char *p = launder(buf);

	p[0] = 0;
	sink = p[block_len];
}

/* expect: sanitizers.runs_after_stack_buffer_overflow PASS */
KTEST(sanitizers, runs_after_stack_buffer_overflow)
{
	char buf[BLOCK];
	volatile char *p = buf;

	p[BLOCK - 1] = 1;
	EXPECT_EQ(1, p[BLOCK - 1]);
}

/* expect: sanitizers.stack_use_after_scope FAIL */
/* expect-log: sanitizers.stack_use_after_scope stack-use-after-scope */
KTEST(sanitizers, stack_use_after_scope)
{
	if (yes) {
		volatile int x = 1;

		escaped = &x;
	}
	sink = *escaped;
}

/* expect: sanitizers.runs_after_stack_use_after_scope PASS */
KTEST(sanitizers, runs_after_stack_use_after_scope)
{
	volatile int x = 2;

	escaped = &x;
	EXPECT_EQ(2, *escaped);
}

/* expect: sanitizers.signed_overflow FAIL */
/* expect-log: sanitizers.signed_overflow signed integer overflow: 2147483647 + 1 cannot be represented in type 'int' */
KTEST(sanitizers, signed_overflow)
{
	sink = int_max + 1;
}

/* expect: sanitizers.runs_after_signed_overflow PASS */
KTEST(sanitizers, runs_after_signed_overflow)
{
	EXPECT_EQ(INT_MAX, int_max - 1 + 1);
}

/* expect: sanitizers.shift_out_of_range FAIL */
/* expect-log: sanitizers.shift_out_of_range shift exponent 40 is too large for 32-bit type 'int' */
KTEST(sanitizers, shift_out_of_range)
{
	sink = 1 << shift;
}

/* expect: sanitizers.runs_after_shift_out_of_range PASS */
KTEST(sanitizers, runs_after_shift_out_of_range)
{
	EXPECT_EQ(1 << 30, 1 << (shift - 10));
}

/* expect: sanitizers.misaligned_access FAIL */
/* expect-log: sanitizers.misaligned_access misaligned address */
KTEST(sanitizers, misaligned_access)
{
	_Alignas(8) char buf[16] = { 0 };
	int *p = launder(buf + yes);    /* not volatile: clang checks no such load */

	sink = *p;
}

/* expect: sanitizers.runs_after_misaligned_access PASS */
KTEST(sanitizers, runs_after_misaligned_access)
{
	_Alignas(8) int buf[4] = { 0, 7, 0, 0 };
	volatile int *p = buf + yes;

	EXPECT_EQ(7, *p);
}

/* UBSan stops the case before the load (going on would fault). */
/* expect: sanitizers.null_dereference FAIL */
/* expect-log: sanitizers.null_dereference load of null pointer of type 'int' */
KTEST(sanitizers, null_dereference)
{
	int *volatile p = NULL;

	sink = *p;
}

/* expect: sanitizers.runs_after_null_dereference PASS */
KTEST(sanitizers, runs_after_null_dereference)
{
	int x = 3, *volatile p = &x;

	EXPECT_EQ(3, *p);
}

/* C gives enums no range narrower than their int type, so neither compiler
 * checks enum loads in C (only in C++); a bool's range is 0 and 1. */
/* expect: sanitizers.invalid_bool_load FAIL */
/* expect-log: sanitizers.invalid_bool_load load of value 5, which is not a valid value for type */
KTEST(sanitizers, invalid_bool_load)
{
	volatile union { unsigned char byte; bool value; } u = { .byte = 5 };

	sink = u.value;
}

/* expect: sanitizers.runs_after_invalid_bool_load PASS */
KTEST(sanitizers, runs_after_invalid_bool_load)
{
	volatile union { unsigned char byte; bool value; } u = { .byte = 1 };

	EXPECT_TRUE(u.value);
}

/* expect: sanitizers.unreachable_reached FAIL */
/* expect-log: sanitizers.unreachable_reached execution reached an unreachable program point */
KTEST(sanitizers, unreachable_reached)
{
	if (yes)
		__builtin_unreachable();
}

/* A sanitizer report is never the panic a case expects. */
/* expect: sanitizers.report_is_not_the_expected_panic FAIL */
/* expect-log: sanitizers.report_is_not_the_expected_panic execution reached an unreachable program point */
KTEST(sanitizers, report_is_not_the_expected_panic, KTEST_SHOULD_PANIC)
{
	if (yes)
		__builtin_unreachable();
}

/* expect: sanitizers.runs_last PASS */
KTEST(sanitizers, runs_last)
{
	heap_still_works();
}
