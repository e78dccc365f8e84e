/* Tests for the kernel shell (task/shell) and the typed-input stream
 * (task/input): every command's output, the line editor, and COM1's
 * received bytes reaching the stream (the 16550's loopback mode).
 */
#include "ktest.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pit.h"
#include "drivers/keyboard.h"
#include "drivers/serial.h"
#include "lib/capture.h"
#include "lib/printf.h"
#include "task/input.h"
#include "task/shell.h"

#define OUT_SIZE 4096

static char out[OUT_SIZE];
static struct capture cap;
static struct printer buffer;
static struct executor ex;
static struct shell sh;

static int fresh(struct ktest *t)
{
	(void)t;
	buffer = capture_init(&cap, out, sizeof(out));
	executor_init(&ex, &executor_kernel_ops);
	shell_init(&sh, &buffer, &ex);
	return 0;
}

KTEST_SUITE(shell, .case_init = fresh);

static bool printed(const char *text)
{
	return capture_holds(&cap, text);
}

KTEST(shell, help_lists_every_command)
{
	static const char *const names[] = { "help", "mem", "heap", "ticks",
					     "tasks", "panic", "reboot" };

	EXPECT_TRUE(shell_execute(&sh, "help"));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		EXPECT_TRUE_MSG(printed(names[i]), "%s missing from:\n%s", names[i], out);
}

KTEST(shell, each_command_reports_its_subsystem)
{
	EXPECT_TRUE(shell_execute(&sh, "mem"));
	EXPECT_TRUE_MSG(printed("Memory map (") && printed("usable") &&
			printed("Frames: "), "%s", out);
	EXPECT_TRUE(shell_execute(&sh, "heap"));
	EXPECT_TRUE_MSG(printed("Heap (") && printed("KiB mapped"), "%s", out);
	EXPECT_TRUE(shell_execute(&sh, "ticks"));
	EXPECT_TRUE_MSG(printed("at 1000 Hz"), "%s", out);
	EXPECT_TRUE(shell_execute(&sh, "tasks"));
	EXPECT_TRUE_MSG(printed("Tasks: 0 running"), "%s", out);
}

KTEST(shell, unknown_and_blank_lines)
{
	EXPECT_FALSE(shell_execute(&sh, "  frobnicate  "));
	EXPECT_TRUE_MSG(printed("frobnicate: no such command (try help)\n"), "%s", out);
	EXPECT_TRUE(shell_execute(&sh, "   "));
	EXPECT_TRUE(shell_execute(&sh, " ticks "));
	EXPECT_FALSE(shell_execute(&sh, "tick"));
}

KTEST(shell, line_editing)
{
	const char *typed = "tx\bicks\n";

	for (const char *c = typed; *c; c++)
		shell_feed(&sh, *c);
	EXPECT_TRUE_MSG(printed("tx\b \bicks\n"), "echo: %s", out);
	EXPECT_TRUE_MSG(printed("Ticks: "), "%s", out);
	EXPECT_TRUE_MSG(printed(SHELL_PROMPT), "%s", out);
	EXPECT_EQ(0u, sh.len);
}

KTEST(shell, long_lines_are_cut_not_overrun)
{
	for (int i = 0; i < 3 * SHELL_LINE_MAX; i++)
		shell_feed(&sh, 'x');
	EXPECT_EQ((size_t)SHELL_LINE_MAX, sh.len);
	shell_feed(&sh, '\n');
	EXPECT_TRUE(printed("no such command"));
}

KTEST(shell, panic_command_panics, KTEST_SHOULD_PANIC)
{
	shell_execute(&sh, "panic");
}

/* ------------------------------------------------------------------------ */

#define COM1            0x3f8
#define UART_THR        0
#define UART_MCR        4
#define MCR_LOOPBACK    0x10
#define MCR_DTR_RTS_OUT2 0x0b

static void stop_input(struct ktest *t)
{
	(void)t;
	outb(COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
	input_stop();
	keyboard_set_waker(NULL);
	executor_destroy(&ex);
}

KTEST_SUITE(input, .case_init = fresh, .case_exit = stop_input);

KTEST(input, enter_and_delete_arrive_as_newline_and_backspace)
{
	char c = 0;
	struct waker none = { NULL, NULL, 0 };

	input_push('\r');
	input_push(0x7f);
	input_push('a');
	ASSERT_EQ(TASK_READY, input_next(&c, &none));
	EXPECT_EQ('\n', c);
	ASSERT_EQ(TASK_READY, input_next(&c, &none));
	EXPECT_EQ('\b', c);
	ASSERT_EQ(TASK_READY, input_next(&c, &none));
	EXPECT_EQ('a', c);
	EXPECT_EQ(TASK_PENDING, input_next(&c, &none));
}

/* A byte sent in the UART's loopback mode comes back through its receive
 * interrupt (IRQ 4) into the stream, as a terminal's keystroke would. */
KTEST(input, com1_receive_interrupt_feeds_the_stream)
{
	struct waker none = { NULL, NULL, 0 };
	uint64_t end;
	char c = 0;

	ASSERT_TRUE(input_start(&ex));
	outb(COM1 + UART_MCR, MCR_DTR_RTS_OUT2 | MCR_LOOPBACK);
	outb(COM1 + UART_THR, 'k');
	end = pit_ticks() + pit_ms_to_ticks(100);
	while (input_next(&c, &none) == TASK_PENDING && pit_ticks() < end)
		cpu_halt();
	EXPECT_EQ('k', c);
}
