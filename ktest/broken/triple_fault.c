/* Broken on purpose: a case loads an empty IDT and raises an exception, so
 * the CPU triple-faults and QEMU resets (-no-reboot: exits with status 0).
 */
#include <stdint.h>

#include "ktest.h"

KTEST_SUITE(broken);

KTEST(broken, triple_faults)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} empty = { 0, 0 };

	__asm__ volatile("lidt %0; int3" : : "m"(empty));
}

KTEST(broken, never_runs)
{
	EXPECT_TRUE(1);
}
