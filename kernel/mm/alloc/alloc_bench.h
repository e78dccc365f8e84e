/* alloc_bench: allocation throughput and fragmentation of an allocator on a
 * few patterns (same-size churn, mixed sizes, growing arrays). Portable: a
 * benchmark image and a native executable run the same code. Not a test:
 * it measures and prints, it checks nothing.
 */
#ifndef MM_ALLOC_ALLOC_BENCH_H
#define MM_ALLOC_ALLOC_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "mm/alloc/alloc.h"

#define ALLOC_BENCH_PATTERNS 4
#define ALLOC_BENCH_SAME_SIZE_CHURN  0   /* churn of 64-byte blocks */
#define ALLOC_BENCH_SMALL_SIZE_CHURN 1   /* churn of 16 to 256-byte blocks */

struct alloc_bench_env {
	void *arena;               /* every pattern starts on a fresh init() */
	size_t arena_size;
	uint64_t ops;              /* operations per pattern */
	unsigned repeats;          /* runs per pattern; the fastest counts */
	uint64_t (*now_ns)(void);  /* a monotonic clock */
	void (*print)(const char *line);   /* one table line, no '\n' */
};

struct alloc_bench_result {
	const char *allocator;
	const char *pattern;
	uint64_t ops;              /* allocations, frees and appends timed */
	uint64_t ns;               /* time they took */
	uint64_t failures;         /* allocations that returned NULL */
	size_t peak_live;          /* most requested bytes live at once */
	size_t footprint;          /* arena bytes ever touched; 0: unknown */
	unsigned frag_permille;    /* free space not in the largest free block,
				    * at the end, with blocks still live */
	bool frag_known;
};

/* Run every pattern on ops; out gets one result per pattern. */
void alloc_bench_run(const struct alloc_ops *ops, const struct alloc_bench_env *env,
		     struct alloc_bench_result out[ALLOC_BENCH_PATTERNS]);

/* The table: a header, then one line per result. */
void alloc_bench_print_header(const struct alloc_bench_env *env);
void alloc_bench_print_result(const struct alloc_bench_env *env,
			      const struct alloc_bench_result *r);

/* "a is 12.3x faster than b on <pattern>" (time per operation). */
void alloc_bench_print_speedup(const struct alloc_bench_env *env,
			       const struct alloc_bench_result *a,
			       const struct alloc_bench_result *b);

/* Where alloc_bench_table() finds the two designs it compares in ops[]. */
#define ALLOC_BENCH_LINKED_LIST 1
#define ALLOC_BENCH_FIXED_BLOCK 2

/* Run every pattern on each of the n allocators in ops[] (bump, linked list,
 * fixed block, then any others), print the table and the fixed-block versus
 * linked-list speedups on the two churn patterns.
 */
void alloc_bench_table(const struct alloc_bench_env *env,
		       const struct alloc_ops *const ops[], size_t n,
		       struct alloc_bench_result (*results)[ALLOC_BENCH_PATTERNS]);

#endif /* MM_ALLOC_ALLOC_BENCH_H */
