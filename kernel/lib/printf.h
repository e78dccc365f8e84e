/* printf: one printf-style formatter (a subset of C99 fprintf) feeding any
 * output sink: a buffer (ksnprintf), the serial port, the test log...
 * No floating point. Freestanding.
 *
 * Conversions:  %d %i %u %x %X %p %s %c %%
 * Flags:        '-' left-justify, '0' pad integers with zeros (after the sign;
 *               ignored with '-' or a precision, as in C); also as in C,
 *               '+' and ' ' sign positive %d, '#' prefixes nonzero %x with 0x
 * Width:        digits or '*' (an int argument; negative means '-' and |w|)
 * Precision:    '.' then digits or '*': for %s the most characters printed
 *               (the string needs no NUL within that bound), for integers the
 *               fewest digits, as in C. A negative '*' means none given.
 * Length:       hh h l ll z (%zu size_t, %zd its signed counterpart); they
 *               apply to integer conversions and are ignored on the others.
 *
 * Choices beyond C:
 *   %p    "0x" and 16 lowercase hex digits, NULL included: 0x0000000000000000.
 *   %s    NULL prints "(null)" (precision applies to it like to any string).
 *   other a conversion this formatter does not know (%q, %f, %o, %n, %5%,
 *         a '%' ending the string...) is printed verbatim, from the '%' to the
 *         character that ended it, and reads no argument, not even a '*'.
 *         Arguments meant for it are then taken by the next conversions.
 */
#ifndef KLIB_PRINTF_H
#define KLIB_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

#define KLIB_PRINTF_(f, a) __attribute__((format(printf, f, a)))

/*
 * Receives output: n > 0 bytes at s (not NUL-terminated, valid only during
 * the call). ctx is the caller's, passed through untouched.
 */
typedef void (*fmt_sink)(void *ctx, const char *s, size_t n);

/*
 * Format fmt with ap into sink. Each run of literal text is one sink call,
 * and each conversion is one call too (a conversion wider than the internal
 * buffer, e.g. a long %s, takes a few). Returns the number of characters
 * produced (saturating at INT_MAX); never fails. Reentrant, no locks, no
 * allocation: may run in interrupt context if the sink may. The caller keeps
 * ownership of ap (it is copied, not consumed).
 */
int fmt_vformat(fmt_sink sink, void *ctx, const char *fmt, va_list ap)
	KLIB_PRINTF_(3, 0);

/*
 * C99 vsnprintf: writes at most len bytes into buf, always NUL-terminated
 * when len > 0 (buf may be NULL when len is 0). Returns the length the whole
 * output would have had, so the output was truncated iff the result >= len.
 * Interrupt-safe like fmt_vformat.
 */
int kvsnprintf(char *buf, size_t len, const char *fmt, va_list ap)
	KLIB_PRINTF_(3, 0);

/* C99 snprintf: kvsnprintf with variadic arguments. */
int ksnprintf(char *buf, size_t len, const char *fmt, ...) KLIB_PRINTF_(3, 4);

/* Somewhere to print to: a sink and its context (the console's is
 * console_printer; tests print into buffers). */
struct printer {
	fmt_sink sink;
	void *ctx;
};

/* printf to p; returns the length, as fmt_vformat(). */
int pprintf(const struct printer *p, const char *fmt, ...) KLIB_PRINTF_(2, 3);

#endif /* KLIB_PRINTF_H */
