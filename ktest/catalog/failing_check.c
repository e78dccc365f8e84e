/* Catalog, a failing check: one case fails an expectation, the other
 * passes; docs/testing.md shows its report.
 *
 * expect: image FAIL
 */
#include "ktest.h"

KTEST_SUITE(broken);

/* expect: broken.passes PASS */
KTEST(broken, passes)
{
	EXPECT_EQ(2, 1 + 1);
}

/* expect: broken.fails_a_check FAIL */
KTEST(broken, fails_a_check)
{
	int answer = 41;

	EXPECT_EQ(42, answer);
}
