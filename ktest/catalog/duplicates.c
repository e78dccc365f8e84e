/* Catalog, two parameters with the same description: every case still runs
 * and is listed, the later name gets "~index", and the run is an error.
 *
 * expect: image ERROR
 */
#include <stddef.h>

#include "ktest.h"
#include "lib/printf.h"

KTEST_SUITE(duplicates);

static const int values[] = { 1, 2, 1, 3 };

static void describe(const int *v, char *buf, size_t len)
{
	ksnprintf(buf, len, "value %d", *v);
}

/* expect: duplicates.same_descriptions[value 1] PASS */
/* expect: duplicates.same_descriptions[value 2] PASS */
/* expect: duplicates.same_descriptions[value 1~2] PASS */
/* expect: duplicates.same_descriptions[value 3] PASS */
KTEST_PARAM(duplicates, same_descriptions, int, values, describe)
{
	EXPECT_GT(*param, 0);
}
