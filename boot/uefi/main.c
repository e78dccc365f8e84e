/* The UEFI loader's entry point (UEFI 2.10, 4.1 EFI_IMAGE_ENTRY_POINT):
 * reads the kernel ELF from the EFI System Partition and enters it in the
 * state the BIOS loader leaves, with the same boot_info (boot/boot_info.h).
 * The steps and their failure messages: docs/boot.md, "The UEFI loader".
 */
#include "image.h"
#include "loader.h"

#define CPUID_EXT_FEATURES 0x80000001
#define CPUID_EXT_NX       (1u << 20)     /* EDX: no-execute */
#define MIN_PHYS_GIB       4              /* device memory below 4 GiB too */
#define MAX_PHYS_GIB       512            /* one PML4 entry of 1 GiB PDPT slots */

/* Where each part of the block goes (physical addresses), in this order. */
struct layout {
	uint64_t elf, kernel, stack, boot_info, gdt, tables, end;
};

static bool cpu_has_nx(void)
{
	uint32_t a = CPUID_EXT_FEATURES, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return d & CPUID_EXT_NX;
}

static struct efi_loaded_image *loaded_image(efi_handle image, struct efi_boot_services *bs)
{
	static const struct efi_guid guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
	struct efi_loaded_image *li;
	efi_status s = bs->handle_protocol(image, &guid, (void **)&li);

	if (EFI_ERROR(s))
		loader_fail_status("loader: no loaded image protocol", s);
	return li;
}

/* GiB of physical memory to map: past every address the memory map names
 * and the framebuffer, at least 4 GiB, at most 512. */
static uint64_t phys_gib(struct efi_boot_services *bs, const struct boot_framebuffer *fb)
{
	uint64_t size = 0, key, desc_size = 0, top;
	uint32_t version;
	void *map;
	efi_status s = bs->get_memory_map(&size, NULL, &key, &desc_size, &version);

	size += 8 * desc_size;
	if (s != EFI_BUFFER_TOO_SMALL ||
	    EFI_ERROR(bs->allocate_pool(EFI_LOADER_DATA, size, &map)) ||
	    EFI_ERROR(s = bs->get_memory_map(&size, map, &key, &desc_size, &version)))
		loader_fail_status("loader: cannot read the UEFI memory map", s);
	top = memmap_top(map, size, desc_size);
	bs->free_pool(map);
	if (fb->phys + (uint64_t)fb->pitch * fb->height > top)
		top = fb->phys + (uint64_t)fb->pitch * fb->height;
	top = (top + GIB - 1) / GIB;
	return top < MIN_PHYS_GIB ? MIN_PHYS_GIB : top > MAX_PHYS_GIB ? MAX_PHYS_GIB : top;
}

static struct layout allocate_block(struct efi_boot_services *bs,
				    const struct kernel_image *k, uint64_t gib)
{
	uint64_t kernel = PAGE_ROUND_UP(k->file_size);
	uint64_t stack = kernel + (k->vmax - k->vmin);
	uint64_t boot_info = stack + BOOT_STACK_SIZE;
	uint64_t gdt = boot_info + PAGE_ROUND_UP(sizeof(struct boot_info));
	uint64_t tables = gdt + PAGE_SIZE;
	uint64_t end = tables + paging_tables_bound(k, gib) * PAGE_SIZE;
	uint64_t start;
	efi_status s = bs->allocate_pages(EFI_ALLOCATE_ANY_PAGES, EFI_LOADER_DATA,
					  end / PAGE_SIZE, &start);

	if (EFI_ERROR(s))
		loader_fail_status("loader: not enough memory for the kernel", s);
	return (struct layout){ start, start + kernel, start + stack, start + boot_info,
				start + gdt, start + tables, start + end };
}

static void fill_boot_info(struct boot_info *bi, const struct layout *l,
			   const struct kernel_image *k)
{
	memset(bi, 0, sizeof(*bi));
	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->size = sizeof(*bi);
	bi->phys_offset = BOOT_PHYS_OFFSET;
	bi->kernel_phys_start = l->kernel;
	bi->kernel_phys_end = l->kernel + (k->vmax - k->vmin);
	bi->kernel_virt_start = k->vmin;
	bi->kernel_elf_phys = l->elf;
	bi->kernel_elf_size = k->file_size;
	bi->loader_phys_start = l->elf;
	bi->loader_phys_end = l->end;
	bi->stack_top = BOOT_STACK_TOP;
	bi->stack_size = BOOT_STACK_SIZE;
	bi->boot_drive = 0;
	bi->boot_method = BOOT_METHOD_UEFI;
}

/* Read and check the kernel, then copy it into its block: the ELF file
 * first (kept for the kernel's symbols), its segments after it. */
static struct kernel_image load_kernel(struct efi_loaded_image *li,
				       struct efi_boot_services *bs, uint64_t *gib,
				       struct layout *l, struct boot_framebuffer *fb)
{
	struct kernel_image k;
	uint8_t *file;
	uint64_t size;
	const char *err;

	disk_read_kernel(li, bs, &file, &size);
	err = elf_check(file, size, &k);
	if (err)
		loader_fail(err);
	handoff_framebuffer(li->system_table, fb);
	*gib = phys_gib(bs, fb);
	*l = allocate_block(bs, &k, *gib);
	memcpy((void *)l->elf, file, size);
	bs->free_pool(file);
	k.file = (const uint8_t *)l->elf;
	elf_place(&k, l->kernel);
	return k;
}

efi_status EFIAPI efi_main(efi_handle image, struct efi_system_table *st)
{
	struct efi_boot_services *bs = st->boot_services;
	struct efi_loaded_image *li;
	struct kernel_image k;
	struct boot_framebuffer fb;
	struct layout l;
	struct boot_info *bi;
	struct block b;
	uint64_t gib, pml4;
	char builtin[IMG_HDR_CMDLINE_MAX];
	bool nx = cpu_has_nx();

	output_init(st);
	li = loaded_image(image, bs);
	k = load_kernel(li, bs, &gib, &l, &fb);
	bi = (struct boot_info *)l.boot_info;
	fill_boot_info(bi, &l, &k);
	bi->framebuffer = fb;
	bi->acpi_rsdp = handoff_acpi_rsdp(st);
	disk_read_builtin_cmdline(li, bs, builtin);
	cmdline_build(bi->cmdline, builtin, image, li, bs);
	b = (struct block){ l.tables, l.end, l.tables };
	pml4 = paging_build(&(struct paging_plan){ &k, l.kernel, l.stack, gib,
			    (uint64_t)handoff_trampoline(), nx }, &b);
	handoff_write_gdt(l.gdt);
	handoff_exit_boot_services(image, bs, bi);
	handoff_enter_kernel(pml4, l.gdt, l.boot_info, k.entry, nx);
}
