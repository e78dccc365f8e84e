/* Tests for x86-64 paging: translating the loader's mappings, building
 * tables by hand for 1 GiB pages, mapping, unmapping and protecting pages,
 * and the faults that NX and read-only pages raise (blog_os "Paging
 * Implementation": the VGA page example).
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/exception.h"
#include "arch/x86_64/paging.h"
#include "drivers/vga.h"
#include "init.h"
#include "ktest.h"
#include "lib/string.h"
#include "mm/frame.h"

#define VGA_PHYS      0xb8000ull
#define PML4_SPAN     (1ull << 39)           /* what one PML4 entry covers */
#define TEST_WINDOW   0xffffd00000000000ull  /* PML4 slot 416: unused */
#define MAX_TEST_PAGES 8

/* x86 machine code: mov eax, 42; ret */
static const uint8_t ret_42[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };

/* Pages a case mapped in the test window, undone by case_exit. */
static struct {
	uint64_t va, frame;
	bool own_frame;
} pages[MAX_TEST_PAGES];
static unsigned npages;

/* Take out the tables paging_map() built under va's PML4 slot (a case uses
 * one path of tables in a slot of its own), so a repeated run starts afresh. */
static void drop_tables(uint64_t va)
{
	uint64_t *pml4 = phys_to_virt(read_cr3() & PTE_ADDR_MASK);
	uint64_t *slot = &pml4[(va >> 39) & 0x1ff], entry = *slot, tables[3];
	int n = 0;

	for (int shift = 30; shift >= 21 && (entry & PTE_PRESENT) && !(entry & PTE_HUGE);
	     shift -= 9) {
		tables[n++] = entry & PTE_ADDR_MASK;
		entry = ((uint64_t *)phys_to_virt(entry & PTE_ADDR_MASK))[(va >> shift) & 0x1ff];
	}
	if (entry & PTE_PRESENT && !(entry & PTE_HUGE))
		tables[n++] = entry & PTE_ADDR_MASK;
	*slot = 0;
	invlpg(va);
	while (n-- > 0)
		frame_free(tables[n]);
}

static void unmap_test_pages(struct ktest *t)
{
	unsigned n = npages;

	(void)t;
	while (npages > 0) {
		npages--;
		paging_unmap(pages[npages].va);
		if (pages[npages].own_frame)
			frame_free(pages[npages].frame);
	}
	while (n-- > 0)
		drop_tables(pages[n].va);
}

KTEST_SUITE(paging, .case_exit = unmap_test_pages);

/* A test-window address: one PML4 slot per case, so each starts fresh. */
static uint64_t window(unsigned slot, unsigned page)
{
	return TEST_WINDOW + slot * PML4_SPAN + page * PAGE_SIZE_4K;
}

static void map_frame(uint64_t va, uint64_t frame, uint64_t flags, bool own)
{
	ASSERT_LT(npages, MAX_TEST_PAGES);
	ASSERT_EQ(PAGING_OK, paging_map(va, frame, flags, frame_alloc_zeroed));
	pages[npages].va = va;
	pages[npages].frame = frame;
	pages[npages].own_frame = own;
	npages++;
}

/* Map a fresh zeroed frame at va; returns the frame. */
static uint64_t map_new(uint64_t va, uint64_t flags)
{
	uint64_t frame = frame_alloc_zeroed();

	ASSERT_NE(0u, frame);
	map_frame(va, frame, flags, true);
	return frame;
}

static struct translation translate_ok(uint64_t va)
{
	struct translation tr = { 0, 0, 0 };

	ASSERT_TRUE_MSG(paging_translate(va, &tr), "0x%llx not mapped", (unsigned long long)va);
	return tr;
}

/* ------------------------------------------------------------------------ */
/* Translation of what the loader mapped. */

KTEST(paging, translates_vga_through_the_physical_map)
{
	struct translation tr = translate_ok(boot_info->phys_offset + VGA_PHYS);

	EXPECT_EQ(VGA_PHYS, tr.phys);
	EXPECT_EQ(PAGE_SIZE_2M, tr.page_size);
	EXPECT_TRUE(tr.flags & PTE_WRITABLE);
	EXPECT_EQ(paging_nx_enabled(), !!(tr.flags & PTE_NX));
}

KTEST(paging, translates_the_physical_map)
{
	uint64_t probes[] = {
		FRAME_LOW_LIMIT, boot_info->loader_phys_end - 1,
		(uint64_t)(uintptr_t)boot_info - boot_info->phys_offset,
		3 * PAGE_SIZE_2M + 0x12345,
	};

	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		struct translation tr = translate_ok(boot_info->phys_offset + probes[i]);

		EXPECT_EQ_MSG(probes[i], tr.phys, "probe %zu", i);
		EXPECT_EQ_MSG(PAGE_SIZE_2M, tr.page_size, "probe %zu", i);
	}
}

static const uint64_t some_rodata = 0x1234;
static uint64_t some_data = 1;

/* Kernel segments: phys = kernel_phys_start + (virt - kernel_virt_start),
 * 4 KiB pages, W^X as the ELF asked. */
KTEST(paging, translates_kernel_segments)
{
	struct { uint64_t va; bool writable, executable; const char *what; } probes[] = {
		{ (uint64_t)(uintptr_t)paging_translate, false, true, "text" },
		{ (uint64_t)(uintptr_t)&some_rodata, false, false, "rodata" },
		{ (uint64_t)(uintptr_t)&some_data, true, false, "data" },
	};

	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		struct translation tr = translate_ok(probes[i].va);

		EXPECT_EQ_MSG(boot_info->kernel_phys_start +
			      (probes[i].va - boot_info->kernel_virt_start), tr.phys,
			      "%s", probes[i].what);
		EXPECT_EQ_MSG(PAGE_SIZE_4K, tr.page_size, "%s", probes[i].what);
		EXPECT_EQ_MSG(probes[i].writable, !!(tr.flags & PTE_WRITABLE), "%s",
			      probes[i].what);
		if (paging_nx_enabled())
			EXPECT_EQ_MSG(probes[i].executable, !(tr.flags & PTE_NX), "%s",
				      probes[i].what);
	}
}

KTEST(paging, unmapped_addresses_do_not_translate)
{
	struct translation tr;
	uint64_t guard = boot_info->stack_top - boot_info->stack_size - PAGE_SIZE_4K;

	EXPECT_FALSE(paging_translate(0, &tr));                  /* null page */
	EXPECT_FALSE(paging_translate(0x0000800000000000ull, &tr)); /* not canonical */
	EXPECT_FALSE(paging_translate(guard, &tr));              /* stack guard */
	EXPECT_FALSE(paging_translate(window(0, 0), &tr));
}

/* Tables built by hand (the loader uses no 1 GiB pages): a 1 GiB, a 2 MiB
 * and a 4 KiB page, read by paging_translate_in() without loading CR3. */
KTEST(paging, translates_1g_2m_and_4k_pages_in_other_tables)
{
	uint64_t f[4], va = 0xffff900000000000ull, off = 0x12345;
	uint64_t *pml4, *pdpt, *pd, *pt;
	struct translation tr;

	for (int i = 0; i < 4; i++)
		ASSERT_NE(0u, f[i] = frame_alloc_zeroed());
	pml4 = phys_to_virt(f[0]);
	pdpt = phys_to_virt(f[1]);
	pd = phys_to_virt(f[2]);
	pt = phys_to_virt(f[3]);
	pml4[(va >> 39) & 0x1ff] = f[1] | PTE_PRESENT | PTE_WRITABLE;
	pdpt[0] = 5 * PAGE_SIZE_1G | PTE_PRESENT | PTE_HUGE;          /* 1 GiB */
	pdpt[1] = f[2] | PTE_PRESENT | PTE_WRITABLE;
	pd[0] = 7 * PAGE_SIZE_2M | PTE_PRESENT | PTE_HUGE | PTE_WRITABLE; /* 2 MiB */
	pd[1] = f[3] | PTE_PRESENT | PTE_WRITABLE;
	pt[3] = 0xabcd000 | PTE_PRESENT | PTE_USER;                    /* 4 KiB */

	EXPECT_TRUE(paging_translate_in(f[0], va + 0x3456789, &tr));
	EXPECT_EQ(5 * PAGE_SIZE_1G + 0x3456789, tr.phys);
	EXPECT_EQ(PAGE_SIZE_1G, tr.page_size);
	EXPECT_TRUE(paging_translate_in(f[0], va + PAGE_SIZE_1G + off, &tr));
	EXPECT_EQ(7 * PAGE_SIZE_2M + off, tr.phys);
	EXPECT_EQ(PAGE_SIZE_2M, tr.page_size);
	EXPECT_TRUE(tr.flags & PTE_WRITABLE);
	EXPECT_TRUE(paging_translate_in(f[0], va + PAGE_SIZE_1G + PAGE_SIZE_2M +
					3 * PAGE_SIZE_4K + 0x567, &tr));
	EXPECT_EQ(0xabcd567u, tr.phys);
	EXPECT_EQ(PAGE_SIZE_4K, tr.page_size);
	EXPECT_TRUE(tr.flags & PTE_USER);
	EXPECT_FALSE(paging_translate_in(f[0], va + PAGE_SIZE_1G + PAGE_SIZE_2M, &tr));
	EXPECT_FALSE(paging_translate_in(f[0], va + 2 * PAGE_SIZE_1G, &tr));
	EXPECT_FALSE(paging_translate_in(f[0], va - PML4_SPAN, &tr));
	for (int i = 0; i < 4; i++)
		frame_free(f[i]);
}

/* ------------------------------------------------------------------------ */
/* Mapping. */

/* blog_os: map a new page to the VGA frame, write "New!" through it, and see
 * it on screen memory. */
KTEST(paging, new_mapping_writes_to_vga)
{
	uint64_t va = window(1, 0), offset = 400;   /* row 2, column 40 */
	volatile uint64_t *screen;
	uint64_t saved, new_text = 0xf021f077f065f04eull;   /* "New!" */

	if (!vga_on_text_buffer())   /* UEFI's framebuffer, or no VGA card */
		KTEST_SKIP("no VGA text screen at 0xb8000 (a framebuffer, or no card)");
	screen = phys_to_virt(VGA_PHYS + offset);
	saved = *screen;

	map_frame(va, VGA_PHYS, PTE_WRITABLE | PTE_NX, false);
	EXPECT_EQ(VGA_PHYS + offset, translate_ok(va + offset).phys);
	*(volatile uint64_t *)(va + offset) = new_text;
	EXPECT_EQ(new_text, *screen);
	EXPECT_EQ(0xf04eu, vga_cell(2, 40));
	EXPECT_EQ(0xf021u, vga_cell(2, 43));
	*screen = saved;
}

KTEST(paging, mapping_a_mapped_page_is_an_error)
{
	uint64_t va = window(2, 0), first = map_new(va, PTE_WRITABLE | PTE_NX);
	uint64_t other = frame_alloc();

	ASSERT_NE(0u, other);
	EXPECT_EQ(PAGING_ALREADY_MAPPED, paging_map(va, other, PTE_WRITABLE, frame_alloc_zeroed));
	EXPECT_EQ(first, translate_ok(va).phys);
	frame_free(other);
	EXPECT_EQ(PAGING_OK, paging_unmap(va));
	EXPECT_EQ(PAGING_NOT_MAPPED, paging_unmap(va));
	EXPECT_EQ(PAGING_NOT_MAPPED, paging_protect(va, 0));
	EXPECT_EQ(PAGING_OK, paging_map(va, first, PTE_NX, frame_alloc_zeroed));
}

KTEST(paging, bad_addresses_are_refused)
{
	uint64_t va = window(3, 0);

	EXPECT_EQ(PAGING_BAD_ADDRESS, paging_map(va + 8, 0x200000, 0, frame_alloc_zeroed));
	EXPECT_EQ(PAGING_BAD_ADDRESS, paging_map(va, 0x200008, 0, frame_alloc_zeroed));
	EXPECT_EQ(PAGING_BAD_ADDRESS, paging_map(0x0000800000000000ull, 0x200000, 0,
						 frame_alloc_zeroed));
	EXPECT_EQ(PAGING_HUGE_PAGE, paging_map(boot_info->phys_offset + PAGE_SIZE_2M,
					       0x200000, 0, frame_alloc_zeroed));
	EXPECT_EQ(PAGING_HUGE_PAGE, paging_unmap(boot_info->phys_offset + PAGE_SIZE_2M));
}

/* Out of table frames: the error reaches the caller, nothing is mapped. */
static uint64_t no_frames(void)
{
	return 0;
}

KTEST(paging, no_memory_for_tables_is_an_error)
{
	struct translation tr;

	EXPECT_EQ(PAGING_NO_MEMORY, paging_map(window(4, 0), 0x200000, 0, no_frames));
	EXPECT_FALSE(paging_translate(window(4, 0), &tr));
}

/* A user page opens every table above it to user mode; kernel pages do not. */
KTEST(paging, user_page_marks_its_tables_user)
{
	uint64_t kva = window(5, 0), uva = window(5, 1);

	map_new(kva, PTE_WRITABLE | PTE_NX);
	for (int level = 4; level >= 1; level--)
		EXPECT_FALSE_MSG(paging_entry(kva, level) & PTE_USER, "level %d", level);
	map_new(uva, PTE_USER | PTE_WRITABLE | PTE_NX);
	for (int level = 4; level >= 1; level--)
		EXPECT_TRUE_MSG(paging_entry(uva, level) & PTE_USER, "level %d", level);
	EXPECT_FALSE(paging_entry(kva, 1) & PTE_USER);
	EXPECT_TRUE(translate_ok(uva).flags & PTE_USER);
}

KTEST(paging, flags_reach_the_entry)
{
	uint64_t va = window(6, 0);
	uint64_t want = PTE_PRESENT | PTE_WRITABLE | PTE_GLOBAL |
			(paging_nx_enabled() ? PTE_NX : 0);

	map_new(va, PTE_WRITABLE | PTE_GLOBAL | PTE_NX | PTE_HUGE);   /* HUGE ignored */
	EXPECT_EQ(want, translate_ok(va).flags & ~(PTE_ACCESSED | PTE_DIRTY));
	*(volatile uint64_t *)va = 7;      /* with NX off, a set bit 63 would fault */
	EXPECT_EQ(7u, *(volatile uint64_t *)va);
}

/* Unmapping flushes the TLB: the same address then reads the new frame. */
KTEST(paging, remap_reads_the_new_frame)
{
	uint64_t va = window(7, 0);
	uint64_t a = map_new(va, PTE_WRITABLE | PTE_NX), b = frame_alloc_zeroed();

	ASSERT_NE(0u, b);
	*(uint64_t *)phys_to_virt(a) = 0xaaaa;
	*(uint64_t *)phys_to_virt(b) = 0xbbbb;
	EXPECT_EQ(0xaaaau, *(volatile uint64_t *)va);   /* now in the TLB */
	ASSERT_EQ(PAGING_OK, paging_unmap(va));
	npages--;
	frame_free(a);
	map_frame(va, b, PTE_NX, true);
	EXPECT_EQ(0xbbbbu, *(volatile uint64_t *)va);
}

/* ------------------------------------------------------------------------ */
/* Faults. */

KTEST(paging, access_after_unmap_faults, KTEST_EXPECT_FAULT(EXC_PAGE_FAULT))
{
	uint64_t va = window(8, 0);

	map_new(va, PTE_WRITABLE | PTE_NX);
	EXPECT_EQ(0u, *(volatile uint64_t *)va);
	ASSERT_EQ(PAGING_OK, paging_unmap(va));
	(void)*(volatile uint64_t *)va;
	KTEST_FAIL("read an unmapped page");
}

KTEST(paging, write_to_read_only_page_faults, KTEST_EXPECT_FAULT(EXC_PAGE_FAULT))
{
	uint64_t va = window(9, 0);

	map_new(va, PTE_NX);
	EXPECT_EQ(0u, *(volatile uint64_t *)va);     /* reading is fine */
	*(volatile uint64_t *)va = 1;
	KTEST_FAIL("wrote to a read-only page");
}

KTEST(paging, write_after_protect_read_only_faults, KTEST_EXPECT_FAULT(EXC_PAGE_FAULT))
{
	uint64_t va = window(10, 0);

	map_new(va, PTE_WRITABLE | PTE_NX);
	*(volatile uint64_t *)va = 1;                /* in the TLB as writable */
	ASSERT_EQ(PAGING_OK, paging_protect(va, PTE_NX));
	*(volatile uint64_t *)va = 2;
	KTEST_FAIL("wrote to a page protected read-only");
}

/* Code in a page mapped without NX runs: the control for the next case. */
KTEST(paging, code_in_executable_page_runs)
{
	uint64_t va = window(11, 0), frame = map_new(va, 0);

	memcpy(phys_to_virt(frame), ret_42, sizeof(ret_42));
	EXPECT_EQ(42, ((int (*)(void))(uintptr_t)va)());
}

KTEST(paging, executing_nx_page_faults, KTEST_EXPECT_FAULT(EXC_PAGE_FAULT))
{
	uint64_t va = window(12, 0), frame;

	if (!paging_nx_enabled())
		KTEST_SKIP("no NX on this CPU (EFER.NXE clear)");
	frame = map_new(va, PTE_NX);
	memcpy(phys_to_virt(frame), ret_42, sizeof(ret_42));
	((int (*)(void))(uintptr_t)va)();
	KTEST_FAIL("executed code in a no-execute page");
}
