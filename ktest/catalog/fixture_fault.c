/* Catalog, a page fault in a suite's exit, after the last result: an error
 * of the run, never a pass.
 *
 * expect: image ERROR
 */
#include "ktest.h"

static volatile int *volatile nowhere = (int *)0xffff900000000000ull;

static void exit_that_faults(void)
{
	*nowhere = 1;
}

KTEST_SUITE(fixture_fault, .exit = exit_that_faults);

/* expect: fixture_fault.runs PASS */
KTEST(fixture_fault, runs)
{
	EXPECT_TRUE(1);
}
