/* shell: the kernel shell end to end, typed by the harness on the PS/2
 * keyboard (QMP send-key) and on the serial port (QEMU's stdin), read from
 * the typed-input stream and answered with each command's report.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pit.h"
#include "drivers/keyboard.h"
#include "ktest.h"
#include "lib/capture.h"
#include "lib/printf.h"
#include "task/input.h"
#include "task/shell.h"

#define OUT_SIZE 4096
#define WAIT_MS  20000     /* for the typing to arrive: long, for a loaded host */

static char out[OUT_SIZE];
static struct capture cap;
static struct printer buffer;
static struct executor ex;

static bool printed(const char *text)
{
	return capture_holds(&cap, text);
}

static int start_shell(struct ktest *t)
{
	struct shell sh;

	(void)t;
	buffer = capture_init(&cap, out, sizeof(out));
	executor_init(&ex, &executor_kernel_ops);
	shell_init(&sh, &buffer, &ex);
	if (!input_start(&ex) || !shell_spawn(&ex, &sh))
		return -1;
	return 0;
}

static void stop_shell(struct ktest *t)
{
	(void)t;
	input_stop();
	keyboard_set_waker(NULL);
	executor_destroy(&ex);
}

KTEST_SUITE(shell_typed, .case_init = start_shell, .case_exit = stop_shell);

/* Run the shell until it printed text, or WAIT_MS passed. */
static bool run_until(const char *text)
{
	uint64_t end = pit_ticks() + pit_ms_to_ticks(WAIT_MS);

	while (!printed(text) && pit_ticks() < end) {
		executor_run_ready(&ex);
		irq_disable();
		if (!executor_has_ready(&ex))
			irq_enable_and_halt();
		irq_enable();
	}
	return printed(text);
}

KTEST(shell_typed, help_on_the_keyboard, KTEST_SLOW)
{
	ktest_ask_for_input();
	EXPECT_TRUE_MSG(run_until("reboot   reset the machine"), "shell output:\n%s", out);
	EXPECT_TRUE(printed(SHELL_PROMPT "help\n"));
}

KTEST(shell_typed, ticks_on_the_serial_port, KTEST_SLOW)
{
	ktest_ask_for_input();
	EXPECT_TRUE_MSG(run_until("Ticks: "), "shell output:\n%s", out);
	EXPECT_TRUE(printed(SHELL_PROMPT "ticks\n"));
}
