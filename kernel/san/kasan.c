/* KASAN shadow memory (generic mode, Linux's mm/kasan/ layout on x86-64):
 * the checked ranges, their shadow mapped at boot from a static pool (the
 * boot stack, before the frame allocator exists) and later with frames
 * (the kernel image, the heap as it grows, a test runner's stacks), and
 * poisoning. Built without sanitizers: this is the runtime.
 */
#include "san/kasan_internal.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "panic.h"

#define PAGE            PAGE_SIZE_4K
#define PT_LEVELS       4
#define PT_INDEX_BITS   9
#define PT_INDEX_MASK   0x1ffu
#define PAGE_SHIFT      12
#define EARLY_PAGES     8       /* the boot stack's shadow (at most 3 pages)
				 * and the tables above it (3) */
#define SHADOW_FLAGS    (PTE_WRITABLE | PTE_NX)

struct kasan_range kasan_ranges[KASAN_RANGES_MAX];
unsigned kasan_nranges;
unsigned kasan_off = 1;          /* until kasan_init() */

static uint64_t phys_offset;             /* the loader's physical-memory map */
static uint64_t image_start, image_end;  /* the kernel's loaded segments */
static uint64_t stack_start, stack_end;  /* the boot stack */
static uint64_t shadow_frames;
static bool kasan_ready;                 /* the kernel's shadow is mapped */

static uint8_t early_pool[EARLY_PAGES][PAGE] __attribute__((aligned(PAGE)));
static unsigned early_used;

static uint64_t page_down(uint64_t a)
{
	return a & ~(PAGE - 1);
}

static uint64_t page_up(uint64_t a)
{
	return (a + PAGE - 1) & ~(PAGE - 1);
}

/* ------------------------------------------------------------------------ */
/* Early: no frame allocator, and no instrumented function with a frame may
 * run before the boot stack's shadow is there, so walk the tables here. */

static uint64_t *table_of(uint64_t entry)
{
	return (uint64_t *)(uintptr_t)(phys_offset + (entry & PTE_ADDR_MASK));
}

static unsigned index_at(uint64_t va, int level)
{
	return (va >> (PAGE_SHIFT + PT_INDEX_BITS * (level - 1))) & PT_INDEX_MASK;
}

/* The physical address of a mapped kernel address (huge pages allowed). */
static uint64_t early_phys(uint64_t va)
{
	uint64_t *table = table_of(read_cr3());

	for (int level = PT_LEVELS;; level--) {
		uint64_t e = table[index_at(va, level)];
		uint64_t size = 1ull << (PAGE_SHIFT + PT_INDEX_BITS * (level - 1));

		if (level == 1 || (e & PTE_HUGE))
			return (e & PTE_ADDR_MASK & ~(size - 1)) + (va & (size - 1));
		table = table_of(e);
	}
}

static uint64_t early_frame(void)
{
	if (early_used == EARLY_PAGES)
		cpu_stop();     /* cannot happen: the pool fits the boot stack */
	return early_phys((uint64_t)(uintptr_t)early_pool[early_used++]);
}

/* Map the shadow page va with a zeroed page of the pool. */
static void early_map(uint64_t va)
{
	uint64_t *table = table_of(read_cr3()), *pte;

	for (int level = PT_LEVELS; level > 1; level--) {
		uint64_t *e = &table[index_at(va, level)];

		if (!(*e & PTE_PRESENT))
			*e = early_frame() | PTE_PRESENT | PTE_WRITABLE;
		table = table_of(*e);
	}
	pte = &table[index_at(va, 1)];
	if (!(*pte & PTE_PRESENT))
		*pte = early_frame() | PTE_PRESENT | PTE_WRITABLE |
		       (paging_nx_enabled() ? PTE_NX : 0);
}

void kasan_early_init(const struct boot_info *bi)
{
	uint64_t lo, hi;

	phys_offset = bi->phys_offset;
	image_start = bi->kernel_virt_start;
	image_end = page_up(image_start + (bi->kernel_phys_end - bi->kernel_phys_start));
	stack_start = bi->stack_top - bi->stack_size;
	stack_end = bi->stack_top;
	lo = page_down((uint64_t)(uintptr_t)kasan_shadow(stack_start));
	hi = page_up((uint64_t)(uintptr_t)kasan_shadow(stack_end - 1) + 1);
	for (uint64_t va = lo; va < hi; va += PAGE)
		early_map(va);
}

/* ------------------------------------------------------------------------ */
/* Shadow from frames, and the checked ranges. */

/* Map every shadow page of [start, start + size) not mapped yet. */
static bool map_shadow(uint64_t start, uint64_t size)
{
	uint64_t lo = page_down((uint64_t)(uintptr_t)kasan_shadow(start));
	uint64_t hi = page_up((uint64_t)(uintptr_t)kasan_shadow(start + size - 1) + 1);
	struct translation t;

	for (uint64_t va = lo; va < hi; va += PAGE) {
		uint64_t frame;
		int err;

		if (paging_translate(va, &t))
			continue;
		frame = frame_alloc_zeroed();
		err = frame ? paging_map(va, frame, SHADOW_FLAGS, frame_alloc_zeroed) :
		      PAGING_NO_MEMORY;
		if (err != PAGING_OK) {
			if (frame)
				frame_free(frame);
			if (err != PAGING_NO_MEMORY)
				panic("kasan: cannot map shadow at 0x%llx (error %d)",
				      (unsigned long long)va, err);
			return false;
		}
		shadow_frames++;
	}
	return true;
}

bool kasan_add_range(uint64_t start, uint64_t size)
{
	if (size == 0)
		return true;
	if (!map_shadow(start, size))
		return false;
	for (unsigned i = 0; i < kasan_nranges; i++) {
		if (kasan_ranges[i].end == start) {
			kasan_ranges[i].end = start + size;
			return true;
		}
	}
	if (kasan_nranges == KASAN_RANGES_MAX)
		return false;
	kasan_ranges[kasan_nranges].start = start;
	kasan_ranges[kasan_nranges].end = start + size;
	kasan_nranges++;
	return true;
}

void kasan_init(void)
{
	if (!kasan_add_range(stack_start, stack_end - stack_start) ||
	    !kasan_add_range(image_start, image_end - image_start))
		panic("kasan: no frames or ranges for the kernel's shadow");
	kasan_ready = true;
	kasan_off--;
}

void kasan_disable_current(void)
{
	kasan_off++;
}

void kasan_enable_current(void)
{
	kasan_off--;
}

void kasan_enable_all(void)
{
	kasan_off = kasan_ready ? 0 : 1;
}

bool kasan_mapped(uint64_t addr, size_t size)
{
	for (unsigned i = 0; i < kasan_nranges; i++)
		if (addr >= kasan_ranges[i].start && addr < kasan_ranges[i].end &&
		    size <= kasan_ranges[i].end - addr)
			return true;
	return false;
}

uint64_t kasan_shadow_frames(void)
{
	return shadow_frames;
}

/* ------------------------------------------------------------------------ */
/* Poisoning. */

void kasan_poison(const void *p, size_t size, uint8_t value)
{
	uint64_t a = (uint64_t)(uintptr_t)p;
	size_t granules = (size + KASAN_GRANULE - 1) / KASAN_GRANULE;

	if (!kasan_ready || size == 0 || !kasan_mapped(a, size))
		return;
	memset(kasan_shadow(a), value, granules);
}

void kasan_unpoison(const void *p, size_t size)
{
	uint64_t a = (uint64_t)(uintptr_t)p & ~(uint64_t)(KASAN_GRANULE - 1);
	uint64_t end = (uint64_t)(uintptr_t)p + size;

	if (!kasan_ready || size == 0 || !kasan_mapped(a, end - a))
		return;
	memset(kasan_shadow(a), 0, (end - a) / KASAN_GRANULE);
	if (end % KASAN_GRANULE)
		*kasan_shadow(end) = (int8_t)(end % KASAN_GRANULE);
}

uint64_t kasan_first_bad(uint64_t addr, size_t size)
{
	uint64_t end = addr + size;

	for (uint64_t a = addr; a < end;) {
		uint64_t granule = a & ~(uint64_t)(KASAN_GRANULE - 1);
		int8_t s = *kasan_shadow(a);

		if (s < 0 || (s > 0 && a - granule >= (uint64_t)s))
			return a;
		if (s > 0 && end > granule + (uint64_t)s)
			return granule + (uint64_t)s;
		a = granule + KASAN_GRANULE;
	}
	return 0;
}
