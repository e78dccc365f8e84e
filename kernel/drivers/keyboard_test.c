/* Tests for the PS/2 keyboard driver (drivers/keyboard): scancodes written
 * into the 8042's output buffer (command 0xD2) come back through IRQ 1, the
 * ring and the decoder as key events, as a keystroke would.
 */
#include "ktest.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/pit.h"
#include "drivers/keyboard.h"

#define WAIT_MS 1000

static int drain(struct ktest *t)
{
	struct key_event ev = { 0 };

	(void)t;
	while (keyboard_poll(&ev))
		;
	return 0;
}

KTEST_SUITE(keyboard, .case_init = drain);

static void inject(const uint8_t *bytes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ASSERT_EQ_MSG(0, keyboard_inject(bytes[i]), "byte %zu", i);
}

static struct key_event next(void)
{
	struct key_event ev = { 0 };

	ASSERT_TRUE_MSG(keyboard_wait(&ev, WAIT_MS), "no key event in %d ms", WAIT_MS);
	return ev;
}

KTEST(keyboard, irq1_is_routed)
{
	EXPECT_EQ(0, pic_get_mask() & (1u << IRQ_KEYBOARD));
}

KTEST(keyboard, make_and_break_arrive)
{
	static const uint8_t a[] = { 0x1e, 0x9e };
	struct key_event ev = { 0 };

	inject(a, sizeof(a));
	ev = next();
	EXPECT_EQ(KEY_A, ev.key);
	EXPECT_TRUE(ev.pressed);
	EXPECT_EQ('a', ev.ch);
	ev = next();
	EXPECT_EQ(KEY_A, ev.key);
	EXPECT_FALSE(ev.pressed);
	EXPECT_FALSE(keyboard_poll(&ev));
}

KTEST(keyboard, shift_and_extended_keys)
{
	static const uint8_t seq[] = { 0x2a, 0x23, 0xa3, 0xaa, 0xe0, 0x48, 0xe0, 0xc8 };
	struct key_event ev = { 0 };

	inject(seq, sizeof(seq));
	EXPECT_EQ(KEY_LEFT_SHIFT, next().key);
	EXPECT_EQ('H', next().ch);
	EXPECT_FALSE(next().pressed);
	EXPECT_EQ(KEY_LEFT_SHIFT, next().key);
	ev = next();
	EXPECT_EQ(KEY_UP, ev.key);
	EXPECT_TRUE(ev.pressed);
	ev = next();
	EXPECT_EQ(KEY_UP, ev.key);
	EXPECT_FALSE(ev.pressed);
}

/* With IRQ 1 masked nothing is queued; unmasked, the pending byte comes. */
KTEST(keyboard, masked_irq_queues_nothing)
{
	struct key_event ev = { 0 };

	pic_mask(IRQ_KEYBOARD);
	EXPECT_EQ(0, keyboard_inject(0x30));
	EXPECT_FALSE(keyboard_wait(&ev, 50));
	pic_unmask(IRQ_KEYBOARD);
	ev = next();
	EXPECT_EQ('b', ev.ch);
}

/* A full ring drops and counts new scancodes, keeps the old ones, and works
 * again once drained.
 */
KTEST(keyboard, full_ring_drops_and_counts)
{
	uint64_t before = keyboard_dropped();
	struct key_event ev = { 0 };
	int events = 0;

	/* 0x1e fills the ring; 10 more 0x30 ('b') must be dropped */
	for (int i = 0; i < KEYBOARD_RING_SIZE + 10; i++)
		ASSERT_EQ(0, keyboard_inject(i < KEYBOARD_RING_SIZE ? 0x1e : 0x30));
	ASSERT_EQ(0, keyboard_inject(0x9e));   /* dropped too */
	/* the last IRQ may still be on its way */
	for (uint64_t end = pit_ticks() + pit_ms_to_ticks(WAIT_MS);
	     keyboard_dropped() - before < 11 && pit_ticks() < end;)
		cpu_pause();
	EXPECT_EQ(11u, keyboard_dropped() - before);
	while (keyboard_poll(&ev)) {
		EXPECT_EQ(KEY_A, ev.key);
		events++;
	}
	EXPECT_EQ(KEYBOARD_RING_SIZE, events);
	EXPECT_FALSE(keyboard_pending());
	inject((const uint8_t[]){ 0x9e }, 1);
	EXPECT_FALSE(next().pressed);
}

KTEST(keyboard, wait_times_out)
{
	struct key_event ev = { 0 };

	EXPECT_FALSE(keyboard_wait(&ev, 20));
}
