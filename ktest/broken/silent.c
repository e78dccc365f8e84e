/* Broken on purpose: its own test hooks replace ktest's runner with one that
 * prints nothing and reports success.
 */
#include "arch/x86_64/cpu.h"
#include "ktest_protocol.h"
#include "test_hooks.h"

__attribute__((noreturn)) static void run(const struct boot_info *bi)
{
	(void)bi;
	outl(KTEST_EXIT_PORT, KTEST_EXIT_PASS);
	cpu_stop();
}

static const struct test_hooks hooks = { .run = run };

TEST_HOOKS(hooks);
