/* trivial_100: a hundred empty cases, trivial.c00 to trivial.c99: the
 * image tools/bench.py runs with --fresh-boot, one case per boot or per
 * restored snapshot.
 */
#include "ktest.h"

KTEST_SUITE(trivial);

/* One empty case named c<digits>. */
#define CASE(digits) KTEST(trivial, c##digits) {}

/* Ten, a hundred cases: each level appends one more digit. */
#define TEN(p) CASE(p##0) CASE(p##1) CASE(p##2) CASE(p##3) CASE(p##4) \
	       CASE(p##5) CASE(p##6) CASE(p##7) CASE(p##8) CASE(p##9)
#define HUNDRED() TEN(0) TEN(1) TEN(2) TEN(3) TEN(4) \
		  TEN(5) TEN(6) TEN(7) TEN(8) TEN(9)

HUNDRED()
