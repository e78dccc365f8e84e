/* KASAN, the kernel address sanitizer, generic mode as in Linux's mm/kasan/:
 * one shadow byte per 8-byte granule at (addr >> 3) + KASAN_SHADOW_OFFSET
 * tells how many of its bytes may be accessed; the compilers'
 * -fsanitize=kernel-address instrumentation asks the runtime (san/kasan.c)
 * before every load and store. Only the ranges given here are checked: the
 * kernel image, the boot stack, the heap, a test runner's stacks.
 * docs/architecture.md, "Sanitizers", has the layout. Without KASAN every
 * function below does nothing.
 */
#ifndef SAN_KASAN_H
#define SAN_KASAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot_info.h"

#ifdef KASAN

/* First thing in kmain, before any instrumented function with a stack
 * frame: map the boot stack's shadow from a static pool (the frame
 * allocator is not up yet). Checks stay off until kasan_init(). */
void kasan_early_init(const struct boot_info *bi);

/* Right after frame_init(): map the kernel image's shadow and turn the
 * checks on. Panics when out of frames. The compilers' constructors that
 * register globals (init.c runs them) come next. */
void kasan_init(void);

/* Map the shadow of [start, start + size) (page aligned) with fresh frames
 * and check every access there from now on: the heap as it grows, a test
 * runner's stack. A range that continues one already checked extends it.
 * False, with the checks unchanged, when out of frames or ranges. */
bool kasan_add_range(uint64_t start, uint64_t size);

/* Mark [p, p + size) accessible again, as a stack that was abandoned
 * (a longjmp-like resume) must be: the frames left on it keep their
 * redzones' poison. p and size need not be aligned; bytes around a partial
 * granule become accessible too. */
void kasan_unpoison(const void *p, size_t size);

/* No checks between these (they nest; interrupts masked): the heap calls
 * into its allocator design so, since a design reads and writes its own
 * blocks whole, redzones included (Linux: kasan_disable_current()). */
void kasan_disable_current(void);
void kasan_enable_current(void);

/* End every such section: a resume abandoned the code inside one (a panic
 * in the heap's design); a test runner calls it when it resumes. */
void kasan_enable_all(void);

/* Frames mapped for shadow so far (a test runner's leak check counts them
 * out, as it does the heap's own frames). */
uint64_t kasan_shadow_frames(void);

/* Is [addr, addr + size) inside a checked range (so mapped)? */
bool kasan_mapped(uint64_t addr, size_t size);

#else

static inline void kasan_early_init(const struct boot_info *bi)
{
	(void)bi;
}

static inline void kasan_init(void)
{
}

static inline bool kasan_add_range(uint64_t start, uint64_t size)
{
	(void)start;
	(void)size;
	return true;
}

static inline void kasan_unpoison(const void *p, size_t size)
{
	(void)p;
	(void)size;
}

static inline void kasan_disable_current(void)
{
}

static inline void kasan_enable_current(void)
{
}

static inline void kasan_enable_all(void)
{
}

static inline uint64_t kasan_shadow_frames(void)
{
	return 0;
}

#endif /* KASAN */

#endif /* SAN_KASAN_H */
