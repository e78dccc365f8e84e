/* Catalog, time budgets: one source (the image's announced budgets) for the
 * kernel's stop and the harness's; a slow case gets ten times the budget.
 * Built with a 300 ms budget.
 *
 * expect: image FAIL
 */
#include "arch/x86_64/pit.h"
#include "ktest.h"

KTEST_SUITE(budgets);

/* expect: budgets.slow_case_within_its_budget PASS */
KTEST(budgets, slow_case_within_its_budget, KTEST_SLOW)
{
	pit_sleep_ms(1200);
}

/* expect: budgets.plain_case_past_its_budget TIMEOUT */
KTEST(budgets, plain_case_past_its_budget)
{
	pit_sleep_ms(1200);
}

/* expect: budgets.slow_case_past_its_budget TIMEOUT */
KTEST(budgets, slow_case_past_its_budget, KTEST_SLOW)
{
	pit_sleep_ms(4000);
}

/* expect: budgets.runs_after_the_timeouts PASS */
KTEST(budgets, runs_after_the_timeouts)
{
	pit_sleep_ms(10);
}
