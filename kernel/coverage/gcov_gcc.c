/* gcc's side of coverage: the gcov_info records that `--coverage` objects
 * register through __gcov_init() from their constructors. Their layout is
 * libgcov's (gcc/libgcov.h) and changes between gcc versions; what is
 * assumed is checked for every object, and a mismatch panics by name.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coverage_internal.h"
#include "panic.h"

/* Counter kinds in gcc's gcov-counter.def; only the first (arcs) is used
 * by --coverage. */
#if __GNUC__ >= 15
#define GCOV_COUNTERS 10
#elif __GNUC__ >= 14
#define GCOV_COUNTERS 9
#elif __GNUC__ >= 10
#define GCOV_COUNTERS 8
#else
#error "coverage needs gcc 10 or later"
#endif
#define GCOV_FUNCTIONS_MAX (1u << 20)   /* more in one object: not a count */

typedef uint64_t gcov_type;
typedef void (*gcov_merge_fn)(gcov_type *counters, uint32_t n);

struct gcov_ctr_info {
	uint32_t num;                   /* number of counters */
	gcov_type *values;
};

struct gcov_info;

struct gcov_fn_info {
	const struct gcov_info *key;    /* the object it belongs to */
	uint32_t ident;
	uint32_t lineno_checksum;
	uint32_t cfg_checksum;
	struct gcov_ctr_info ctrs[];    /* one per kind whose merge is set */
};

struct gcov_info {
	uint32_t version;               /* gcov version, as in the .gcno */
	struct gcov_info *next;
	uint32_t stamp;
#if __GNUC__ >= 12
	uint32_t checksum;
#endif
	const char *filename;           /* the .gcda's path */
	gcov_merge_fn merge[GCOV_COUNTERS];
	uint32_t n_functions;
	const struct gcov_fn_info *const *functions;
};

/* Called by every object's constructor (the instrumentation's ABI). */
void __gcov_init(struct gcov_info *info);
void __gcov_merge_add(gcov_type *counters, uint32_t n);
void __gcov_exit(void);

static struct gcov_info *objects;

static uint32_t checksum_of(const struct gcov_info *info)
{
#if __GNUC__ >= 12
	return info->checksum;
#else
	(void)info;
	return 0;
#endif
}

/* What this file assumes of a gcov_info, checked once per object. */
static void check_layout(const struct gcov_info *info)
{
	bool ok = info->merge[0] == __gcov_merge_add && info->n_functions > 0 &&
		  info->n_functions < GCOV_FUNCTIONS_MAX && info->functions;
	bool owns_one = false;

	for (uint32_t i = 0; ok && i < info->n_functions; i++)
		if (info->functions[i] && info->functions[i]->key == info)
			owns_one = true;
	if (!ok || !owns_one)
		panic("coverage: gcov_info of %s is not laid out as gcc %d's "
		      "(kernel/coverage/gcov_gcc.c)", info->filename, __GNUC__);
}

void __gcov_init(struct gcov_info *info)
{
	check_layout(info);
	info->next = objects;
	objects = info;
}

/* Referenced from every gcov_info's merge table; libgcov merges counters
 * into an existing .gcda with it. Here the harness merges. */
void __gcov_merge_add(gcov_type *counters, uint32_t n)
{
	(void)counters;
	(void)n;
}

/* Called by the objects' destructors, which a kernel never runs. */
void __gcov_exit(void)
{
}

/* The arc counters of fn: the first of its ctrs when merge[0] is set. */
static const struct gcov_ctr_info *arcs_of(const struct gcov_fn_info *fn)
{
	return &fn->ctrs[0];
}

void coverage_emit_objects(void)
{
	for (const struct gcov_info *info = objects; info; info = info->next) {
		coverage_put_object(info->filename, info->version, info->stamp,
				    checksum_of(info));
		for (uint32_t i = 0; i < info->n_functions; i++) {
			const struct gcov_fn_info *fn = info->functions[i];

			if (!fn || fn->key != info)
				continue;   /* its code is another object's (COMDAT) */
			coverage_put_function(fn->ident, fn->lineno_checksum,
					      fn->cfg_checksum);
			coverage_put_arcs(arcs_of(fn)->num, arcs_of(fn)->values);
		}
	}
}

void coverage_reset_counters(void)
{
	for (const struct gcov_info *info = objects; info; info = info->next)
		for (uint32_t i = 0; i < info->n_functions; i++) {
			const struct gcov_fn_info *fn = info->functions[i];

			if (!fn || fn->key != info)
				continue;
			for (uint32_t c = 0; c < arcs_of(fn)->num; c++)
				arcs_of(fn)->values[c] = 0;
		}
}
