/* Catalog, a sanitizer report outside any case: in a suite's init it fails
 * no case but is an error of the run; the suite's cases still run.
 *
 * needs: ubsan
 * expect: image ERROR
 */
#include <limits.h>

#include "ktest.h"

static volatile int int_max = INT_MAX, sink;

static int overflows_in_init(void)
{
	sink = int_max + 1;
	return 0;
}

KTEST_SUITE(outside, .init = overflows_in_init);

/* expect: outside.case_runs PASS */
KTEST(outside, case_runs)
{
	EXPECT_EQ(INT_MAX, int_max);
}
