/* The heap benchmark's host twin: alloc_bench's patterns on the three
 * allocator designs and on the C library's malloc, natively, as a table.
 *   alloc_bench_host [operations per pattern]
 */
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mm/alloc/alloc_bench.h"

#define ARENA_SIZE  0x400000      /* 4 MiB, the same as the image */
#define DEFAULT_OPS 1000000
#define REPEATS     5             /* the fastest of these runs counts */
#define NS_PER_S    1000000000ull

/* The allocators' panic(): there is no kernel here. */
void panic_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "alloc_bench_host: panic: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (%s:%d)\n", file, line);
	abort();
}

/* ------------------------------------------------------------------------ */
/* The C library's malloc behind the same interface: no arena, no in-place
 * growth (the patterns then move, as they do for the designs), no stats. */

static int libc_token;

static void *libc_init(void *arena, size_t size)
{
	(void)arena;
	(void)size;
	return &libc_token;
}

static void *libc_alloc(void *a, size_t size, size_t align)
{
	void *p = NULL;

	(void)a;
	if (align <= ALLOC_ALIGN)
		return malloc(size ? size : 1);
	return posix_memalign(&p, align, size) ? NULL : p;
}

static void libc_free(void *a, void *p)
{
	(void)a;
	free(p);
}

static size_t libc_usable_size(const void *a, const void *p)
{
	(void)a;
	return malloc_usable_size((void *)p);
}

static bool libc_resize(void *a, void *p, size_t size)
{
	(void)a;
	(void)p;
	(void)size;
	return false;
}

static void libc_stats(const void *a, struct alloc_stats *out)
{
	(void)a;
	*out = (struct alloc_stats){ 0 };
}

static const struct alloc_ops libc_ops = {
	.name = "libc malloc",
	.reuses_freed = true,
	.init = libc_init,
	.alloc = libc_alloc,
	.free = libc_free,
	.usable_size = libc_usable_size,
	.resize = libc_resize,
	.stats = libc_stats,
};

/* ------------------------------------------------------------------------ */

static const struct alloc_ops *const allocators[] = {
	&bump_ops, &linked_list_ops, &fixed_block_ops, &libc_ops,
};
#define NALLOCATORS (sizeof(allocators) / sizeof(allocators[0]))

static struct alloc_bench_result results[NALLOCATORS][ALLOC_BENCH_PATTERNS];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void print_line(const char *line)
{
	puts(line);
}

int main(int argc, char **argv)
{
	struct alloc_bench_env env = {
		.arena_size = ARENA_SIZE, .ops = DEFAULT_OPS, .repeats = REPEATS,
		.now_ns = now_ns, .print = print_line,
	};
	char *end = NULL;

	if (argc > 2 || (argc == 2 && ((env.ops = strtoull(argv[1], &end, 10)) == 0 || *end))) {
		fprintf(stderr, "usage: %s [operations per pattern, > 0]\n", argv[0]);
		return 2;
	}
	env.arena = aligned_alloc(4096, ARENA_SIZE);
	if (!env.arena) {
		fprintf(stderr, "alloc_bench_host: no memory for a %d-byte arena\n", ARENA_SIZE);
		return 1;
	}
	memset(env.arena, 0, ARENA_SIZE);    /* fault the pages in before timing */
	printf("heap allocators on the host, %llu operations per pattern, "
	       "fastest of %u runs\n", (unsigned long long)env.ops, REPEATS);
	alloc_bench_table(&env, allocators, NALLOCATORS, results);
	free(env.arena);
	return 0;
}
