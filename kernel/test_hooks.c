/* The test-hook table: found once at boot in the image's test_hooks section
 * (the linker script brackets it), where a runner put it with TEST_HOOKS().
 */
#include "test_hooks.h"

#include "panic.h"

extern const struct test_hooks *const __start_test_hooks[];
extern const struct test_hooks *const __stop_test_hooks[];

const struct test_hooks *test_hooks;

void test_hooks_init(void)
{
	size_t n = (size_t)(__stop_test_hooks - __start_test_hooks);

	if (n > 1)
		panic("test hooks: %zu tables in one image", n);
	test_hooks = n ? __start_test_hooks[0] : NULL;
}
