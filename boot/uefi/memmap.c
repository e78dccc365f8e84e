/* The UEFI memory map (UEFI 2.10, 7.2 GetMemoryMap) in boot_info's E820
 * terms (ACPI 6.4, 15 "System Address Map Interfaces", table 15.6 maps UEFI
 * types to address range types): memory free once boot services are gone
 * is usable, ACPI tables stay ACPI, runtime services and devices are
 * reserved. Entries come out sorted, adjacent ones of a type merged.
 */
#include "loader.h"

#define E820_ATTR_ENABLED 1     /* ACPI 3.0 extended attribute: valid entry */

static uint32_t e820_type(uint32_t efi_type)
{
	switch (efi_type) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:           /* the loader's block is loader_phys_* */
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
	case EFI_CONVENTIONAL_MEMORY:
		return BOOT_MEM_USABLE;
	case EFI_UNUSABLE_MEMORY:
		return BOOT_MEM_BAD;
	case EFI_ACPI_RECLAIM_MEMORY:
		return BOOT_MEM_ACPI_RECLAIM;
	case EFI_ACPI_MEMORY_NVS:
		return BOOT_MEM_ACPI_NVS;
	default:                        /* runtime services, MMIO, persistent, */
		return BOOT_MEM_RESERVED;   /* unaccepted, OS-defined types */
	}
}

static const struct efi_memory_descriptor *desc(const void *map, uint64_t i,
						 uint64_t desc_size)
{
	return (const struct efi_memory_descriptor *)((const uint8_t *)map + i * desc_size);
}

/* The entry with the lowest start above after (or at it, when first). */
static const struct efi_memory_descriptor *next_entry(const void *map, uint64_t n,
						      uint64_t desc_size,
						      uint64_t after, bool first)
{
	const struct efi_memory_descriptor *best = NULL;

	for (uint64_t i = 0; i < n; i++) {
		const struct efi_memory_descriptor *d = desc(map, i, desc_size);

		if ((d->physical_start > after || (first && d->physical_start == after)) &&
		    d->number_of_pages &&
		    (!best || d->physical_start < best->physical_start))
			best = d;
	}
	return best;
}

bool memmap_convert(const void *map, uint64_t map_size, uint64_t desc_size,
		    struct boot_info *bi)
{
	uint64_t n = map_size / desc_size, at = 0;
	bool first = true;
	const struct efi_memory_descriptor *d;

	bi->mmap_count = 0;
	while ((d = next_entry(map, n, desc_size, at, first)) != NULL) {
		struct boot_mmap_entry *prev = bi->mmap_count ? &bi->mmap[bi->mmap_count - 1] : NULL;
		uint64_t len = d->number_of_pages * EFI_PAGE_SIZE;
		uint32_t type = e820_type(d->type);

		first = false;
		at = d->physical_start;
		if (prev && prev->type == type &&
		    prev->base + prev->length == d->physical_start) {
			prev->length += len;
			continue;
		}
		if (bi->mmap_count == BOOT_MMAP_MAX)
			return false;
		bi->mmap[bi->mmap_count++] = (struct boot_mmap_entry){
			d->physical_start, len, type, E820_ATTR_ENABLED };
	}
	return true;
}

uint64_t memmap_top(const void *map, uint64_t map_size, uint64_t desc_size)
{
	uint64_t top = 0;

	for (uint64_t i = 0; i < map_size / desc_size; i++) {
		const struct efi_memory_descriptor *d = desc(map, i, desc_size);
		uint64_t end = d->physical_start + d->number_of_pages * EFI_PAGE_SIZE;

		if (end > top)
			top = end;
	}
	return top;
}
