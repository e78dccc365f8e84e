/* Catalog, isolation between cases: a case that changes what the next one
 * relies on fails itself, the change is undone, and the next case passes
 * (docs/verdicts.md). Each breaking case is followed by one that checks the
 * repair.
 *
 * expect: image FAIL
 */
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/pit.h"
#include "ktest.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/heap.h"

KTEST_SUITE(isolation);

static void *kept;

/* expect: isolation.leaks_a_heap_block FAIL */
KTEST(isolation, leaks_a_heap_block)
{
	kept = kmalloc(64);
	ASSERT_NOT_NULL(kept);
}

/* expect: isolation.keeps_a_block_on_purpose PASS */
KTEST(isolation, keeps_a_block_on_purpose, KTEST_KEEPS_MEMORY)
{
	kfree(kept);
	kept = kmalloc(32);
	ASSERT_NOT_NULL(kept);
}

/* expect: isolation.leaks_a_frame FAIL */
KTEST(isolation, leaks_a_frame)
{
	EXPECT_NE(0u, frame_alloc());
}

/* expect: isolation.frees_what_it_takes PASS */
KTEST(isolation, frees_what_it_takes)
{
	void *p = kmalloc(4096);
	uint64_t f = frame_alloc();

	kfree(p);
	frame_free(f);
	kfree(kept);
}

static volatile uint64_t stray_ticks;

static void stray_hook(struct int_frame *f)
{
	(void)f;
	stray_ticks++;
}

/* expect: isolation.leaves_a_tick_hook FAIL */
KTEST(isolation, leaves_a_tick_hook)
{
	ASSERT_EQ(0, pit_add_tick_hook(stray_hook));
}

/* expect: isolation.tick_hook_is_gone PASS */
KTEST(isolation, tick_hook_is_gone)
{
	uint64_t before = stray_ticks;

	pit_sleep_ms(3);
	EXPECT_EQ(before, stray_ticks);
}

/* expect: isolation.masks_the_timer FAIL */
KTEST(isolation, masks_the_timer)
{
	pic_mask(IRQ_TIMER);
}

/* expect: isolation.reprograms_the_timer FAIL */
KTEST(isolation, reprograms_the_timer)
{
	pit_init(50);
}

/* expect: isolation.timer_is_back PASS */
KTEST(isolation, timer_is_back)
{
	uint64_t t0 = pit_ticks();

	EXPECT_EQ(1000u, pit_hz());
	EXPECT_FALSE(pic_get_mask() & (1u << IRQ_TIMER));
	pit_sleep_ms(2);
	EXPECT_GE(pit_ticks() - t0, 2u);
}

static void spurious_handler(struct int_frame *f)
{
	(void)f;
}

/* expect: isolation.replaces_an_irq_handler FAIL */
KTEST(isolation, replaces_an_irq_handler)
{
	irq_set_handler(IRQ_COM1, spurious_handler);
}

/* expect: isolation.returns_with_interrupts_off FAIL */
KTEST(isolation, returns_with_interrupts_off)
{
	irq_disable();
}

/* expect: isolation.returns_with_direction_flag_set FAIL */
KTEST(isolation, returns_with_direction_flag_set)
{
	__asm__ volatile("std");
}

/* expect: isolation.interrupts_are_on_again PASS */
KTEST(isolation, interrupts_are_on_again)
{
	EXPECT_TRUE(irq_enabled());
	EXPECT_EQ(0u, read_rflags() & RFLAGS_DF);
	EXPECT_NULL(irq_get_handler(IRQ_COM1));
}
