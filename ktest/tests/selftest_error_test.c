/* ktest self-test, errors of the run rather than of a case: checks failing
 * in a suite fixture, and a panic outside any case. Host only;
 * test_host_backend.py runs each suite on its own (ktest.filter) and
 * expects exit status 2. Keep the "@name" markers: the test reads them.
 */
#include "ktest.h"

/* The host backend's panic(), declared as kernel/panic.h declares it. */
__attribute__((noreturn, format(printf, 3, 4)))
void panic_at(const char *file, int line, const char *fmt, ...);
#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)

/* A failed check outside a case is an error of the run; an ASSERT there
 * cannot end a case, so it returns false and init goes on. */
static int checking_init(void)
{
	EXPECT_EQ(1, 2);                                /* @outside_expect */
	if (!ASSERT_TRUE_MSG(0, "init %s", "goes on"))  /* @outside_assert */
		ktest_log("after the ASSERT");
	return 0;
}

KTEST_SUITE(outside, .init = checking_init);

KTEST(outside, still_runs)
{
	EXPECT_NULL(ktest_current()->priv);
}

static void panicking_exit(void)
{
	panic("suite exit broke: %d", 42);              /* @outside_panic */
}

KTEST_SUITE(panic_outside, .exit = panicking_exit);

KTEST(panic_outside, passes)
{
}
