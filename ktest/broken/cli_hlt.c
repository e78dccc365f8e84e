/* Broken on purpose: a case stops the CPU with interrupts off; only the
 * harness's inactivity timeout can end the run.
 */
#include "arch/x86_64/cpu.h"
#include "ktest.h"

KTEST_SUITE(broken);

KTEST(broken, passes_first)
{
	EXPECT_TRUE(1);
}

KTEST(broken, halts_with_interrupts_off)
{
	cpu_stop();
}

KTEST(broken, never_runs)
{
	EXPECT_TRUE(1);
}
