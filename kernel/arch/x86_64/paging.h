/* x86-64 4-level paging: walk, translate, map and unmap through the loader's
 * physical-memory map (Intel SDM vol 3, 4.5).
 */
#ifndef ARCH_X86_64_PAGING_H
#define ARCH_X86_64_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#define PAGE_SIZE_4K     0x1000ull
#define PAGE_SIZE_2M     0x200000ull
#define PAGE_SIZE_1G     0x40000000ull

#define PTE_PRESENT      (1ull << 0)
#define PTE_WRITABLE     (1ull << 1)
#define PTE_USER         (1ull << 2)
#define PTE_WRITE_THROUGH (1ull << 3)   /* PWT */
#define PTE_NO_CACHE     (1ull << 4)    /* PCD */
#define PTE_ACCESSED     (1ull << 5)
#define PTE_DIRTY        (1ull << 6)
#define PTE_HUGE         (1ull << 7)    /* 2 MiB / 1 GiB page (PS) */
#define PTE_GLOBAL       (1ull << 8)
#define PTE_NX           (1ull << 63)
#define PTE_ADDR_MASK    0x000ffffffffff000ull

/* The flags paging_map() and paging_protect() take; others are ignored. */
#define PAGING_MAP_FLAGS (PTE_WRITABLE | PTE_USER | PTE_WRITE_THROUGH | \
			  PTE_NO_CACHE | PTE_GLOBAL | PTE_NX)

/* Error codes returned by paging functions. */
#define PAGING_OK             0
#define PAGING_NOT_MAPPED    -1
#define PAGING_ALREADY_MAPPED -2
#define PAGING_NO_MEMORY     -3
#define PAGING_HUGE_PAGE     -4   /* the range is covered by a 2 MiB/1 GiB page */
#define PAGING_BAD_ADDRESS   -5   /* not page aligned, or not canonical */

struct translation {
	uint64_t phys;       /* physical address of virt */
	uint64_t page_size;  /* size of the page mapping it */
	uint64_t flags;      /* the leaf entry's flag bits */
};

/* Translate virt in the current address space. False if not mapped.
 * Safe in any context (reads the tables only).
 */
bool paging_translate(uint64_t virt, struct translation *out);

/* paging_translate() in the tables whose PML4 is at physical pml4. */
bool paging_translate_in(uint64_t pml4, uint64_t virt, struct translation *out);

/* The raw entry for virt at level (4 = PML4 ... 1 = page table) of the
 * current tables; 0 when the walk stops above that level (an absent table, or
 * a huge page). For tests and diagnostics.
 */
uint64_t paging_entry(uint64_t virt, int level);

/* Whether the CPU honours PTE_NX (EFER.NXE). When it does not, the map
 * functions drop PTE_NX: the bit would be reserved and fault.
 */
bool paging_nx_enabled(void);

/* Returns a zeroed physical 4 KiB frame for a new table, or 0 if none. */
typedef uint64_t (*paging_frame_alloc_fn)(void);

/* Map the 4 KiB page virt -> phys (both page aligned, virt canonical) with
 * PAGING_MAP_FLAGS bits (PTE_PRESENT implied), allocating intermediate tables
 * with alloc. A PTE_USER page makes every table above it allow user access.
 * Returns PAGING_OK, or PAGING_ALREADY_MAPPED (nothing changed),
 * PAGING_NO_MEMORY, PAGING_HUGE_PAGE, PAGING_BAD_ADDRESS. Not locked: callers
 * serialise changes to one address range.
 */
int paging_map(uint64_t virt, uint64_t phys, uint64_t flags,
	       paging_frame_alloc_fn alloc);

/* Unmap the 4 KiB page holding virt and flush it from the TLB. Returns
 * PAGING_OK, PAGING_NOT_MAPPED or PAGING_HUGE_PAGE. Tables are not freed.
 */
int paging_unmap(uint64_t virt);

/* Change the flags of the mapped 4 KiB page holding virt, as paging_map()
 * takes them, and flush it from the TLB. Returns as paging_unmap().
 */
int paging_protect(uint64_t virt, uint64_t flags);

/* Page tables paging_map() has added since boot, which stay (tables are
 * never freed): a test runner counts them out of a case's frames. */
uint64_t paging_tables_created(void);

#endif
