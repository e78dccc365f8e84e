/* Broken on purpose: replaces the runner with fixed output, selected by the
 * image's built-in command line: `lie` (a failure, then the success exit
 * code), `garbage` (bytes that are not KTAP) or `truncated` (KTAP that stops
 * in the middle of a suite, then the success exit code).
 */
#include "kernel.h"
#include "ktest_backend.h"
#include "lib/cmdline.h"
#include "lib/string.h"

static void say(const char *s)
{
	ktest_backend_write(s, strlen(s));
}

static const char header[] =
	"KTAP version 1\n"
	"# ktest: 2 cases in 1 suites, seed 0\n"
	"# plan: broken.first\n"
	"# plan: broken.second\n"
	"1..1\n"
	"    KTAP version 1\n"
	"    # Subtest: broken\n"
	"    1..2\n";

void kernel_run(const struct boot_info *bi)
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
	ktest_backend_exit(0);
}
