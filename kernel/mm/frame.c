/* Physical frame allocator: a bitmap over physical memory, one bit per 4 KiB
 * frame (set = not free), built from the E820 map in boot_info (ACPI 6.4,
 * 15 "System Address Map Interfaces").
 *
 * The bitmap covers frames 0 up to the end of the highest allocatable range
 * and lives in the first range big enough for it. A second record, the sorted
 * list of allocatable ranges, tells a frame that is in use from one that was
 * never allocatable, so frame_free() catches both double frees and bad frees.
 */
#include "mm/frame.h"
#include "mm/frame_pool.h"

#include "arch/x86_64/cpu.h"
#include "lib/string.h"
#include "panic.h"

#define BITS 64

static uint64_t down(uint64_t v)
{
	return v & ~(FRAME_SIZE - 1);
}

static uint64_t up(uint64_t v)
{
	return v > UINT64_MAX - (FRAME_SIZE - 1) ? down(UINT64_MAX) : down(v + FRAME_SIZE - 1);
}

static void insert_range(struct frame_pool *p, unsigned at, uint64_t start, uint64_t end)
{
	if (p->nranges == FRAME_RANGES_MAX)
		panic("frame: more than %d allocatable ranges", FRAME_RANGES_MAX);
	memmove(&p->ranges[at + 1], &p->ranges[at],
		(p->nranges - at) * sizeof(p->ranges[0]));
	p->ranges[at] = (struct frame_range){ start, end };
	p->nranges++;
}

static void remove_range(struct frame_pool *p, unsigned at)
{
	p->nranges--;
	memmove(&p->ranges[at], &p->ranges[at + 1],
		(p->nranges - at) * sizeof(p->ranges[0]));
}

/* Add usable [start, end) (shrunk to whole frames), keeping the list sorted
 * and merging overlapping or touching ranges. */
static void add_usable(struct frame_pool *p, uint64_t start, uint64_t end)
{
	unsigned i = 0;

	start = up(start);
	end = down(end);
	if (start >= end)
		return;
	while (i < p->nranges && p->ranges[i].end < start)
		i++;
	insert_range(p, i, start, end);
	/* Ranges before i end below start; later ones may overlap or touch. */
	while (i + 1 < p->nranges && p->ranges[i + 1].start <= p->ranges[i].end) {
		struct frame_range *r = &p->ranges[i], *next = &p->ranges[i + 1];

		r->start = next->start < r->start ? next->start : r->start;
		r->end = next->end > r->end ? next->end : r->end;
		remove_range(p, i + 1);
	}
}

/* Take [start, end) (grown to whole frames) out of every range. */
static void exclude(struct frame_pool *p, uint64_t start, uint64_t end)
{
	start = down(start);
	end = up(end);
	for (unsigned i = 0; i < p->nranges; i++) {
		struct frame_range *r = &p->ranges[i];

		if (end <= r->start || start >= r->end)
			continue;
		if (start > r->start && end < r->end) {
			insert_range(p, i + 1, end, r->end);
			p->ranges[i].end = start;
		} else if (start > r->start) {
			r->end = start;
		} else if (end < r->end) {
			r->start = end;
		} else {
			remove_range(p, i--);
		}
	}
}

static void collect_ranges(struct frame_pool *p, const struct boot_info *bi)
{
	for (uint32_t i = 0; i < bi->mmap_count && i < BOOT_MMAP_MAX; i++)
		if (bi->mmap[i].type == BOOT_MEM_USABLE && bi->mmap[i].length)
			add_usable(p, bi->mmap[i].base, bi->mmap[i].base + bi->mmap[i].length);
	for (uint32_t i = 0; i < bi->mmap_count && i < BOOT_MMAP_MAX; i++)
		if (bi->mmap[i].type != BOOT_MEM_USABLE && bi->mmap[i].length)
			exclude(p, bi->mmap[i].base, bi->mmap[i].base + bi->mmap[i].length);
	exclude(p, 0, FRAME_LOW_LIMIT);
	exclude(p, bi->loader_phys_start, bi->loader_phys_end);
	exclude(p, bi->kernel_phys_start, bi->kernel_phys_end);
	exclude(p, bi->kernel_elf_phys, bi->kernel_elf_phys + bi->kernel_elf_size);
}

/* Put the bitmap at the start of the lowest range that holds it. */
static int place_bitmap(struct frame_pool *p)
{
	uint64_t top = p->ranges[p->nranges - 1].end;

	p->words = (top / FRAME_SIZE + BITS - 1) / BITS;
	p->bitmap_bytes = up(p->words * sizeof(uint64_t));
	for (unsigned i = 0; i < p->nranges; i++) {
		if (p->ranges[i].end - p->ranges[i].start >= p->bitmap_bytes) {
			p->bitmap_phys = p->ranges[i].start;
			p->bitmap = (uint64_t *)(uintptr_t)(p->phys_offset + p->bitmap_phys);
			exclude(p, p->bitmap_phys, p->bitmap_phys + p->bitmap_bytes);
			return 0;
		}
	}
	return -1;
}

/* Clear the bits of frames [f, end): single bits, then whole words. */
static void mark_free(struct frame_pool *p, uint64_t f, uint64_t end)
{
	while (f < end) {
		if (f % BITS == 0 && end - f >= BITS) {
			p->bitmap[f / BITS] = 0;
			f += BITS;
		} else {
			p->bitmap[f / BITS] &= ~(1ull << (f % BITS));
			f++;
		}
	}
}

int frame_pool_init(struct frame_pool *p, const struct boot_info *bi)
{
	memset(p, 0, sizeof(*p));
	p->phys_offset = bi->phys_offset;
	collect_ranges(p, bi);
	if (p->nranges == 0 || place_bitmap(p) < 0)
		return -1;
	memset(p->bitmap, 0xff, p->words * sizeof(uint64_t));
	for (unsigned i = 0; i < p->nranges; i++) {
		mark_free(p, p->ranges[i].start / FRAME_SIZE, p->ranges[i].end / FRAME_SIZE);
		p->total += (p->ranges[i].end - p->ranges[i].start) / FRAME_SIZE;
	}
	p->free = p->total;
	return 0;
}

uint64_t frame_pool_alloc(struct frame_pool *p)
{
	if (p->free == 0)
		return 0;
	for (uint64_t n = 0; n < p->words; n++) {
		uint64_t w = (p->hint + n) % p->words;

		if (p->bitmap[w] != ~0ull) {
			unsigned bit = (unsigned)__builtin_ctzll(~p->bitmap[w]);

			p->bitmap[w] |= 1ull << bit;
			p->free--;
			p->hint = w;
			return (w * BITS + bit) * FRAME_SIZE;
		}
	}
	panic("frame: %llu frames counted free but none in the bitmap",
	      (unsigned long long)p->free);
}

bool frame_pool_allocatable(const struct frame_pool *p, uint64_t phys)
{
	if (phys % FRAME_SIZE)
		return false;
	for (unsigned i = 0; i < p->nranges; i++)
		if (phys >= p->ranges[i].start && phys < p->ranges[i].end)
			return true;
	return false;
}

void frame_pool_free(struct frame_pool *p, uint64_t phys)
{
	uint64_t f = phys / FRAME_SIZE;

	if (!frame_pool_allocatable(p, phys))
		panic("frame: free of 0x%llx, which is not an allocatable frame",
		      (unsigned long long)phys);
	if (!(p->bitmap[f / BITS] & (1ull << (f % BITS))))
		panic("frame: double free of 0x%llx", (unsigned long long)phys);
	p->bitmap[f / BITS] &= ~(1ull << (f % BITS));
	p->free++;
	if (f / BITS < p->hint)
		p->hint = f / BITS;
}

/* ------------------------------------------------------------------------ */
/* The kernel's pool. One CPU: masking interrupts is the whole lock. */

static struct frame_pool global;

void frame_init(const struct boot_info *bi)
{
	if (frame_pool_init(&global, bi) < 0)
		panic("frame: no usable memory range can hold the frame bitmap");
}

uint64_t frame_alloc(void)
{
	uint64_t flags = irq_save();
	uint64_t phys = frame_pool_alloc(&global);

	irq_restore(flags);
	return phys;
}

uint64_t frame_alloc_zeroed(void)
{
	uint64_t phys = frame_alloc();

	if (phys)
		memset((void *)(uintptr_t)(global.phys_offset + phys), 0, FRAME_SIZE);
	return phys;
}

void frame_free(uint64_t phys)
{
	uint64_t flags = irq_save();

	frame_pool_free(&global, phys);
	irq_restore(flags);
}

uint64_t frame_total_count(void)
{
	return global.total;
}

uint64_t frame_free_count(void)
{
	return global.free;
}

uint64_t frame_used_count(void)
{
	return global.total - global.free;
}

const struct frame_pool *frame_global_pool(void)
{
	return &global;
}
