/* ktest core: the portable test runner. Finds the cases in the ktest_cases
 * linker section, reads the ktest.* command line words, runs the cases
 * through the backend (ktest_backend.h) and prints KTAP v1 exactly as
 * docs/protocol.md specifies. Freestanding C: no libc, no allocation.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktest.h"
#include "ktest_backend.h"

/* Limits. Cases past KTEST_MAX_CASES are an error, not silently dropped. */
#define KTEST_MAX_CASES    2048
#define KTEST_MAX_FILTERS  16     /* ktest.filter= words on one command line */
#define LINE_LEN           384    /* one output line, '\n' included */
#define NAME_LEN           160    /* "case[param]" as printed in results */
#define FULL_NAME_LEN      224    /* "suite.case[param]" as filters see it */
#define DESC_LEN           96     /* a parameter's description */
#define MSG_LEN            256    /* a formatted user message */
#define STR_SHOWN          64     /* characters of a string shown on failure */
#define MEM_SHOWN          8      /* bytes of each side shown on failure */
#define INDENT             "    " /* a KTAP subtest's indentation */

#define DEFAULT_TIMEOUT_MS 10000
#define SLOW_FACTOR        10     /* KTEST_SLOW cases get 10x the timeout */
#define MAX_TIMEOUT_MS     (UINT32_MAX / SLOW_FACTOR)
#define MAX_REPEAT         1000000

/* ktest_main()'s result, as ktest_backend_exit() takes it. */
#define STATUS_PASS  0
#define STATUS_FAIL  1
#define STATUS_ERROR 2

#ifdef KTEST_HOST
#define HOST_BUILD true
#else
#define HOST_BUILD false
#endif

/* Bounds of the ktest_cases section, defined by the linker (GNU ld and
 * ld.lld do it for any section named like a C identifier; the kernel's
 * linker script does it explicitly). Weak: an image without cases links. */
extern const struct ktest_case *const __start_ktest_cases[] __attribute__((weak));
extern const struct ktest_case *const __stop_ktest_cases[] __attribute__((weak));

enum verdict { V_PASS, V_FAIL, V_SKIP, V_TIMEOUT };

struct options {
	const char *filters[KTEST_MAX_FILTERS]; /* values of ktest.filter= */
	unsigned nfilters;
	bool list;
	uint64_t seed;
	uint32_t repeat;
	uint32_t timeout_ms;
};

/* A suite's cases: a run of consecutive entries of cases[]. */
struct group {
	uint32_t first;
	uint32_t count;
};

static const struct ktest_case *cases[KTEST_MAX_CASES];
static uint32_t nresults[KTEST_MAX_CASES]; /* results a selected case gives */
static uint32_t ncases;
static struct group groups[KTEST_MAX_CASES];
static uint32_t ngroups;

static struct options opt;
static struct ktest *current;           /* the case being run, or NULL */
static char current_name[NAME_LEN];     /* its result name, "" outside */
static int depth;                       /* 1 inside a suite's subtest */
static unsigned errors;                 /* failures outside any case */
static int case_init_rc;                /* what the last case_init returned */
static uint64_t rng_state;

static struct {
	unsigned passed, failed, skipped, timed_out;
} tally;

/* ------------------------------------------------------------------------ */
/* Strings: the few libc functions the runner needs. */

static size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static int str_cmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

/* Append s to the NUL-terminated dst of capacity cap; truncates. */
static void str_append(char *dst, size_t cap, const char *s)
{
	size_t n = str_len(dst);

	while (*s && n + 1 < cap)
		dst[n++] = *s++;
	dst[n] = '\0';
}

static void str_append_u64(char *dst, size_t cap, uint64_t v)
{
	char digits[24];
	int i = (int)sizeof digits - 1;

	digits[i] = '\0';
	do {
		digits[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	str_append(dst, cap, &digits[i]);
}

/* Make s fit on one line: control characters become spaces. */
static void str_one_line(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

/* Format fmt into buf through the backend; always NUL-terminated. */
__attribute__((format(printf, 3, 0)))
static void vformat(char *buf, size_t len, const char *fmt, va_list ap)
{
	buf[0] = '\0';
	if (fmt)
		ktest_backend_vformat(buf, len, fmt, ap);
	buf[len - 1] = '\0';
}

/* ------------------------------------------------------------------------ */
/* Output: every line is built whole, then written with one backend call. */

struct line {
	char buf[LINE_LEN];
	size_t len;
	bool cut;
};

static void put_mem(struct line *l, const char *s, size_t n)
{
	for (; n; n--, s++) {
		if (l->len >= LINE_LEN - 1) {
			l->cut = true;
			return;
		}
		l->buf[l->len++] = *s;
	}
}

static void put(struct line *l, const char *s)
{
	put_mem(l, s ? s : "(null)", str_len(s ? s : "(null)"));
}

static void put_u64(struct line *l, uint64_t v)
{
	char digits[24] = "";

	str_append_u64(digits, sizeof digits, v);
	put(l, digits);
}

static void put_i64(struct line *l, int64_t v)
{
	if (v < 0) {
		put(l, "-");
		put_u64(l, -(uint64_t)v);
	} else {
		put_u64(l, (uint64_t)v);
	}
}

static void put_hex(struct line *l, uint64_t v)
{
	static const char hex[] = "0123456789abcdef";
	char digits[20];
	int i = (int)sizeof digits;

	do {
		digits[--i] = hex[v & 0xf];
		v >>= 4;
	} while (v);
	put(l, "0x");
	put_mem(l, &digits[i], sizeof digits - (size_t)i);
}

/* Start a line at the current KTAP depth. */
static void begin(struct line *l)
{
	l->len = 0;
	l->cut = false;
	if (depth > 0)
		put(l, INDENT);
}

/* Start a `#` diagnostic; @name ("" for none) prefixes it as "name: ". */
static void begin_diag(struct line *l, const char *name)
{
	begin(l);
	put(l, "# ");
	if (name[0]) {
		put(l, name);
		put(l, ": ");
	}
}

static void emit(struct line *l)
{
	if (l->cut && l->len >= 3) {
		l->buf[l->len - 3] = '.';
		l->buf[l->len - 2] = '.';
		l->buf[l->len - 1] = '.';
	}
	l->buf[l->len++] = '\n';
	ktest_backend_write(l->buf, l->len);
}

const char *ktest_diag_prefix(void)
{
	return depth > 0 ? INDENT "# " : "# ";
}

/* Diagnostics are attributed to the running case, or to the runner. */
static const char *diag_name(void)
{
	return current_name[0] ? current_name : "ktest";
}

/* Print @text as diagnostics, one line per '\n'-separated piece; @lead
 * goes before each piece. */
static void diag_text(const char *name, const char *lead, const char *text)
{
	struct line l;
	const char *end;

	do {
		for (end = text; *end && *end != '\n'; end++)
			;
		begin_diag(&l, name);
		put(&l, lead);
		put_mem(&l, text, (size_t)(end - text));
		emit(&l);
		text = end + 1;
	} while (*end && *text);
}

/* A one-line diagnostic from a plain string. */
static void diag(const char *name, const char *text)
{
	struct line l;

	begin_diag(&l, name);
	put(&l, text);
	emit(&l);
}

static void print_plain(const char *text)
{
	struct line l;

	begin(&l);
	put(&l, text);
	emit(&l);
}

/* ------------------------------------------------------------------------ */
/* x86 exception names, for fault reports and verdicts. */

static const char *const vector_names[32] = {
	"divide error", "debug", "non-maskable interrupt", "breakpoint",
	"overflow", "bound range exceeded", "invalid opcode",
	"device not available", "double fault", "coprocessor segment overrun",
	"invalid TSS", "segment not present", "stack-segment fault",
	"general protection fault", "page fault", "reserved (15)",
	"x87 floating-point error", "alignment check", "machine check",
	"SIMD floating-point exception", "virtualization exception",
	"control protection exception", "reserved (22)", "reserved (23)",
	"reserved (24)", "reserved (25)", "reserved (26)", "reserved (27)",
	"hypervisor injection exception", "VMM communication exception",
	"security exception", "reserved (31)",
};

const char *ktest_vector_name(int vector)
{
	if (vector >= 0 && vector < 32)
		return vector_names[vector];
	if (vector >= 32 && vector < 256)
		return "interrupt";
	return "unknown";
}

/* "page fault (vector 14)", or "crash" for a host end with no vector. */
static void put_exception(struct line *l, int vector)
{
	if (vector == KTEST_VECTOR_NONE) {
		put(l, "crash");
		return;
	}
	put(l, ktest_vector_name(vector));
	put(l, " (vector ");
	put_i64(l, vector);
	put(l, ")");
}

/* What a case was declared to do, for "expected ..." diagnostics. */
static void put_expected(struct line *l, const struct ktest_case *c)
{
	if (c->expect == KTEST_EXPECT_PANIC)
		put(l, "panic");
	else
		put_exception(l, c->vector);
}

/* How a case ended when it did not return: "page fault (vector 14): ...". */
static void put_end(struct line *l, const struct ktest_end_info *end)
{
	if (end->how == KTEST_END_PANIC)
		put(l, "panic");
	else if (end->how == KTEST_END_TIMEOUT)
		put(l, "timeout");
	else
		put_exception(l, end->vector);
	if (end->reason[0]) {
		put(l, ": ");
		put(l, end->reason);
	}
}

/* ------------------------------------------------------------------------ */
/* Command line: ktest.* words (docs/protocol.md); other words are ignored. */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Length of the word at w, which ends at a space or NUL. */
static size_t word_len(const char *w)
{
	size_t n = 0;

	while (w[n] && !is_space(w[n]))
		n++;
	return n;
}

/* Does the n-byte word w start with the NUL-terminated prefix? */
static bool word_starts(const char *w, size_t n, const char *prefix)
{
	size_t i;

	for (i = 0; prefix[i]; i++)
		if (i >= n || w[i] != prefix[i])
			return false;
	return true;
}

static bool word_is(const char *w, size_t n, const char *lit)
{
	return word_starts(w, n, lit) && str_len(lit) == n;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* Parse n bytes at s as a decimal or 0x-hex number no larger than max. */
static bool parse_number(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	size_t i = 0;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == n)
		return false;
	for (; i < n; i++) {
		unsigned d = (unsigned)digit_value(s[i]);

		if (d >= base || v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* Start "# ktest: <what> '<word>'" about a word the runner cannot use. */
static void begin_word_error(struct line *l, const char *what, const char *w,
			     size_t n)
{
	begin_diag(l, "ktest");
	put(l, what);
	put(l, " '");
	put_mem(l, w, n);
	put(l, "'");
}

static void word_error(const char *what, const char *w, size_t n)
{
	struct line l;

	begin_word_error(&l, what, w, n);
	emit(&l);
}

/* Parse the value of a numeric option word "ktest.name=value". */
static bool number_option(const char *w, size_t n, size_t name_len,
			  uint64_t min, uint64_t max, uint64_t *out)
{
	struct line l;

	if (parse_number(w + name_len, n - name_len, max, out) && *out >= min)
		return true;
	begin_word_error(&l, "bad number in", w, n);
	put(&l, ": want ");
	put_u64(&l, min);
	put(&l, " to ");
	put_u64(&l, max);
	emit(&l);
	return false;
}

static bool parse_word(const char *w, size_t n)
{
	uint64_t v;

	if (word_is(w, n, "ktest.list")) {
		opt.list = true;
	} else if (word_starts(w, n, "ktest.filter=")) {
		if (opt.nfilters == KTEST_MAX_FILTERS) {
			word_error("too many ktest.filter words at", w, n);
			return false;
		}
		opt.filters[opt.nfilters++] = w + str_len("ktest.filter=");
	} else if (word_starts(w, n, "ktest.shuffle=")) {
		if (!number_option(w, n, str_len("ktest.shuffle="), 0,
				   UINT64_MAX, &opt.seed))
			return false;
	} else if (word_starts(w, n, "ktest.repeat=")) {
		if (!number_option(w, n, str_len("ktest.repeat="), 1,
				   MAX_REPEAT, &v))
			return false;
		opt.repeat = (uint32_t)v;
	} else if (word_starts(w, n, "ktest.timeout=")) {
		if (!number_option(w, n, str_len("ktest.timeout="), 1,
				   MAX_TIMEOUT_MS, &v))
			return false;
		opt.timeout_ms = (uint32_t)v;
	} else if (word_starts(w, n, "ktest.")) {
		word_error("unknown option", w, n);
		return false;
	}
	return true;
}

/* Read every word; report each bad one, fail if there was any. */
static bool parse_cmdline(const char *s)
{
	bool ok = true;
	size_t n;

	opt.nfilters = 0;
	opt.list = false;
	opt.seed = 0;
	opt.repeat = 1;
	opt.timeout_ms = DEFAULT_TIMEOUT_MS;
	for (;; s += n) {
		while (is_space(*s))
			s++;
		n = word_len(s);
		if (n == 0)
			return ok;
		ok = parse_word(s, n) && ok;
	}
}

/* ------------------------------------------------------------------------ */
/* Selection: globs with '*' and '?' against "suite.case[param]". */

static bool glob_match(const char *p, size_t plen, const char *s)
{
	size_t pi = 0, si = 0, star = SIZE_MAX, mark = 0;

	while (s[si]) {
		if (pi < plen && (p[pi] == '?' || p[pi] == s[si])) {
			pi++;
			si++;
		} else if (pi < plen && p[pi] == '*') {
			star = pi++;
			mark = si;
		} else if (star != SIZE_MAX) {
			pi = star + 1;
			si = ++mark;
		} else {
			return false;
		}
	}
	while (pi < plen && p[pi] == '*')
		pi++;
	return pi == plen;
}

/* Does one ktest.filter= value (comma-separated globs) match name? */
static bool filter_word_matches(const char *f, const char *name)
{
	size_t n;

	for (;; f += n + 1) {
		for (n = 0; f[n] && f[n] != ',' && !is_space(f[n]); n++)
			;
		if (n > 0 && glob_match(f, n, name))
			return true;
		if (f[n] != ',')
			return false;
	}
}

/* A filter word with no globs ("ktest.filter=") selects nothing by itself;
 * with only such words, everything runs. */
static bool filter_is_empty(const char *f)
{
	for (; *f && !is_space(*f); f++)
		if (*f != ',')
			return false;
	return true;
}

static bool filters_match(const char *name)
{
	bool any = false;
	unsigned i;

	for (i = 0; i < opt.nfilters; i++) {
		if (filter_is_empty(opt.filters[i]))
			continue;
		any = true;
		if (filter_word_matches(opt.filters[i], name))
			return true;
	}
	return !any;
}

static const void *param_at(const struct ktest_params *p, size_t i)
{
	return (const char *)p->table + i * p->size;
}

/* Describe parameter i into buf: the user's text, else its index. '#'
 * would start a KTAP directive in a result line, so it becomes '_'. */
static void describe_param(const struct ktest_case *c, size_t i, char *buf)
{
	char *s;

	buf[0] = '\0';
	if (c->params->describe)
		c->params->describe(param_at(c->params, i), buf, DESC_LEN);
	buf[DESC_LEN - 1] = '\0';
	if (!buf[0])
		str_append_u64(buf, DESC_LEN, i);
	str_one_line(buf);
	for (s = buf; *s; s++)
		if (*s == '#')
			*s = '_';
}

/* "case" or "case[desc]" into out; with_suite prefixes "suite.". */
static void case_name(const struct ktest_case *c, const char *desc,
		      bool with_suite, char *out, size_t cap)
{
	out[0] = '\0';
	if (with_suite) {
		str_append(out, cap, c->suite->name);
		str_append(out, cap, ".");
	}
	str_append(out, cap, c->name);
	if (desc) {
		str_append(out, cap, "[");
		str_append(out, cap, desc);
		str_append(out, cap, "]");
	}
}

static bool name_selected(const struct ktest_case *c, const char *desc)
{
	char name[FULL_NAME_LEN];

	case_name(c, desc, true, name, sizeof name);
	return filters_match(name);
}

/* Is parameter i of c selected? Its description goes to desc. */
static bool param_selected(const struct ktest_case *c, size_t i, char *desc)
{
	describe_param(c, i, desc);
	return name_selected(c, NULL) || name_selected(c, desc);
}

/* How many results c gives under the filter: 0 when not selected. A
 * parameterized case with an empty table gives one result (a skip). */
static uint32_t count_results(const struct ktest_case *c)
{
	char desc[DESC_LEN];
	uint32_t n = 0;
	size_t i;

	if (!c->params || c->params->count == 0)
		return name_selected(c, NULL) ? 1 : 0;
	if (name_selected(c, NULL))
		return (uint32_t)c->params->count;
	for (i = 0; i < c->params->count; i++)
		n += param_selected(c, i, desc);
	return n;
}

/* ------------------------------------------------------------------------ */
/* Enumeration and order: suites by name, cases by (file, line); then the
 * optional shuffle. Independent of link order, so output is deterministic. */

/* Same string: string literals of one file share their storage, so the
 * pointer test settles most comparisons without walking the text. */
static int name_cmp(const char *a, const char *b)
{
	return a == b ? 0 : str_cmp(a, b);
}

static bool case_before(const struct ktest_case *a, const struct ktest_case *b)
{
	int d = name_cmp(a->suite->name, b->suite->name);

	if (d != 0)
		return d < 0;
	if (a->suite != b->suite)
		return (uintptr_t)a->suite < (uintptr_t)b->suite;
	d = name_cmp(a->file, b->file);
	if (d != 0)
		return d < 0;
	if (a->line != b->line)
		return a->line < b->line;
	return name_cmp(a->name, b->name) < 0;
}

/* Bottom-up merge sort: O(n log n) whatever order the linker left the
 * section in (some compilers emit a file's cases last to first). */
static void sort_cases(void)
{
	static const struct ktest_case *scratch[KTEST_MAX_CASES];
	const struct ktest_case **from = cases, **to = scratch, **tmp;
	uint32_t width, lo, i, j, k, mid, hi;

	for (width = 1; width < ncases; width *= 2) {
		for (lo = 0; lo < ncases; lo += 2 * width) {
			mid = lo + width < ncases ? lo + width : ncases;
			hi = mid + width < ncases ? mid + width : ncases;
			for (i = lo, j = mid, k = lo; k < hi; k++) {
				if (j < hi && (i == mid || case_before(from[j], from[i])))
					to[k] = from[j++];
				else
					to[k] = from[i++];
			}
		}
		tmp = from;
		from = to;
		to = tmp;
	}
	for (i = 0; from != cases && i < ncases; i++)
		cases[i] = from[i];
}

static bool collect_cases(void)
{
	const struct ktest_case *const *it = __start_ktest_cases;

	ncases = 0;
	if (!__start_ktest_cases || !__stop_ktest_cases)
		return true;
	for (; it < __stop_ktest_cases; it++) {
		if (!*it)
			continue;               /* padding, if a linker adds any */
		if (ncases == KTEST_MAX_CASES) {
			diag("ktest", "too many cases: raise KTEST_MAX_CASES in ktest/core.c");
			return false;
		}
		cases[ncases++] = *it;
	}
	sort_cases();
	return true;
}

static void build_groups(void)
{
	uint32_t i;

	ngroups = 0;
	for (i = 0; i < ncases; i++) {
		if (i == 0 || cases[i]->suite != cases[i - 1]->suite)
			groups[ngroups++] = (struct group){ i, 0 };
		groups[ngroups - 1].count++;
	}
}

/* splitmix64: tiny, and the same sequence on every machine. */
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rng_below(uint32_t n)
{
	return (uint32_t)(rng_next() % n);
}

/* Fisher-Yates over the cases of each suite, then over the suites. */
static void shuffle(uint64_t seed)
{
	uint32_t g, i, j;

	rng_state = seed;
	for (g = 0; g < ngroups; g++) {
		const struct ktest_case **c = &cases[groups[g].first];

		for (i = groups[g].count; i > 1; i--) {
			const struct ktest_case *tmp = c[i - 1];

			j = rng_below(i);
			c[i - 1] = c[j];
			c[j] = tmp;
		}
	}
	for (i = ngroups; i > 1; i--) {
		struct group tmp = groups[i - 1];

		j = rng_below(i);
		groups[i - 1] = groups[j];
		groups[j] = tmp;
	}
}

/* Results of a suite under the filter; 0 when none of its cases is selected. */
static uint32_t group_results(const struct group *g)
{
	uint32_t i, n = 0;

	for (i = g->first; i < g->first + g->count; i++)
		n += nresults[i];
	return n;
}

/* Fill nresults[]; report how many cases and suites are selected. */
static void select_cases(uint32_t *ncase, uint32_t *nsuite)
{
	uint32_t g, i;

	*ncase = *nsuite = 0;
	for (i = 0; i < ncases; i++) {
		nresults[i] = count_results(cases[i]);
		*ncase += nresults[i] > 0;
	}
	for (g = 0; g < ngroups; g++)
		*nsuite += group_results(&groups[g]) > 0;
}

/* ------------------------------------------------------------------------ */
/* Checks (ktest.h). A failure prints where and what, then the values. */

struct ktest *ktest_current(void)
{
	return current;
}

/* "file:line: MACRO(ta[, tb][, n]) failed" */
static void print_check_header(const struct ktest_loc *loc, const char *ta,
			       const char *tb, const size_t *n)
{
	struct line l;

	begin_diag(&l, diag_name());
	put(&l, loc->file);
	put(&l, ":");
	put_i64(&l, loc->line);
	put(&l, ": ");
	put(&l, loc->macro);
	put(&l, "(");
	put(&l, ta);
	if (tb) {
		put(&l, ", ");
		put(&l, tb);
	}
	if (n) {
		put(&l, ", ");
		put_u64(&l, *n);
	}
	put(&l, current ? ") failed" : ") failed outside a case");
	emit(&l);
}

/* The end of every failed check: the optional message, the bookkeeping,
 * and for an ASSERT inside a case, leaving the case. */
__attribute__((format(printf, 2, 0)))
static bool check_failed(const struct ktest_loc *loc, const char *fmt,
			 va_list ap)
{
	char msg[MSG_LEN];

	if (fmt) {
		vformat(msg, sizeof msg, fmt, ap);
		diag_text(diag_name(), "  ", msg);
	}
	if (!current) {
		errors++;
		return false;
	}
	current->failures++;
	if (loc->level == KTEST_ASSERTION)
		ktest_backend_abort();
	return false;
}

bool ktest_check_bool(const struct ktest_loc *loc, bool ok, const char *text,
		      const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return true;
	print_check_header(loc, text, NULL, NULL);
	va_start(ap, fmt);
	check_failed(loc, fmt, ap);
	va_end(ap);
	return false;
}

static bool compare(enum ktest_op op, bool is_signed, uint64_t a, uint64_t b)
{
	int d;

	if (is_signed)
		d = ((int64_t)a > (int64_t)b) - ((int64_t)a < (int64_t)b);
	else
		d = (a > b) - (a < b);
	switch (op) {
	case KTEST_OP_EQ: return d == 0;
	case KTEST_OP_NE: return d != 0;
	case KTEST_OP_LT: return d < 0;
	case KTEST_OP_LE: return d <= 0;
	case KTEST_OP_GT: return d > 0;
	case KTEST_OP_GE: return d >= 0;
	}
	return false;
}

static const char *op_text(enum ktest_op op)
{
	static const char *const text[] = { "==", "!=", "<", "<=", ">", ">=" };

	return (unsigned)op < 6 ? text[op] : "?";
}

/* "  x == -1 (0xffffffffffffffff)" */
static void print_int(const char *text, uint64_t v, bool is_signed)
{
	struct line l;

	begin_diag(&l, diag_name());
	put(&l, "  ");
	put(&l, text);
	put(&l, " == ");
	if (is_signed)
		put_i64(&l, (int64_t)v);
	else
		put_u64(&l, v);
	put(&l, " (");
	put_hex(&l, v);
	put(&l, ")");
	emit(&l);
}

bool ktest_check_int(const struct ktest_loc *loc, enum ktest_op op,
		     bool is_signed, uint64_t a, uint64_t b, const char *ta,
		     const char *tb, const char *fmt, ...)
{
	struct line l;
	va_list ap;

	if (compare(op, is_signed, a, b))
		return true;
	print_check_header(loc, ta, tb, NULL);
	if (op != KTEST_OP_EQ) {
		begin_diag(&l, diag_name());
		put(&l, "  expected ");
		put(&l, ta);
		put(&l, " ");
		put(&l, op_text(op));
		put(&l, " ");
		put(&l, tb);
		emit(&l);
	}
	print_int(ta, a, is_signed);
	print_int(tb, b, is_signed);
	va_start(ap, fmt);
	check_failed(loc, fmt, ap);
	va_end(ap);
	return false;
}

/* "  p == 0x1000" or "  p == NULL" */
static void print_ptr(const char *text, const void *p)
{
	struct line l;

	begin_diag(&l, diag_name());
	put(&l, "  ");
	put(&l, text);
	put(&l, " == ");
	if (p)
		put_hex(&l, (uintptr_t)p);
	else
		put(&l, "NULL");
	emit(&l);
}

/* tb is NULL for the one-argument checks (EXPECT_NULL, EXPECT_NOT_NULL). */
bool ktest_check_ptr(const struct ktest_loc *loc, enum ktest_op op,
		     const void *a, const void *b, const char *ta,
		     const char *tb, const char *fmt, ...)
{
	va_list ap;

	if (compare(op, false, (uintptr_t)a, (uintptr_t)b))
		return true;
	print_check_header(loc, ta, tb, NULL);
	print_ptr(ta, a);
	if (tb)
		print_ptr(tb, b);
	va_start(ap, fmt);
	check_failed(loc, fmt, ap);
	va_end(ap);
	return false;
}

/* s as a C string literal: escapes, at most STR_SHOWN characters. */
static void put_quoted(struct line *l, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	put(l, "\"");
	for (i = 0; s[i] && i < STR_SHOWN; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[5] = { '\\', 'x', hex[c >> 4], hex[c & 0xf], '\0' };

		if (c == '\n' || c == '\t' || c == '\r' || c == '"' || c == '\\') {
			esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' :
				 c == '\r' ? 'r' : (char)c;
			esc[2] = '\0';
			put(l, esc);
		} else if (c < 0x20 || c >= 0x7f) {
			put(l, esc);
		} else {
			put_mem(l, (const char *)&c, 1);
		}
	}
	put(l, "\"");
	if (s[i]) {
		put(l, "... (");
		put_u64(l, str_len(s));
		put(l, " bytes)");
	}
}

static void print_str(const char *text, const char *s)
{
	struct line l;

	begin_diag(&l, diag_name());
	put(&l, "  ");
	put(&l, text);
	put(&l, " == ");
	if (s)
		put_quoted(&l, s);
	else
		put(&l, "NULL");
	emit(&l);
}

static bool str_equal(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return str_cmp(a, b) == 0;
}

bool ktest_check_str(const struct ktest_loc *loc, bool want_equal,
		     const char *a, const char *b, const char *ta,
		     const char *tb, const char *fmt, ...)
{
	va_list ap;

	if (str_equal(a, b) == want_equal)
		return true;
	print_check_header(loc, ta, tb, NULL);
	print_str(ta, a);
	print_str(tb, b);
	va_start(ap, fmt);
	check_failed(loc, fmt, ap);
	va_end(ap);
	return false;
}

/* "  a[3..]: 61 62 63" — up to MEM_SHOWN bytes from offset at. */
static void print_bytes(const char *text, const unsigned char *p, size_t at,
			size_t n)
{
	static const char hex[] = "0123456789abcdef";
	struct line l;
	size_t i;

	begin_diag(&l, diag_name());
	put(&l, "  ");
	put(&l, text);
	put(&l, "[");
	put_u64(&l, at);
	put(&l, "..]:");
	for (i = at; i < n && i < at + MEM_SHOWN; i++) {
		char byte[4] = { ' ', hex[p[i] >> 4], hex[p[i] & 0xf], '\0' };

		put(&l, byte);
	}
	if (i < n)
		put(&l, " ...");
	emit(&l);
}

/* Offset of the first differing byte, or n when none differs. */
static size_t first_difference(const unsigned char *a, const unsigned char *b,
			       size_t n)
{
	size_t i = 0;

	while (i < n && a[i] == b[i])
		i++;
	return i;
}

static void print_mem_difference(const unsigned char *a, const unsigned char *b,
				 size_t n, const char *ta, const char *tb)
{
	struct line l;
	size_t at;

	if (!a || !b) {
		print_ptr(ta, a);
		print_ptr(tb, b);
		return;
	}
	at = first_difference(a, b, n);
	begin_diag(&l, diag_name());
	put(&l, "  first difference at offset ");
	put_u64(&l, at);
	put(&l, " of ");
	put_u64(&l, n);
	emit(&l);
	print_bytes(ta, a, at, n);
	print_bytes(tb, b, at, n);
}

bool ktest_check_mem(const struct ktest_loc *loc, const void *a,
		     const void *b, size_t n, const char *ta, const char *tb,
		     const char *fmt, ...)
{
	const unsigned char *pa = a, *pb = b;
	va_list ap;

	if (a == b || n == 0 || (a && b && first_difference(pa, pb, n) == n))
		return true;
	print_check_header(loc, ta, tb, &n);
	print_mem_difference(pa, pb, n, ta, tb);
	va_start(ap, fmt);
	check_failed(loc, fmt, ap);
	va_end(ap);
	return false;
}

void ktest_skip(const char *fmt, ...)
{
	struct ktest *t = current;
	char msg[MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vformat(msg, sizeof msg, fmt, ap);
	va_end(ap);
	str_one_line(msg);
	if (!t) {
		diag_text("ktest", "KTEST_SKIP outside a case: ", msg);
		ktest_backend_exit(STATUS_ERROR);
	}
	t->skip_reason[0] = '\0';
	str_append(t->skip_reason, sizeof t->skip_reason, msg);
	t->skipped = true;
	ktest_backend_abort();
}

void ktest_fail_now(const struct ktest_loc *loc, const char *fmt, ...)
{
	struct line l;
	char msg[MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vformat(msg, sizeof msg, fmt, ap);
	va_end(ap);
	begin_diag(&l, diag_name());
	put(&l, loc->file);
	put(&l, ":");
	put_i64(&l, loc->line);
	put(&l, ": ");
	put(&l, loc->macro);
	put(&l, current ? "" : " outside a case");
	emit(&l);
	diag_text(diag_name(), "  ", msg);
	if (!current)
		ktest_backend_exit(STATUS_ERROR);
	current->failures++;
	ktest_backend_abort();
}

void ktest_log(const char *fmt, ...)
{
	char msg[MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vformat(msg, sizeof msg, fmt, ap);
	va_end(ap);
	diag_text(current_name, "", msg);
}

/* ------------------------------------------------------------------------ */
/* Running one case: fixtures and body, inside the backend's isolation. */

static void call_case_init(struct ktest *t)
{
	case_init_rc = t->tcase->suite->case_init(t);
}

/* Run a fixture stage; false when it did not complete. A fault or panic in
 * a fixture fails the case whatever it expects; a timeout times it out. */
static bool run_fixture(struct ktest *t, void (*fn)(struct ktest *t),
			const char *what, struct ktest_end_info *end)
{
	struct ktest_end_info e;
	struct line l;
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
	begin_diag(&l, current_name);
	put(&l, what);
	if (how == KTEST_END_RETURNED) {
		put(&l, " returned ");
		put_i64(&l, case_init_rc);
	} else {
		put(&l, ": ");
		put_end(&l, &e);
	}
	emit(&l);
	return false;
}

/* The body ktest_backend_run() isolates: case_init, the case, case_exit.
 * *end says how the case itself ended. */
static void case_body(struct ktest *t, struct ktest_end_info *end)
{
	const struct ktest_suite *s = t->tcase->suite;

	current = t;                    /* the backend may run on a copy */
	end->how = KTEST_END_RETURNED;
	end->vector = 0;
	end->reason[0] = '\0';
	if (s->case_init && !run_fixture(t, call_case_init, "case_init", end))
		return;
	ktest_backend_try(t, t->tcase->fn, end);
	if (s->case_exit)
		run_fixture(t, s->case_exit, "case_exit", end);
}

/* Did the case end the way it was declared to? Explains when it did not. */
static bool end_as_expected(const struct ktest *t,
			    const struct ktest_end_info *end)
{
	const struct ktest_case *c = t->tcase;
	bool faulted = end->how == KTEST_END_EXCEPTION ||
		       end->how == KTEST_END_PANIC;
	struct line l;

	if (faulted && c->expect == KTEST_EXPECT_PANIC &&
	    end->how == KTEST_END_PANIC)
		return true;
	if (faulted && c->expect == KTEST_EXPECT_EXCEPTION &&
	    end->how == KTEST_END_EXCEPTION && end->vector == c->vector)
		return true;
	if (!faulted && (c->expect == KTEST_EXPECT_RETURN ||
			 t->failures > 0 || t->skipped))
		return c->expect == KTEST_EXPECT_RETURN;
	begin_diag(&l, current_name);
	if (c->expect == KTEST_EXPECT_RETURN) {
		put(&l, "unexpected ");
	} else {
		put(&l, "expected ");
		put_expected(&l, c);
		put(&l, faulted ? ", got " : "");
	}
	if (faulted)
		put_end(&l, end);
	else
		put(&l, end->how == KTEST_END_RETURNED ?
		    ", case returned" : ", case ended early");
	emit(&l);
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

/* The last lines of a case: its duration, then its result. */
static void report(unsigned number, enum verdict v, const char *reason,
		   uint64_t us)
{
	struct line l;

	begin_diag(&l, current_name);
	put_u64(&l, us);
	put(&l, " us");
	emit(&l);
	begin(&l);
	put(&l, v == V_PASS || v == V_SKIP ? "ok " : "not ok ");
	put_u64(&l, number);
	put(&l, " ");
	put(&l, current_name);
	if (v == V_SKIP || v == V_TIMEOUT) {
		put(&l, v == V_SKIP ? " # SKIP " : " # TIMEOUT ");
		put(&l, reason);
	}
	emit(&l);
	if (v == V_PASS)
		tally.passed++;
	else if (v == V_FAIL)
		tally.failed++;
	else if (v == V_SKIP)
		tally.skipped++;
	else
		tally.timed_out++;
}

static unsigned case_timeout(const struct ktest_case *c)
{
	return c->slow ? opt.timeout_ms * SLOW_FACTOR : opt.timeout_ms;
}

/* Reason on a TIMEOUT line: the backend's, else "ran past N ms". */
static const char *timeout_reason(struct ktest_end_info *end, unsigned ms)
{
	str_one_line(end->reason);
	if (!end->reason[0]) {
		str_append(end->reason, sizeof end->reason, "ran past ");
		str_append_u64(end->reason, sizeof end->reason, ms);
		str_append(end->reason, sizeof end->reason, " ms");
	}
	return end->reason;
}

/* Run one result (a case, or one parameter of it) numbered @number; with
 * @skip set, report it skipped without running it. False if it failed. */
static bool run_one(const struct ktest_case *c, size_t param, unsigned number,
		    const char *skip)
{
	struct ktest t = { .tcase = c };
	struct ktest_end_info end = { .how = KTEST_END_RETURNED };
	const char *reason;
	uint64_t start, us;
	enum verdict v;

	if (c->params)
		t.param = param_at(c->params, param);
	if (skip) {
		report(number, V_SKIP, skip, 0);
		return true;
	}
	current = &t;
	start = ktest_backend_now_us();
	ktest_backend_run(&t, case_body, case_timeout(c), &end);
	us = ktest_backend_now_us() - start;
	current = NULL;
	/* What came back may come from a crashed process: make it printable. */
	end.reason[sizeof end.reason - 1] = '\0';
	str_one_line(end.reason);
	t.skip_reason[sizeof t.skip_reason - 1] = '\0';
	str_one_line(t.skip_reason);
	v = judge(&t, &end);
	if (v == V_TIMEOUT)
		reason = timeout_reason(&end, case_timeout(c));
	else
		reason = t.skip_reason[0] ? t.skip_reason : "skipped";
	report(number, v, reason, us);
	return v == V_PASS || v == V_SKIP;
}

/* Why a selected case is not run, or NULL to run it. */
static const char *skip_reason(const struct ktest_case *c, bool init_failed)
{
	if (init_failed)
		return "suite init failed";
	if (HOST_BUILD && c->kernel_only)
		return "kernel only";
	return NULL;
}

/* Run the selected results of case i; false if any failed. */
static bool run_case(uint32_t i, unsigned *number, bool init_failed)
{
	const struct ktest_case *c = cases[i];
	const char *skip = skip_reason(c, init_failed);
	char desc[DESC_LEN];
	bool ok = true;
	size_t p;

	if (!c->params || c->params->count == 0) {
		case_name(c, NULL, false, current_name, sizeof current_name);
		if (c->params && !skip)
			skip = "no parameters";
		ok = run_one(c, 0, ++*number, skip);
	}
	for (p = 0; c->params && p < c->params->count; p++) {
		if (!param_selected(c, p, desc))
			continue;
		case_name(c, desc, false, current_name, sizeof current_name);
		ok = run_one(c, p, ++*number, skip) && ok;
	}
	current_name[0] = '\0';
	return ok;
}

/* Print "<what><n>" as a plain line (a plan) at the current depth. */
static void print_count(const char *what, uint64_t n)
{
	struct line l;

	begin(&l);
	put(&l, what);
	put_u64(&l, n);
	emit(&l);
}

static void suite_init_failed(const char *name, int rc)
{
	struct line l;

	begin_diag(&l, "ktest");
	put(&l, "suite ");
	put(&l, name);
	put(&l, ": init returned ");
	put_i64(&l, rc);
	emit(&l);
}

/* One suite as a KTAP subtest, then its own result line as test @number. */
static void run_suite(const struct group *g, unsigned number)
{
	const struct ktest_suite *s = cases[g->first]->suite;
	unsigned n = 0;
	bool ok = true;
	struct line l;
	uint32_t i;
	int rc;

	depth = 1;
	print_plain("KTAP version 1");
	begin_diag(&l, "");
	put(&l, "Subtest: ");
	put(&l, s->name);
	emit(&l);
	print_count("1..", group_results(g));
	rc = s->init ? s->init() : 0;
	if (rc != 0)
		suite_init_failed(s->name, rc);
	for (i = g->first; i < g->first + g->count; i++)
		if (nresults[i])
			ok = run_case(i, &n, rc != 0) && ok;
	if (rc == 0 && s->exit)
		s->exit();
	depth = 0;
	begin(&l);
	put(&l, ok ? "ok " : "not ok ");
	put_u64(&l, number);
	put(&l, " ");
	put(&l, s->name);
	put(&l, rc != 0 ? " # SKIP suite init failed" : "");
	emit(&l);
}

/* ------------------------------------------------------------------------ */
/* The run. */

/* Plan lines pack the plain cases of one suite, as "# plan: suite.a b c",
 * up to this many columns: a third of the bytes of one line per case, and
 * serial bytes are most of what a trivial case costs. */
#define PLAN_COLUMNS 100

/* Add a plain (unparameterized) case's name to the plan line in l, or, when
 * it is full or of another suite, emit that line and start a new one. */
static void plan_add(struct line *l, const struct ktest_suite **open,
		     const struct ktest_case *c)
{
	size_t n = str_len(c->name);

	if (*open == c->suite && l->len + 1 + n <= PLAN_COLUMNS) {
		put(l, " ");
		put(l, c->name);
		return;
	}
	if (*open)
		emit(l);
	begin_diag(l, "plan");
	put(l, c->suite->name);
	put(l, ".");
	put(l, c->name);
	*open = c->suite;
}

/* The results the run will give, in run order, as "# <prefix>: suite.case"
 * lines: "plan" lines before a run, with pack (plain cases packed, see
 * plan_add()), or the "case" lines of ktest.list, one each. A parameterized
 * case gives "suite.case[param]" for each selected parameter, alone on its
 * line. */
static void print_selection(const char *prefix, bool pack)
{
	char name[FULL_NAME_LEN], desc[DESC_LEN];
	const struct ktest_suite *open = NULL;
	struct line l;
	uint32_t g, i;
	size_t p;

	for (g = 0; g < ngroups; g++) {
		for (i = groups[g].first; i < groups[g].first + groups[g].count; i++) {
			const struct ktest_case *c = cases[i];
			bool each = c->params && c->params->count;

			if (!nresults[i])
				continue;
			if (pack && !each) {
				plan_add(&l, &open, c);
				continue;
			}
			for (p = 0; p < (each ? c->params->count : 1); p++) {
				if (each && !param_selected(c, p, desc))
					continue;
				if (open)
					emit(&l);
				open = NULL;
				case_name(c, each ? desc : NULL, true, name, sizeof name);
				diag(prefix, name);
			}
		}
	}
	if (open)
		emit(&l);
}

/* "# ktest: 3 cases in 2 suites, seed 0" */
static void print_counts(uint32_t ncase, uint32_t nsuite)
{
	struct line l;

	begin_diag(&l, "ktest");
	put_u64(&l, ncase);
	put(&l, " cases in ");
	put_u64(&l, nsuite);
	put(&l, " suites, seed ");
	put_u64(&l, opt.seed);
	emit(&l);
	if (opt.repeat > 1) {
		begin_diag(&l, "ktest");
		put(&l, "repeat ");
		put_u64(&l, opt.repeat);
		emit(&l);
	}
}

/* Why nothing is selected: no case at all, or none matching. */
static void print_nothing_selected(void)
{
	struct line l;
	unsigned i;

	if (ncases == 0) {
		diag("ktest", "no test cases in this build");
		return;
	}
	begin_diag(&l, "ktest");
	put(&l, "no case matches");
	for (i = 0; i < opt.nfilters; i++) {
		put(&l, " ktest.filter=");
		put_mem(&l, opt.filters[i], word_len(opt.filters[i]));
	}
	emit(&l);
}

static int summary(void)
{
	struct line l;

	begin_diag(&l, "ktest");
	put_u64(&l, tally.passed);
	put(&l, " passed, ");
	put_u64(&l, tally.failed);
	put(&l, " failed, ");
	put_u64(&l, tally.skipped);
	put(&l, " skipped, ");
	put_u64(&l, tally.timed_out);
	put(&l, " timed out");
	emit(&l);
	if (errors) {
		begin_diag(&l, "ktest");
		put(&l, "error: ");
		put_u64(&l, errors);
		put(&l, " check(s) failed outside any case");
		emit(&l);
		return STATUS_ERROR;
	}
	return tally.failed || tally.timed_out ? STATUS_FAIL : STATUS_PASS;
}

static void reset(void)
{
	current = NULL;
	current_name[0] = '\0';
	depth = 0;
	errors = 0;
	tally.passed = tally.failed = tally.skipped = tally.timed_out = 0;
}

/* Run every selected suite opt.repeat times; suites are numbered across
 * repetitions, as the top-level plan counts them. */
static void run_all(uint32_t nsuite)
{
	unsigned number = 0;
	uint32_t r, g;

	print_selection("plan", true);
	print_count("1..", (uint64_t)nsuite * opt.repeat);
	for (r = 0; r < opt.repeat; r++)
		for (g = 0; g < ngroups; g++)
			if (group_results(&groups[g]))
				run_suite(&groups[g], ++number);
}

/*
 * Run the selected cases, printing KTAP v1 (docs/protocol.md). Returns 0
 * when every case passed or was skipped, 1 when one failed or timed out,
 * 2 on an error: a bad ktest.* word, no case selected, a failed check
 * outside any case. Call it once per boot (or process).
 *
 * ktest.list runs nothing and returns 0 after printing, in run order:
 *   KTAP version 1
 *   # ktest: 3 cases in 2 suites, seed 0
 *   # case: fmt.decimal
 *   # case: fmt.hex[16]          (one line per selected parameter)
 *   1..0
 */
int ktest_main(void)
{
	uint32_t ncase, nsuite;

	reset();
	print_plain("KTAP version 1");
	if (!parse_cmdline(ktest_backend_cmdline()) || !collect_cases())
		return STATUS_ERROR;
	build_groups();
	if (opt.seed)
		shuffle(opt.seed);
	select_cases(&ncase, &nsuite);
	if (ncase == 0) {
		print_nothing_selected();
		return STATUS_ERROR;
	}
	print_counts(ncase, nsuite);
	if (opt.list) {
		print_selection("case", false);
		print_plain("1..0");
		return STATUS_PASS;
	}
	run_all(nsuite);
	return summary();
}
