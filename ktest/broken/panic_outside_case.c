/* Broken on purpose: the suite's init fixture panics, outside any case. */
#include "ktest.h"
#include "panic.h"

static int init_panics(void)
{
	panic("deliberate panic in a suite init");
}

KTEST_SUITE(broken, .init = init_panics);

KTEST(broken, never_runs)
{
	EXPECT_TRUE(1);
}
