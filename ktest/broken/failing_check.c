/* Broken on purpose: one case fails an expectation; the other passes. */
#include "ktest.h"

KTEST_SUITE(broken);

KTEST(broken, passes)
{
	EXPECT_EQ(2, 1 + 1);
}

KTEST(broken, fails_a_check)
{
	int answer = 41;

	EXPECT_EQ(42, answer);
}
