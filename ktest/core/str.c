/* ktest's few string functions: the runner uses no C library. */
#include "internal.h"

size_t kt_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int kt_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

void kt_strlcpy(char *dst, const char *s, size_t cap)
{
	size_t n = 0;

	while (s[n] && n + 1 < cap) {
		dst[n] = s[n];
		n++;
	}
	dst[n] = '\0';
}

void kt_vformat(char *buf, size_t len, const char *fmt, va_list ap)
{
	buf[0] = '\0';
	if (fmt)
		ktest_backend_vformat(buf, len, fmt, ap);
	buf[len - 1] = '\0';
}

void kt_format(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kt_vformat(buf, len, fmt, ap);
	va_end(ap);
}
