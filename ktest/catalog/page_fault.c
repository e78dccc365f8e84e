/* Catalog, a fault in a case: it fails with the fault's report, and the
 * next case still runs; docs/testing.md shows its report.
 *
 * expect: image FAIL
 */
#include "ktest.h"

KTEST_SUITE(broken);

/* expect: broken.reads_unmapped_memory FAIL */
KTEST(broken, reads_unmapped_memory)
{
	volatile uint64_t *p = (volatile uint64_t *)0xffff900000000000ull;

	EXPECT_EQ(0u, *p);
}

/* expect: broken.runs_after_the_fault PASS */
KTEST(broken, runs_after_the_fault)
{
	EXPECT_TRUE(1);
}
