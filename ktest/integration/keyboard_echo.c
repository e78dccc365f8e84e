/* keyboard_echo: keys typed by the harness (QMP send-key, run_qemu.py
 * --keys) reach the keyboard task through IRQ 1, the scancode queue and the
 * executor, and come out decoded and echoed.
 */
#include "ktest.h"

#include "console.h"
#include "drivers/keyboard.h"
#include "task/executor.h"
#include "task/keyboard_task.h"

#define TYPED_LEN 64

static struct executor ex;
static char typed[TYPED_LEN];
static size_t typed_len;

/* Echo and record presses; the task ends at Enter. */
static bool record(const struct key_event *ev, void *ctx)
{
	keyboard_task_echo(ev, ctx);
	if (!ev->pressed || !ev->ch)
		return true;
	if (typed_len + 1 < TYPED_LEN) {
		typed[typed_len++] = ev->ch;
		typed[typed_len] = '\0';
	}
	return ev->ch != '\n';
}

static void stop(struct ktest *t)
{
	(void)t;
	keyboard_set_waker(NULL);
}

KTEST_SUITE(keyboard_echo, .case_exit = stop);

/* The harness types "shift-h i shift-1 spc a ret" (see ktest/meson.build). */
KTEST(keyboard_echo, typed_keys_reach_the_keyboard_task)
{
	executor_init(&ex, &executor_kernel_ops);
	ASSERT_NE(0u, keyboard_task_spawn(&ex, record, NULL));
	ktest_ask_for_input();
	executor_run(&ex);
	EXPECT_STREQ("Hi! a\n", typed);
}
