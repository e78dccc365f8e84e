/* Catalog, the command line: an image's built-in words (here
 * ktest.filter=builtin.chosen*) apply under the harness, and words the
 * harness passes win per key.
 *
 * expect: image PASS
 * expect: builtin.chosen_one PASS
 * expect: builtin.chosen_two PASS
 *
 * run overridden: --filter builtin.not_chosen
 * expect overridden: image FAIL
 * expect overridden: builtin.not_chosen FAIL
 *
 * run repeated: --repeat 2 --filter builtin.chosen_one,builtin.chosen_one_____________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________________
 * expect repeated: image PASS
 * expect repeated: builtin.chosen_one PASS
 * expect repeated: builtin.chosen_one PASS
 */
#include "ktest.h"

KTEST_SUITE(builtin);

KTEST(builtin, chosen_one)
{
	EXPECT_TRUE(1);
}

KTEST(builtin, chosen_two)
{
	EXPECT_TRUE(1);
}

KTEST(builtin, not_chosen)
{
	KTEST_FAIL("runs only when the harness's filter overrides the image's");
}
