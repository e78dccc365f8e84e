/* string: byte-at-a-time implementations of lib/string.h. Freestanding C.
 *
 * Simple on purpose: correct first, and fast enough for a hobby kernel.
 *
 * Build note for gcc: its loop-idiom pass (-ftree-loop-distribute-patterns,
 * on at -O2) can turn the loops in memset and memcpy into calls to memset
 * and memcpy, that is into themselves. gcc 12 refrains under -ffreestanding
 * or -fno-builtin, but a hosted -O3 build of this file does it; the kernel
 * build also passes -fno-tree-loop-distribute-patterns, which rules it out
 * whatever the gcc version. Keep that flag for this file.
 */
#include "lib/string.h"

#include <stdint.h>

/*
 * KASAN kernel builds: the memory functions check each whole range once
 * through the compilers' own range checks (the runtime is kernel/san/,
 * which this file knows only by that ABI), then run unchecked, as Linux's
 * do; checking every byte of a page copy would cost far more. Elsewhere
 * (the host's ASan, no KASAN) the loops are instrumented as usual.
 */
#if defined(KASAN) && !defined(KLIB_HOST)
void __asan_loadN_noabort(uintptr_t addr, size_t size);
void __asan_storeN_noabort(uintptr_t addr, size_t size);
#define MEM_UNCHECKED __attribute__((no_sanitize_address))
#define MEM_CHECK_READ(p, n) __asan_loadN_noabort((uintptr_t)(p), (n))
#define MEM_CHECK_WRITE(p, n) __asan_storeN_noabort((uintptr_t)(p), (n))
#else
#define MEM_UNCHECKED
#define MEM_CHECK_READ(p, n) ((void)(p), (void)(n))
#define MEM_CHECK_WRITE(p, n) ((void)(p), (void)(n))
#endif

MEM_UNCHECKED
void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	MEM_CHECK_READ(src, n);
	MEM_CHECK_WRITE(dst, n);
	while (n--)
		*d++ = *s++;
	return dst;
}

/*
 * Copy forwards when dst is below src and backwards otherwise, so that every
 * byte is read before the copy overwrites it. Comparing the addresses as
 * integers is well defined even for pointers into different objects.
 */
MEM_UNCHECKED
void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	MEM_CHECK_READ(src, n);
	MEM_CHECK_WRITE(dst, n);
	if ((uintptr_t)d < (uintptr_t)s) {
		while (n--)
			*d++ = *s++;
	} else if ((uintptr_t)d > (uintptr_t)s) {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

MEM_UNCHECKED
void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	MEM_CHECK_WRITE(dst, n);
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

MEM_UNCHECKED
int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a;
	const unsigned char *y = b;

	MEM_CHECK_READ(a, n);
	MEM_CHECK_READ(b, n);
	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x - *y;
	}
	return 0;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	return strncmp(a, b, SIZE_MAX);
}

int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x - *y;
		if (!*x)
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

size_t strlcpy(char *restrict dst, const char *restrict src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
