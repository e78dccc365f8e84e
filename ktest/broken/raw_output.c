/* Broken on purpose: its own test hooks replace ktest's runner with fixed
 * output on COM1, selected by the image's built-in command line: `lie` (a
 * failure, then the success exit code), `garbage` (bytes that are not KTAP)
 * or `truncated` (KTAP that stops in the middle of a suite, then the success
 * exit code).
 */
#include "arch/x86_64/cpu.h"
#include "drivers/serial.h"
#include "init.h"
#include "ktest_protocol.h"
#include "lib/cmdline.h"
#include "lib/string.h"
#include "test_hooks.h"

static serial_write_fn out;

static void say(const char *s)
{
	out(s, strlen(s));
}

static const char header[] =
	"KTAP version 1\n"
	"# ktest: options ktest.filter= ktest.shuffle=0 ktest.repeat=1 "
	"ktest.timeout=5000 ktest.start=0\n"
	"# ktest: 2 cases in 1 suites, seed 0\n"
	"# plan: broken.first\n"
	"# plan: broken.second\n"
	"1..1\n"
	"    KTAP version 1\n"
	"    # Subtest: broken\n"
	"    1..2\n";

static void claim_serial(void)
{
	out = serial_claim_output();
}

/* Kernel text goes nowhere: this runner owns COM1. */
static void drop_text(const char *s, size_t n)
{
	(void)s;
	(void)n;
}

__attribute__((noreturn)) static void run(const struct boot_info *bi)
{
	if (cmdline_has(bi->cmdline, "lie")) {
		say(header);
		say("    # first: 1 us\n    not ok 1 first\n");
		say("    # second: 1 us\n    ok 2 second\n");
		say("not ok 1 broken\n# ktest: 1 passed, 1 failed, 0 skipped, 0 timed out\n");
	} else if (cmdline_has(bi->cmdline, "garbage")) {
		say("KTAP version 1\n\x01\x02\xfe\xff garbage \x1b[2J\n");
	} else {
		say(header);
		say("    # first: 1 us\n    ok 1 first\n");
	}
	outl(KTEST_EXIT_PORT, KTEST_EXIT_PASS);
	cpu_stop();
}

static const struct test_hooks hooks = {
	.console_ready = claim_serial,
	.serial_text = drop_text,
	.run = run,
};

TEST_HOOKS(hooks);
