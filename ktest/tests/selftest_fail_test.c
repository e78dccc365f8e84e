/* ktest self-test, failing half: each check failing once, an ASSERT ending a
 * case, crashes, a timeout, ends that contradict what a case declared, and
 * fixtures failing. Host only; test_host_backend.py runs it with
 * ktest.timeout=100 and compares its exact KTAP. The test finds the line
 * numbers it expects through the "@name" markers below: keep them.
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>

#include "ktest.h"

/* The host backend's panic(), declared as kernel/panic.h declares it. */
__attribute__((noreturn, format(printf, 3, 4)))
void panic_at(const char *file, int line, const char *fmt, ...);
#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)

#define BAD_ADDRESS ((uintptr_t)0x10)   /* unmapped, and not NULL for UBSan */
#define MINUS_ONE   (-1)

/* ------------------------------------------------------------------------ */
KTEST_SUITE(checks);

KTEST(checks, integers)
{
	int x = -1;
	uint64_t big = UINT64_MAX;

	EXPECT_EQ(MINUS_ONE, 1);        /* @eq */
	EXPECT_NE(x, -1);               /* @ne */
	EXPECT_LT(x, -1);               /* @lt */
	EXPECT_LE(big, 0);              /* @le */
	EXPECT_GT(x, 1u);               /* @gt */
	EXPECT_GT(x, -1);               /* @gt_equal */
	EXPECT_GE(-2, x);               /* @ge */
}

KTEST(checks, booleans_and_pointers)
{
	const void *p = (const void *)0x1000;

	EXPECT_TRUE(p == NULL);         /* @true */
	EXPECT_FALSE(p != NULL);        /* @false */
	EXPECT_NULL(p);                 /* @null */
	EXPECT_NOT_NULL((void *)0);     /* @not_null */
	EXPECT_PTR_EQ(p, NULL);         /* @ptr_eq */
	EXPECT_PTR_NE(p, p);            /* @ptr_ne */
}

KTEST(checks, strings)
{
	const char *long_text = "0123456789012345678901234567890123456789"
				"0123456789012345678901234567890123456789";

	EXPECT_STREQ("tab\there", "quote\"\\\x01");    /* @streq */
	EXPECT_STREQ(NULL, "x");                        /* @streq_null */
	EXPECT_STRNE("same", "same");                   /* @strne */
	EXPECT_STREQ(long_text, "");                    /* @streq_long */
}

KTEST(checks, memory)
{
	static const unsigned char a[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	static const unsigned char b[12] = { 1, 2, 3, 0xff, 5, 6, 7, 8, 9, 10, 11, 12 };

	EXPECT_MEMEQ(a, b, sizeof a);                   /* @memeq */
	EXPECT_MEMEQ(a + 10, b + 10, 2);
	EXPECT_MEMEQ(NULL, b, 1);                       /* @memeq_null */
}

KTEST(checks, messages)
{
	EXPECT_EQ_MSG(1, 2, "seed %d", 7);              /* @msg */
	EXPECT_TRUE_MSG(0, "first\nsecond");            /* @msg2 */
}

/* ------------------------------------------------------------------------ */
/* How a case ends early, and case_exit after it. */

static void ends_case_exit(struct ktest *t)
{
	ktest_log("case_exit ran, %d failure(s)", t->failures);
}

KTEST_SUITE(ends, .case_exit = ends_case_exit);

KTEST(ends, assert_ends_case)
{
	ASSERT_EQ(1, 2);                                /* @assert */
	ktest_log("not reached");
}

KTEST(ends, fail_now)
{
	KTEST_FAIL("gave up after %d tries", 3);        /* @fail */
	ktest_log("not reached");
}

KTEST(ends, skip_after_failure)
{
	EXPECT_TRUE(0);                                 /* @skip_after */
	KTEST_SKIP("too late");
}

KTEST(ends, segfault)
{
	volatile uintptr_t bad = BAD_ADDRESS;  /* hidden from the optimizer */

	*(volatile int *)bad = 1;
}

/* Deep enough to overflow any stack; volatile keeps every frame. */
static int recurse(volatile int *depth)
{
	volatile char frame[256];

	frame[0] = (char)(*depth)++;
	if (*depth > 0)
		return recurse(depth) + frame[0];
	return 0;
}

/* Slow: the 8 MiB stack takes a while to fill under ASan. */
KTEST(ends, stack_overflow, KTEST_SLOW)
{
	volatile int depth = 0;

	EXPECT_EQ(recurse(&depth), 0);
}

KTEST(ends, timeout)
{
	for (volatile int spin = 0;; spin++)
		;
}

KTEST(ends, unexpected_panic)
{
	panic("bad state %d", 3);                       /* @panic */
}

KTEST(ends, should_panic_returns, KTEST_SHOULD_PANIC)
{
}

KTEST(ends, wrong_exception, .expect = KTEST_EXPECT_EXCEPTION, .vector = 14)
{
	raise(SIGFPE);
}

KTEST(ends, fault_expected_returns, .expect = KTEST_EXPECT_EXCEPTION,
      .vector = 14)
{
}

KTEST(ends, abort)
{
	abort();
}

KTEST(ends, trap)
{
	__builtin_trap();
}

/* Slow: LeakSanitizer checks the child at exit(). */
KTEST(ends, exit, KTEST_SLOW)
{
	exit(3);
}

/* A sanitizer report (on stderr) ends the case process with status 1.
 * Slow: symbolizing the report takes longer than the 100 ms budget. */
KTEST(ends, heap_overflow, KTEST_SLOW)
{
	volatile size_t i = 4;
	char *p = malloc(4);

	p[i] = 1;
	free(p);
}

/* ------------------------------------------------------------------------ */
/* Fixtures that fail. */

static int bad_case_init(struct ktest *t)
{
	(void)t;
	return -5;
}

KTEST_SUITE(bad_case_init, .case_init = bad_case_init);

KTEST(bad_case_init, never_runs)
{
	KTEST_FAIL("body ran after a failed case_init");
}

static int bad_init(void)
{
	return 1;
}

KTEST_SUITE(bad_suite_init, .init = bad_init);

KTEST(bad_suite_init, first)
{
}

static const int numbers[] = { 1, 2 };

static void describe_number(const int *n, char *buf, size_t len)
{
	buf[0] = (char)('0' + *n);
	buf[len > 1] = '\0';
}

KTEST_PARAM(bad_suite_init, params, int, numbers, describe_number)
{
}
