/* The functions gcc's and clang's -fsanitize=kernel-address instrumentation
 * calls (the AddressSanitizer ABI as Linux's mm/kasan/ implements it):
 * outlined load and store checks, globals' redzones, alloca redzones,
 * shadow setters for large frames. Built without sanitizers.
 */
#include "san/kasan_internal.h"

#include "lib/string.h"

#define ALLOCA_REDZONE 32       /* the compilers' alloca redzone size */
#define MODULES_MAX    256      /* translation units with globals */

/* A global as the compilers describe it (ASan ABI version 8). */
struct asan_source_location {
	const char *file;
	int line;
	int column;
};

struct asan_global {
	uint64_t start;
	size_t size;
	size_t size_with_redzone;
	const char *name;
	const char *module_name;
	size_t has_dynamic_init;
	const struct asan_source_location *location;
	size_t odr_indicator;
};

static struct {
	const struct asan_global *globals;
	size_t n;
} modules[MODULES_MAX];
static unsigned nmodules;

/* ------------------------------------------------------------------------ */
/* Loads and stores. */

static inline bool in_checked_range(uint64_t a)
{
	for (unsigned i = 0; i < kasan_nranges; i++)
		if (a - kasan_ranges[i].start < kasan_ranges[i].end - kasan_ranges[i].start)
			return true;
	return false;
}

/* Is the access [a, a + n) allowed? The common case, an aligned access to
 * a granule that is all accessible, costs one shadow load. */
static inline bool access_ok(uint64_t a, size_t n)
{
	uint64_t offset = a & (KASAN_GRANULE - 1);
	int8_t s;

	if (offset + n <= KASAN_GRANULE) {
		s = *kasan_shadow(a);
		return s == 0 || (s > 0 && offset + n <= (uint64_t)s);
	}
	return kasan_first_bad(a, n) == 0;
}

static inline void check(uint64_t a, size_t n, bool write, uint64_t pc,
			 const void *frame)
{
	if (kasan_off || n == 0 || !in_checked_range(a))
		return;
	if (!access_ok(a, n))
		kasan_report_access(a, n, write, pc, frame);
}

/* The caller: the instrumented access's pc and its function's frame. */
#define CALLER_PC    ((uint64_t)(uintptr_t)__builtin_return_address(0))
#define CALLER_FRAME (*(void *const *)__builtin_frame_address(0))

#define KASAN_ACCESS(n)                                                      \
	void __asan_load##n##_noabort(uint64_t a);                           \
	void __asan_load##n##_noabort(uint64_t a)                            \
	{                                                                    \
		check(a, n, false, CALLER_PC, CALLER_FRAME);                 \
	}                                                                    \
	void __asan_store##n##_noabort(uint64_t a);                          \
	void __asan_store##n##_noabort(uint64_t a)                           \
	{                                                                    \
		check(a, n, true, CALLER_PC, CALLER_FRAME);                  \
	}                                                                    \
	void __asan_load##n(uint64_t a)                                      \
		__attribute__((alias("__asan_load" #n "_noabort")));         \
	void __asan_store##n(uint64_t a)                                     \
		__attribute__((alias("__asan_store" #n "_noabort")));        \
	void __asan_report_load##n##_noabort(uint64_t a);                    \
	void __asan_report_load##n##_noabort(uint64_t a)                     \
	{                                                                    \
		kasan_report_access(a, n, false, CALLER_PC, CALLER_FRAME);   \
	}                                                                    \
	void __asan_report_store##n##_noabort(uint64_t a);                   \
	void __asan_report_store##n##_noabort(uint64_t a)                    \
	{                                                                    \
		kasan_report_access(a, n, true, CALLER_PC, CALLER_FRAME);    \
	}

KASAN_ACCESS(1)
KASAN_ACCESS(2)
KASAN_ACCESS(4)
KASAN_ACCESS(8)
KASAN_ACCESS(16)

void __asan_loadN_noabort(uint64_t a, size_t n);
void __asan_loadN_noabort(uint64_t a, size_t n)
{
	check(a, n, false, CALLER_PC, CALLER_FRAME);
}

void __asan_storeN_noabort(uint64_t a, size_t n);
void __asan_storeN_noabort(uint64_t a, size_t n)
{
	check(a, n, true, CALLER_PC, CALLER_FRAME);
}

void __asan_loadN(uint64_t a, size_t n) __attribute__((alias("__asan_loadN_noabort")));
void __asan_storeN(uint64_t a, size_t n) __attribute__((alias("__asan_storeN_noabort")));

void __asan_report_load_n_noabort(uint64_t a, size_t n);
void __asan_report_load_n_noabort(uint64_t a, size_t n)
{
	kasan_report_access(a, n, false, CALLER_PC, CALLER_FRAME);
}

void __asan_report_store_n_noabort(uint64_t a, size_t n);
void __asan_report_store_n_noabort(uint64_t a, size_t n)
{
	kasan_report_access(a, n, true, CALLER_PC, CALLER_FRAME);
}

/* ------------------------------------------------------------------------ */
/* Globals: each translation unit's constructor registers its globals; the
 * bytes after each up to its size with redzone are poisoned. */

static void poison_global(const struct asan_global *g)
{
	uint64_t tail = (g->start + g->size + KASAN_GRANULE - 1) &
			~(uint64_t)(KASAN_GRANULE - 1);

	if (!kasan_mapped(g->start, g->size_with_redzone))
		return;
	kasan_unpoison((const void *)(uintptr_t)g->start, g->size);
	kasan_poison((const void *)(uintptr_t)tail,
		     g->start + g->size_with_redzone - tail, KASAN_GLOBAL);
}

void __asan_register_globals(const struct asan_global *globals, size_t n);
void __asan_register_globals(const struct asan_global *globals, size_t n)
{
	for (size_t i = 0; i < n; i++)
		poison_global(&globals[i]);
	if (nmodules < MODULES_MAX) {
		modules[nmodules].globals = globals;
		modules[nmodules].n = n;
		nmodules++;
	}
}

/* The kernel never unloads code: its destructors are discarded. */
void __asan_unregister_globals(const struct asan_global *globals, size_t n);
void __asan_unregister_globals(const struct asan_global *globals, size_t n)
{
	(void)globals;
	(void)n;
}

bool kasan_find_global(uint64_t addr, struct kasan_global_info *out)
{
	for (unsigned m = 0; m < nmodules; m++) {
		for (size_t i = 0; i < modules[m].n; i++) {
			const struct asan_global *g = &modules[m].globals[i];

			if (addr < g->start || addr >= g->start + g->size_with_redzone)
				continue;
			out->start = g->start;
			out->size = g->size;
			out->name = g->name;
			out->file = g->location ? g->location->file : NULL;
			out->line = g->location ? g->location->line : 0;
			return true;
		}
	}
	return false;
}

/* ------------------------------------------------------------------------ */
/* Stacks. */

/* Called before a call to a noreturn function. The frames it abandons keep
 * their poison; the one place that abandons frames, a test runner's resume,
 * clears them itself (kasan_unpoison), as Linux does for its stacks. */
void __asan_handle_no_return(void);
void __asan_handle_no_return(void)
{
}

/* clang: the redzones around an alloca() or a variable-length array. */
void __asan_alloca_poison(uint64_t addr, size_t size);
void __asan_alloca_poison(uint64_t addr, size_t size)
{
	size_t up = (size + KASAN_GRANULE - 1) & ~(size_t)(KASAN_GRANULE - 1);
	size_t padding = ((size + ALLOCA_REDZONE - 1) & ~(size_t)(ALLOCA_REDZONE - 1)) - up;

	kasan_unpoison((const void *)(uintptr_t)addr, size);
	kasan_poison((const void *)(uintptr_t)(addr - ALLOCA_REDZONE), ALLOCA_REDZONE,
		     KASAN_ALLOCA_LEFT);
	kasan_poison((const void *)(uintptr_t)(addr + up), padding + ALLOCA_REDZONE,
		     KASAN_ALLOCA_RIGHT);
}

void __asan_allocas_unpoison(uint64_t top, uint64_t bottom);
void __asan_allocas_unpoison(uint64_t top, uint64_t bottom)
{
	if (top && top <= bottom)
		kasan_unpoison((const void *)(uintptr_t)top, bottom - top);
}

/* clang: large frames set their shadow through these; addr is a shadow
 * address. */
#define KASAN_SET_SHADOW(v)                                                  \
	void __asan_set_shadow_##v(uint64_t addr, size_t size);               \
	void __asan_set_shadow_##v(uint64_t addr, size_t size)                \
	{                                                                    \
		memset((void *)(uintptr_t)addr, 0x##v, size);                \
	}

KASAN_SET_SHADOW(00)
KASAN_SET_SHADOW(f1)
KASAN_SET_SHADOW(f2)
KASAN_SET_SHADOW(f3)
KASAN_SET_SHADOW(f5)
KASAN_SET_SHADOW(f8)

/* ------------------------------------------------------------------------ */
/* Memory functions the compilers may call instead of memcpy & co. */

void *__asan_memcpy(void *dst, const void *src, size_t n);
void *__asan_memcpy(void *dst, const void *src, size_t n)
{
	return memcpy(dst, src, n);
}

void *__asan_memmove(void *dst, const void *src, size_t n);
void *__asan_memmove(void *dst, const void *src, size_t n)
{
	return memmove(dst, src, n);
}

void *__asan_memset(void *dst, int c, size_t n);
void *__asan_memset(void *dst, int c, size_t n)
{
	return memset(dst, c, n);
}
