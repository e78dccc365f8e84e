/* string: the memory and string functions of C99 <string.h> (plus BSD
 * strlcpy) that the kernel needs, and nothing more. Freestanding.
 *
 * Kernel builds: the functions keep their standard names, because the compiler
 * emits calls to memcpy, memmove, memset and memcmp on its own (structure
 * copies, large initializers) even with -ffreestanding -fno-builtin.
 *
 * Host builds (-DKLIB_HOST): the same source is compiled next to the C
 * library, so every name below is renamed to klib_<name>. The renames come
 * before the declarations, so string.c defines klib_memcpy and every file that
 * includes this header calls it: host tests exercise this code, not libc's.
 * In a host file, include this header after any libc header.
 */
#ifndef KLIB_STRING_H
#define KLIB_STRING_H

#include <stddef.h>

#ifdef KLIB_HOST
#define memcpy  klib_memcpy
#define memmove klib_memmove
#define memset  klib_memset
#define memcmp  klib_memcmp
#define strlen  klib_strlen
#define strnlen klib_strnlen
#define strcmp  klib_strcmp
#define strncmp klib_strncmp
#define strchr  klib_strchr
#define strrchr klib_strrchr
#define strlcpy klib_strlcpy
#endif

/* Copy n bytes from src to dst, which must not overlap; returns dst. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n);

/* Copy n bytes from src to dst; the areas may overlap. Returns dst. */
void *memmove(void *dst, const void *src, size_t n);

/* Fill n bytes at dst with (unsigned char)c; returns dst. */
void *memset(void *dst, int c, size_t n);

/*
 * Compare n bytes as unsigned char: returns <0, 0 or >0 as a sorts before,
 * equal to or after b (the sign only; the magnitude means nothing).
 */
int memcmp(const void *a, const void *b, size_t n);

/* Length of s, not counting its NUL. */
size_t strlen(const char *s);

/* Length of s, but reads at most max bytes: returns max if no NUL in them. */
size_t strnlen(const char *s, size_t max);

/* Compare NUL-terminated strings as unsigned char; sign as for memcmp. */
int strcmp(const char *a, const char *b);

/* strcmp on at most the first n characters. */
int strncmp(const char *a, const char *b, size_t n);

/*
 * First / last occurrence of (char)c in s, or NULL. The terminating NUL
 * counts as part of s, so searching for '\0' returns a pointer to it.
 */
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);

/*
 * Copy src into dst of size bytes, truncating so that dst is always
 * NUL-terminated when size > 0 (dst is untouched when size is 0). Returns
 * strlen(src): the copy was truncated iff the result is >= size.
 */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);

#endif /* KLIB_STRING_H */
