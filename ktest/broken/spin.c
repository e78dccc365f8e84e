/* Broken on purpose: a case spins with interrupts on; the in-kernel timeout
 * (ktest.timeout=200 on the image's command line) must stop it.
 */
#include "arch/x86_64/cpu.h"
#include "ktest.h"

KTEST_SUITE(broken);

KTEST(broken, spins_forever)
{
	for (;;)
		cpu_pause();
}

KTEST(broken, runs_after_the_timeout)
{
	EXPECT_TRUE(1);
}
