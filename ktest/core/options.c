/* ktest options: the ktest.* words of the command line (docs/protocol.md,
 * "Arguments"). Words are separated by spaces; when a key comes twice the
 * last word wins, so words passed at boot override an image's built-in
 * ones. Other words belong to the kernel and are ignored here.
 */
#include "internal.h"

struct ktest_options opt;

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t word_len(const char *w)
{
	size_t n = 0;

	while (w[n] && !is_space(w[n]))
		n++;
	return n;
}

/* The value of the n-byte word w if it is "key=value", else NULL. */
static const char *value_of(const char *w, size_t n, const char *key)
{
	size_t k = kt_strlen(key);

	for (size_t i = 0; i < k; i++)
		if (i >= n || w[i] != key[i])
			return NULL;
	return k < n && w[k] == '=' ? w + k + 1 : NULL;
}

static bool word_is(const char *w, size_t n, const char *key)
{
	if (kt_strlen(key) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (w[i] != key[i])
			return false;
	return true;
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

/* n bytes at s as a decimal or 0x-hex number in [min, max]. */
static bool parse_number(const char *s, size_t n, uint64_t min, uint64_t max,
			 uint64_t *out)
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
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

static void word_error(const char *what, const char *w, size_t n)
{
	ktest_say("%s '%.*s'", what, (int)n, w);
}

/* A numeric option; reports a bad value. */
static bool number(const char *w, size_t n, const char *v, uint64_t min,
		   uint64_t max, uint64_t *out)
{
	if (parse_number(v, n - (size_t)(v - w), min, max, out))
		return true;
	ktest_say("bad number in '%.*s': want %llu to %llu", (int)n, w,
		  (unsigned long long)min, (unsigned long long)max);
	return false;
}

/* The filter value: globs separated by commas, none empty, not too many. */
static bool filter(const char *w, size_t n, const char *v)
{
	size_t len = n - (size_t)(v - w), globs = len ? 1 : 0;

	for (size_t i = 0; i < len; i++) {
		if (v[i] == ',' && (i == 0 || v[i - 1] == ',' || i + 1 == len)) {
			word_error("empty glob in", w, n);
			return false;
		}
		globs += v[i] == ',';
	}
	if (globs > KTEST_MAX_FILTERS) {
		word_error("too many globs in", w, n);
		return false;
	}
	opt.filter = len ? v : NULL;
	opt.filter_len = len;
	return true;
}

/* One word; false (reported) if it is a bad ktest.* word. */
static bool parse_word(const char *w, size_t n)
{
	const char *v;
	uint64_t x;

	if (word_is(w, n, KTEST_OPT_LIST)) {
		opt.list = true;
	} else if (word_is(w, n, KTEST_OPT_FRESH)) {
		opt.fresh = true;
	} else if ((v = value_of(w, n, KTEST_OPT_FILTER))) {
		return filter(w, n, v);
	} else if ((v = value_of(w, n, KTEST_OPT_SHUFFLE))) {
		return number(w, n, v, 0, UINT64_MAX, &opt.seed);
	} else if ((v = value_of(w, n, KTEST_OPT_START))) {
		return number(w, n, v, 0, UINT64_MAX, &opt.start);
	} else if ((v = value_of(w, n, KTEST_OPT_REPEAT))) {
		if (!number(w, n, v, 1, KTEST_MAX_REPEAT, &x))
			return false;
		opt.repeat = (uint32_t)x;
	} else if ((v = value_of(w, n, KTEST_OPT_TIMEOUT))) {
		if (!number(w, n, v, 1, KTEST_MAX_TIMEOUT_MS, &x))
			return false;
		opt.timeout_ms = (uint32_t)x;
	} else if (n > 6 && word_is(w, 6, "ktest.")) {
		word_error("unknown option", w, n);
		return false;
	}
	return true;
}

bool options_parse(const char *s)
{
	bool ok = true;
	size_t n;

	opt = (struct ktest_options){ .repeat = 1,
				      .timeout_ms = KTEST_CASE_TIMEOUT_MS };
	for (;; s += n) {
		while (is_space(*s))
			s++;
		n = word_len(s);
		if (n == 0)
			return ok;
		ok = parse_word(s, n) && ok;
	}
}

void options_echo(void)
{
	ktest_say("%s %s=%.*s %s=%llu %s=%u %s=%u %s=%llu%s%s", KTEST_SAY_OPTIONS,
		  KTEST_OPT_FILTER, (int)opt.filter_len,
		  opt.filter ? opt.filter : "",
		  KTEST_OPT_SHUFFLE, (unsigned long long)opt.seed,
		  KTEST_OPT_REPEAT, (unsigned)opt.repeat,
		  KTEST_OPT_TIMEOUT, (unsigned)opt.timeout_ms,
		  KTEST_OPT_START, (unsigned long long)opt.start,
		  opt.list ? " " KTEST_OPT_LIST : "",
		  opt.fresh ? " " KTEST_OPT_FRESH : "");
}

/* The glob token at p[i] (i < plen): its length, and in *c the character
 * it stands for. "\NN" (two hex digits) is the character with that code,
 * so that a glob can name a space, a comma, '*' or '?' exactly (result
 * names never hold a backslash); any other byte is itself. */
static size_t glob_token(const char *p, size_t plen, size_t i, char *c)
{
	if (p[i] == '\\' && i + 2 < plen && digit_value(p[i + 1]) < 16 &&
	    digit_value(p[i + 2]) < 16) {
		*c = (char)(digit_value(p[i + 1]) * 16 + digit_value(p[i + 2]));
		return 3;
	}
	*c = p[i];
	return 1;
}

/* Does the glob p (plen bytes; '*', '?' and "\NN") match all of s? */
static bool glob_match(const char *p, size_t plen, const char *s)
{
	size_t pi = 0, si = 0, star = SIZE_MAX, mark = 0, n = 0;
	char c = 0;

	while (s[si]) {
		if (pi < plen)
			n = glob_token(p, plen, pi, &c);
		if (pi < plen && n == 1 && c == '*') {
			star = pi++;
			mark = si;
		} else if (pi < plen && ((n == 1 && c == '?') || c == s[si])) {
			pi += n;
			si++;
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

bool options_filter_matches(const char *name)
{
	const char *f = opt.filter, *end;
	size_t n;

	if (!f)
		return true;
	end = f + opt.filter_len;
	for (; f < end; f += n + 1) {
		for (n = 0; f + n < end && f[n] != ','; n++)
			;
		if (glob_match(f, n, name))
			return true;
	}
	return false;
}
