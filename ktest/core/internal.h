/* ktest core: what its parts share. out.c writes KTAP, options.c reads the
 * command line, select.c finds, orders and selects the cases, check.c
 * implements the checks of ktest.h, runner.c runs the selection. Private to
 * ktest/core/; freestanding C, no allocation.
 */
#ifndef KTEST_CORE_INTERNAL_H
#define KTEST_CORE_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "ktest.h"
#include "ktest_protocol.h"

#define KTEST_PRINTF_FMT_(f, a) __attribute__((format(printf, f, a)))

#ifdef KTEST_HOST
#define KTEST_ON_HOST true
#else
#define KTEST_ON_HOST false
#endif

#define MSG_LEN 256     /* a formatted user message */

/* ------------------------------------------------------------------------ */
/* out.c: every line of output, built whole, escaped, then written. */

/* A plain line at the current depth: version, plans, results. */
void out_line(const char *fmt, ...) KTEST_PRINTF_FMT_(1, 2);

/* A diagnostic "# tag: text" at the current depth ("# text" for tag ""). */
void out_diag(const char *tag, const char *fmt, ...) KTEST_PRINTF_FMT_(2, 3);

/* A case's last two lines, written at once: "# tag: N us" (its duration)
 * and its result line (fmt). */
void out_result(const char *tag, uint64_t us, const char *fmt, ...)
	KTEST_PRINTF_FMT_(3, 4);

/* Text with newlines as one diagnostic per line: "# tag: <lead><line>". */
void out_diag_lines(const char *tag, const char *lead, const char *text);

/* Inside a suite's subtest (indented) or not. */
void out_set_depth(int depth);
/* The top-level version line, which starts a document and its sum. */
void out_version(void);

/* ------------------------------------------------------------------------ */
/* Small string helpers (no libc). */

size_t kt_strlen(const char *s);
int kt_strcmp(const char *a, const char *b);
/* Copy at most cap - 1 bytes of s to dst, NUL-terminated. */
void kt_strlcpy(char *dst, const char *s, size_t cap);
/* Format into buf (always NUL-terminated; "" for a NULL fmt). */
void kt_vformat(char *buf, size_t len, const char *fmt, va_list ap)
	KTEST_PRINTF_FMT_(3, 0);
void kt_format(char *buf, size_t len, const char *fmt, ...)
	KTEST_PRINTF_FMT_(3, 4);

/* ------------------------------------------------------------------------ */
/* options.c: the ktest.* words of the command line. */

struct ktest_options {
	const char *filter;       /* the ktest.filter value, or NULL */
	size_t filter_len;
	bool list;
	bool fresh;               /* ktest.fresh: runs take their words from COM1 */
	uint64_t seed;            /* 0: no shuffle */
	uint32_t repeat;
	uint32_t timeout_ms;      /* a case's budget; slow cases get more */
	uint64_t start;           /* results before this one are not run */
};

extern struct ktest_options opt;

/* Read the command line; report every bad word; false if there was one. */
bool options_parse(const char *cmdline);

/* "# ktest: options ..." with every ktest.* value as the run uses it. */
void options_echo(void);

/* Does the filter select the full name "suite.case[param]"? */
bool options_filter_matches(const char *name);

/* ------------------------------------------------------------------------ */
/* select.c: the cases of the image, in run order, and the selection. */

/* A suite's cases: a run of consecutive entries of select.cases[]. */
struct group {
	uint32_t first;
	uint32_t count;
};

struct selection {
	const struct ktest_case *cases[KTEST_MAX_CASES];
	uint32_t results[KTEST_MAX_CASES];  /* results a selected case gives */
	uint32_t ncases;
	struct group groups[KTEST_MAX_CASES];
	uint32_t ngroups;
	uint32_t selected_cases;            /* with results[i] > 0 */
	uint32_t selected_suites;
	uint32_t duplicates;                /* parameter names seen twice */
};

extern struct selection sel;

/* Find the cases, order them (suite, file, line), shuffle with opt.seed,
 * select with opt.filter. False (reported) if there are too many. */
bool select_cases(void);

/* Results a suite gives under the filter; 0 when none is selected. */
uint32_t select_group_results(const struct group *g);

/* Is parameter i of case sel.cases[ci] selected? Its result name
 * ("case[desc]") goes to name; with_suite puts "suite." in front. */
bool select_param(uint32_t ci, size_t i, bool with_suite, char *name);

/* The result name of a case without parameters. */
void select_case_name(const struct ktest_case *c, bool with_suite,
		      char *name);

/* The parameter @i of c. */
const void *select_param_at(const struct ktest_case *c, size_t i);

/* The budget of a case in milliseconds. */
unsigned select_budget_ms(const struct ktest_case *c);

/* Print the selection in run order: "# plan:" lines packed by suite, or
 * the "# case:" lines of ktest.list, one per result; then the "# budget:"
 * lines of cases whose budget is not opt.timeout_ms. */
void select_print(const char *tag, bool pack);

/* ------------------------------------------------------------------------ */
/* runner.c: the run, and the state the checks need. */

/* The case being run, or NULL; its result name ("" outside a case). */
extern struct ktest *run_current;
extern char run_current_name[KTEST_NAME_MAX + 1];

/* A check failed outside any case (a suite fixture): a run error. */
void run_error_outside_case(void);

/* The tag of the running case's diagnostics: its name, or "ktest". */
const char *run_diag_tag(void);

#endif /* KTEST_CORE_INTERNAL_H */
