/* Tests for the frame allocator: pools over made-up memory maps (host and
 * kernel), then the kernel's own allocator over the machine's real map.
 */
#ifdef KTEST_HOST
#include <stdlib.h>
#endif

#include "ktest.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/frame_pool.h"

/* Made-up physical memory: FAKE_SPAN bytes at FAKE_BASE, backed by a buffer. */
#define FAKE_BASE   0x1000000ull
#define FAKE_SPAN   0x80000ull
#define FAKE_END    (FAKE_BASE + FAKE_SPAN)
#define FAKE_FRAMES (FAKE_SPAN / FRAME_SIZE)

static struct boot_info fake_bi;
static struct frame_pool pool;

#ifdef KTEST_HOST
static void *fake_mem_get(void)
{
	return calloc(1, FAKE_SPAN);
}

static void fake_mem_put(void *mem)
{
	free(mem);
}
#else
static unsigned char fake_mem[FAKE_SPAN] __attribute__((aligned(4096)));

static void *fake_mem_get(void)
{
	return fake_mem;
}

static void fake_mem_put(void *mem)
{
	(void)mem;
}
#endif

static int fake_setup(struct ktest *t)
{
	t->priv = fake_mem_get();
	if (!t->priv)
		return -1;
	memset(&fake_bi, 0, sizeof(fake_bi));
	fake_bi.phys_offset = (uint64_t)(uintptr_t)t->priv - FAKE_BASE;
	return 0;
}

static void fake_teardown(struct ktest *t)
{
	fake_mem_put(t->priv);
}

KTEST_SUITE(frame_pool, .case_init = fake_setup, .case_exit = fake_teardown);

static void add_entry(uint64_t base, uint64_t length, uint32_t type)
{
	struct boot_mmap_entry *e = &fake_bi.mmap[fake_bi.mmap_count++];

	*e = (struct boot_mmap_entry){ base, length, type, 1 };
}

static bool overlaps(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
	return a < b_end && b < a_end;
}

/*
 * The rule, frame by frame, written independently of frame.c: a frame may be
 * handed out iff it lies wholly inside one usable entry, at or above 1 MiB,
 * and touches no other entry, no loader, kernel or ELF byte, and not the
 * pool's bitmap.
 */
static bool oracle(const struct boot_info *bi, const struct frame_pool *p, uint64_t f)
{
	uint64_t e = f + FRAME_SIZE;
	bool inside = false;

	if (f < FRAME_LOW_LIMIT || overlaps(f, e, p->bitmap_phys, p->bitmap_phys + p->bitmap_bytes) ||
	    overlaps(f, e, bi->loader_phys_start, bi->loader_phys_end) ||
	    overlaps(f, e, bi->kernel_phys_start, bi->kernel_phys_end) ||
	    overlaps(f, e, bi->kernel_elf_phys, bi->kernel_elf_phys + bi->kernel_elf_size))
		return false;
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct boot_mmap_entry *m = &bi->mmap[i];

		if (m->type == BOOT_MEM_USABLE)
			inside |= f >= m->base && e <= m->base + m->length;
		else if (overlaps(f, e, m->base, m->base + m->length))
			return false;
	}
	return inside;
}

/* A map with every awkward case: memory below 1 MiB, an unaligned start,
 * touching and overlapping usable entries, reserved holes, loader, kernel
 * and ELF ranges inside usable memory. */
static void awkward_map(void)
{
	add_entry(0, 0x9fc00, BOOT_MEM_USABLE);
	add_entry(0x9fc00, 0x400, BOOT_MEM_RESERVED);
	add_entry(FAKE_BASE + 0x800, 0x1f800, BOOT_MEM_USABLE);
	add_entry(FAKE_BASE + 0x20000, 0x20000, BOOT_MEM_USABLE);
	add_entry(FAKE_BASE + 0x38000, 0x18000, BOOT_MEM_USABLE);
	add_entry(FAKE_BASE + 0x30100, 0xf00, BOOT_MEM_RESERVED);
	add_entry(FAKE_BASE + 0x58000, FAKE_SPAN - 0x58000, BOOT_MEM_USABLE);
	add_entry(FAKE_BASE + 0x60000, 0x2000, BOOT_MEM_ACPI_NVS);
	fake_bi.loader_phys_start = FAKE_BASE + 0x1000;
	fake_bi.loader_phys_end = FAKE_BASE + 0x5800;
	fake_bi.kernel_phys_start = FAKE_BASE + 0x3000;
	fake_bi.kernel_phys_end = FAKE_BASE + 0x4000;
	fake_bi.kernel_elf_phys = FAKE_BASE + 0x70000;
	fake_bi.kernel_elf_size = 0x1234;
}

KTEST(frame_pool, simple_map)
{
	add_entry(FAKE_BASE, FAKE_SPAN, BOOT_MEM_USABLE);
	ASSERT_EQ(0, frame_pool_init(&pool, &fake_bi));
	EXPECT_EQ(FAKE_BASE, pool.bitmap_phys);
	EXPECT_EQ(FRAME_SIZE, pool.bitmap_bytes);
	EXPECT_EQ(FAKE_FRAMES - 1, pool.total);
	EXPECT_EQ(pool.total, pool.free);
	EXPECT_FALSE(frame_pool_allocatable(&pool, FAKE_BASE));   /* the bitmap */
	EXPECT_TRUE(frame_pool_allocatable(&pool, FAKE_BASE + FRAME_SIZE));
	EXPECT_FALSE(frame_pool_allocatable(&pool, FAKE_END));
}

KTEST(frame_pool, awkward_map_matches_the_rule)
{
	uint64_t expected = 0;

	awkward_map();
	ASSERT_EQ(0, frame_pool_init(&pool, &fake_bi));
	for (uint64_t f = 0; f < FAKE_END + FRAME_SIZE; f += FRAME_SIZE) {
		bool want = oracle(&fake_bi, &pool, f);

		EXPECT_EQ_MSG(want, frame_pool_allocatable(&pool, f), "frame 0x%llx",
			      (unsigned long long)f);
		expected += want;
	}
	EXPECT_EQ(expected, pool.total);
	EXPECT_FALSE(frame_pool_allocatable(&pool, FAKE_BASE + 0x58000 + 8));
}

/* Every frame handed out once, each one allowed by the rule; then none;
 * then all back. */
KTEST(frame_pool, exhaust_and_recover)
{
	static bool seen[FAKE_FRAMES];
	uint64_t n = 0, f, again;

	awkward_map();
	ASSERT_EQ(0, frame_pool_init(&pool, &fake_bi));
	memset(seen, 0, sizeof(seen));
	while ((f = frame_pool_alloc(&pool)) != 0) {
		ASSERT_TRUE_MSG(oracle(&fake_bi, &pool, f), "frame 0x%llx", (unsigned long long)f);
		ASSERT_FALSE_MSG(seen[(f - FAKE_BASE) / FRAME_SIZE], "0x%llx handed out twice",
				 (unsigned long long)f);
		seen[(f - FAKE_BASE) / FRAME_SIZE] = true;
		n++;
	}
	EXPECT_EQ(pool.total, n);
	EXPECT_EQ(0u, pool.free);
	EXPECT_EQ(0u, frame_pool_alloc(&pool));
	for (f = FAKE_BASE; f < FAKE_END; f += FRAME_SIZE)
		if (seen[(f - FAKE_BASE) / FRAME_SIZE])
			frame_pool_free(&pool, f);
	EXPECT_EQ(pool.total, pool.free);
	again = frame_pool_alloc(&pool);
	EXPECT_TRUE(again != 0 && seen[(again - FAKE_BASE) / FRAME_SIZE]);
}

KTEST(frame_pool, freed_frame_is_reused)
{
	uint64_t a, b;

	add_entry(FAKE_BASE, FAKE_SPAN, BOOT_MEM_USABLE);
	ASSERT_EQ(0, frame_pool_init(&pool, &fake_bi));
	a = frame_pool_alloc(&pool);
	b = frame_pool_alloc(&pool);
	EXPECT_NE(a, b);
	frame_pool_free(&pool, a);
	EXPECT_EQ(pool.total - 1, pool.free);
	EXPECT_EQ(a, frame_pool_alloc(&pool));
}

KTEST(frame_pool, no_room_for_the_bitmap)
{
	/* Frames up to 4 GiB need a 128 KiB bitmap; no range holds it. */
	add_entry(FAKE_BASE, 2 * FRAME_SIZE, BOOT_MEM_USABLE);
	add_entry(0x100000000ull, FRAME_SIZE, BOOT_MEM_USABLE);
	EXPECT_EQ(-1, frame_pool_init(&pool, &fake_bi));
}

KTEST(frame_pool, no_usable_memory)
{
	add_entry(0, 0x9fc00, BOOT_MEM_USABLE);       /* below 1 MiB only */
	add_entry(FAKE_BASE, FAKE_SPAN, BOOT_MEM_RESERVED);
	EXPECT_EQ(-1, frame_pool_init(&pool, &fake_bi));
}

KTEST(frame_pool, double_free_panics, KTEST_SHOULD_PANIC)
{
	uint64_t f;

	add_entry(FAKE_BASE, FAKE_SPAN, BOOT_MEM_USABLE);
	ASSERT_EQ(0, frame_pool_init(&pool, &fake_bi));
	f = frame_pool_alloc(&pool);
	frame_pool_free(&pool, f);
	frame_pool_free(&pool, f);
}

KTEST(frame_pool, free_of_reserved_frame_panics, KTEST_SHOULD_PANIC)
{
	awkward_map();
	ASSERT_EQ(0, frame_pool_init(&pool, &fake_bi));
	frame_pool_free(&pool, FAKE_BASE + 0x60000);    /* ACPI NVS */
}

KTEST(frame_pool, free_of_unaligned_address_panics, KTEST_SHOULD_PANIC)
{
	add_entry(FAKE_BASE, FAKE_SPAN, BOOT_MEM_USABLE);
	ASSERT_EQ(0, frame_pool_init(&pool, &fake_bi));
	frame_pool_free(&pool, frame_pool_alloc(&pool) + 8);
}

/* ------------------------------------------------------------------------ */
/* The kernel's allocator, over the machine's memory map. */
#ifndef KTEST_HOST
#include "init.h"

#define SEEN_LIMIT (1ull << 30)     /* duplicates are tracked below 1 GiB */

KTEST_SUITE(frame);

KTEST(frame, counts_add_up)
{
	EXPECT_GT(frame_total_count(), 0u);
	EXPECT_EQ(frame_total_count(), frame_free_count() + frame_used_count());
}

/* Take every frame there is, check each against the boot map, give all back. */
KTEST(frame, exhaust_and_recover, KTEST_SLOW)
{
	static uint64_t seen[SEEN_LIMIT / FRAME_SIZE / 64];
	const struct frame_pool *p = frame_global_pool();
	uint64_t before = frame_free_count(), chain = 0, n = 0, f;

	memset(seen, 0, sizeof(seen));
	while ((f = frame_alloc()) != 0) {
		uint64_t i = f / FRAME_SIZE;

		bool twice = f < SEEN_LIMIT && (seen[i / 64] & (1ull << (i % 64)));

		/* On a failure, stop taking frames but still give them back. */
		if (!EXPECT_TRUE_MSG(oracle(boot_info, p, f), "frame 0x%llx",
				     (unsigned long long)f) ||
		    !EXPECT_FALSE_MSG(twice, "0x%llx handed out twice",
				      (unsigned long long)f))
			break;
		if (f < SEEN_LIMIT)
			seen[i / 64] |= 1ull << (i % 64);
		*(uint64_t *)phys_to_virt(f) = chain;    /* a list through the frames */
		chain = f;
		n++;
	}
	EXPECT_EQ(before, n);
	EXPECT_EQ(0u, frame_free_count());
	EXPECT_EQ(0u, frame_alloc());
	while (chain) {
		f = *(uint64_t *)phys_to_virt(chain);
		frame_free(chain);
		chain = f;
	}
	EXPECT_EQ(before, frame_free_count());
	f = frame_alloc();
	EXPECT_NE(0u, f);
	frame_free(f);
}

KTEST(frame, zeroed_frame_is_zero)
{
	uint64_t f = frame_alloc();
	unsigned char *v;

	ASSERT_NE(0u, f);
	memset(phys_to_virt(f), 0xa5, FRAME_SIZE);
	frame_free(f);
	f = frame_alloc_zeroed();
	ASSERT_NE(0u, f);
	v = phys_to_virt(f);
	for (size_t i = 0; i < FRAME_SIZE; i++)
		if (v[i]) {
			KTEST_FAIL("byte %zu is 0x%x", i, v[i]);
			break;
		}
	frame_free(f);
}

/* The loader's pages, low memory and the kernel's ELF file (its symbols;
 * after a PVH boot the module, wherever the firmware put it, outside the
 * loader's range) are never handed out. */
KTEST(frame, kernel_and_loader_are_never_allocatable)
{
	const struct frame_pool *p = frame_global_pool();
	uint64_t elf_end = boot_info->kernel_elf_phys + boot_info->kernel_elf_size;

	for (uint64_t f = boot_info->loader_phys_start & ~(FRAME_SIZE - 1);
	     f < boot_info->loader_phys_end; f += FRAME_SIZE)
		EXPECT_FALSE_MSG(frame_pool_allocatable(p, f), "0x%llx", (unsigned long long)f);
	for (uint64_t f = boot_info->kernel_elf_phys & ~(FRAME_SIZE - 1); f < elf_end;
	     f += FRAME_SIZE)
		EXPECT_FALSE_MSG(frame_pool_allocatable(p, f), "ELF 0x%llx", (unsigned long long)f);
	for (uint64_t f = 0; f < FRAME_LOW_LIMIT; f += FRAME_SIZE)
		EXPECT_FALSE_MSG(frame_pool_allocatable(p, f), "0x%llx", (unsigned long long)f);
	EXPECT_FALSE(frame_pool_allocatable(p, p->bitmap_phys));
}

KTEST(frame, double_free_panics, KTEST_SHOULD_PANIC)
{
	uint64_t f = frame_alloc();

	frame_free(f);
	frame_free(f);
}
#endif
