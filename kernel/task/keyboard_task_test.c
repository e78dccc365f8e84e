/* Tests for the keyboard task (task/keyboard_task): scancodes written into
 * the 8042's output buffer arrive through IRQ 1, wake the task and come out
 * decoded, as typed keys would.
 */
#include "ktest.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pit.h"
#include "drivers/keyboard.h"
#include "task/keyboard_task.h"

#define WAIT_MS   1000
#define TYPED_LEN 160

static struct executor ex;
static char typed[TYPED_LEN];
static size_t typed_len;
static int presses_left;       /* the task ends when this reaches 0 */

/* Record what presses type; end at '\n' or after presses_left presses.
 * (No echo: a partial line would break the KTAP lines around it.)
 */
static bool record(const struct key_event *ev, void *ctx)
{
	(void)ctx;
	if (!ev->pressed || !ev->ch)
		return true;
	if (typed_len + 1 < TYPED_LEN) {
		typed[typed_len++] = ev->ch;
		typed[typed_len] = '\0';
	}
	return ev->ch != '\n' && --presses_left != 0;
}

static int fresh(struct ktest *t)
{
	struct key_event ev;

	(void)t;
	while (keyboard_poll(&ev))
		;
	executor_init(&ex, &executor_kernel_ops);
	typed_len = 0;
	typed[0] = '\0';
	presses_left = -1;
	return 0;
}

static void stop(struct ktest *t)
{
	(void)t;
	keyboard_set_waker(NULL);
	executor_destroy(&ex);
}

KTEST_SUITE(keyboard_task, .case_init = fresh, .case_exit = stop);

static void inject(const uint8_t *bytes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ASSERT_EQ_MSG(0, keyboard_inject(bytes[i]), "byte %zu", i);
}

/* shift-h, i, shift-1, enter: make and break codes of scancode set 1 */
static const uint8_t hi_bang[] = {
	0x2a, 0x23, 0xa3, 0xaa, 0x17, 0x97, 0x2a, 0x02, 0x82, 0xaa, 0x1c, 0x9c,
};

KTEST(keyboard_task, decodes_what_the_interrupt_queues)
{
	ASSERT_NE(0u, keyboard_task_spawn(&ex, record, NULL));
	inject(hi_bang, sizeof(hi_bang));
	executor_run(&ex);
	EXPECT_STREQ("Hi!\n", typed);
	EXPECT_EQ(0u, executor_task_count(&ex));
}

/* With nothing typed the task is not polled again; a scancode wakes it. */
KTEST(keyboard_task, sleeps_until_a_scancode_comes)
{
	struct executor_stats st;
	uint64_t end;

	ASSERT_NE(0u, keyboard_task_spawn(&ex, record, NULL));
	EXPECT_EQ(1u, executor_run_ready(&ex));
	pit_sleep_ms(20);
	EXPECT_FALSE(executor_has_ready(&ex));
	EXPECT_EQ(0u, executor_run_ready(&ex));
	inject((const uint8_t[]){ 0x1e }, 1);
	for (end = pit_ticks() + pit_ms_to_ticks(WAIT_MS);
	     !executor_has_ready(&ex) && pit_ticks() < end;)
		cpu_pause();
	EXPECT_TRUE(executor_has_ready(&ex));
	EXPECT_EQ(1u, executor_run_ready(&ex));
	EXPECT_STREQ("a", typed);
	executor_get_stats(&ex, &st);
	EXPECT_EQ(2u, st.polls);
}

/* Typed while the task could not run: a full queue drops and counts; what
 * it kept still comes out, and the task goes on afterwards.
 */
KTEST(keyboard_task, full_queue_drops_and_the_task_goes_on)
{
	uint64_t before = keyboard_dropped(), end;

	presses_left = KEYBOARD_RING_SIZE + 1;
	ASSERT_NE(0u, keyboard_task_spawn(&ex, record, NULL));
	for (int i = 0; i < KEYBOARD_RING_SIZE + 5; i++)
		ASSERT_EQ(0, keyboard_inject(0x1e));       /* 'a' pressed */
	for (end = pit_ticks() + pit_ms_to_ticks(WAIT_MS);
	     keyboard_dropped() - before < 5 && pit_ticks() < end;)
		cpu_pause();
	EXPECT_EQ(5u, keyboard_dropped() - before);
	executor_run_ready(&ex);
	EXPECT_EQ(KEYBOARD_RING_SIZE, (int)typed_len);
	inject((const uint8_t[]){ 0x9e, 0x30, 0xb0 }, 3);   /* 'b' */
	executor_run(&ex);
	EXPECT_EQ(KEYBOARD_RING_SIZE + 1, (int)typed_len);
	EXPECT_EQ('b', typed[typed_len - 1]);
}
