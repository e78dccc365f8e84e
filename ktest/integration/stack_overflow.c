/* stack_overflow: unbounded recursion hits the case stack's guard page; the
 * page fault cannot be delivered on that stack, so the CPU raises a double
 * fault, which runs on its own IST stack and is reported (blog_os's
 * tests/stack_overflow.rs).
 */
#include "arch/x86_64/exception.h"
#include "ktest.h"

KTEST_SUITE(stack_overflow);

static volatile int depth;
static volatile int keep_going = 1;

/* Recurses until the stack runs out; the condition only hides that from the
 * compiler's infinite-recursion warning. Returns a value so the recursive
 * call is not a tail call.
 */
__attribute__((noinline)) static int recurse(int n)
{
	volatile char pad[64];

	pad[n & 63] = (char)n;
	depth++;
	if (keep_going)
		return recurse(n + 1) + pad[(n + 1) & 63];
	return pad[0];
}

KTEST(stack_overflow, double_fault_on_ist, KTEST_EXPECT_FAULT(EXC_DOUBLE_FAULT))
{
	recurse(0);
}
