/* printf: the formatter behind lib/printf.h, a subset of C99 7.19.6.1
 * (fprintf) with the extensions listed in the header. No floating point.
 *
 * Flags '+', ' ' and '#' are implemented although the kernel rarely needs
 * them: gcc's format checking lets them through, and treating them as unknown
 * would shift every later argument.
 */
#include "lib/printf.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/string.h"

/* Bytes a conversion is assembled in before it goes to the sink. */
#define FMT_BUF_SIZE 128
/* Digits of UINT64_MAX in base 10, the longest number printed. */
#define FMT_DIGITS_MAX 20
/* %p prints every hex digit of a 64-bit pointer. */
#define FMT_PTR_DIGITS 16
/* struct fmt_spec.precision when the conversion has none. */
#define FMT_NO_PRECISION (-1)

_Static_assert(sizeof(void *) * 2 == FMT_PTR_DIGITS, "%p digit count");
_Static_assert(sizeof(ptrdiff_t) == sizeof(size_t), "%zd reads a ptrdiff_t");

enum fmt_length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z };

/* One parsed conversion: %[flags][width][.precision][length]conv */
struct fmt_spec {
	bool left;              /* '-' */
	bool zero;              /* '0' */
	bool plus;              /* '+' */
	bool space;             /* ' ' */
	bool alt;               /* '#' */
	bool width_star;        /* width is an int argument */
	bool prec_star;         /* precision is an int argument */
	int width;
	int precision;          /* FMT_NO_PRECISION if none */
	enum fmt_length length;
	char conv;              /* '\0' if the format ended inside the spec */
};

/* Output state: conversions are assembled in buf, then sent in one call. */
struct fmt_out {
	fmt_sink sink;
	void *ctx;
	size_t count;           /* characters produced so far */
	size_t used;            /* bytes waiting in buf */
	char buf[FMT_BUF_SIZE];
};

/* ------------------------------------------------------------------------ */
/* Output. */

static void out_flush(struct fmt_out *o)
{
	if (o->used) {
		o->sink(o->ctx, o->buf, o->used);
		o->used = 0;
	}
}

/* Send text straight to the sink; only called with buf empty. */
static void out_direct(struct fmt_out *o, const char *s, size_t n)
{
	if (n) {
		o->count += n;
		o->sink(o->ctx, s, n);
	}
}

/* Queue n bytes; more than buf can ever hold go straight to the sink. */
static void out_put(struct fmt_out *o, const char *s, size_t n)
{
	if (n > FMT_BUF_SIZE - o->used) {
		out_flush(o);
		if (n > FMT_BUF_SIZE) {
			out_direct(o, s, n);
			return;
		}
	}
	memcpy(o->buf + o->used, s, n);
	o->used += n;
	o->count += n;
}

/* Queue n copies of c. */
static void out_fill(struct fmt_out *o, char c, size_t n)
{
	while (n) {
		size_t room = FMT_BUF_SIZE - o->used;
		size_t k = n < room ? n : room;

		memset(o->buf + o->used, c, k);
		o->used += k;
		o->count += k;
		n -= k;
		if (o->used == FMT_BUF_SIZE)
			out_flush(o);
	}
}

/* ------------------------------------------------------------------------ */
/* Parsing a conversion specification. */

/* Read decimal digits (possibly none, giving 0), saturating at INT_MAX. */
static const char *parse_int(const char *p, int *out)
{
	int n = 0;

	for (; *p >= '0' && *p <= '9'; p++) {
		int d = *p - '0';

		n = n > (INT_MAX - d) / 10 ? INT_MAX : n * 10 + d;
	}
	*out = n;
	return p;
}

static const char *parse_flags(const char *p, struct fmt_spec *s)
{
	for (;; p++) {
		switch (*p) {
		case '-': s->left = true; break;
		case '0': s->zero = true; break;
		case '+': s->plus = true; break;
		case ' ': s->space = true; break;
		case '#': s->alt = true; break;
		default: return p;
		}
	}
}

static const char *parse_length(const char *p, enum fmt_length *len)
{
	switch (*p) {
	case 'h':
		*len = p[1] == 'h' ? LEN_HH : LEN_H;
		return p + (p[1] == 'h' ? 2 : 1);
	case 'l':
		*len = p[1] == 'l' ? LEN_LL : LEN_L;
		return p + (p[1] == 'l' ? 2 : 1);
	case 'z':
		*len = LEN_Z;
		return p + 1;
	default:
		*len = LEN_NONE;
		return p;
	}
}

/*
 * Parse the specification after a '%'. Returns the character after the
 * conversion, or the NUL ending fmt if the specification was cut short.
 */
static const char *parse_spec(const char *p, struct fmt_spec *s)
{
	*s = (struct fmt_spec){ .precision = FMT_NO_PRECISION };
	p = parse_flags(p, s);
	if (*p == '*') {
		s->width_star = true;
		p++;
	} else {
		p = parse_int(p, &s->width);
	}
	if (*p == '.') {
		p++;
		if (*p == '*') {
			s->prec_star = true;
			p++;
		} else {
			p = parse_int(p, &s->precision);
		}
	}
	p = parse_length(p, &s->length);
	s->conv = *p;
	return *p ? p + 1 : p;
}

/* Is the specification of spec_len bytes (from the '%') one we print? */
static bool spec_known(const struct fmt_spec *s, size_t spec_len)
{
	if (s->conv == '%')
		return spec_len == 2;   /* only a bare "%%" */
	return s->conv && strchr("diuxXpsc", s->conv);
}

/* ------------------------------------------------------------------------ */
/* Fetching arguments. */

static void take_star_args(struct fmt_spec *s, va_list *ap)
{
	if (s->width_star) {
		int w = va_arg(*ap, int);

		if (w < 0) {            /* C: a negative width is '-' and |w| */
			s->left = true;
			w = w == INT_MIN ? INT_MAX : -w;
		}
		s->width = w;
	}
	if (s->prec_star) {
		int p = va_arg(*ap, int);

		s->precision = p < 0 ? FMT_NO_PRECISION : p;
	}
}

static int64_t take_signed(va_list *ap, enum fmt_length len)
{
	switch (len) {
	case LEN_HH: return (signed char)va_arg(*ap, int);
	case LEN_H:  return (short)va_arg(*ap, int);
	case LEN_L:  return va_arg(*ap, long);
	case LEN_LL: return va_arg(*ap, long long);
	case LEN_Z:  return va_arg(*ap, ptrdiff_t);
	default:     return va_arg(*ap, int);
	}
}

static uint64_t take_unsigned(va_list *ap, enum fmt_length len)
{
	switch (len) {
	case LEN_HH: return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:  return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:  return va_arg(*ap, unsigned long);
	case LEN_LL: return va_arg(*ap, unsigned long long);
	case LEN_Z:  return va_arg(*ap, size_t);
	default:     return va_arg(*ap, unsigned int);
	}
}

/* ------------------------------------------------------------------------ */
/* Formatting one conversion. */

/* Emit [spaces] prefix [zeros] body [spaces], padded to the width. */
static void put_field(struct fmt_out *o, const struct fmt_spec *s,
		      const char *prefix, size_t zeros,
		      const char *body, size_t n)
{
	size_t np = strlen(prefix);
	size_t used = np + zeros + n;
	size_t width = (size_t)s->width;
	size_t pad = width > used ? width - used : 0;

	if (!s->left)
		out_fill(o, ' ', pad);
	out_put(o, prefix, np);
	out_fill(o, '0', zeros);
	out_put(o, body, n);
	if (s->left)
		out_fill(o, ' ', pad);
}

/* Print mag after prefix, honouring precision and the '0' flag. */
static void put_number(struct fmt_out *o, const struct fmt_spec *s,
		       const char *prefix, uint64_t mag)
{
	static const char lower[] = "0123456789abcdef";
	static const char upper[] = "0123456789ABCDEF";
	const char *digit = s->conv == 'X' ? upper : lower;
	bool decimal = s->conv == 'd' || s->conv == 'i' || s->conv == 'u';
	unsigned base = decimal ? 10 : 16;
	char buf[FMT_DIGITS_MAX];
	char *end = buf + sizeof buf;
	char *first = end;
	size_t nd, zeros = 0;

	do {
		*--first = digit[mag % base];
		mag /= base;
	} while (mag);
	nd = (size_t)(end - first);
	if (s->precision == 0 && nd == 1 && *first == '0')
		nd = 0;                 /* C: "%.0d" of 0 prints no digits */
	if (s->precision > 0 && (size_t)s->precision > nd)
		zeros = (size_t)s->precision - nd;
	else if (s->zero && !s->left && s->precision == FMT_NO_PRECISION &&
		 (size_t)s->width > strlen(prefix) + nd)
		zeros = (size_t)s->width - strlen(prefix) - nd;
	put_field(o, s, prefix, zeros, end - nd, nd);
}

static void put_signed(struct fmt_out *o, const struct fmt_spec *s, int64_t v)
{
	/* Negate as unsigned: well defined for INT64_MIN too. */
	uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	const char *sign = v < 0 ? "-" : s->plus ? "+" : s->space ? " " : "";

	put_number(o, s, sign, mag);
}

static void put_unsigned(struct fmt_out *o, const struct fmt_spec *s,
			 uint64_t v)
{
	const char *prefix = "";

	if (s->alt && v != 0 && s->conv != 'u')
		prefix = s->conv == 'X' ? "0X" : "0x";
	put_number(o, s, prefix, v);
}

static void put_pointer(struct fmt_out *o, const struct fmt_spec *s,
			const void *p)
{
	struct fmt_spec ps = *s;

	ps.precision = FMT_PTR_DIGITS;
	put_number(o, &ps, "0x", (uint64_t)(uintptr_t)p);
}

static void put_string(struct fmt_out *o, const struct fmt_spec *s,
		       const char *str)
{
	size_t n;

	if (!str)
		str = "(null)";
	if (s->precision == FMT_NO_PRECISION)
		n = strlen(str);
	else
		n = strnlen(str, (size_t)s->precision);
	put_field(o, s, "", 0, str, n);
}

/* Fetch the arguments of the known conversion s and print it. */
static void convert(struct fmt_out *o, struct fmt_spec *s, va_list *ap)
{
	char c;

	take_star_args(s, ap);
	switch (s->conv) {
	case 'd':
	case 'i':
		put_signed(o, s, take_signed(ap, s->length));
		break;
	case 'u':
	case 'x':
	case 'X':
		put_unsigned(o, s, take_unsigned(ap, s->length));
		break;
	case 'p':
		put_pointer(o, s, va_arg(*ap, const void *));
		break;
	case 's':
		put_string(o, s, va_arg(*ap, const char *));
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		put_field(o, s, "", 0, &c, 1);
		break;
	case '%':
		out_put(o, "%", 1);
		break;
	}
}

/* Handle the specification at pct (a '%'); returns where the text resumes. */
static const char *format_one(struct fmt_out *o, const char *pct, va_list *ap)
{
	struct fmt_spec s;
	const char *end = parse_spec(pct + 1, &s);
	size_t len = (size_t)(end - pct);

	if (spec_known(&s, len)) {
		convert(o, &s, ap);
		out_flush(o);
	} else {
		out_direct(o, pct, len);    /* verbatim, reading no argument */
	}
	return end;
}

/* ------------------------------------------------------------------------ */
/* Entry points. */

int fmt_vformat(fmt_sink sink, void *ctx, const char *fmt, va_list ap)
{
	struct fmt_out o;
	va_list args;

	o.sink = sink;
	o.ctx = ctx;
	o.count = 0;
	o.used = 0;
	va_copy(args, ap);
	while (*fmt) {
		const char *run = fmt;

		while (*fmt && *fmt != '%')
			fmt++;
		out_direct(&o, run, (size_t)(fmt - run));
		if (*fmt)
			fmt = format_one(&o, fmt, &args);
	}
	va_end(args);
	return o.count > INT_MAX ? INT_MAX : (int)o.count;
}

/* kvsnprintf's sink: keeps what fits, leaving room for the NUL. */
struct buf_sink {
	char *buf;
	size_t room;            /* bytes for text: len - 1 */
	size_t pos;
};

static void buf_write(void *ctx, const char *s, size_t n)
{
	struct buf_sink *b = ctx;
	size_t left = b->room - b->pos;
	size_t k = n < left ? n : left;

	if (k) {
		memcpy(b->buf + b->pos, s, k);
		b->pos += k;
	}
}

int kvsnprintf(char *buf, size_t len, const char *fmt, va_list ap)
{
	struct buf_sink b = { .buf = buf, .room = len ? len - 1 : 0, .pos = 0 };
	int n = fmt_vformat(buf_write, &b, fmt, ap);

	if (len)
		buf[b.pos] = '\0';
	return n;
}

int ksnprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

int pprintf(const struct printer *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vformat(p->sink, p->ctx, fmt, ap);
	va_end(ap);
	return n;
}
