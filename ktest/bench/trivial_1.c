/* trivial_1: one empty case, the baseline that tools/bench.py compares
 * trivial_1000 with to get ktest's cost per case (boot, runner, KTAP).
 */
#include "ktest.h"

KTEST_SUITE(trivial);

KTEST(trivial, c000)
{
}
