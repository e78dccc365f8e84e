/* trivial_1000: a thousand empty cases, trivial.c000 to trivial.c999.
 * tools/bench.py subtracts trivial_1's time to get ktest's cost per case:
 * case setup, its stack and timer, and its lines of KTAP on the serial port.
 */
#include "ktest.h"

KTEST_SUITE(trivial);

/* One empty case named c<digits>. */
#define CASE(digits) KTEST(trivial, c##digits) {}

/* Ten, a hundred, a thousand cases: each level appends one more digit. */
#define TEN(p) CASE(p##0) CASE(p##1) CASE(p##2) CASE(p##3) CASE(p##4) \
	       CASE(p##5) CASE(p##6) CASE(p##7) CASE(p##8) CASE(p##9)
#define HUNDRED(p) TEN(p##0) TEN(p##1) TEN(p##2) TEN(p##3) TEN(p##4) \
		   TEN(p##5) TEN(p##6) TEN(p##7) TEN(p##8) TEN(p##9)
#define THOUSAND() HUNDRED(0) HUNDRED(1) HUNDRED(2) HUNDRED(3) HUNDRED(4) \
		   HUNDRED(5) HUNDRED(6) HUNDRED(7) HUNDRED(8) HUNDRED(9)

THOUSAND()
