/* ktest selection: the cases in the ktest_cases section, in a deterministic
 * order (suites by name, cases by file and line, whatever the linker did),
 * shuffled with a seed, filtered by name; and their result names, which are
 * unique and fit KTEST_NAME_MAX.
 */
#include "internal.h"

#define MAX_PARAMS       65536   /* parameters of all cases of an image */
#define DEDUPE_SLOTS     8192    /* one case's parameters, hashed */
#define MAX_CASE_PARAMS  (DEDUPE_SLOTS / 2)
#define PLAN_COLUMNS     100     /* a packed plan line (docs/protocol.md) */

/* Bounds of the ktest_cases section, defined by the linker. Weak: an image
 * without cases links. */
extern const struct ktest_case *const __start_ktest_cases[] __attribute__((weak));
extern const struct ktest_case *const __stop_ktest_cases[] __attribute__((weak));

struct selection sel;

static const struct ktest_case *scratch[KTEST_MAX_CASES];
static uint32_t param_base[KTEST_MAX_CASES];   /* first of its parameters */
static uint8_t duplicate[MAX_PARAMS / 8];      /* bit set: renamed */
static uint64_t dedupe[DEDUPE_SLOTS];          /* hash << 16 | index + 1 */
static uint64_t rng_state;

/* ------------------------------------------------------------------------ */
/* Names. */

const void *select_param_at(const struct ktest_case *c, size_t i)
{
	return (const char *)c->params->table + i * c->params->size;
}

static void append(char *dst, size_t cap, const char *s)
{
	size_t n = kt_strlen(dst);

	while (*s && n + 1 < cap)
		dst[n++] = *s++;
	dst[n] = '\0';
}

void select_case_name(const struct ktest_case *c, bool with_suite, char *name)
{
	name[0] = '\0';
	if (with_suite) {
		append(name, KTEST_NAME_MAX + 1, c->suite->name);
		append(name, KTEST_NAME_MAX + 1, ".");
	}
	append(name, KTEST_NAME_MAX + 1, c->name);
}

/* A description may hold printable ASCII but for '#' (a directive), '[',
 * ']' and '\\'; spaces only inside it. Anything else becomes '_'. */
static void clean_description(char *d)
{
	size_t n = kt_strlen(d);

	for (size_t i = 0; i < n; i++) {
		char ch = d[i];

		if (ch < 0x20 || ch >= 0x7f || ch == '#' || ch == '[' ||
		    ch == ']' || ch == '\\' ||
		    (ch == ' ' && (i == 0 || i + 1 == n)))
			d[i] = '_';
	}
}

/* The description of parameter i as results show it: the user's text (or
 * the index), cleaned, cut to fit the name limit, "~i" if renamed. */
static void describe(uint32_t ci, size_t i, char *desc)
{
	const struct ktest_case *c = sel.cases[ci];
	size_t room = KTEST_NAME_MAX - kt_strlen(c->suite->name) -
		      kt_strlen(c->name) - 3;
	uint32_t at = param_base[ci] + (uint32_t)i;
	char index[24];

	desc[0] = '\0';
	if (c->params->describe)
		c->params->describe(select_param_at(c, i), desc, KTEST_DESC_MAX);
	desc[KTEST_DESC_MAX - 1] = '\0';
	kt_format(index, sizeof index, "%zu", i);
	if (!desc[0])
		kt_strlcpy(desc, index, KTEST_DESC_MAX);
	clean_description(desc);
	if (duplicate[at / 8] & (1u << (at % 8))) {
		room -= kt_strlen(index) + 1;
		desc[room < KTEST_DESC_MAX - 8 ? room : KTEST_DESC_MAX - 8] = '\0';
		append(desc, KTEST_DESC_MAX, "~");
		append(desc, KTEST_DESC_MAX, index);
	} else if (room < KTEST_DESC_MAX) {
		desc[room] = '\0';
	}
}

bool select_param(uint32_t ci, size_t i, bool with_suite, char *name)
{
	const struct ktest_case *c = sel.cases[ci];
	char desc[KTEST_DESC_MAX];
	char full[KTEST_NAME_MAX + 1];

	describe(ci, i, desc);
	select_case_name(c, true, full);
	if (!options_filter_matches(full)) {
		append(full, sizeof full, "[");
		append(full, sizeof full, desc);
		append(full, sizeof full, "]");
		if (!options_filter_matches(full))
			return false;
	}
	select_case_name(c, with_suite, name);
	append(name, KTEST_NAME_MAX + 1, "[");
	append(name, KTEST_NAME_MAX + 1, desc);
	append(name, KTEST_NAME_MAX + 1, "]");
	return true;
}

/* ------------------------------------------------------------------------ */
/* Order: suites by name, cases by (file, line), then an optional shuffle. */

/* String literals of one file share storage: the pointer test settles most
 * comparisons without walking the text. */
static int name_cmp(const char *a, const char *b)
{
	return a == b ? 0 : kt_strcmp(a, b);
}

static bool case_before(const struct ktest_case *a, const struct ktest_case *b)
{
	int d = name_cmp(a->suite->name, b->suite->name);

	if (d != 0)
		return d < 0;
	if (a->suite != b->suite)
		return (uintptr_t)a->suite < (uintptr_t)b->suite;
	d = name_cmp(a->file, b->file);
	if (d != 0)
		return d < 0;
	if (a->line != b->line)
		return a->line < b->line;
	return name_cmp(a->name, b->name) < 0;
}

/* Merge the sorted runs from[lo, mid) and from[mid, hi) into to[lo, hi). */
static void merge(const struct ktest_case **from, const struct ktest_case **to,
		  uint32_t lo, uint32_t mid, uint32_t hi)
{
	uint32_t i = lo, j = mid;

	for (uint32_t k = lo; k < hi; k++) {
		if (j < hi && (i == mid || case_before(from[j], from[i])))
			to[k] = from[j++];
		else
			to[k] = from[i++];
	}
}

/* Bottom-up merge sort: O(n log n) whatever order the linker left the
 * section in (some compilers emit a file's cases last to first). */
static void sort_cases(void)
{
	const struct ktest_case **from = sel.cases, **to = scratch, **tmp;
	uint32_t n = sel.ncases;

	for (uint32_t width = 1; width < n; width *= 2) {
		for (uint32_t lo = 0; lo < n; lo += 2 * width) {
			uint32_t mid = lo + width < n ? lo + width : n;
			uint32_t hi = mid + width < n ? mid + width : n;

			merge(from, to, lo, mid, hi);
		}
		tmp = from;
		from = to;
		to = tmp;
	}
	for (uint32_t i = 0; from != sel.cases && i < n; i++)
		sel.cases[i] = from[i];
}

static bool collect(void)
{
	const struct ktest_case *const *it = __start_ktest_cases;

	sel.ncases = 0;
	if (!__start_ktest_cases || !__stop_ktest_cases)
		return true;
	for (; it < __stop_ktest_cases; it++) {
		if (!*it)
			continue;               /* padding, if a linker adds any */
		if (sel.ncases == KTEST_MAX_CASES) {
			ktest_say("%s: more than %d cases in this image", KTEST_SAY_ERROR,
				  KTEST_MAX_CASES);
			return false;
		}
		sel.cases[sel.ncases++] = *it;
	}
	sort_cases();
	return true;
}

static void build_groups(void)
{
	sel.ngroups = 0;
	for (uint32_t i = 0; i < sel.ncases; i++) {
		if (i == 0 || sel.cases[i]->suite != sel.cases[i - 1]->suite)
			sel.groups[sel.ngroups++] = (struct group){ i, 0 };
		sel.groups[sel.ngroups - 1].count++;
	}
}

/* splitmix64: tiny, and the same sequence on every machine. */
static uint32_t rng_below(uint32_t n)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (uint32_t)((z ^ (z >> 31)) % n);
}

/* Fisher-Yates over the cases of each suite, then over the suites. */
static void shuffle(uint64_t seed)
{
	rng_state = seed;
	for (uint32_t g = 0; g < sel.ngroups; g++) {
		const struct ktest_case **c = &sel.cases[sel.groups[g].first];

		for (uint32_t i = sel.groups[g].count; i > 1; i--) {
			const struct ktest_case *tmp = c[i - 1];
			uint32_t j = rng_below(i);

			c[i - 1] = c[j];
			c[j] = tmp;
		}
	}
	for (uint32_t i = sel.ngroups; i > 1; i--) {
		struct group tmp = sel.groups[i - 1];
		uint32_t j = rng_below(i);

		sel.groups[i - 1] = sel.groups[j];
		sel.groups[j] = tmp;
	}
}

/* ------------------------------------------------------------------------ */
/* Parameter names seen twice in one case are renamed "desc~index". */

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ULL;
	return h;
}

/* Is desc the description of an earlier parameter of case ci? */
static bool seen(uint32_t ci, const char *desc, size_t i)
{
	uint64_t h = fnv1a(desc) << 16;
	size_t slot = (size_t)(h >> 16) % DEDUPE_SLOTS;
	char other[KTEST_DESC_MAX];

	for (; dedupe[slot]; slot = (slot + 1) % DEDUPE_SLOTS) {
		if ((dedupe[slot] & ~0xffffULL) != (h & ~0xffffULL))
			continue;
		describe(ci, (dedupe[slot] & 0xffff) - 1, other);
		if (kt_strcmp(desc, other) == 0)
			return true;
	}
	dedupe[slot] = (h & ~0xffffULL) | (i + 1);
	return false;
}

/* Mark the renamed parameters of every case; false (reported) when the
 * image holds more parameters than the runner can name. */
static bool find_duplicates(void)
{
	uint32_t total = 0;
	char desc[KTEST_DESC_MAX];

	for (uint32_t ci = 0; ci < sel.ncases; ci++) {
		size_t count = sel.cases[ci]->params ? sel.cases[ci]->params->count : 0;

		param_base[ci] = total;
		if (count > MAX_CASE_PARAMS || total + count > MAX_PARAMS) {
			ktest_say("%s: too many parameters in %s.%s", KTEST_SAY_ERROR,
				  sel.cases[ci]->suite->name, sel.cases[ci]->name);
			return false;
		}
		total += (uint32_t)count;
		for (size_t s = 0; s < DEDUPE_SLOTS && count; s++)
			dedupe[s] = 0;
		for (size_t i = 0; i < count; i++) {
			describe(ci, i, desc);
			if (seen(ci, desc, i)) {
				duplicate[(param_base[ci] + i) / 8] |= (uint8_t)(1u << ((param_base[ci] + i) % 8));
				sel.duplicates++;
			}
		}
	}
	return true;
}

/* ------------------------------------------------------------------------ */
/* Selection. */

/* Results case ci gives under the filter: 0 when not selected. A
 * parameterized case with an empty table gives one result (a skip). */
static uint32_t count_results(uint32_t ci)
{
	const struct ktest_case *c = sel.cases[ci];
	char name[KTEST_NAME_MAX + 1];
	uint32_t n = 0;

	if (!c->params || c->params->count == 0) {
		select_case_name(c, true, name);
		return options_filter_matches(name) ? 1 : 0;
	}
	for (size_t i = 0; i < c->params->count; i++)
		n += select_param(ci, i, true, name);
	return n;
}

uint32_t select_group_results(const struct group *g)
{
	uint32_t n = 0;

	for (uint32_t i = g->first; i < g->first + g->count; i++)
		n += sel.results[i];
	return n;
}

bool select_cases(void)
{
	sel.duplicates = 0;
	if (!collect())
		return false;
	build_groups();
	if (opt.seed)
		shuffle(opt.seed);
	if (!find_duplicates())
		return false;
	sel.selected_cases = sel.selected_suites = 0;
	for (uint32_t i = 0; i < sel.ncases; i++) {
		sel.results[i] = count_results(i);
		sel.selected_cases += sel.results[i] > 0;
	}
	for (uint32_t g = 0; g < sel.ngroups; g++)
		sel.selected_suites += select_group_results(&sel.groups[g]) > 0;
	return true;
}

unsigned select_budget_ms(const struct ktest_case *c)
{
	return c->slow ? opt.timeout_ms * KTEST_SLOW_FACTOR : opt.timeout_ms;
}

/* ------------------------------------------------------------------------ */
/* Printing the selection. */

/* A plan line being packed: "# plan: suite.a b c". */
struct packer {
	char text[PLAN_COLUMNS + KTEST_NAME_MAX + 1];
	const struct ktest_suite *suite;
};

static void pack_flush(struct packer *p, const char *tag)
{
	if (p->suite)
		out_diag(tag, "%s", p->text);
	p->suite = NULL;
}

/* Add a plain case to the packed line, or emit it and start a new one. */
static void pack_add(struct packer *p, const char *tag,
		     const struct ktest_case *c)
{
	const size_t prefix = sizeof(KTEST_DIAG ": ") - 1 + kt_strlen(tag);
	size_t n = kt_strlen(c->name);

	if (p->suite == c->suite &&
	    prefix + kt_strlen(p->text) + 1 + n <= PLAN_COLUMNS) {
		append(p->text, sizeof p->text, " ");
		append(p->text, sizeof p->text, c->name);
		return;
	}
	pack_flush(p, tag);
	select_case_name(c, true, p->text);
	p->suite = c->suite;
}

static void print_case(struct packer *p, const char *tag, bool pack, uint32_t ci)
{
	const struct ktest_case *c = sel.cases[ci];
	char name[KTEST_NAME_MAX + 1];

	if (!c->params || c->params->count == 0) {
		if (pack) {
			pack_add(p, tag, c);
			return;
		}
		pack_flush(p, tag);
		select_case_name(c, true, name);
		out_diag(tag, "%s", name);
		return;
	}
	pack_flush(p, tag);
	for (size_t i = 0; i < c->params->count; i++)
		if (select_param(ci, i, true, name))
			out_diag(tag, "%s", name);
}

static void print_budgets(void)
{
	char name[KTEST_NAME_MAX + 1];

	for (uint32_t ci = 0; ci < sel.ncases; ci++) {
		if (!sel.results[ci] || select_budget_ms(sel.cases[ci]) == opt.timeout_ms)
			continue;
		select_case_name(sel.cases[ci], true, name);
		out_diag(KTEST_TAG_BUDGET, "%s %u ms", name,
			 select_budget_ms(sel.cases[ci]));
	}
}

void select_print(const char *tag, bool pack)
{
	struct packer p = { .suite = NULL };

	for (uint32_t g = 0; g < sel.ngroups; g++) {
		const struct group *gr = &sel.groups[g];

		for (uint32_t ci = gr->first; ci < gr->first + gr->count; ci++)
			if (sel.results[ci])
				print_case(&p, tag, pack, ci);
	}
	pack_flush(&p, tag);
	print_budgets();
}
