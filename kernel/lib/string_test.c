/* Tests for lib/string: memcpy/memmove/memset/memcmp and the str* functions.
 * Host builds (-DKLIB_HOST) run these against klib_*, not the C library's.
 */
#include "ktest.h"

#include "lib/string.h"

KTEST_SUITE(string);

/* Sign of an int: what memcmp-like results promise, nothing more. */
static int sign(int v)
{
	return (v > 0) - (v < 0);
}

KTEST(string, memcpy_copies_n_bytes)
{
	char dst[8] = "xxxxxxx";

	EXPECT_PTR_EQ(dst, memcpy(dst, "abcdef", 3));
	EXPECT_MEMEQ("abcxxxx", dst, sizeof dst);
	EXPECT_PTR_EQ(dst, memcpy(dst, "zz", 0));
	EXPECT_MEMEQ("abcxxxx", dst, sizeof dst);
}

/* dst above src: a forward copy would read bytes it already overwrote. */
KTEST(string, memmove_overlap_dst_above_src)
{
	char buf[] = "0123456789";

	EXPECT_PTR_EQ(buf + 2, memmove(buf + 2, buf, 6));
	EXPECT_STREQ("0101234589", buf);
}

/* dst below src: a backward copy would read bytes it already overwrote. */
KTEST(string, memmove_overlap_dst_below_src)
{
	char buf[] = "0123456789";

	EXPECT_PTR_EQ(buf, memmove(buf, buf + 2, 6));
	EXPECT_STREQ("2345676789", buf);
}

KTEST(string, memmove_same_and_empty)
{
	char buf[] = "abcdef";

	memmove(buf, buf, 6);
	EXPECT_STREQ("abcdef", buf);
	memmove(buf + 1, buf, 0);
	EXPECT_STREQ("abcdef", buf);
	memmove(buf + 3, buf, 3);       /* adjacent, no overlap */
	EXPECT_STREQ("abcabc", buf);
}

KTEST(string, memset_fills_with_low_byte)
{
	unsigned char buf[6] = { 1, 2, 3, 4, 5, 6 };
	static const unsigned char want[6] = { 0xab, 0xab, 0xab, 0xab, 5, 6 };

	EXPECT_PTR_EQ(buf, memset(buf, 0x1ab, 4));  /* (unsigned char)0x1ab */
	EXPECT_MEMEQ(want, buf, sizeof buf);
	memset(buf, 0, 0);
	EXPECT_MEMEQ(want, buf, sizeof buf);
}

KTEST(string, memcmp_sign)
{
	static const unsigned char lo[] = { 1, 2, 3 };
	static const unsigned char hi[] = { 1, 2, 4 };
	static const unsigned char high_bit[] = { 0x80 };
	static const unsigned char one[] = { 0x01 };

	EXPECT_EQ(0, memcmp(lo, lo, sizeof lo));
	EXPECT_EQ(-1, sign(memcmp(lo, hi, sizeof lo)));
	EXPECT_EQ(1, sign(memcmp(hi, lo, sizeof lo)));
	EXPECT_EQ(0, memcmp(lo, hi, 2));    /* differ only past n */
	EXPECT_EQ(0, memcmp(lo, hi, 0));
	/* Bytes compare as unsigned char: 0x80 is above 0x01. */
	EXPECT_EQ(1, sign(memcmp(high_bit, one, 1)));
}

KTEST(string, strlen_counts_to_nul)
{
	EXPECT_EQ(0u, strlen(""));
	EXPECT_EQ(3u, strlen("abc"));
	EXPECT_EQ(2u, strlen("ab\0cd"));
}

/* The array has no NUL: ASan would flag any read past max. */
KTEST(string, strnlen_stops_at_bound)
{
	static const char no_nul[4] = { 'a', 'b', 'c', 'd' };

	EXPECT_EQ(4u, strnlen(no_nul, sizeof no_nul));
	EXPECT_EQ(3u, strnlen("abcdef", 3));
	EXPECT_EQ(2u, strnlen("ab", 10));
	EXPECT_EQ(0u, strnlen(no_nul, 0));
}

struct cmp_case {
	const char *name;
	const char *a;
	const char *b;
	int sign;               /* of strcmp(a, b) */
};

static const struct cmp_case cmp_cases[] = {
	{ "both_empty", "", "", 0 },
	{ "equal", "abc", "abc", 0 },
	{ "less", "abc", "abd", -1 },
	{ "greater", "abd", "abc", 1 },
	{ "prefix_first", "ab", "abc", -1 },
	{ "longer_after", "abc", "ab", 1 },
	{ "unsigned_80_gt_a", "\x80", "a", 1 },
	{ "unsigned_ff_gt_a", "a", "\xff", -1 },
};

static void describe_cmp(const struct cmp_case *c, char *buf, size_t len)
{
	strlcpy(buf, c->name, len);
}

KTEST_PARAM(string, strcmp_sign, struct cmp_case, cmp_cases, describe_cmp)
{
	EXPECT_EQ(param->sign, sign(strcmp(param->a, param->b)));
	EXPECT_EQ(param->sign, sign(strncmp(param->a, param->b, 100)));
}

KTEST(string, strncmp_stops_at_n)
{
	EXPECT_EQ(0, strncmp("abcX", "abcY", 3));
	EXPECT_EQ(-1, sign(strncmp("abcX", "abcY", 4)));
	EXPECT_EQ(0, strncmp("a", "b", 0));
	/* Stops at a NUL shared by both, even with n left over. */
	EXPECT_EQ(0, strncmp("ab\0x", "ab\0y", 4));
}

KTEST(string, strchr_finds_first)
{
	static const char s[] = "hello";

	EXPECT_PTR_EQ(s + 2, strchr(s, 'l'));
	EXPECT_PTR_EQ(s, strchr(s, 'h'));
	EXPECT_NULL(strchr(s, 'z'));
	EXPECT_PTR_EQ(s + 5, strchr(s, '\0'));      /* the NUL is searched */
	EXPECT_PTR_EQ(s + 4, strchr(s, 'o' + 256)); /* c converts to char */
}

KTEST(string, strrchr_finds_last)
{
	static const char s[] = "hello";

	EXPECT_PTR_EQ(s + 3, strrchr(s, 'l'));
	EXPECT_PTR_EQ(s, strrchr(s, 'h'));
	EXPECT_NULL(strrchr(s, 'z'));
	EXPECT_PTR_EQ(s + 5, strrchr(s, '\0'));
	EXPECT_NULL(strrchr("", 'a'));
}

KTEST(string, strlcpy_fits)
{
	char dst[8];

	EXPECT_EQ(3u, strlcpy(dst, "abc", sizeof dst));
	EXPECT_STREQ("abc", dst);
	EXPECT_EQ(7u, strlcpy(dst, "1234567", sizeof dst));  /* exactly fits */
	EXPECT_STREQ("1234567", dst);
}

KTEST(string, strlcpy_truncates)
{
	char dst[8] = "xxxxxxx";
	char one[1] = { 'x' };

	/* Returns strlen(src); result >= size means truncated. */
	EXPECT_EQ(10u, strlcpy(dst, "0123456789", 5));
	EXPECT_STREQ("0123", dst);
	EXPECT_EQ('x', dst[5]);                 /* nothing written past size */
	EXPECT_EQ(3u, strlcpy(one, "abc", 1));
	EXPECT_EQ('\0', one[0]);
	EXPECT_EQ(3u, strlcpy(dst, "abc", 0));  /* size 0: dst untouched */
	EXPECT_STREQ("0123", dst);
}
