/* KASAN reports, in the shape of Linux's mm/kasan/report.c: the kind of bad
 * access (from the shadow of its first bad byte), where it happened with a
 * symbolized backtrace, and the object it hit: a heap object with where it
 * was allocated and freed, a global, or a stack variable (from the frame
 * description the compilers leave at the bottom of each frame).
 * Built without sanitizers.
 */
#include "san/kasan_internal.h"

#include "console.h"
#include "lib/printf.h"
#include "lib/symbols.h"
#include "mm/heap_kasan.h"
#include "san/report.h"

#define RULE "=================================================================="
#define FRAME_MAGIC     0x41b58ab3u     /* ASan's "current frame" marker */
#define FRAME_SCAN_MAX  (64 * 1024 / KASAN_GRANULE)  /* one stack's shadow */
#define NAME_MAX_SHOWN  48

/* The ASan name of what the shadow says about addr. A partial granule's
 * kind is that of the granule after it. */
static const char *kind_of(uint64_t addr)
{
	int8_t s = *kasan_shadow(addr);

	if (s > 0 && s < KASAN_GRANULE)
		s = *kasan_shadow(addr + KASAN_GRANULE);
	switch ((uint8_t)s) {
	case KASAN_HEAP_LEFT:
	case KASAN_HEAP_RIGHT:    return "heap-buffer-overflow";
	case KASAN_HEAP_FREED:    return "heap-use-after-free";
	case KASAN_GLOBAL:        return "global-buffer-overflow";
	case KASAN_STACK_LEFT:    return "stack-buffer-underflow";
	case KASAN_STACK_MID:
	case KASAN_STACK_RIGHT:   return "stack-buffer-overflow";
	case KASAN_STACK_RETURN:  return "stack-use-after-return";
	case KASAN_STACK_SCOPE:   return "stack-use-after-scope";
	case KASAN_ALLOCA_LEFT:
	case KASAN_ALLOCA_RIGHT:  return "dynamic-stack-buffer-overflow";
	default:                  return "unknown-crash";
	}
}

/* "12 bytes to the right of", "inside", "3 bytes to the left of" */
static void where_in(uint64_t addr, uint64_t start, size_t size, char *buf,
		     size_t len)
{
	if (addr < start)
		ksnprintf(buf, len, "%llu bytes to the left of",
			  (unsigned long long)(start - addr));
	else if (addr >= start + size)
		ksnprintf(buf, len, "%llu bytes to the right of",
			  (unsigned long long)(addr - start - size));
	else
		ksnprintf(buf, len, "%llu bytes inside",
			  (unsigned long long)(addr - start));
}

static void print_stored_trace(const char *what, uint32_t handle)
{
	const uint64_t *pcs;
	int n = kasan_fetch_trace(handle, &pcs);

	kprintf("%s:\n", what);
	if (n)
		san_print_trace(pcs, n);
	else
		kprintf("  (no trace recorded)\n");
}

static bool describe_heap(uint64_t addr, char *obj, size_t len)
{
	struct heap_object o;
	char rel[48];

	if (!heap_kasan_object(addr, &o))
		return false;
	where_in(addr, o.start, o.size, rel, sizeof rel);
	ksnprintf(obj, len, "%s the %zu-byte heap object at 0x%llx%s", rel,
		  o.size, (unsigned long long)o.start, o.freed ? " (freed)" : "");
	kprintf("The address is %s\n", obj);
	print_stored_trace("Allocated by", o.alloc_trace);
	if (o.freed)
		print_stored_trace("Freed by", o.free_trace);
	return true;
}

static bool describe_global(uint64_t addr, char *obj, size_t len)
{
	struct kasan_global_info g;
	char rel[48];

	if (!kasan_find_global(addr, &g))
		return false;
	where_in(addr, g.start, g.size, rel, sizeof rel);
	ksnprintf(obj, len, "%s global '%.*s' of %zu bytes (%s:%d)", rel,
		  NAME_MAX_SHOWN, g.name, g.size, san_path(g.file), g.line);
	kprintf("The address is %s\n", obj);
	return true;
}

/* ------------------------------------------------------------------------ */
/* Stack variables: an instrumented frame starts, at its lowest address, with
 * FRAME_MAGIC, its description "N off size len name[:line] ..." and its
 * function's pc; its left redzone's shadow (KASAN_STACK_LEFT) begins there. */

struct frame_var {
	uint64_t offset, size;
	const char *name;
	uint64_t name_len;
};

static const char *read_number(const char *s, uint64_t *v)
{
	*v = 0;
	while (*s == ' ')
		s++;
	if (*s < '0' || *s > '9')
		return NULL;
	while (*s >= '0' && *s <= '9')
		*v = *v * 10 + (uint64_t)(*s++ - '0');
	return s;
}

/* The variable of the description closest to offset rel of the frame. */
static bool nearest_var(const char *d, uint64_t rel, struct frame_var *best)
{
	uint64_t n, best_gap = UINT64_MAX;

	d = read_number(d, &n);
	for (uint64_t i = 0; d && i < n; i++) {
		struct frame_var v;
		uint64_t gap;

		d = read_number(d, &v.offset);
		d = d ? read_number(d, &v.size) : NULL;
		d = d ? read_number(d, &v.name_len) : NULL;
		if (!d || *d++ != ' ')
			return false;
		v.name = d;
		d += v.name_len;
		gap = rel < v.offset ? v.offset - rel :
		      rel >= v.offset + v.size ? rel - (v.offset + v.size) + 1 : 0;
		if (gap < best_gap) {
			best_gap = gap;
			*best = v;
		}
	}
	return best_gap != UINT64_MAX;
}

/* The variable's name without the ":line" the compilers add to it. */
static int name_length(const struct frame_var *v)
{
	uint64_t n = 0;

	while (n < v->name_len && n < NAME_MAX_SHOWN && v->name[n] != ':')
		n++;
	return (int)n;
}

/* The base of the instrumented frame addr lies in, or 0. */
static uint64_t frame_base(uint64_t addr)
{
	uint64_t a = addr & ~(uint64_t)(KASAN_GRANULE - 1);

	for (unsigned i = 0; i < FRAME_SCAN_MAX; i++, a -= KASAN_GRANULE) {
		if (!kasan_mapped(a - KASAN_GRANULE, 3 * sizeof(uint64_t)))
			return 0;
		if ((uint8_t)*kasan_shadow(a) == KASAN_STACK_LEFT &&
		    (uint8_t)*kasan_shadow(a - KASAN_GRANULE) != KASAN_STACK_LEFT)
			return *(const uint64_t *)(uintptr_t)a == FRAME_MAGIC ? a : 0;
	}
	return 0;
}

static bool describe_stack(uint64_t addr, char *obj, size_t len)
{
	uint64_t base = frame_base(addr), off;
	const uint64_t *rec = (const uint64_t *)(uintptr_t)base;
	struct frame_var v;
	const char *fn;
	char rel[48];

	if (!base || !nearest_var((const char *)(uintptr_t)rec[1], addr - base, &v))
		return false;
	if (!symbols_lookup(rec[2], &fn, &off))
		fn = "?";
	where_in(addr - base, v.offset, v.size, rel, sizeof rel);
	ksnprintf(obj, len, "%s variable '%.*s' of %llu bytes in the frame of %s",
		  rel, name_length(&v), v.name, (unsigned long long)v.size, fn);
	kprintf("The address is %s\n", obj);
	return true;
}

/* ------------------------------------------------------------------------ */
/* Reports. */

static void symbol_of(uint64_t pc, char *buf, size_t len)
{
	const char *name;
	uint64_t off;

	if (symbols_lookup(pc, &name, &off))
		ksnprintf(buf, len, "%s+0x%llx", name, (unsigned long long)off);
	else
		ksnprintf(buf, len, "0x%llx", (unsigned long long)pc);
}

void kasan_report_access(uint64_t addr, size_t size, bool write, uint64_t pc,
			 const void *frame)
{
	uint64_t bad = kasan_first_bad(addr, size), flags;
	char fn[96], obj[SAN_WHAT_MAX], what[SAN_WHAT_MAX];
	const char *kind;

	if (!san_report_begin((const void *)(uintptr_t)pc, false, &flags))
		return;
	bad = bad ? bad : addr;
	kind = kind_of(bad);
	symbol_of(pc - 1, fn, sizeof fn);
	kprintf(RULE "\nKASAN: %s in %s\n", kind, fn);
	kprintf("%s of size %zu at address 0x%llx\n", write ? "Write" : "Read",
		size, (unsigned long long)addr);
	san_print_backtrace(pc - 1, frame);
	obj[0] = '\0';
	if (!describe_heap(bad, obj, sizeof obj) &&
	    !describe_global(bad, obj, sizeof obj))
		describe_stack(bad, obj, sizeof obj);
	kprintf(RULE "\n");
	ksnprintf(what, sizeof what, "KASAN: %s: %s of size %zu at 0x%llx in %s%s%s",
		  kind, write ? "write" : "read", size, (unsigned long long)addr,
		  fn, obj[0] ? ", " : "", obj);
	san_report_end(flags, what, false);
}

void kasan_report_free(uint64_t addr, bool double_free, const void *frame)
{
	uint64_t pcs[SAN_TRACE_DEPTH], flags;
	char obj[SAN_WHAT_MAX];
	int n;

	if (!san_report_begin((const void *)(uintptr_t)addr, true, &flags))
		return;
	kprintf(RULE "\nKASAN: %s of 0x%llx\n", double_free ? "double-free" :
		"invalid-free", (unsigned long long)addr);
	n = san_trace_collect(frame, pcs);
	san_print_trace(pcs, n);
	if (!describe_heap(addr, obj, sizeof obj))
		kprintf("The address is not a heap object the heap gave out\n");
	kprintf(RULE "\n");
	san_report_end(flags, NULL, false);
}
