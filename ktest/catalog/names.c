/* Catalog, names at the limits: the longest suite.case name ktest takes,
 * with a parameter description longer than the room left, which is cut so
 * that plan and results agree (KTEST_NAME_MAX, ktest_protocol.h).
 *
 * expect: image PASS
 */
#include <stddef.h>

#include "ktest.h"
#include "lib/printf.h"

KTEST_SUITE(names_at_the_limit);

static const int one[] = { 1 };

static void describe_long(const int *v, char *buf, size_t len)
{
	ksnprintf(buf, len, "%d %s", *v, "a description of ninety characters, "
		  "longer than the room the name leaves for it......");
}

/* expect: names_at_the_limit.a_case_name_of_one_hundred_and_forty_four_characters_which_is_long_but_still_fits_in_the_limit_that_ktest_protocol_h_sets_for_results_aaaaaaaaaa[1 a description of ninety character] PASS */
KTEST_PARAM(names_at_the_limit, a_case_name_of_one_hundred_and_forty_four_characters_which_is_long_but_still_fits_in_the_limit_that_ktest_protocol_h_sets_for_results_aaaaaaaaaa,
	    int, one, describe_long)
{
	EXPECT_EQ(1, *param);
}

/* expect: names_at_the_limit.short PASS */
KTEST(names_at_the_limit, short)
{
	EXPECT_TRUE(1);
}
