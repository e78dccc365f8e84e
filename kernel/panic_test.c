/* panic() and the stack protector: both end the case as a panic, and ktest
 * reports the run going on afterwards.
 */
#include "ktest.h"
#include "panic.h"
#include "san/san.h"

KTEST_SUITE(panic);

KTEST(panic, panic_ends_the_case, KTEST_SHOULD_PANIC)
{
	panic("deliberate panic with a value: %d", 42);
}

KTEST(panic, assert_macro_panics_when_false, KTEST_SHOULD_PANIC)
{
	volatile int zero = 0;

	ASSERT(zero == 1);
}

KTEST(panic, assert_macro_is_quiet_when_true)
{
	volatile int one = 1;

	ASSERT(one == 1);
}

static volatile unsigned overrun = 32;

/* Writes past the end of a local array: the canary the stack protector put
 * between the array and the return address no longer matches on return, so
 * the function calls __stack_chk_fail(), which panics. (KASAN would catch
 * the first byte too far: the stack protector is what this tests.)
 */
__attribute__((noinline)) SAN_EXEMPT static void smash_own_stack(void)
{
	char buf[16];
	volatile char *p = buf;

	for (unsigned i = 0; i < overrun; i++)
		p[i] = 'x';
}

KTEST(panic, stack_protector_catches_smashing, KTEST_SHOULD_PANIC)
{
	smash_own_stack();
}
