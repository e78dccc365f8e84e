/* The one seam between the kernel and a test runner linked into the image:
 * a table of hooks the kernel calls at fixed points (after KUnit's
 * kunit_hooks). An image without a runner has no table, and the kernel then
 * behaves exactly as it does without these hooks.
 */
#ifndef TEST_HOOKS_H
#define TEST_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

#include "arch/x86_64/arch.h"
#include "boot_info.h"

struct test_hooks {
	/* Right after the console is up, before the kernel prints anything. */
	void (*console_ready)(void);
	/* Instead of the serial port: every byte of kernel text (kprintf,
	 * logs, reports) meant for COM1, called under the console lock. */
	void (*serial_text)(const char *s, size_t n);
	/* Every CPU exception first. True: handled (it may not return). */
	bool (*exception)(struct int_frame *frame);
	/* Every timer tick, last, in interrupt context; may not return. */
	void (*tick)(struct int_frame *frame);
	/* After panic() printed its message, interrupts off; must not return. */
	void (*panicked)(const char *message);
	/* A sanitizer (KASAN, UBSan) printed a report; what is its one-line
	 * summary. Interrupts off. Not fatal: returns, the kernel goes on.
	 * fatal (going on is unsafe): must not return, else the kernel panics. */
	void (*bug)(const char *what, bool fatal);
	/* The image's main once the machine is up, instead of kernel_main(). */
	void (*run)(const struct boot_info *bi);
};

/* Place the runner's table in the image; at most one per image:
 *   TEST_HOOKS(ktest_hooks);
 */
#define TEST_HOOKS(table)                                                   \
	static const struct test_hooks *const test_hooks_entry_             \
		__attribute__((used, section("test_hooks"), aligned(8))) =   \
		&(table)

/* The runner's table, or NULL in an image without one. Set by kmain()
 * before anything else runs (test_hooks_init()). */
extern const struct test_hooks *test_hooks;

/* Find the table in the image; panics if there is more than one. */
void test_hooks_init(void);

#endif
