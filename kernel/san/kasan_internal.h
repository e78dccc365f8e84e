/* KASAN runtime internals shared by san/kasan.c (shadow, checks, globals),
 * san/kasan_report.c (reports) and mm/heap_kasan.c (the heap's redzones).
 * The shadow byte values follow Linux's mm/kasan/kasan.h and what the
 * compilers write for stacks.
 */
#ifndef SAN_KASAN_INTERNAL_H
#define SAN_KASAN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "san/kasan.h"

#ifndef KASAN_SHADOW_OFFSET
#error "KASAN_SHADOW_OFFSET comes from meson (the compilers get the same value)"
#endif

#define KASAN_GRANULE        8          /* bytes per shadow byte */
#define KASAN_GRANULE_SHIFT  3

/* Shadow values: 0 = the whole granule accessible, 1..7 = its first N
 * bytes; negative (as int8_t) = none, and why. */
#define KASAN_HEAP_LEFT      0xfa       /* a heap block's left redzone */
#define KASAN_HEAP_FREED     0xfb       /* a freed heap block (quarantine) */
#define KASAN_HEAP_RIGHT     0xfc       /* a heap block's right redzone */
#define KASAN_GLOBAL         0xf9       /* a global's redzone */
#define KASAN_STACK_LEFT     0xf1       /* compiler-written stack redzones */
#define KASAN_STACK_MID      0xf2
#define KASAN_STACK_RIGHT    0xf3
#define KASAN_STACK_RETURN   0xf5       /* a frame that has returned */
#define KASAN_STACK_SCOPE    0xf8       /* a variable out of its scope */
#define KASAN_ALLOCA_LEFT    0xca       /* redzones of alloca() / VLAs */
#define KASAN_ALLOCA_RIGHT   0xcb

/* The checked ranges: shadow mapped, every access checked once
 * kasan_ready. Updated with interrupts masked, read by every check. */
#define KASAN_RANGES_MAX     8
struct kasan_range {
	uint64_t start, end;
};
extern struct kasan_range kasan_ranges[KASAN_RANGES_MAX];
extern unsigned kasan_nranges;
/* Nonzero: no checks (before kasan_init(), while reporting, while the heap
 * is in its design). */
extern unsigned kasan_off;

static inline int8_t *kasan_shadow(uint64_t addr)
{
	return (int8_t *)(uintptr_t)((addr >> KASAN_GRANULE_SHIFT) +
				     KASAN_SHADOW_OFFSET);
}

/* Set the shadow of [p, p + size) to value; p granule-aligned, size rounded
 * up to whole granules. */
void kasan_poison(const void *p, size_t size, uint8_t value);

/* The first byte of [addr, addr + size) that may not be accessed, or 0. */
uint64_t kasan_first_bad(uint64_t addr, size_t size);

/* Report a bad access and tell the test runner (san/report.h). pc: the
 * instruction, frame: its function's frame. */
void kasan_report_access(uint64_t addr, size_t size, bool write, uint64_t pc,
			 const void *frame);

/* A kfree() of something that is not a live heap object: a double free
 * (the object is in quarantine) or an invalid free; frame: kfree's. Prints
 * the report only: the caller panics, as the heap always has. */
void kasan_report_free(uint64_t addr, bool double_free, const void *frame);

/* The global whose [start, start + size with its redzone) holds addr: its
 * name, size and source location; false if none. */
struct kasan_global_info {
	uint64_t start;
	size_t size;
	const char *name;
	const char *file;
	int line;
};
bool kasan_find_global(uint64_t addr, struct kasan_global_info *out);

/* Stack traces kept for heap objects (san/stack_depot.c): a handle for the
 * trace from frame, 0 when the depot is full; and the trace of a handle. */
uint32_t kasan_save_trace(const void *frame);
int kasan_fetch_trace(uint32_t handle, const uint64_t **pcs);

#endif
