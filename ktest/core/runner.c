/* ktest runner: runs the selection through the backend, judges each case
 * and prints KTAP v1 exactly as docs/protocol.md specifies.
 */
#include "internal.h"

enum verdict { V_PASS, V_FAIL, V_SKIP, V_TIMEOUT };

struct ktest *run_current;
char run_current_name[KTEST_NAME_MAX + 1];

static unsigned errors;          /* failures outside any case */
static uint64_t result_index;    /* results given so far, in run order */
static bool machine_unfit;       /* the last case broke what it must not */
static bool restart;             /* the run stops here and boots again */
static int case_init_rc;         /* what the last case_init returned */

static struct {
	unsigned passed, failed, skipped, timed_out;
} tally;

static const char *const reserved_tags[] = {
	KTEST_TAG_RUNNER, KTEST_TAG_PLAN, KTEST_TAG_CASE, KTEST_TAG_BUDGET,
	KTEST_TAG_LOG, KTEST_SUBTEST,
};

void run_error_outside_case(void)
{
	errors++;
}

const char *ktest_current_name(void)
{
	static char full[KTEST_NAME_MAX + 1];

	if (!run_current || !run_current_name[0])
		return "";
	kt_format(full, sizeof full, "%s.%s", run_current->tcase->suite->name,
		  run_current_name);
	return full;
}

const char *run_diag_tag(void)
{
	return run_current_name[0] ? run_current_name : KTEST_TAG_LOG;
}

/* ------------------------------------------------------------------------ */
/* How a case ended. */

/* "page fault (vector 14)", or "crash" for a host end with no vector. */
static void describe_exception(int vector, char *out, size_t cap)
{
	if (vector == KTEST_VECTOR_NONE)
		kt_strlcpy(out, "crash", cap);
	else
		kt_format(out, cap, "%s (vector %d)",
			  ktest_backend_vector_name(vector), vector);
}

/* "panic: reason", "page fault (vector 14): reason", "timeout: ..." */
static void describe_end(const struct ktest_end_info *end, char *out, size_t cap)
{
	char what[64];

	if (end->how == KTEST_END_PANIC)
		kt_strlcpy(what, "panic", sizeof what);
	else if (end->how == KTEST_END_TIMEOUT)
		kt_strlcpy(what, "timeout", sizeof what);
	else
		describe_exception(end->vector, what, sizeof what);
	kt_format(out, cap, "%s%s%s", what, end->reason[0] ? ": " : "",
		  end->reason);
}

/* Did the case end the way it was declared to? Explains when it did not. */
static bool end_as_expected(const struct ktest *t,
			    const struct ktest_end_info *end)
{
	const struct ktest_case *c = t->tcase;
	bool faulted = end->how == KTEST_END_EXCEPTION ||
		       end->how == KTEST_END_PANIC;
	char got[MSG_LEN], want[64];

	if (faulted && c->expect == KTEST_EXPECT_PANIC && end->how == KTEST_END_PANIC)
		return true;
	if (faulted && c->expect == KTEST_EXPECT_EXCEPTION &&
	    end->how == KTEST_END_EXCEPTION && end->vector == c->vector)
		return true;
	if (!faulted && (c->expect == KTEST_EXPECT_RETURN || t->failures > 0 ||
			 t->skipped))
		return c->expect == KTEST_EXPECT_RETURN;
	describe_end(end, got, sizeof got);
	if (c->expect == KTEST_EXPECT_PANIC)
		kt_strlcpy(want, "panic", sizeof want);
	else
		describe_exception(c->vector, want, sizeof want);
	if (c->expect == KTEST_EXPECT_RETURN)
		out_diag(run_current_name, "unexpected %s", got);
	else if (faulted)
		out_diag(run_current_name, "expected %s, got %s", want, got);
	else
		out_diag(run_current_name, "expected %s, %s", want,
			 end->how == KTEST_END_RETURNED ? "case returned" :
			 "case ended early");
	return false;
}

static enum verdict judge(const struct ktest *t,
			  const struct ktest_end_info *end)
{
	bool end_ok;

	if (end->how == KTEST_END_TIMEOUT)
		return V_TIMEOUT;
	end_ok = end_as_expected(t, end);
	if (t->failures > 0)
		return V_FAIL;
	if (t->skipped)
		return V_SKIP;
	return end_ok ? V_PASS : V_FAIL;
}

/* ------------------------------------------------------------------------ */
/* One case, isolated: case_init, the case, case_exit, the state check. */

static void call_case_init(struct ktest *t)
{
	case_init_rc = t->tcase->suite->case_init(t);
}

static void check_state(struct ktest *t)
{
	machine_unfit = !ktest_backend_case_check(t);
}

/* Run one stage; false when it did not complete. A fault or panic in a
 * fixture fails the case whatever it expects; a timeout times it out. */
static bool run_stage(struct ktest *t, void (*fn)(struct ktest *t),
		      const char *what, struct ktest_end_info *end)
{
	struct ktest_end_info e;
	char why[MSG_LEN];
	enum ktest_end how;

	case_init_rc = 0;
	how = ktest_backend_try(t, fn, &e);
	if (how == KTEST_END_RETURNED && case_init_rc == 0)
		return true;
	if (how == KTEST_END_ABORTED)
		return false;           /* the check or skip said why */
	if (how == KTEST_END_TIMEOUT) {
		*end = e;
		return false;
	}
	t->failures++;
	if (how == KTEST_END_RETURNED) {
		out_diag(run_current_name, "%s returned %d", what, case_init_rc);
		return false;
	}
	describe_end(&e, why, sizeof why);
	out_diag(run_current_name, "%s: %s", what, why);
	return false;
}

static void case_body(struct ktest *t, struct ktest_end_info *end)
{
	const struct ktest_suite *s = t->tcase->suite;

	run_current = t;                /* the backend may run on a copy */
	*end = (struct ktest_end_info){ .how = KTEST_END_RETURNED };
	if (!s->case_init || run_stage(t, call_case_init, "case_init", end)) {
		ktest_backend_try(t, t->tcase->fn, end);
		if (s->case_exit)
			run_stage(t, s->case_exit, "case_exit", end);
	}
	if (!run_stage(t, check_state, "the check after the case", end))
		machine_unfit = true;
}

/* ------------------------------------------------------------------------ */
/* Results. */

static void count(enum verdict v)
{
	if (v == V_PASS)
		tally.passed++;
	else if (v == V_FAIL)
		tally.failed++;
	else if (v == V_SKIP)
		tally.skipped++;
	else
		tally.timed_out++;
}

/* A case's last lines, written at once: its duration, then its result. */
static void report(unsigned number, enum verdict v, const char *reason,
		   uint64_t us)
{
	const char *directive = v == V_SKIP ? " # " KTEST_DIRECTIVE_SKIP " " :
				v == V_TIMEOUT ? " # " KTEST_DIRECTIVE_TIMEOUT " " : "";

	out_result(run_current_name, us, "%s %u %s%s%s",
		   v == V_PASS || v == V_SKIP ? "ok" : "not ok", number,
		   run_current_name, directive, directive[0] ? reason : "");
	count(v);
}

/* Run case sel.cases[ci] (one parameter of it) as result @number; with
 * @skip set, report it skipped without running it. */
static void run_one(uint32_t ci, size_t param, unsigned number,
		    const char *skip)
{
	const struct ktest_case *c = sel.cases[ci];
	struct ktest t = { .tcase = c };
	struct ktest_end_info end = { .how = KTEST_END_RETURNED };
	uint64_t start, us;
	enum verdict v;

	if (c->params)
		t.param = select_param_at(c, param);
	if (skip || result_index++ < opt.start) {
		report(number, V_SKIP, skip ? skip : "before " KTEST_OPT_START, 0);
		return;
	}
	ktest_backend_case_start(&t);
	machine_unfit = false;
	run_current = &t;
	start = ktest_backend_now_us();
	ktest_backend_run(&t, case_body, select_budget_ms(c), &end);
	us = ktest_backend_now_us() - start;
	run_current = NULL;
	end.reason[sizeof end.reason - 1] = '\0';
	t.skip_reason[sizeof t.skip_reason - 1] = '\0';
	v = judge(&t, &end);
	if (v == V_TIMEOUT && !end.reason[0])
		kt_format(end.reason, sizeof end.reason, "ran past %u ms",
			  select_budget_ms(c));
	report(number, v, v == V_TIMEOUT ? end.reason :
	       t.skip_reason[0] ? t.skip_reason : "skipped", us);
	restart = machine_unfit;
}

/* Why a selected case is not run, or NULL to run it. */
static const char *skip_reason(const struct ktest_case *c, bool init_failed)
{
	if (init_failed)
		return "suite init failed";
	if (KTEST_ON_HOST && c->kernel_only)
		return "kernel only";
	return NULL;
}

/* Run the selected results of case ci. */
static void run_case(uint32_t ci, unsigned *number, bool init_failed)
{
	const struct ktest_case *c = sel.cases[ci];
	const char *skip = skip_reason(c, init_failed);

	if (!c->params || c->params->count == 0) {
		select_case_name(c, false, run_current_name);
		if (c->params && !skip)
			skip = "no parameters";
		run_one(ci, 0, ++*number, skip);
	}
	for (size_t p = 0; c->params && p < c->params->count && !restart; p++)
		if (select_param(ci, p, false, run_current_name))
			run_one(ci, p, ++*number, skip);
	run_current_name[0] = '\0';
}

/* ------------------------------------------------------------------------ */
/* Suites. */

static const struct ktest_suite *fixture_suite;
static int fixture_rc;

static void call_suite_init(struct ktest *t)
{
	(void)t;
	fixture_rc = fixture_suite->init();
}

static void call_suite_exit(struct ktest *t)
{
	(void)t;
	fixture_suite->exit();
}

/* Run a suite fixture; false (an error of the run, reported) when it did
 * not complete or init returned nonzero. */
static bool run_fixture(const struct ktest_suite *s, bool init)
{
	struct ktest_end_info end;
	char why[MSG_LEN];
	enum ktest_end how;

	fixture_suite = s;
	fixture_rc = 0;
	ktest_say("%s begin %s %s", KTEST_SAY_FIXTURE, s->name, init ? "init" : "exit");
	how = ktest_backend_fixture(init ? call_suite_init : call_suite_exit,
				    opt.timeout_ms, &end);
	ktest_say("%s end", KTEST_SAY_FIXTURE);
	if (how == KTEST_END_RETURNED && fixture_rc == 0)
		return true;
	if (how == KTEST_END_RETURNED) {
		ktest_say("suite %s: init returned %d", s->name, fixture_rc);
		return false;
	}
	describe_end(&end, why, sizeof why);
	ktest_say("%s: suite %s: %s %s", KTEST_SAY_ERROR, s->name,
		  init ? "init" : "exit",
		  how == KTEST_END_ABORTED ? "ended early" : why);
	errors++;
	return false;
}

/* Does the suite have a result at or after opt.start? */
static bool suite_runs(const struct group *g, uint64_t first)
{
	return first + select_group_results(g) > opt.start;
}

/* One suite as a KTAP subtest, then its own result line as test @number. */
static void run_suite(const struct group *g, unsigned number)
{
	const struct ktest_suite *s = sel.cases[g->first]->suite;
	unsigned tally_bad = tally.failed + tally.timed_out, n = 0;
	bool runs = suite_runs(g, result_index), init_ok = true;

	out_set_depth(1);
	out_line("%s", KTEST_VERSION_LINE);
	out_diag("", "%s: %s", KTEST_SUBTEST, s->name);
	out_line("1..%u", select_group_results(g));
	if (runs && s->init)
		init_ok = run_fixture(s, true);
	for (uint32_t i = g->first; i < g->first + g->count && !restart; i++)
		if (sel.results[i])
			run_case(i, &n, !init_ok);
	if (restart) {
		out_set_depth(0);
		return;
	}
	if (runs && init_ok && s->exit)
		run_fixture(s, false);
	out_set_depth(0);
	out_line("%s %u %s%s", tally.failed + tally.timed_out > tally_bad ?
		 "not ok" : "ok", number, s->name,
		 init_ok ? "" : " # " KTEST_DIRECTIVE_SKIP " suite init failed");
}

/* ------------------------------------------------------------------------ */
/* The run. */

/* A case or suite named like a reserved tag could print lines that read as
 * the runner's own (docs/protocol.md): refuse the image. */
static bool names_allowed(void)
{
	bool ok = true;

	for (uint32_t i = 0; i < sel.ncases; i++) {
		const struct ktest_case *c = sel.cases[i];

		for (size_t r = 0; r < sizeof reserved_tags / sizeof *reserved_tags; r++) {
			if (kt_strcmp(c->name, reserved_tags[r]) &&
			    kt_strcmp(c->suite->name, reserved_tags[r]))
				continue;
			ktest_say("%s: %s.%s: '%s' is reserved, not a suite or case name",
				  KTEST_SAY_ERROR, c->suite->name, c->name,
				  reserved_tags[r]);
			ok = false;
		}
	}
	return ok;
}

/* Run every selected suite opt.repeat times; suites are numbered across
 * repetitions, as the top-level plan counts them. */
static void run_all(void)
{
	unsigned number = 0;

	select_print(KTEST_TAG_PLAN, true);
	out_line("1..%llu", (unsigned long long)sel.selected_suites * opt.repeat);
	for (uint32_t r = 0; r < opt.repeat && !restart; r++)
		for (uint32_t g = 0; g < sel.ngroups && !restart; g++)
			if (select_group_results(&sel.groups[g]))
				run_suite(&sel.groups[g], ++number);
}

static int summary(void)
{
	ktest_say("%u passed, %u failed, %u skipped, %u timed out", tally.passed,
		  tally.failed, tally.skipped, tally.timed_out);
	if (restart) {
		ktest_say("%s %s=%llu: the last case left the machine unusable",
			  KTEST_SAY_RESTART, KTEST_OPT_START,
			  (unsigned long long)result_index);
		return KTEST_STATUS_RESTART;
	}
	if (sel.duplicates)
		ktest_say("%s: %u parameter names given twice in one case "
			  "(renamed name~index)", KTEST_SAY_ERROR, sel.duplicates);
	if (errors)
		ktest_say("%s: %u failure(s) outside any case", KTEST_SAY_ERROR,
			  errors);
	if (errors || sel.duplicates)
		return KTEST_STATUS_ERROR;
	return tally.failed || tally.timed_out ? KTEST_STATUS_FAIL :
	       KTEST_STATUS_PASS;
}

static void reset(void)
{
	run_current = NULL;
	run_current_name[0] = '\0';
	out_set_depth(0);
	errors = 0;
	result_index = 0;
	restart = false;
	tally.passed = tally.failed = tally.skipped = tally.timed_out = 0;
}

/* Nothing selected: no case at all is an error, none matching a skip. */
static int nothing_selected(void)
{
	if (sel.ncases == 0) {
		ktest_say("%s: no test cases in this image", KTEST_SAY_ERROR);
		return KTEST_STATUS_ERROR;
	}
	ktest_say("no case matches %s=%.*s", KTEST_OPT_FILTER,
		  (int)opt.filter_len, opt.filter ? opt.filter : "");
	out_line("1..0");
	return KTEST_STATUS_PASS;
}

/* The run after the options are read: the selection, then its cases. */
static int run_selection(void)
{
	options_echo();
	if (!select_cases() || !names_allowed())
		return KTEST_STATUS_ERROR;
	if (sel.selected_cases == 0)
		return nothing_selected();
	ktest_say("%u cases in %u suites, seed %llu", sel.selected_cases,
		  sel.selected_suites, (unsigned long long)opt.seed);
	if (opt.list) {
		select_print(KTEST_TAG_CASE, false);
		out_line("1..0");
		return KTEST_STATUS_PASS;
	}
	run_all();
	return summary();
}

/*
 * ktest.fresh (docs/protocol.md, "Fresh runs"): say "ready" and wait for a
 * line of words from the harness, which saves the machine's state here and
 * restores it before each run. The run reads the boot's words and then
 * these (the last word of a key wins), prints its KTAP from the version
 * line on, then "done S" with its status S, and parks the machine.
 */
__attribute__((noreturn)) static void fresh_serve(void)
{
	static char words[KTEST_CMDLINE_MAX + 1];
	static char line[2 * KTEST_CMDLINE_MAX + 2];
	int status = KTEST_STATUS_ERROR;
	long n;

	ktest_say("%s", KTEST_SAY_READY);
	n = ktest_backend_read_words(words, sizeof words);
	reset();
	out_version();
	if (n < 0) {
		ktest_say("%s: the words sent are longer than %d bytes",
			  KTEST_SAY_ERROR, KTEST_CMDLINE_MAX);
	} else {
		kt_format(line, sizeof line, "%s %s", ktest_backend_cmdline(),
			  words);
		if (options_parse(line))
			status = run_selection();
	}
	ktest_say("%s %d", KTEST_SAY_DONE, status);
	ktest_backend_park(status);
}

/*
 * Run the selected cases, printing KTAP v1 (docs/protocol.md); returns a
 * KTEST_STATUS_* value. Call it once per boot (or process). With
 * ktest.fresh it does not return: see fresh_serve().
 *
 * ktest.list runs nothing and prints, in run order:
 *   KTAP version 1
 *   # ktest: options ...
 *   # ktest: 3 cases in 2 suites, seed 0
 *   # case: fmt.decimal
 *   # case: fmt.hex[16]          (one line per selected parameter)
 *   1..0
 */
int ktest_main(void)
{
	reset();
	ktest_start_output();
	if (!options_parse(ktest_backend_cmdline()))
		return KTEST_STATUS_ERROR;
	if (opt.fresh)
		fresh_serve();
	return run_selection();
}
