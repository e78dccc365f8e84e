/* should_panic: passes only if the kernel panics (blog_os's
 * tests/should_panic.rs); ktest catches the panic and the run goes on.
 */
#include "ktest.h"
#include "panic.h"

KTEST_SUITE(should_panic);

KTEST(should_panic, panics, KTEST_SHOULD_PANIC)
{
	panic("deliberate panic from should_panic");
}
