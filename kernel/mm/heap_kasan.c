/* The heap's KASAN layer, around whichever allocator design is behind
 * kmalloc (as Linux's kasan_kmalloc/kasan_slab_free wrap its slabs): a block
 * from the design holds a left redzone whose last 16 bytes are the
 * object's metadata, the object, and a right redzone up to the block's end.
 * kfree poisons the object and holds the block in a quarantine, a FIFO
 * bounded in blocks and to an eighth of the heap (so that delayed reuse
 * still keeps the heap from growing), before the design gets it back: a use
 * after free hits poisoned memory. A design that reuses nothing freed
 * (bump) gets the block back at once, poisoned: a quarantine would keep it
 * from ever starting its arena over. Built with the KASAN runtime, without
 * instrumentation: it reads the redzones it poisons.
 */
#include "mm/heap_kasan.h"

#include "panic.h"
#include "san/kasan_internal.h"

#define RIGHT_MIN         16         /* right redzone bytes, at least ... */
#define RIGHT_MAX         2048       /* ... and at most (about size / 8) */
#define RIGHT_SIZE_RATIO  8
#define QUARANTINE_SLOTS  1024
#define QUARANTINE_SHARE  8          /* at most this fraction of the heap */
#define SCAN_MAX          (1024 * 1024 / KASAN_GRANULE) /* a report's search */

/* Right in front of the object, in its left redzone. */
struct heap_meta {
	uint32_t size;          /* bytes asked for (at most HEAP_MAX_SIZE) */
	uint32_t left;          /* left redzone bytes: the block's alignment */
	uint32_t alloc_trace;   /* stack depot handles */
	uint32_t free_trace;
};

_Static_assert(sizeof(struct heap_meta) == ALLOC_ALIGN, "metadata fills the "
	       "smallest left redzone");
_Static_assert(HEAP_MAX_SIZE <= UINT32_MAX, "sizes fit the metadata");

static struct {
	void *raw[QUARANTINE_SLOTS];
	size_t bytes[QUARANTINE_SLOTS];   /* what each holds of the design */
	unsigned head, count;
	size_t total;
} quarantine;

static size_t round_granule(size_t n)
{
	return (n + KASAN_GRANULE - 1) & ~(size_t)(KASAN_GRANULE - 1);
}

static size_t right_redzone(size_t size)
{
	size_t rz = RIGHT_MIN;

	while (rz < RIGHT_MAX && rz * RIGHT_SIZE_RATIO < size)
		rz *= 2;
	return rz;
}

static struct heap_meta *meta_of(const void *p)
{
	return (struct heap_meta *)((uintptr_t)p - sizeof(struct heap_meta));
}

void *heap_kasan_alloc(size_t size, size_t align, const void *frame)
{
	size_t left = alloc_effective_align(align);
	size_t body = alloc_align_up(size, ALLOC_ALIGN), usable;
	uint8_t *raw = heap_raw_alloc(left + body + right_redzone(size), left);
	uint8_t *p;

	if (!raw)
		return NULL;
	p = raw + left;
	usable = heap_raw_usable_size(raw);
	*meta_of(p) = (struct heap_meta){ .size = (uint32_t)size,
					  .left = (uint32_t)left,
					  .alloc_trace = kasan_save_trace(frame) };
	kasan_poison(raw, left, KASAN_HEAP_LEFT);
	kasan_unpoison(p, size);
	kasan_poison(p + round_granule(size), usable - left - round_granule(size),
		     KASAN_HEAP_RIGHT);
	return p;
}

static bool is_freed(const void *p)
{
	return (uint8_t)*kasan_shadow((uint64_t)(uintptr_t)p) == KASAN_HEAP_FREED;
}

/* The metadata of the object p (live, in quarantine, or freed to a design
 * that does not reuse it) and its block, or NULL when p is not an object
 * start this layer handed out. */
static struct heap_meta *object_at(const void *p, void **raw)
{
	enum alloc_ptr_state state;
	uint64_t a = (uint64_t)(uintptr_t)p;
	struct heap_meta *m = meta_of(p);

	if (a % ALLOC_ALIGN || a < HEAP_START + sizeof(*m) ||
	    !kasan_mapped(a - sizeof(*m), sizeof(*m)) ||
	    (uint8_t)*kasan_shadow(a - 1) != KASAN_HEAP_LEFT)
		return NULL;
	if (!alloc_is_pow2(m->left) || m->left < ALLOC_ALIGN ||
	    m->left > ALLOC_MAX_ALIGN || a - m->left < HEAP_START)
		return NULL;
	*raw = (void *)(uintptr_t)(a - m->left);
	if (is_freed(p) && !heap_raw_reuses_freed())
		return m;       /* freed to bump, which may have started over */
	state = heap_raw_validate(*raw);
	if (state != ALLOC_PTR_LIVE ||
	    heap_raw_usable_size(*raw) < (size_t)m->left + m->size)
		return NULL;
	return m;
}

/* Give the oldest quarantined block back to the design, readable again
 * (the design keeps its free lists in freed blocks). */
static void release_oldest(void)
{
	unsigned i = quarantine.head;
	void *raw = quarantine.raw[i];

	quarantine.head = (i + 1) % QUARANTINE_SLOTS;
	quarantine.count--;
	quarantine.total -= quarantine.bytes[i];
	kasan_unpoison(raw, heap_raw_usable_size(raw));
	heap_raw_free(raw);
}

static void quarantine_put(void *raw)
{
	size_t bytes = heap_raw_usable_size(raw) + sizeof(struct alloc_header);
	size_t limit = heap_raw_mapped() / QUARANTINE_SHARE;
	unsigned slot;

	while (quarantine.count == QUARANTINE_SLOTS ||
	       (quarantine.count && quarantine.total + bytes > limit))
		release_oldest();
	slot = (quarantine.head + quarantine.count) % QUARANTINE_SLOTS;
	quarantine.raw[slot] = raw;
	quarantine.bytes[slot] = bytes;
	quarantine.count++;
	quarantine.total += bytes;
}

void heap_kasan_free(void *p, const void *frame)
{
	struct heap_meta *m;
	void *raw;

	if (!p)
		return;
	m = object_at(p, &raw);
	if (!m || is_freed(p)) {
		kasan_report_free((uint64_t)(uintptr_t)p, m != NULL, frame);
		if (m)
			panic("heap: double free of %p", p);
		panic("heap: free of %p, which is not a live heap object (never "
		      "given out, freed long ago, or its redzone overwritten)", p);
	}
	m->free_trace = kasan_save_trace(frame);
	kasan_poison(p, m->size ? round_granule(m->size) : KASAN_GRANULE,
		     KASAN_HEAP_FREED);
	if (heap_raw_reuses_freed())
		quarantine_put(raw);
	else
		heap_raw_free(raw);     /* poisoned until the arena starts over */
}

/* The live object p's metadata; panics for anything else. */
static struct heap_meta *live_object(const void *p)
{
	void *raw;
	struct heap_meta *m = object_at(p, &raw);

	if (!m || is_freed(p))
		panic("heap: %p is not a live heap object", p);
	return m;
}

size_t heap_kasan_usable_size(const void *p)
{
	return live_object(p)->size;
}

bool heap_kasan_resize(void *p, size_t size)
{
	(void)size;
	live_object(p);
	return false;
}

void heap_kasan_stats(struct heap_stats *s)
{
	s->alloc.live -= quarantine.count;
	s->alloc.used_bytes -= quarantine.total;
	s->alloc.frees += quarantine.count;
	s->quarantined_bytes = quarantine.total;
}

/* ------------------------------------------------------------------------ */
/* Finding the object of a bad address, for a report. */

static bool heap_shadow(uint64_t a)
{
	return a >= HEAP_START && kasan_mapped(a, KASAN_GRANULE);
}

/* The object start a redzone or body granule at a belongs to, or 0: in a
 * left redzone, the object follows it; anywhere else, the object begins
 * right after the nearest left redzone below. */
static uint64_t object_start(uint64_t a)
{
	bool in_left = (uint8_t)*kasan_shadow(a) == KASAN_HEAP_LEFT;

	a &= ~(uint64_t)(KASAN_GRANULE - 1);
	for (unsigned i = 0; in_left && i < SCAN_MAX; i++) {
		a += KASAN_GRANULE;
		if (!heap_shadow(a))
			return 0;
		if ((uint8_t)*kasan_shadow(a) != KASAN_HEAP_LEFT)
			return a;
	}
	if (in_left)
		return 0;
	for (unsigned i = 0; i < SCAN_MAX; i++) {
		if (!heap_shadow(a - KASAN_GRANULE))
			return 0;
		if ((uint8_t)*kasan_shadow(a - KASAN_GRANULE) == KASAN_HEAP_LEFT)
			return a;
		a -= KASAN_GRANULE;
	}
	return 0;
}

bool heap_kasan_object(uint64_t addr, struct heap_object *out)
{
	uint64_t start;
	struct heap_meta *m;
	void *raw;

	if (!heap_shadow(addr))
		return false;
	start = object_start(addr);
	m = start ? object_at((const void *)(uintptr_t)start, &raw) : NULL;
	if (!m)
		return false;
	*out = (struct heap_object){ .start = start, .size = m->size,
				     .alloc_trace = m->alloc_trace,
				     .free_trace = m->free_trace,
				     .freed = is_freed((const void *)(uintptr_t)start) };
	return true;
}
