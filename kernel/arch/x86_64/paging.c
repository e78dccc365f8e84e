/* x86-64 4-level page tables, reached through the physical-memory map the
 * loader sets up at boot_info->phys_offset (Intel SDM vol 3, 4.5).
 */
#include "arch/x86_64/paging.h"

#include "arch/x86_64/cpu.h"
#include "init.h"

#define LEVELS          4
#define INDEX_BITS      9
#define INDEX_MASK      0x1ff
#define PAGE_SHIFT      12
#define CANONICAL_BITS  48        /* 4-level paging: bits 63..47 are equal */

#define MSR_EFER        0xc0000080
#define EFER_NXE        (1ull << 11)

static uint64_t *table_at(uint64_t phys)
{
	return phys_to_virt(phys & PTE_ADDR_MASK);
}

static unsigned index_of(uint64_t virt, int level)
{
	/* level 4 = PML4 ... level 1 = page table */
	return (virt >> (PAGE_SHIFT + INDEX_BITS * (level - 1))) & INDEX_MASK;
}

static uint64_t level_page_size(int level)
{
	return 1ull << (PAGE_SHIFT + INDEX_BITS * (level - 1));
}

static bool canonical(uint64_t virt)
{
	int64_t high = (int64_t)virt >> (CANONICAL_BITS - 1);

	return high == 0 || high == -1;
}

bool paging_nx_enabled(void)
{
	return rdmsr(MSR_EFER) & EFER_NXE;
}

/* The leaf bits for flags: only those the caller may set, NX only if on. */
static uint64_t leaf_flags(uint64_t flags)
{
	flags &= PAGING_MAP_FLAGS;
	if (!paging_nx_enabled())
		flags &= ~PTE_NX;
	return flags | PTE_PRESENT;
}

/* Walk to the level-1 entry for virt. Returns it, or NULL with *err set when a
 * table is missing (and alloc is NULL or fails) or a huge page is in the way.
 * New tables are present and writable; the leaf decides the rest.
 */
static uint64_t tables_created;

static uint64_t *walk(uint64_t virt, paging_frame_alloc_fn alloc, int *err)
{
	uint64_t *table = table_at(read_cr3());

	for (int level = LEVELS; level > 1; level--) {
		uint64_t *e = &table[index_of(virt, level)];

		if (!(*e & PTE_PRESENT)) {
			uint64_t frame = alloc ? alloc() : 0;

			if (!frame) {
				*err = alloc ? PAGING_NO_MEMORY : PAGING_NOT_MAPPED;
				return NULL;
			}
			*e = frame | PTE_PRESENT | PTE_WRITABLE;
			tables_created++;
		} else if (*e & PTE_HUGE) {
			*err = PAGING_HUGE_PAGE;
			return NULL;
		}
		table = table_at(*e);
	}
	return &table[index_of(virt, 1)];
}

/* The CPU ANDs the user bit over all levels: open every table above virt. */
static void allow_user(uint64_t virt)
{
	uint64_t *table = table_at(read_cr3());

	for (int level = LEVELS; level > 1; level--) {
		uint64_t *e = &table[index_of(virt, level)];

		*e |= PTE_USER;
		table = table_at(*e);
	}
}

bool paging_translate_in(uint64_t pml4, uint64_t virt, struct translation *out)
{
	uint64_t *table = table_at(pml4);

	for (int level = LEVELS; level >= 1; level--) {
		uint64_t e = table[index_of(virt, level)];

		if (!(e & PTE_PRESENT))
			return false;
		if (level == 1 || (level <= 3 && (e & PTE_HUGE))) {
			uint64_t size = level_page_size(level);
			uint64_t base = e & PTE_ADDR_MASK & ~(size - 1);

			out->phys = base + (virt & (size - 1));
			out->page_size = size;
			out->flags = e & ~PTE_ADDR_MASK;
			return true;
		}
		table = table_at(e);
	}
	return false;
}

bool paging_translate(uint64_t virt, struct translation *out)
{
	return canonical(virt) && paging_translate_in(read_cr3(), virt, out);
}

uint64_t paging_entry(uint64_t virt, int level)
{
	uint64_t *table = table_at(read_cr3());

	for (int l = LEVELS; l > level; l--) {
		uint64_t e = table[index_of(virt, l)];

		if (!(e & PTE_PRESENT) || (e & PTE_HUGE))
			return 0;
		table = table_at(e);
	}
	return table[index_of(virt, level)];
}

int paging_map(uint64_t virt, uint64_t phys, uint64_t flags,
	       paging_frame_alloc_fn alloc)
{
	int err = PAGING_OK;
	uint64_t *e;

	if (virt % PAGE_SIZE_4K || phys % PAGE_SIZE_4K || !canonical(virt) ||
	    (phys & ~PTE_ADDR_MASK))
		return PAGING_BAD_ADDRESS;
	e = walk(virt, alloc, &err);
	if (!e)
		return err;
	if (*e & PTE_PRESENT)
		return PAGING_ALREADY_MAPPED;
	if (flags & PTE_USER)
		allow_user(virt);
	*e = phys | leaf_flags(flags);
	invlpg(virt);
	return PAGING_OK;
}

int paging_unmap(uint64_t virt)
{
	int err = PAGING_OK;
	uint64_t *e = walk(virt, NULL, &err);

	if (!e)
		return err;
	if (!(*e & PTE_PRESENT))
		return PAGING_NOT_MAPPED;
	*e = 0;
	invlpg(virt);
	return PAGING_OK;
}

int paging_protect(uint64_t virt, uint64_t flags)
{
	int err = PAGING_OK;
	uint64_t *e = walk(virt, NULL, &err);

	if (!e)
		return err;
	if (!(*e & PTE_PRESENT))
		return PAGING_NOT_MAPPED;
	if (flags & PTE_USER)
		allow_user(virt);
	*e = (*e & PTE_ADDR_MASK) | leaf_flags(flags);
	invlpg(virt);
	return PAGING_OK;
}

uint64_t paging_tables_created(void)
{
	return tables_created;
}
