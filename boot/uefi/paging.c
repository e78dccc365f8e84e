/* The kernel's page tables, built by the UEFI loader as boot/stage2.asm
 * builds them (Intel SDM vol. 3A, 4.5 "4-level paging"): each PT_LOAD page
 * at its address with its own permissions, all physical memory at
 * BOOT_PHYS_OFFSET in 2 MiB pages, the stack below BOOT_STACK_TOP with an
 * unmapped guard page, and an identity map of the jump's code in PML4 entry 0,
 * which the kernel's entry stub removes.
 */
#include "loader.h"

#define PTE_P           (1ull << 0)
#define PTE_W           (1ull << 1)
#define PTE_PS          (1ull << 7)     /* a 2 MiB page in a page directory */
#define PTE_NX          (1ull << 63)
#define PTE_ADDR        0x000ffffffffff000ull
#define PAGE_2M         (1ull << 21)
#define INDEX_MASK      511
#define PML4_SHIFT      39
#define PDPT_SHIFT      30
#define PD_SHIFT        21
#define PT_SHIFT        12
#define TRAMPOLINE_SPAN 256             /* bytes of the jump's code */
#define IDENTITY_LIMIT  (1ull << PML4_SHIFT)   /* what PML4 entry 0 covers */

struct walk {
	uint64_t *pml4;
	struct block *block;
	uint64_t nx;                    /* PTE_NX, or 0 without EFER.NXE */
};

static uint64_t *new_table(struct block *b)
{
	uint64_t *t = (uint64_t *)b->next;

	if (b->next + PAGE_SIZE > b->end)
		loader_fail("loader: internal error: no room left for page tables");
	b->next += PAGE_SIZE;
	memset(t, 0, PAGE_SIZE);
	return t;
}

static uint64_t *next_level(struct walk *w, uint64_t *t, uint64_t va, int shift)
{
	uint64_t *e = &t[(va >> shift) & INDEX_MASK];

	if (!(*e & PTE_P))
		*e = (uint64_t)new_table(w->block) | PTE_P | PTE_W;
	return (uint64_t *)(*e & PTE_ADDR);
}

/* Map one page of 4 KiB (leaf_shift PT_SHIFT) or 2 MiB (PD_SHIFT). */
static void map(struct walk *w, uint64_t va, uint64_t pa, uint64_t flags, int leaf_shift)
{
	uint64_t *t = w->pml4;

	for (int shift = PML4_SHIFT; shift > leaf_shift; shift -= 9)
		t = next_level(w, t, va, shift);
	t = &t[(va >> leaf_shift) & INDEX_MASK];
	if (*t & PTE_P)
		loader_fail("loader: kernel segments overlap");
	*t = pa | flags | PTE_P | (leaf_shift == PD_SHIFT ? PTE_PS : 0);
}

struct segment_ctx {
	struct walk *walk;
	const struct paging_plan *plan;
};

static void map_segment(void *ctx, uint64_t vaddr, uint64_t memsz, bool writable,
			bool executable)
{
	struct segment_ctx *c = ctx;
	uint64_t flags = (writable ? PTE_W : 0) | (executable ? 0 : c->walk->nx);
	uint64_t phys = c->plan->kernel_phys + vaddr - c->plan->kernel->vmin;

	for (uint64_t off = 0; off < memsz; off += PAGE_SIZE)
		map(c->walk, vaddr + off, phys + off, flags, PT_SHIFT);
}

static void map_identity_trampoline(struct walk *w, uint64_t code)
{
	uint64_t first = code & ~(PAGE_2M - 1);
	uint64_t last = (code + TRAMPOLINE_SPAN) & ~(PAGE_2M - 1);

	if (last >= IDENTITY_LIMIT)
		loader_fail("loader: the loader runs above 512 GiB; it cannot jump from there");
	for (uint64_t pa = first; pa <= last; pa += PAGE_2M)
		map(w, pa, pa, 0, PD_SHIFT);
}

uint64_t paging_build(const struct paging_plan *plan, struct block *b)
{
	struct walk w = { .block = b, .nx = plan->nx ? PTE_NX : 0 };
	struct segment_ctx seg = { &w, plan };

	w.pml4 = new_table(b);
	for (uint64_t pa = 0; pa < plan->phys_gib * GIB; pa += PAGE_2M)
		map(&w, BOOT_PHYS_OFFSET + pa, pa, PTE_W | w.nx, PD_SHIFT);
	elf_for_each_load(plan->kernel, map_segment, &seg);
	for (uint64_t off = 0; off < BOOT_STACK_SIZE; off += PAGE_SIZE)
		map(&w, BOOT_STACK_TOP - BOOT_STACK_SIZE + off, plan->stack_phys + off,
		    PTE_W | w.nx, PT_SHIFT);
	map_identity_trampoline(&w, plan->trampoline);
	return (uint64_t)w.pml4;
}

uint64_t paging_tables_bound(const struct kernel_image *k, uint64_t phys_gib)
{
	uint64_t span = k->vmax - k->vmin;
	uint64_t pml4 = 1, phys = 1 + phys_gib, identity = 1 + 2;
	uint64_t high = 1 + 2 /* stack: PD, PT */ + (span >> PDPT_SHIFT) + 2 +
			(span >> PD_SHIFT) + 2;

	return pml4 + phys + identity + high;
}
