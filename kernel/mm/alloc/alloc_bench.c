/* alloc_bench: the patterns and the table. Portable C; the caller supplies
 * the clock, the output and the arena (alloc_bench.h).
 */
#include "mm/alloc/alloc_bench.h"

#include "lib/printf.h"
#include "lib/string.h"

#define LINE_MAX        160
#define SMALL_SLOTS     4096     /* live blocks the churn patterns cycle through */
#define MIXED_SLOTS     256
#define ARRAYS          32
#define ARRAY_MAX_BYTES 0x10000  /* a growing array restarts at 64 KiB */
#define RNG_SEED        0x9e3779b97f4a7c15ull

struct slot {
	void *p;
	size_t size;
};

/* The state of one run; static, as kernel stacks are small. */
static struct {
	const struct alloc_ops *ops;
	void *a;
	uint64_t rng;
	size_t live, peak_live;
	uint64_t failures;
	struct slot slots[SMALL_SLOTS];
} run;

static uint64_t rnd(void)
{
	run.rng ^= run.rng << 13;
	run.rng ^= run.rng >> 7;
	run.rng ^= run.rng << 17;
	return run.rng;
}

static void *bench_alloc(size_t size)
{
	void *p = run.ops->alloc(run.a, size, 0);

	if (!p) {
		run.failures++;
		return NULL;
	}
	*(volatile unsigned char *)p = 1;      /* touch it, as a user would */
	run.live += size;
	if (run.live > run.peak_live)
		run.peak_live = run.live;
	return p;
}

static void bench_free(struct slot *s)
{
	run.ops->free(run.a, s->p);
	run.live -= s->size;
	s->p = NULL;
}

/* Free a random slot if taken, else fill it with size_of() bytes. */
static void churn(uint64_t ops, size_t nslots, size_t (*size_of)(void))
{
	for (uint64_t i = 0; i < ops; i++) {
		struct slot *s = &run.slots[rnd() % nslots];

		if (s->p) {
			bench_free(s);
		} else {
			s->size = size_of();
			s->p = bench_alloc(s->size);
		}
	}
}

static size_t size_64(void)
{
	return 64;
}

static size_t size_small(void)
{
	return 16 + rnd() % 241;                 /* 16..256 */
}

static size_t size_mixed(void)
{
	size_t base = (size_t)16 << (rnd() % 10); /* 16 B .. 8 KiB, log-uniform */

	return base + rnd() % base;
}

static void pattern_small_churn(uint64_t ops)
{
	churn(ops, SMALL_SLOTS, size_64);
}

static void pattern_small_mixed(uint64_t ops)
{
	churn(ops, SMALL_SLOTS, size_small);
}

static void pattern_mixed(uint64_t ops)
{
	churn(ops, MIXED_SLOTS, size_mixed);
}

/* Double array s (s->size bytes asked so far), in place if the design can,
 * else by moving it. */
static void grow_array(struct slot *s)
{
	size_t want = s->size ? 2 * s->size : 8;
	void *q;

	if (s->p && run.ops->resize(run.a, s->p, want)) {
		run.live += want - s->size;
		if (run.live > run.peak_live)
			run.peak_live = run.live;
	} else {
		q = bench_alloc(want);
		if (!q)
			return;
		if (s->p) {
			memcpy(q, s->p, s->size);
			run.ops->free(run.a, s->p);
			run.live -= s->size;
		}
		s->p = q;
	}
	s->size = want;
}

/* Append 8-byte elements to random arrays; a full one starts over. */
static void pattern_grow(uint64_t ops)
{
	size_t used[ARRAYS] = { 0 };

	for (uint64_t i = 0; i < ops; i++) {
		size_t k = rnd() % ARRAYS;
		struct slot *s = &run.slots[k];

		if (used[k] + 8 > ARRAY_MAX_BYTES && s->p) {
			bench_free(s);
			s->size = 0;
			used[k] = 0;
		}
		if (used[k] + 8 > s->size)
			grow_array(s);
		if (s->p && used[k] + 8 <= s->size) {
			((uint64_t *)s->p)[used[k] / 8] = i;
			used[k] += 8;
		}
	}
}

static const struct {
	const char *name;
	void (*run)(uint64_t ops);
} patterns[ALLOC_BENCH_PATTERNS] = {
	{ "churn 64 B", pattern_small_churn },
	{ "churn 16-256 B", pattern_small_mixed },
	{ "mixed 16 B-16 KiB", pattern_mixed },
	{ "growing arrays", pattern_grow },
};

_Static_assert(ALLOC_BENCH_SAME_SIZE_CHURN == 0 && ALLOC_BENCH_SMALL_SIZE_CHURN == 1,
	       "pattern order");

/* Fragmentation of the free space, then free everything. */
static void finish(struct alloc_bench_result *r, size_t nslots)
{
	struct alloc_stats st = { 0 };

	run.ops->stats(run.a, &st);
	r->footprint = st.high_water;
	r->frag_known = st.free_bytes > 0 && st.arena_bytes > 0;
	if (r->frag_known)
		r->frag_permille = (unsigned)(1000 - (uint64_t)st.largest_free * 1000 /
					      st.free_bytes);
	for (size_t i = 0; i < nslots; i++)
		if (run.slots[i].p)
			bench_free(&run.slots[i]);
}

/* One timed run of pattern i on a fresh arena; returns its time. */
static uint64_t run_once(const struct alloc_ops *ops, const struct alloc_bench_env *env,
			 int i, struct alloc_bench_result *r)
{
	uint64_t t0, ns;

	memset(&run, 0, sizeof(run));
	run.ops = ops;
	run.rng = RNG_SEED;
	run.a = ops->init(env->arena, env->arena_size);
	if (!run.a)
		return 0;
	t0 = env->now_ns();
	patterns[i].run(env->ops);
	ns = env->now_ns() - t0;
	r->ops = env->ops;
	r->failures = run.failures;
	r->peak_live = run.peak_live;
	finish(r, SMALL_SLOTS);
	return ns;
}

void alloc_bench_run(const struct alloc_ops *ops, const struct alloc_bench_env *env,
		     struct alloc_bench_result out[ALLOC_BENCH_PATTERNS])
{
	for (int i = 0; i < ALLOC_BENCH_PATTERNS; i++) {
		struct alloc_bench_result *r = &out[i];

		memset(r, 0, sizeof(*r));
		r->allocator = ops->name;
		r->pattern = patterns[i].name;
		r->ns = UINT64_MAX;
		for (unsigned rep = 0; rep < (env->repeats ? env->repeats : 1); rep++) {
			uint64_t ns = run_once(ops, env, i, r);

			r->ns = ns < r->ns ? ns : r->ns;
		}
	}
}

/* x/y with one decimal, as "12.3". */
static void decimal(char *buf, size_t len, uint64_t x, uint64_t y)
{
	uint64_t tenths = y ? (x * 10 + y / 2) / y : 0;

	ksnprintf(buf, len, "%llu.%llu", (unsigned long long)(tenths / 10),
		  (unsigned long long)(tenths % 10));
}

void alloc_bench_print_header(const struct alloc_bench_env *env)
{
	env->print("| allocator   | pattern           |     ops | ns/op | peak live KiB "
		   "| footprint KiB | footprint/peak | free-space frag. | failed allocs |");
	env->print("|-------------|-------------------|--------:|------:|--------------:"
		   "|--------------:|---------------:|-----------------:|--------------:|");
}

void alloc_bench_print_result(const struct alloc_bench_env *env,
			      const struct alloc_bench_result *r)
{
	char line[LINE_MAX], nsop[16], ratio[16], over[16] = "-", foot[16] = "-";
	char frag[16] = "-";

	decimal(nsop, sizeof(nsop), r->ns, r->ops);
	if (r->footprint) {
		ksnprintf(foot, sizeof(foot), "%zu", r->footprint / 1024);
		decimal(ratio, sizeof(ratio), r->footprint, r->peak_live);
		ksnprintf(over, sizeof(over), "%sx", ratio);
	}
	if (r->frag_known)
		ksnprintf(frag, sizeof(frag), "%u.%u %%", r->frag_permille / 10,
			  r->frag_permille % 10);
	ksnprintf(line, sizeof(line), "| %-11s | %-17s | %7llu | %5s | %13zu | %13s | %14s | %16s | %13llu |",
		  r->allocator, r->pattern, (unsigned long long)r->ops, nsop,
		  r->peak_live / 1024, foot, over, frag, (unsigned long long)r->failures);
	env->print(line);
}

void alloc_bench_print_speedup(const struct alloc_bench_env *env,
			       const struct alloc_bench_result *a,
			       const struct alloc_bench_result *b)
{
	char line[LINE_MAX], ratio[16];

	/* (b.ns / b.ops) / (a.ns / a.ops) */
	decimal(ratio, sizeof(ratio), b->ns * a->ops / (b->ops ? b->ops : 1), a->ns);
	ksnprintf(line, sizeof(line), "%s is %sx faster than %s on %s", a->allocator,
		  ratio, b->allocator, a->pattern);
	env->print(line);
}

void alloc_bench_table(const struct alloc_bench_env *env,
		       const struct alloc_ops *const ops[], size_t n,
		       struct alloc_bench_result (*results)[ALLOC_BENCH_PATTERNS])
{
	for (size_t d = 0; d < n; d++)
		alloc_bench_run(ops[d], env, results[d]);
	alloc_bench_print_header(env);
	for (size_t d = 0; d < n; d++)
		for (int p = 0; p < ALLOC_BENCH_PATTERNS; p++)
			alloc_bench_print_result(env, &results[d][p]);
	alloc_bench_print_speedup(env, &results[ALLOC_BENCH_FIXED_BLOCK][ALLOC_BENCH_SAME_SIZE_CHURN],
				  &results[ALLOC_BENCH_LINKED_LIST][ALLOC_BENCH_SAME_SIZE_CHURN]);
	alloc_bench_print_speedup(env, &results[ALLOC_BENCH_FIXED_BLOCK][ALLOC_BENCH_SMALL_SIZE_CHURN],
				  &results[ALLOC_BENCH_LINKED_LIST][ALLOC_BENCH_SMALL_SIZE_CHURN]);
}
