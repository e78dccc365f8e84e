/* The image of the harness's coverage test (tools/tests/test_coverage.py),
 * built only with -Db_coverage=true. Each case calls a kernel function and
 * a function of this file a known number of times and ends one way, so
 * that the test can select the ways a run ends (pass, fail, restart) and
 * check that the merged counters hold exactly those calls: no dump lost,
 * none merged twice. Nothing else in this image calls either function.
 */
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pic_registers.h"
#include "ktest.h"

#define MSR_APIC_BASE   0x1b
#define APIC_ENABLE     (1ull << 11)

/* The calls each case makes; the test reads these lines. */
#define CALLS_PASSES        7
#define CALLS_FAILS         3
#define CALLS_BREAKS        2

KTEST_SUITE(coverage);

/* Counted in this file's own .gcda, which only this image writes. */
__attribute__((noinline)) static unsigned counted(void)
{
	return pic_spurious_count();
}

static void call(int times)
{
	for (int i = 0; i < times; i++)
		(void)counted();
}

/* First in every order: a local APIC turned off cannot be put back, so
 * ktest ends the boot with the restart status and the harness boots again
 * after this case. */
KTEST(coverage, breaks_the_machine)
{
	call(CALLS_BREAKS);
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) & ~APIC_ENABLE);
}

KTEST(coverage, fails)
{
	call(CALLS_FAILS);
	KTEST_FAIL("on purpose: the run ends with the fail status");
}

KTEST(coverage, passes)
{
	call(CALLS_PASSES);
}
