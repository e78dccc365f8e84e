/* x86-64 4-level page tables, reached through the physical-memory map the
 * loader sets up at boot_info->phys_offset (Intel SDM vol 3, 4.5).
 */
#include "arch/x86_64/paging.h"

#include "arch/x86_64/cpu.h"
#include "kernel.h"

#define LEVELS          4
#define INDEX_BITS      9
#define INDEX_MASK      0x1ff

static uint64_t *table_at(uint64_t phys)
{
	return phys_to_virt(phys & PTE_ADDR_MASK);
}

static unsigned index_of(uint64_t virt, int level)
{
	/* level 4 = PML4 ... level 1 = page table */
	return (virt >> (12 + INDEX_BITS * (level - 1))) & INDEX_MASK;
}

static uint64_t level_page_size(int level)
{
	return 1ull << (12 + INDEX_BITS * (level - 1));
}

/* Walk to the level-1 entry for virt. Returns it, or NULL with *err set when a
 * table is missing (and alloc is NULL or fails) or a huge page is in the way.
 */
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
		} else if (*e & PTE_HUGE) {
			*err = PAGING_HUGE_PAGE;
			return NULL;
		}
		table = table_at(*e);
	}
	return &table[index_of(virt, 1)];
}

bool paging_translate(uint64_t virt, struct translation *out)
{
	uint64_t *table = table_at(read_cr3());

	for (int level = LEVELS; level >= 1; level--) {
		uint64_t e = table[index_of(virt, level)];

		if (!(e & PTE_PRESENT))
			return false;
		if (level == 1 || (e & PTE_HUGE)) {
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

int paging_map(uint64_t virt, uint64_t phys, uint64_t flags,
	       paging_frame_alloc_fn alloc)
{
	int err = PAGING_OK;
	uint64_t *e = walk(virt, alloc, &err);

	if (!e)
		return err;
	if (*e & PTE_PRESENT)
		return PAGING_ALREADY_MAPPED;
	*e = (phys & PTE_ADDR_MASK) | flags | PTE_PRESENT;
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
	*e = (*e & PTE_ADDR_MASK) | flags | PTE_PRESENT;
	invlpg(virt);
	return PAGING_OK;
}
