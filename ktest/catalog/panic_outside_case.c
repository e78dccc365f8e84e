/* Catalog, a panic in a suite's init, outside any case: an error of the
 * run; the suite's cases are skipped.
 *
 * expect: image ERROR
 */
#include "ktest.h"
#include "panic.h"

static int init_panics(void)
{
	panic("deliberate panic in a suite init");
}

KTEST_SUITE(broken, .init = init_panics);

/* expect: broken.never_runs SKIP */
KTEST(broken, never_runs)
{
	EXPECT_TRUE(1);
}
