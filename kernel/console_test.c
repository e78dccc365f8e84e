/* Tests for the console (console.c) under interrupts: the deadlock of
 * blog_os's "Hardware Interrupts" post, a timer handler printing while the
 * code it interrupted holds the console lock, cannot happen, because the
 * lock keeps interrupts off while held.
 */
#include "ktest.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pit.h"
#include "console.h"

#define PRINT_MS      100   /* how long the case prints */
#define TICK_PRINT_EVERY 10 /* the timer prints on every 10th tick */

static volatile unsigned tick_lines, collisions, hook_ticks;

/* A timer handler that prints, as blog_os's does. If it finds the console
 * lock held it has interrupted the holder: printing would deadlock, so it
 * counts that instead (the case then fails rather than hangs).
 */
static void printing_tick(struct int_frame *f)
{
	if (++hook_ticks % TICK_PRINT_EVERY == 0) {
		if (console_lock_held()) {
			collisions++;
		} else {
			kprintf("tick %u\n", hook_ticks);
			tick_lines++;
		}
	}
	(void)f;
}

static int install(struct ktest *t)
{
	(void)t;
	tick_lines = collisions = hook_ticks = 0;
	return pit_add_tick_hook(printing_tick);
}

static void uninstall(struct ktest *t)
{
	(void)t;
	pit_remove_tick_hook(printing_tick);
}

KTEST_SUITE(console, .case_init = install, .case_exit = uninstall);

/* Print back to back while the timer prints too: every line gets out, and
 * the timer never finds the lock held.
 */
KTEST(console, timer_prints_while_case_prints)
{
	uint64_t end = pit_ticks() + pit_ms_to_ticks(PRINT_MS);
	unsigned lines = 0;

	ASSERT_TRUE(irq_enabled());
	while (pit_ticks() < end)
		kprintf("main %u: the quick brown fox jumps over the lazy dog\n",
			lines++);
	EXPECT_EQ(0u, collisions);
	EXPECT_GT(tick_lines, 0u);
	EXPECT_GT(lines, 0u);
}
