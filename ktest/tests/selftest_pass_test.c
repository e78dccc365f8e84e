/* ktest self-test, passing half: every check macro holding, parameters,
 * fixtures (suite and per case, with t->priv), skips, an expected panic.
 * Host only; test_host_backend.py runs it and compares its exact KTAP.
 * Suites are defined out of name order on purpose: output is sorted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "ktest.h"

/* The host backend's panic(), declared as kernel/panic.h declares it. */
__attribute__((noreturn, format(printf, 3, 4)))
void panic_at(const char *file, int line, const char *fmt, ...);
#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)

/* Unmapped, and not NULL, which UBSan would catch before the fault. */
#define BAD_ADDRESS ((uintptr_t)0x10)

/* A macro argument: failures must show its name, not its expansion. */
#define FORTY_TWO 42

/* ------------------------------------------------------------------------ */
KTEST_SUITE(zeta);

KTEST(zeta, defined_first_sorted_last)
{
	EXPECT_TRUE(1);
}

/* ------------------------------------------------------------------------ */
KTEST_SUITE(checks);

KTEST(checks, integers)
{
	int minus_one = -1;
	unsigned small = 3;
	uint64_t big = UINT64_MAX;
	struct { unsigned bits : 3; } bf = { 5 };

	EXPECT_EQ(FORTY_TWO, 42);
	EXPECT_NE(1, 2);
	EXPECT_LT(minus_one, small);    /* compared as numbers, not as C does */
	EXPECT_LE(small, 3u);
	EXPECT_GT(big, 0);
	EXPECT_GE(big, big);
	EXPECT_EQ(bf.bits, 5);
	EXPECT_EQ((int8_t)-128, -128);
	EXPECT_TRUE(EXPECT_EQ(1, 1));   /* a check returns whether it held */
	ASSERT_EQ(FORTY_TWO, 42);
	ASSERT_NE(1, 2);
	ASSERT_LT(-5, -4);
	ASSERT_LE(-4, -4);
	ASSERT_GT(1u, 0);
	ASSERT_GE(INT64_MIN + 1, INT64_MIN);
}

KTEST(checks, booleans_and_pointers)
{
	int x = 0;
	int *p = &x, *null = NULL;

	EXPECT_TRUE(p);
	EXPECT_FALSE(null);
	EXPECT_NULL(null);
	EXPECT_NOT_NULL(p);
	EXPECT_PTR_EQ(p, &x);
	EXPECT_PTR_NE(p, null);
	ASSERT_TRUE(x == 0);
	ASSERT_FALSE(x != 0);
	ASSERT_NULL(null);
	ASSERT_NOT_NULL(p);
	ASSERT_PTR_EQ(p, &x);
	ASSERT_PTR_NE(p, null);
}

KTEST(checks, strings_and_memory)
{
	const char *null = NULL;
	char buf[4] = "abc";

	EXPECT_STREQ("abc", buf);
	EXPECT_STREQ(null, NULL);
	EXPECT_STRNE("abd", buf);
	EXPECT_STRNE(null, buf);
	EXPECT_MEMEQ("abc", buf, 4);
	EXPECT_MEMEQ(null, NULL, 8);    /* the same pointer */
	EXPECT_MEMEQ("x", "y", 0);
	ASSERT_STREQ("abc", buf);
	ASSERT_STRNE("", buf);
	ASSERT_MEMEQ("ab", buf, 2);
}

KTEST(checks, message_variants)
{
	EXPECT_TRUE_MSG(1, "never printed %d", 1);
	EXPECT_FALSE_MSG(0, "never printed");
	EXPECT_EQ_MSG(1, 1, "x");
	EXPECT_NE_MSG(1, 2, "x");
	EXPECT_LT_MSG(1, 2, "x");
	EXPECT_LE_MSG(2, 2, "x");
	EXPECT_GT_MSG(3, 2, "x");
	EXPECT_GE_MSG(3, 3, "x");
	EXPECT_NULL_MSG(NULL, "x");
	EXPECT_NOT_NULL_MSG("", "x");
	EXPECT_PTR_EQ_MSG(NULL, NULL, "x");
	EXPECT_PTR_NE_MSG("", NULL, "x");
	EXPECT_STREQ_MSG("a", "a", "x");
	EXPECT_STRNE_MSG("a", "b", "x");
	EXPECT_MEMEQ_MSG("a", "a", 1, "x");
	ASSERT_TRUE_MSG(1, "x");
	ASSERT_FALSE_MSG(0, "x");
	ASSERT_EQ_MSG(1, 1, "x");
	ASSERT_NE_MSG(1, 2, "x");
	ASSERT_LT_MSG(1, 2, "x");
	ASSERT_LE_MSG(2, 2, "x");
	ASSERT_GT_MSG(3, 2, "x");
	ASSERT_GE_MSG(3, 3, "x");
	ASSERT_NULL_MSG(NULL, "x");
	ASSERT_NOT_NULL_MSG("", "x");
	ASSERT_PTR_EQ_MSG(NULL, NULL, "x");
	ASSERT_PTR_NE_MSG("", NULL, "x");
	ASSERT_STREQ_MSG("a", "a", "x");
	ASSERT_STRNE_MSG("a", "b", "x");
	ASSERT_MEMEQ_MSG("a", "a", 1, "x");
}

KTEST(checks, log_lines)
{
	ktest_log("hello %s", "world");
	ktest_log("two\nlines");
	EXPECT_PTR_EQ(ktest_current(), t);
}

/* What a case prints itself, even lines that look like results, comes out
 * as its text ("# | "), escaped. */
KTEST(checks, printed_text)
{
	printf("out: printed\n    ok 9 printed_text\n");
	fprintf(stderr, "out: to stderr \x1b[1m\n");
	printf("out: no newline");
}

/* ------------------------------------------------------------------------ */
/* Fixtures: suite init/exit once, case_init/case_exit around each case. */

static int suite_inits, case_inits, case_exits;

static int fixtures_init(void)
{
	suite_inits++;
	return 0;
}

static void fixtures_exit(void)
{
	/* Cases run in child processes: their counts stay there. */
	ktest_log("suite exit: %d init(s), %d case_init(s) here", suite_inits,
		  case_inits);
}

static int fixtures_case_init(struct ktest *t)
{
	int *value = malloc(sizeof *value);

	if (!value)
		return -1;
	*value = 7;
	t->priv = value;
	case_inits++;
	return 0;
}

static void fixtures_case_exit(struct ktest *t)
{
	case_exits++;
	ktest_log("case_exit: priv %d, %d case_init(s), %d case_exit(s)",
		  *(int *)t->priv, case_inits, case_exits);
	free(t->priv);
}

KTEST_SUITE(fixtures, .init = fixtures_init, .exit = fixtures_exit,
	    .case_init = fixtures_case_init, .case_exit = fixtures_case_exit);

KTEST(fixtures, priv_is_set)
{
	ASSERT_NOT_NULL(t->priv);
	EXPECT_EQ(*(int *)t->priv, 7);
	EXPECT_EQ(suite_inits, 1);
	*(int *)t->priv = 8;
}

KTEST(fixtures, case_exit_runs_after_skip)
{
	KTEST_SKIP("skipped with priv %d", *(int *)t->priv);
}

/* ------------------------------------------------------------------------ */
/* Parameters: one result per entry, named by the describe function. */

KTEST_SUITE(params);

struct square {
	int in, out;
	const char *name;
};

static const struct square squares[] = {
	{ 0, 0, "zero" }, { 3, 9, "three" }, { -4, 16, "minus#four" },
};

static void describe_square(const struct square *s, char *buf, size_t len)
{
	strncpy(buf, s->name, len);     /* core terminates and cleans it */
}

KTEST_PARAM(params, squares, struct square, squares, describe_square)
{
	EXPECT_EQ(param->in * param->in, param->out);
	EXPECT_PTR_EQ(t->param, param);
}

static void describe_nothing(const struct square *s, char *buf, size_t len)
{
	(void)s;
	(void)buf;
	(void)len;
}

/* An empty description: the index names the result. */
KTEST_PARAM(params, by_index, struct square, squares, describe_nothing,
	    KTEST_SLOW)
{
	EXPECT_GE(param->out, 0);
}

/* ------------------------------------------------------------------------ */
/* Skips and what only the kernel can run. */

KTEST_SUITE(skips);

KTEST(skips, with_reason)
{
	KTEST_SKIP("no %s device", "ps/2");
	KTEST_FAIL("not reached");
}

KTEST(skips, without_reason)
{
	KTEST_SKIP("%s", "");
}

KTEST(skips, kernel_only, KTEST_KERNEL_ONLY)
{
	KTEST_FAIL("kernel-only case ran on the host");
}

KTEST(skips, expected_fault_is_kernel_only, KTEST_EXPECT_FAULT(14))
{
	KTEST_FAIL("kernel-only case ran on the host");
}

/* ------------------------------------------------------------------------ */
/* Ends other than returning, as declared. */

static void ends_case_exit(struct ktest *t)
{
	(void)t;
	ktest_log("case_exit ran");
}

KTEST_SUITE(ends, .case_exit = ends_case_exit);

KTEST(ends, expected_panic, KTEST_SHOULD_PANIC)
{
	panic("heap: double free of %p", (void *)0x1000);      /* @panic */
}

/* Not KTEST_EXPECT_FAULT (kernel only): the host's approximation of a page
 * fault is SIGSEGV, which this case declares it expects. */
KTEST(ends, expected_segv, .expect = KTEST_EXPECT_EXCEPTION, .vector = 14)
{
	volatile uintptr_t bad = BAD_ADDRESS;  /* hidden from the optimizer */

	*(volatile int *)bad = 1;
}
