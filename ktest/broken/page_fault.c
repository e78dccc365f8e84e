/* Broken on purpose: a case reads an unmapped address; the next case must
 * still run.
 */
#include "ktest.h"

KTEST_SUITE(broken);

KTEST(broken, reads_unmapped_memory)
{
	volatile uint64_t *p = (volatile uint64_t *)0xffff900000000000ull;

	EXPECT_EQ(0u, *p);
}

KTEST(broken, runs_after_the_fault)
{
	EXPECT_TRUE(1);
}
