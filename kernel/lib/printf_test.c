/* Tests for lib/printf: every conversion, flag and length modifier, C99
 * snprintf truncation, and how output reaches a sink. No libc here: the
 * expected strings are literals and helpers come from lib/string.
 */
#include <limits.h>

#include "ktest.h"

#include "lib/capture.h"
#include "lib/printf.h"
#include "lib/string.h"

KTEST_SUITE(printf);

/* Output buffers in these tests: wider than any expected string. */
#define OUT_LEN 64

/* ------------------------------------------------------------------------ */
/* Integer conversions, one argument each. */

/* The C type a case passes, so that va_arg reads what was written. */
enum arg_type { ARG_INT, ARG_UINT, ARG_LONG, ARG_ULONG, ARG_LLONG,
		ARG_ULLONG, ARG_SIZE, ARG_PTRDIFF };

struct int_case {
	const char *fmt;
	enum arg_type type;
	long long s;            /* the value for signed types */
	unsigned long long u;   /* the value for unsigned types */
	const char *want;
};

#define S_(f, t, v, w) { f, t, v, 0, w }
#define U_(f, t, v, w) { f, t, 0, v, w }

static const struct int_case int_cases[] = {
	S_("%d", ARG_INT, 0, "0"),
	S_("%d", ARG_INT, 42, "42"),
	S_("%d", ARG_INT, -42, "-42"),
	S_("%i", ARG_INT, -7, "-7"),
	S_("%d", ARG_INT, INT_MAX, "2147483647"),
	S_("%d", ARG_INT, INT_MIN, "-2147483648"),
	U_("%u", ARG_UINT, UINT_MAX, "4294967295"),
	U_("%x", ARG_UINT, 0xdeadbeef, "deadbeef"),
	U_("%X", ARG_UINT, 0xdeadbeef, "DEADBEEF"),
	U_("%x", ARG_UINT, 0, "0"),
	/* width wider and narrower than the value */
	S_("%5d", ARG_INT, 42, "   42"),
	S_("%5d", ARG_INT, -42, "  -42"),
	S_("%2d", ARG_INT, 12345, "12345"),
	S_("%-5d|", ARG_INT, 42, "42   |"),
	S_("%-5d|", ARG_INT, -42, "-42  |"),
	/* zero padding goes after the sign; '-' overrides '0' */
	S_("%05d", ARG_INT, 42, "00042"),
	S_("%05d", ARG_INT, -42, "-0042"),
	S_("%03d", ARG_INT, -12345, "-12345"),
	S_("%-05d|", ARG_INT, -42, "-42  |"),
	U_("%08x", ARG_UINT, 0xbeef, "0000beef"),
	/* precision: fewest digits; it disables '0' */
	S_("%.3d", ARG_INT, 7, "007"),
	S_("%.3d", ARG_INT, -7, "-007"),
	S_("%6.3d", ARG_INT, -7, "  -007"),
	S_("%06.3d", ARG_INT, 7, "   007"),
	S_("%.0d", ARG_INT, 0, ""),
	S_("%.0d", ARG_INT, 3, "3"),
	/* '+', ' ' and '#' */
	S_("%+d", ARG_INT, 5, "+5"),
	S_("%+d", ARG_INT, -5, "-5"),
	S_("% d", ARG_INT, 5, " 5"),
	U_("%#x", ARG_UINT, 255, "0xff"),
	U_("%#X", ARG_UINT, 255, "0XFF"),
	U_("%#x", ARG_UINT, 0, "0"),
	U_("%#06x", ARG_UINT, 255, "0x00ff"),
	/* length modifiers */
	S_("%ld", ARG_LONG, -1234567890123L, "-1234567890123"),
	U_("%lu", ARG_ULONG, 1234567890123UL, "1234567890123"),
	U_("%lx", ARG_ULONG, 0xfedcba9876543210UL, "fedcba9876543210"),
	S_("%lld", ARG_LLONG, INT64_MIN, "-9223372036854775808"),
	S_("%lld", ARG_LLONG, INT64_MAX, "9223372036854775807"),
	S_("%22lld", ARG_LLONG, INT64_MIN, "  -9223372036854775808"),
	S_("%-22lld|", ARG_LLONG, INT64_MIN, "-9223372036854775808  |"),
	S_("%021lld", ARG_LLONG, INT64_MIN, "-09223372036854775808"),
	U_("%llu", ARG_ULLONG, UINT64_MAX, "18446744073709551615"),
	U_("%llx", ARG_ULLONG, UINT64_MAX, "ffffffffffffffff"),
	U_("%llX", ARG_ULLONG, 0xabcdefULL, "ABCDEF"),
	U_("%zu", ARG_SIZE, 123456789, "123456789"),
	U_("%zu", ARG_SIZE, SIZE_MAX, "18446744073709551615"),
	U_("%zx", ARG_SIZE, 0x1000, "1000"),
	S_("%zd", ARG_PTRDIFF, -5, "-5"),
	S_("%hhd", ARG_INT, 255, "-1"),     /* converted to signed char */
	S_("%hhu", ARG_INT, 263, "7"),      /* to unsigned char */
	S_("%hd", ARG_INT, 65535, "-1"),    /* to short */
	S_("%hu", ARG_INT, 65537, "1"),     /* to unsigned short */
	U_("%hx", ARG_UINT, 0x12345, "2345"),
	/* literal text around a conversion */
	S_("[%d]", ARG_INT, 1, "[1]"),
	S_("a%db", ARG_INT, -1, "a-1b"),
};

/* Call ksnprintf with the case's argument as its own C type. */
static int format_int_case(char *buf, size_t len, const struct int_case *c)
{
	const char *f = c->fmt;

	switch (c->type) {
	case ARG_INT:     return ksnprintf(buf, len, f, (int)c->s);
	case ARG_UINT:    return ksnprintf(buf, len, f, (unsigned int)c->u);
	case ARG_LONG:    return ksnprintf(buf, len, f, (long)c->s);
	case ARG_ULONG:   return ksnprintf(buf, len, f, (unsigned long)c->u);
	case ARG_LLONG:   return ksnprintf(buf, len, f, c->s);
	case ARG_ULLONG:  return ksnprintf(buf, len, f, c->u);
	case ARG_SIZE:    return ksnprintf(buf, len, f, (size_t)c->u);
	case ARG_PTRDIFF: return ksnprintf(buf, len, f, (ptrdiff_t)c->s);
	}
	return -1;
}

static bool is_signed_arg(enum arg_type t)
{
	return t == ARG_INT || t == ARG_LONG || t == ARG_LLONG ||
	       t == ARG_PTRDIFF;
}

static void describe_int(const struct int_case *c, char *buf, size_t len)
{
	if (is_signed_arg(c->type))
		ksnprintf(buf, len, "%s %lld", c->fmt, c->s);
	else
		ksnprintf(buf, len, "%s %llu", c->fmt, c->u);
}

KTEST_PARAM(printf, integers, struct int_case, int_cases, describe_int)
{
	char buf[OUT_LEN];
	int n = format_int_case(buf, sizeof buf, param);

	EXPECT_STREQ(param->want, buf);
	EXPECT_EQ((int)strlen(param->want), n);
}

/* ------------------------------------------------------------------------ */
/* %s: width, precision, NULL. */

struct str_case {
	const char *fmt;
	const char *arg;
	const char *want;
};

static const struct str_case str_cases[] = {
	{ "%s", "hello", "hello" },
	{ "%s", "", "" },
	{ "%s", NULL, "(null)" },
	{ "<%s>", "x", "<x>" },
	{ "%8s", "abc", "     abc" },
	{ "%-8s|", "abc", "abc     |" },
	{ "%2s", "abcdef", "abcdef" },
	{ "%.3s", "abcdef", "abc" },
	{ "%.10s", "abc", "abc" },
	{ "%.0s", "abc", "" },
	{ "%6.2s|", "abcdef", "    ab|" },
	{ "%-6.2s|", "abcdef", "ab    |" },
	{ "%.3s", NULL, "(nu" },
	{ "%10s", NULL, "    (null)" },
};

static void describe_str(const struct str_case *c, char *buf, size_t len)
{
	ksnprintf(buf, len, "%s %s", c->fmt, c->arg ? c->arg : "NULL");
}

KTEST_PARAM(printf, strings, struct str_case, str_cases, describe_str)
{
	char buf[OUT_LEN];
	int n = ksnprintf(buf, sizeof buf, param->fmt, param->arg);

	EXPECT_STREQ(param->want, buf);
	EXPECT_EQ((int)strlen(param->want), n);
}

/* Precision bounds the read: this array has no NUL (ASan checks). */
KTEST(printf, string_precision_reads_no_further)
{
	static const char no_nul[3] = { 'a', 'b', 'c' };
	char buf[OUT_LEN];

	EXPECT_EQ(3, ksnprintf(buf, sizeof buf, "%.3s", no_nul));
	EXPECT_STREQ("abc", buf);
	EXPECT_EQ(2, ksnprintf(buf, sizeof buf, "%.*s", 2, no_nul));
	EXPECT_STREQ("ab", buf);
}

/* ------------------------------------------------------------------------ */
/* Unknown conversions: printed verbatim, reading no argument. */

struct unknown_case {
	const char *fmt;        /* always followed by a 7 for a %d */
	const char *want;
};

static const struct unknown_case unknown_cases[] = {
	{ "%q%d", "%q7" },
	{ "%5q%d", "%5q7" },
	{ "%*q%d", "%*q7" },    /* not even the '*' argument is read */
	{ "%.*q%d", "%.*q7" },
	{ "%f%d", "%f7" },
	{ "%o%d", "%o7" },
	{ "%n%d", "%n7" },
	{ "%lq%d", "%lq7" },
	{ "%5%%d", "%5%7" },    /* only a bare %% is a percent sign */
	{ "%d%", "7%" },        /* a spec cut short by the end of fmt */
	{ "%d%-5", "7%-5" },
	{ "%d%ll", "7%ll" },
};

static void describe_unknown(const struct unknown_case *c, char *buf,
			     size_t len)
{
	strlcpy(buf, c->fmt, len);
}

KTEST_PARAM(printf, unknown_verbatim, struct unknown_case, unknown_cases,
	    describe_unknown)
{
	char buf[OUT_LEN];
	int n = ksnprintf(buf, sizeof buf, param->fmt, 7);

	EXPECT_STREQ(param->want, buf);
	EXPECT_EQ((int)strlen(param->want), n);
}

/* ------------------------------------------------------------------------ */
/* The other conversions. */

KTEST(printf, char_conversion)
{
	char buf[OUT_LEN];

	EXPECT_EQ(1, ksnprintf(buf, sizeof buf, "%c", 'A'));
	EXPECT_STREQ("A", buf);
	EXPECT_EQ(4, ksnprintf(buf, sizeof buf, "%3c|", 'A'));
	EXPECT_STREQ("  A|", buf);
	EXPECT_EQ(4, ksnprintf(buf, sizeof buf, "%-3c|", 'A'));
	EXPECT_STREQ("A  |", buf);
	EXPECT_EQ(3, ksnprintf(buf, sizeof buf, "%c%c%c", 'x', 'y', 'z'));
	EXPECT_STREQ("xyz", buf);
}

KTEST(printf, percent_sign)
{
	char buf[OUT_LEN];

	EXPECT_EQ(4, ksnprintf(buf, sizeof buf, "100%%"));
	EXPECT_STREQ("100%", buf);
	EXPECT_EQ(3, ksnprintf(buf, sizeof buf, "%%%d", 42));
	EXPECT_STREQ("%42", buf);
}

KTEST(printf, pointer_is_0x_and_16_digits)
{
	char buf[OUT_LEN];
	char want[OUT_LEN];
	int x;

	EXPECT_EQ(18, ksnprintf(buf, sizeof buf, "%p", (void *)0x1234));
	EXPECT_STREQ("0x0000000000001234", buf);
	EXPECT_EQ(18, ksnprintf(buf, sizeof buf, "%p", (void *)0));
	EXPECT_STREQ("0x0000000000000000", buf);
	ksnprintf(buf, sizeof buf, "%p", (void *)0xffffffff80001000ULL);
	EXPECT_STREQ("0xffffffff80001000", buf);
	ksnprintf(buf, sizeof buf, "%20p|", (void *)0xab);
	EXPECT_STREQ("  0x00000000000000ab|", buf);
	ksnprintf(buf, sizeof buf, "%-20p|", (void *)0xab);
	EXPECT_STREQ("0x00000000000000ab  |", buf);
	ksnprintf(buf, sizeof buf, "%p", (void *)&x);
	ksnprintf(want, sizeof want, "0x%016llx",
		  (unsigned long long)(uintptr_t)&x);
	EXPECT_STREQ(want, buf);
}

KTEST(printf, star_width_and_precision)
{
	char buf[OUT_LEN];

	ksnprintf(buf, sizeof buf, "%*d|", 5, 42);
	EXPECT_STREQ("   42|", buf);
	ksnprintf(buf, sizeof buf, "%*d|", -5, 42);     /* negative: '-' */
	EXPECT_STREQ("42   |", buf);
	ksnprintf(buf, sizeof buf, "%-*d|", 5, 42);
	EXPECT_STREQ("42   |", buf);
	ksnprintf(buf, sizeof buf, "%0*d", 5, -42);
	EXPECT_STREQ("-0042", buf);
	ksnprintf(buf, sizeof buf, "%.*s|", 3, "abcdef");
	EXPECT_STREQ("abc|", buf);
	ksnprintf(buf, sizeof buf, "%.*s|", -1, "abcdef");  /* as if none */
	EXPECT_STREQ("abcdef|", buf);
	ksnprintf(buf, sizeof buf, "%*.*s|", 6, 2, "abcdef");
	EXPECT_STREQ("    ab|", buf);
	ksnprintf(buf, sizeof buf, "%*s%d", 3, "a", 9);  /* args stay aligned */
	EXPECT_STREQ("  a9", buf);
}

KTEST(printf, size_t_of_sizeof)
{
	char buf[OUT_LEN];
	char big[1000];

	EXPECT_EQ(4, ksnprintf(buf, sizeof buf, "%zu", sizeof big));
	EXPECT_STREQ("1000", buf);
}

/* ------------------------------------------------------------------------ */
/* ksnprintf: C99 snprintf semantics. */

KTEST(printf, snprintf_truncates_and_terminates)
{
	char buf[8];

	memset(buf, 'X', sizeof buf);
	EXPECT_EQ(8, ksnprintf(buf, 5, "%s", "abcdefgh"));
	EXPECT_STREQ("abcd", buf);
	EXPECT_EQ('X', buf[5]);         /* nothing written past len */
	/* cut inside a conversion, then more literal text */
	EXPECT_EQ(9, ksnprintf(buf, 6, "ab%dcd", 12345));
	EXPECT_STREQ("ab123", buf);
	EXPECT_EQ(7, ksnprintf(buf, 8, "%d", 1234567));    /* exactly fits */
	EXPECT_STREQ("1234567", buf);
	EXPECT_EQ(8, ksnprintf(buf, 8, "%d", 12345678));   /* one too many */
	EXPECT_STREQ("1234567", buf);
	EXPECT_EQ(3, ksnprintf(buf, 1, "abc"));
	EXPECT_EQ('\0', buf[0]);
	EXPECT_EQ(0, ksnprintf(buf, sizeof buf, "%s", ""));
	EXPECT_EQ('\0', buf[0]);
}

KTEST(printf, snprintf_len_zero_writes_nothing)
{
	char buf[4] = "abc";

	EXPECT_EQ(5, ksnprintf(NULL, 0, "%d", 12345));
	EXPECT_EQ(11, ksnprintf(NULL, 0, "%s world", "hello"));
	EXPECT_EQ(3, ksnprintf(buf, 0, "xyz"));
	EXPECT_STREQ("abc", buf);
}

/* A va_list wrapper, as a kernel log function would be. */
static int KLIB_PRINTF_(3, 4) vsn_twice(char *buf, size_t len,
					 const char *fmt, ...)
{
	va_list ap;
	char first[OUT_LEN];
	int n;

	va_start(ap, fmt);
	kvsnprintf(first, sizeof first, fmt, ap);
	/* fmt_vformat works on a copy: ap is still at the first argument. */
	n = kvsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return strcmp(first, buf) == 0 ? n : -1;
}

KTEST(printf, kvsnprintf_leaves_ap_alone)
{
	char buf[OUT_LEN];

	EXPECT_EQ(8, vsn_twice(buf, sizeof buf, "%d-%s-%c", 42, "abc", 'z'));
	EXPECT_STREQ("42-abc-z", buf);
}

/* ------------------------------------------------------------------------ */
/* fmt_vformat and its sink: text arrives in runs, not byte by byte. */

#define REC_MAX_CALLS 16
#define REC_OUT_LEN 512

struct recorder {
	int calls;
	size_t lens[REC_MAX_CALLS];
	size_t total;
	char out[REC_OUT_LEN];
};

static void record(void *ctx, const char *s, size_t n)
{
	struct recorder *r = ctx;

	if (r->calls < REC_MAX_CALLS)
		r->lens[r->calls] = n;
	r->calls++;
	if (r->total + n < REC_OUT_LEN)
		memcpy(r->out + r->total, s, n);
	r->total += n;
	if (r->total < REC_OUT_LEN)
		r->out[r->total] = '\0';
}

static int KLIB_PRINTF_(2, 3) record_format(struct recorder *r,
					    const char *fmt, ...)
{
	va_list ap;
	int n;

	memset(r, 0, sizeof *r);
	va_start(ap, fmt);
	n = fmt_vformat(record, r, fmt, ap);
	va_end(ap);
	return n;
}

KTEST(printf, sink_gets_one_call_per_run)
{
	struct recorder r;

	EXPECT_EQ(8, record_format(&r, "abc%dxyz", 42));
	EXPECT_STREQ("abc42xyz", r.out);
	ASSERT_EQ(3, r.calls);
	EXPECT_EQ(3u, r.lens[0]);
	EXPECT_EQ(2u, r.lens[1]);
	EXPECT_EQ(3u, r.lens[2]);

	/* a padded conversion is still one call */
	EXPECT_EQ(11, record_format(&r, "%-10s|", "hi"));
	EXPECT_STREQ("hi        |", r.out);
	ASSERT_EQ(2, r.calls);
	EXPECT_EQ(10u, r.lens[0]);
}

KTEST(printf, sink_never_gets_empty_calls)
{
	struct recorder r;

	EXPECT_EQ(2, record_format(&r, "%d%d", 1, 2));
	EXPECT_EQ(2, r.calls);
	EXPECT_EQ(0, record_format(&r, "%s", ""));
	EXPECT_EQ(0, r.calls);
	EXPECT_EQ(0, record_format(&r, "%.0d", 0));
	EXPECT_EQ(0, r.calls);
	EXPECT_EQ(0, record_format(&r, "%.0s", "abc"));
	EXPECT_EQ(0, r.calls);
}

/* Fields wider than the internal buffer still come out whole and in order. */
KTEST(printf, sink_wide_fields)
{
	struct recorder r;
	static const char long_text[] =
		"0123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789";   /* 160 */
	size_t i;

	EXPECT_EQ(300, record_format(&r, "%300d", 7));
	EXPECT_EQ(300u, r.total);
	EXPECT_EQ('7', r.out[299]);
	for (i = 0; i < 299 && r.out[i] == ' '; i++)
		;
	EXPECT_EQ(299u, i);

	EXPECT_EQ(302, record_format(&r, "<%-300d>", -7));
	EXPECT_EQ('<', r.out[0]);
	EXPECT_EQ('-', r.out[1]);
	EXPECT_EQ('7', r.out[2]);
	EXPECT_EQ(' ', r.out[300]);
	EXPECT_EQ('>', r.out[301]);

	EXPECT_EQ(170, record_format(&r, "%170s", long_text));
	EXPECT_MEMEQ("          0123", r.out, 14);
	EXPECT_MEMEQ(long_text, r.out + 10, 160);

	/* a literal run longer than any buffer is a single call */
	EXPECT_EQ(160, record_format(&r, long_text));
	EXPECT_EQ(1, r.calls);
}

/* The capture printer: what pprintf gives it, NUL-terminated, cut to fit. */
KTEST_SUITE(capture);

KTEST(capture, keeps_and_finds_text)
{
	char buf[32];
	struct capture c;
	struct printer p = capture_init(&c, buf, sizeof(buf));

	EXPECT_STREQ("", buf);
	EXPECT_FALSE(capture_holds(&c, "x"));
	EXPECT_TRUE(capture_holds(&c, ""));
	pprintf(&p, "tasks: %d", 3);
	pprintf(&p, ", ticks");
	EXPECT_STREQ("tasks: 3, ticks", buf);
	EXPECT_TRUE(capture_holds(&c, "3, ti"));
	EXPECT_TRUE(capture_holds(&c, "tasks: 3, ticks"));
	EXPECT_FALSE(capture_holds(&c, "tasks: 3, ticks!"));
	capture_clear(&c);
	EXPECT_EQ(0, c.len);
	EXPECT_FALSE(capture_holds(&c, "tasks"));
}

KTEST(capture, cuts_what_does_not_fit)
{
	char buf[8];
	struct capture c;
	struct printer p = capture_init(&c, buf, sizeof(buf));

	EXPECT_EQ(12, pprintf(&p, "hello, world"));
	EXPECT_STREQ("hello, ", buf);
	EXPECT_EQ(7, c.len);
	pprintf(&p, "more");
	EXPECT_STREQ("hello, ", buf);
	EXPECT_FALSE(capture_holds(&c, "world"));
}
