/* Catalog, a check failing in a suite's init: an error of the run, which
 * the harness reports to meson and in JUnit; the cases still run.
 *
 * expect: image ERROR
 */
#include "ktest.h"

static int init_with_a_failed_check(void)
{
	EXPECT_EQ(1, 2);
	return 0;
}

KTEST_SUITE(fixture_check, .init = init_with_a_failed_check);

/* expect: fixture_check.runs PASS */
KTEST(fixture_check, runs)
{
	EXPECT_TRUE(1);
}
