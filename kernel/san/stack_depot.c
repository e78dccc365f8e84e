/* Stack depot (after Linux's lib/stackdepot.c): the stack traces of heap
 * allocations and frees, each kept once in a fixed table and named by a
 * 32-bit handle that fits in a block's KASAN metadata. Built without
 * sanitizers. Callers serialise (the heap masks interrupts).
 */
#include "san/kasan_internal.h"
#include "san/report.h"

#define DEPOT_SLOTS   1024u            /* traces kept at most; a power of two */
#define FNV_OFFSET    0xcbf29ce484222325ull
#define FNV_PRIME     0x100000001b3ull

struct depot_trace {
	uint64_t hash;
	int n;                           /* 0: a free slot */
	uint64_t pcs[SAN_TRACE_DEPTH];
};

static struct depot_trace depot[DEPOT_SLOTS];

static uint64_t hash_of(const uint64_t *pcs, int n)
{
	uint64_t h = FNV_OFFSET;

	for (int i = 0; i < n; i++)
		h = (h ^ pcs[i]) * FNV_PRIME;
	return h;
}

static bool same(const struct depot_trace *t, uint64_t h, const uint64_t *pcs, int n)
{
	if (t->hash != h || t->n != n)
		return false;
	for (int i = 0; i < n; i++)
		if (t->pcs[i] != pcs[i])
			return false;
	return true;
}

uint32_t kasan_save_trace(const void *frame)
{
	uint64_t pcs[SAN_TRACE_DEPTH], h;
	int n = san_trace_collect(frame, pcs);
	uint32_t slot;

	if (n == 0)
		return 0;
	h = hash_of(pcs, n);
	slot = (uint32_t)h & (DEPOT_SLOTS - 1);
	for (uint32_t probes = 0; probes < DEPOT_SLOTS; probes++) {
		struct depot_trace *t = &depot[slot];

		if (t->n == 0) {
			t->hash = h;
			t->n = n;
			for (int i = 0; i < n; i++)
				t->pcs[i] = pcs[i];
			return slot + 1;
		}
		if (same(t, h, pcs, n))
			return slot + 1;
		slot = (slot + 1) & (DEPOT_SLOTS - 1);
	}
	return 0;       /* full: the object is reported without this trace */
}

int kasan_fetch_trace(uint32_t handle, const uint64_t **pcs)
{
	if (handle == 0 || handle > DEPOT_SLOTS)
		return 0;
	*pcs = depot[handle - 1].pcs;
	return depot[handle - 1].n;
}
