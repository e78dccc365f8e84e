/* ktest checks (ktest.h): a failure prints where and what as diagnostics of
 * the case, then both values; an ASSERT then ends the case. Outside a case
 * (a suite fixture) a failure is an error of the run.
 */
#include "internal.h"

#define STR_SHOWN  64     /* characters of a string shown on failure */
#define MEM_SHOWN  8      /* bytes of each side shown on failure */

struct ktest *ktest_current(void)
{
	return run_current;
}

/* "file:line: MACRO(ta[, tb][, n]) failed" */
static void print_header(const struct ktest_loc *loc, const char *ta,
			 const char *tb, const size_t *n)
{
	char extra[32] = "";

	if (n)
		kt_format(extra, sizeof extra, ", %zu", *n);
	out_diag(run_diag_tag(), "%s:%d: %s(%s%s%s%s) failed%s", loc->file,
		 loc->line, loc->macro, ta, tb ? ", " : "", tb ? tb : "", extra,
		 run_current ? "" : " outside a case");
}

/* A formatted message as diagnostics of the running case: "lead" + line. */
KTEST_PRINTF_FMT_(2, 0)
static void diag_message(const char *lead, const char *fmt, va_list ap)
{
	char msg[MSG_LEN];

	kt_vformat(msg, sizeof msg, fmt, ap);
	out_diag_lines(run_diag_tag(), lead, msg);
}

/* The end of every failed check: the optional message, the bookkeeping,
 * and for an ASSERT inside a case, leaving the case. */
KTEST_PRINTF_FMT_(2, 0)
static void check_failed(const struct ktest_loc *loc, const char *fmt,
			 va_list ap)
{
	if (fmt)
		diag_message("  ", fmt, ap);
	if (!run_current) {
		run_error_outside_case();
		return;
	}
	run_current->failures++;
	if (loc->level == KTEST_ASSERTION)
		ktest_backend_abort();
}

bool ktest_check_bool(const struct ktest_loc *loc, bool ok, const char *text,
		      const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return true;
	print_header(loc, text, NULL, NULL);
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
	if (is_signed)
		out_diag(run_diag_tag(), "  %s == %lld (0x%llx)", text,
			 (long long)v, (unsigned long long)v);
	else
		out_diag(run_diag_tag(), "  %s == %llu (0x%llx)", text,
			 (unsigned long long)v, (unsigned long long)v);
}

bool ktest_check_int(const struct ktest_loc *loc, enum ktest_op op,
		     bool is_signed, uint64_t a, uint64_t b, const char *ta,
		     const char *tb, const char *fmt, ...)
{
	va_list ap;

	if (compare(op, is_signed, a, b))
		return true;
	print_header(loc, ta, tb, NULL);
	if (op != KTEST_OP_EQ)
		out_diag(run_diag_tag(), "  expected %s %s %s", ta, op_text(op), tb);
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
	if (p)
		out_diag(run_diag_tag(), "  %s == 0x%llx", text,
			 (unsigned long long)(uintptr_t)p);
	else
		out_diag(run_diag_tag(), "  %s == NULL", text);
}

/* tb is NULL for the one-argument checks (EXPECT_NULL, EXPECT_NOT_NULL). */
bool ktest_check_ptr(const struct ktest_loc *loc, enum ktest_op op,
		     const void *a, const void *b, const char *ta,
		     const char *tb, const char *fmt, ...)
{
	va_list ap;

	if (compare(op, false, (uintptr_t)a, (uintptr_t)b))
		return true;
	print_header(loc, ta, tb, NULL);
	print_ptr(ta, a);
	if (tb)
		print_ptr(tb, b);
	va_start(ap, fmt);
	check_failed(loc, fmt, ap);
	va_end(ap);
	return false;
}

/* s as a C string literal into out: escapes, at most STR_SHOWN characters
 * and then "... (N bytes)". */
static void quote(const char *s, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, n = 0;

	out[n++] = '"';
	for (i = 0; s[i] && i < STR_SHOWN && n + 5 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *named = c == '\n' ? "\\n" : c == '\t' ? "\\t" :
				    c == '\r' ? "\\r" : c == '"' ? "\\\"" :
				    c == '\\' ? "\\\\" : NULL;

		if (named) {
			out[n++] = named[0];
			out[n++] = named[1];
		} else if (c < 0x20 || c >= 0x7f) {
			out[n++] = '\\';
			out[n++] = 'x';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 0xf];
		} else {
			out[n++] = (char)c;
		}
	}
	out[n++] = '"';
	out[n] = '\0';
	if (s[i])
		kt_format(out + n, cap - n, "... (%zu bytes)", kt_strlen(s));
}

static void print_str(const char *text, const char *s)
{
	char quoted[STR_SHOWN * 4 + 48];

	if (!s) {
		out_diag(run_diag_tag(), "  %s == NULL", text);
		return;
	}
	quote(s, quoted, sizeof quoted);
	out_diag(run_diag_tag(), "  %s == %s", text, quoted);
}

static bool str_equal(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return kt_strcmp(a, b) == 0;
}

bool ktest_check_str(const struct ktest_loc *loc, bool want_equal,
		     const char *a, const char *b, const char *ta,
		     const char *tb, const char *fmt, ...)
{
	va_list ap;

	if (str_equal(a, b) == want_equal)
		return true;
	print_header(loc, ta, tb, NULL);
	print_str(ta, a);
	print_str(tb, b);
	va_start(ap, fmt);
	check_failed(loc, fmt, ap);
	va_end(ap);
	return false;
}

/* "  a[3..]: 61 62 63 ..." - up to MEM_SHOWN bytes from offset at. */
static void print_bytes(const char *text, const unsigned char *p, size_t at,
			size_t n)
{
	char bytes[MEM_SHOWN * 3 + 8] = "";
	size_t i, len = 0;

	for (i = at; i < n && i < at + MEM_SHOWN; i++, len += 3)
		kt_format(bytes + len, sizeof bytes - len, " %02x", p[i]);
	out_diag(run_diag_tag(), "  %s[%zu..]:%s%s", text, at, bytes,
		 i < n ? " ..." : "");
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

bool ktest_check_mem(const struct ktest_loc *loc, const void *a,
		     const void *b, size_t n, const char *ta, const char *tb,
		     const char *fmt, ...)
{
	const unsigned char *pa = a, *pb = b;
	va_list ap;
	size_t at;

	if (a == b || n == 0 || (a && b && first_difference(pa, pb, n) == n))
		return true;
	print_header(loc, ta, tb, &n);
	if (!a || !b) {
		print_ptr(ta, a);
		print_ptr(tb, b);
	} else {
		at = first_difference(pa, pb, n);
		out_diag(run_diag_tag(), "  first difference at offset %zu of %zu",
			 at, n);
		print_bytes(ta, pa, at, n);
		print_bytes(tb, pb, at, n);
	}
	va_start(ap, fmt);
	check_failed(loc, fmt, ap);
	va_end(ap);
	return false;
}

/* ------------------------------------------------------------------------ */
/* Ending a case early, and its log. */

void ktest_skip(const char *fmt, ...)
{
	struct ktest *t = run_current;
	char msg[MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	kt_vformat(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!t) {
		out_diag_lines(KTEST_TAG_RUNNER, "KTEST_SKIP outside a case: ", msg);
		run_error_outside_case();
		ktest_backend_abort();
	}
	kt_strlcpy(t->skip_reason, msg, sizeof t->skip_reason);
	t->skipped = true;
	ktest_backend_abort();
}

void ktest_fail_now(const struct ktest_loc *loc, const char *fmt, ...)
{
	char msg[MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	kt_vformat(msg, sizeof msg, fmt, ap);
	va_end(ap);
	out_diag(run_diag_tag(), "%s:%d: %s%s", loc->file, loc->line, loc->macro,
		 run_current ? "" : " outside a case");
	out_diag_lines(run_diag_tag(), "  ", msg);
	if (!run_current) {
		run_error_outside_case();
		ktest_backend_abort();
	}
	run_current->failures++;
	ktest_backend_abort();
}

void ktest_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_message("", fmt, ap);
	va_end(ap);
}

void ktest_ask_for_input(void)
{
	ktest_say("%s", KTEST_SAY_INPUT);
}

void ktest_leftover(struct ktest *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_message("left behind: ", fmt, ap);
	va_end(ap);
	t->failures++;
}

void ktest_bug(const char *what)
{
	if (!run_current) {
		ktest_say("%s: %s (outside any case)", KTEST_SAY_ERROR, what);
		run_error_outside_case();
		return;
	}
	out_diag_lines(run_current_name, "", what);
	run_current->failures++;
}
