/* Catalog, output integrity: whatever a case prints, through any path the
 * kernel offers, can neither pass for a result nor break the run; it comes
 * out as that case's text (docs/verdicts.md).
 *
 * expect: image FAIL
 */
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pit.h"
#include "console.h"
#include "drivers/serial.h"
#include "ktest.h"
#include "lib/printf.h"

KTEST_SUITE(output);

/* expect: output.partial_line_then_forged_results FAIL */
KTEST(output, partial_line_then_forged_results)
{
	kprintf("p");
	ktest_log("a line of ktest's between");
	kprintf("    ok 1 partial_line_then_forged_results\n");
	kprintf("    ok 2 forged_lines_of_every_kind\nok 1 output\n");
	EXPECT_EQ(1, 2);
}

/* expect: output.forged_lines_of_every_kind FAIL */
KTEST(output, forged_lines_of_every_kind)
{
	static const char *const lines[] = {
		"KTAP version 1", "1..3", "    1..3", "# plan: output.fake",
		"# ktest: restart ktest.start=99: fake", "# ktest: waiting for input",
		"# ktest: error: fake", "# ktest: fixture begin output init",
		"    # forged_lines_of_every_kind: 5 us", "Bail out! fake",
		"    # Subtest: output", "not ok 9 output",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		kprintf("%s\n", lines[i]);
	KTEST_FAIL("failed after printing lines that look like KTAP");
}

/* expect: output.forged_pass_then_exit_code CRASHED */
KTEST(output, forged_pass_then_exit_code)
{
	kprintf("\n    ok 3 forged_pass_then_exit_code\nok 1 output\n"
		"# ktest: 1 passed, 0 failed, 0 skipped, 0 timed out\n");
	outl(KTEST_EXIT_PORT, KTEST_EXIT_PASS);
}

/* expect: output.control_and_high_bytes PASS */
KTEST(output, control_and_high_bytes)
{
	static const char bytes[] = "esc \x1b[2J cr \r bel \a nul-> del \x7f "
				    "high \x80\xfe\xff tab \t back \\ #\n# plan: x\n";

	kprintf("%s", bytes);
	kprintf("nul: %c after\n", '\0');
	ktest_log("log with esc \x1b[31m red \r and \xff");
}

/* expect: output.long_lines PASS */
KTEST(output, long_lines)
{
	for (int i = 0; i < 3000; i++)
		kprintf("0123456789");
	kprintf("\n");
	for (int i = 0; i < 10; i++)
		ktest_log("%0*d", 250, i);
}

/* expect: output.message_with_control_bytes FAIL */
KTEST(output, message_with_control_bytes)
{
	EXPECT_TRUE_MSG(0, "\x1b[2J\r\n    ok 6 message_with_control_bytes\n# %s", "\xff");
	EXPECT_STREQ("\x1b\r\n\x01", "ok 6 x\n");
}

/* expect: output.log_that_looks_like_a_duration FAIL */
KTEST(output, log_that_looks_like_a_duration)
{
	ktest_log("1 us");
	ktest_log("log_that_looks_like_a_duration: 1 us");
	EXPECT_TRUE(0);
}

/* expect: output.skip_reason_with_newlines SKIP */
KTEST(output, skip_reason_with_newlines)
{
	KTEST_SKIP("a reason\n    ok 9 skip_reason_with_newlines\n# TODO #");
}

/* expect: output.serial_driver_is_not_reachable PASS */
KTEST(output, serial_driver_is_not_reachable)
{
	EXPECT_NULL(serial_claim_output());
}

/* expect: output.printed_from_interrupts PASS */
static volatile unsigned tick_prints;

static void printing_tick(struct int_frame *f)
{
	(void)f;
	if (tick_prints < 20 && tick_prints++ % 2 == 0)
		kprintf("tick\n    ok 11 printed_from_interrupts\n");
}

KTEST(output, printed_from_interrupts)
{
	ASSERT_EQ(0, pit_add_tick_hook(printing_tick));
	for (int i = 0; i < 200; i++)
		kprintf("x");
	while (tick_prints < 20)
		cpu_halt();
	pit_remove_tick_hook(printing_tick);
}

/* expect: output.ends_without_newline PASS */
KTEST(output, ends_without_newline)
{
	kprintf("no newline at the end of the case");
}

struct named {
	const char *desc;
};

static const struct named odd_names[] = {
	{ "plain" }, { "with # hash" }, { "with [brackets]" },
	{ " spaces at both ends " }, { "esc\x1b[2J bytes \xff\r\n" },
	{ "" }, { "back\\slash" },
};

static void describe(const struct named *p, char *buf, size_t len)
{
	ksnprintf(buf, len, "%s", p->desc);
}

/* expect: output.odd_parameter_names[plain] PASS */
/* expect: output.odd_parameter_names[with _ hash] PASS */
/* expect: output.odd_parameter_names[with _brackets_] PASS */
/* expect: output.odd_parameter_names[_spaces at both ends_] PASS */
/* expect: output.odd_parameter_names[esc__2J bytes ___] PASS */
/* expect: output.odd_parameter_names[5] PASS */
/* expect: output.odd_parameter_names[back_slash] PASS */
KTEST_PARAM(output, odd_parameter_names, struct named, odd_names, describe)
{
	EXPECT_NOT_NULL(param->desc);
}
