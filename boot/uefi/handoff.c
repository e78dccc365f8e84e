/* Leaving the firmware and entering the kernel: the GOP framebuffer (UEFI
 * 2.10, 12.9) and the ACPI RSDP (4.6 configuration tables) for boot_info,
 * ExitBootServices with a fresh memory map key on each try (7.4), then the
 * machine state docs/boot.md promises (Intel SDM vol. 3A, 9.8.5
 * "Initializing IA-32e mode"): interrupts off, PICs masked, EFER.NXE,
 * CR0.WP, the kernel's tables, a GDT like stage2's, and the jump.
 */
#include "loader.h"

#define GDT_NULL          0
#define GDT_CODE64        0x00af9a000000ffffull   /* 0x08: 64-bit code, ring 0 */
#define GDT_DATA          0x00cf92000000ffffull   /* 0x10: data */
#define GDT_ENTRIES       3
#define PIC1_DATA         0x21
#define PIC2_DATA         0xa1
#define PIC_MASK_ALL      0xff
#define MSR_EFER          0xc0000080
#define EFER_NXE          (1u << 11)
#define EBS_TRIES         8
#define MAP_SLACK_ENTRIES 16     /* the map grows with the pool it is read into */
#define RGBX_RED          0x000000ffu
#define RGBX_GREEN        0x0000ff00u
#define RGBX_BLUE         0x00ff0000u
#define BYTES_PER_PIXEL   4

/* What the jump needs, read into registers before CR3 changes. */
struct jump {
	uint64_t cr3;
	uint16_t pad[3];          /* puts the GDTR's base on 8 bytes */
	uint16_t gdt_limit;
	uint64_t gdt_base;
	uint64_t boot_info;
	uint64_t entry;
	uint64_t stack_top;
};
_Static_assert(offsetof(struct jump, gdt_limit) == 14, "jump.gdt_limit");
_Static_assert(offsetof(struct jump, boot_info) == 24, "jump.boot_info");
_Static_assert(offsetof(struct jump, stack_top) == 40, "jump.stack_top");

static bool guid_eq(const struct efi_guid *a, const struct efi_guid *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static uint32_t pixel_format(const struct efi_gop_mode_info *info)
{
	if (info->pixel_format == EFI_PIXEL_RGBX8)
		return BOOT_FB_RGBX;
	if (info->pixel_format == EFI_PIXEL_BGRX8)
		return BOOT_FB_BGRX;
	if (info->pixel_format != EFI_PIXEL_BIT_MASK || info->green_mask != RGBX_GREEN)
		return BOOT_FB_NONE;
	if (info->red_mask == RGBX_RED && info->blue_mask == RGBX_BLUE)
		return BOOT_FB_RGBX;
	if (info->red_mask == RGBX_BLUE && info->blue_mask == RGBX_RED)
		return BOOT_FB_BGRX;
	return BOOT_FB_NONE;
}

/* The first graphics output with a linear framebuffer we can draw on, in
 * its current mode; none leaves fb zero (the kernel has serial only). */
void handoff_framebuffer(struct efi_system_table *st, struct boot_framebuffer *fb)
{
	static const struct efi_guid gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;
	struct efi_boot_services *bs = st->boot_services;
	efi_handle *handles;
	uint64_t count;

	memset(fb, 0, sizeof(*fb));
	if (EFI_ERROR(bs->locate_handle_buffer(EFI_BY_PROTOCOL, &gop_guid, NULL, &count,
					       &handles)))
		return;
	for (uint64_t i = 0; i < count; i++) {
		struct efi_gop *gop;
		const struct efi_gop_mode_info *info;

		if (EFI_ERROR(bs->handle_protocol(handles[i], &gop_guid, (void **)&gop)))
			continue;
		info = gop->mode->info;
		if (!gop->mode->frame_buffer_base || pixel_format(info) == BOOT_FB_NONE)
			continue;
		*fb = (struct boot_framebuffer){ gop->mode->frame_buffer_base, info->width,
			info->height, info->pixels_per_scan_line * BYTES_PER_PIXEL,
			pixel_format(info) };
		break;
	}
	bs->free_pool(handles);
}

uint64_t handoff_acpi_rsdp(const struct efi_system_table *st)
{
	static const struct efi_guid acpi20 = EFI_ACPI_20_TABLE_GUID;
	static const struct efi_guid acpi10 = EFI_ACPI_10_TABLE_GUID;
	uint64_t rsdp = 0;

	for (uint64_t i = 0; i < st->number_of_table_entries; i++) {
		const struct efi_configuration_table *t = &st->configuration_table[i];

		if (guid_eq(&t->vendor_guid, &acpi20))
			return (uint64_t)t->vendor_table;
		if (guid_eq(&t->vendor_guid, &acpi10))
			rsdp = (uint64_t)t->vendor_table;
	}
	return rsdp;
}

static void *map_buffer(struct efi_boot_services *bs, uint64_t *cap)
{
	uint64_t size = 0, key, desc_size = 0;
	uint32_t version;
	void *map;
	efi_status s = bs->get_memory_map(&size, NULL, &key, &desc_size, &version);

	if (s != EFI_BUFFER_TOO_SMALL)
		loader_fail_status("loader: cannot read the UEFI memory map", s);
	*cap = size + MAP_SLACK_ENTRIES * desc_size;
	s = bs->allocate_pool(EFI_LOADER_DATA, *cap, &map);
	if (EFI_ERROR(s))
		loader_fail_status("loader: not enough memory for the UEFI memory map", s);
	return map;
}

/* Read the final memory map into bi and leave boot services. When the map
 * changed under us, the spec allows only GetMemoryMap and another try. */
void handoff_exit_boot_services(efi_handle image, struct efi_boot_services *bs,
				struct boot_info *bi)
{
	uint64_t cap, size, key, desc_size;
	uint32_t version;
	void *map = map_buffer(bs, &cap);
	efi_status s = EFI_SUCCESS;

	for (int tries = 0; tries < EBS_TRIES; tries++) {
		size = cap;
		s = bs->get_memory_map(&size, map, &key, &desc_size, &version);
		if (EFI_ERROR(s))
			loader_fail_status("loader: cannot read the UEFI memory map", s);
		if (!memmap_convert(map, size, desc_size, bi))
			loader_fail("loader: the memory map has more than 128 regions");
		s = bs->exit_boot_services(image, key);
		output_boot_services_gone();    /* gone, or half gone on a failure */
		if (!EFI_ERROR(s))
			return;
	}
	loader_fail_status("loader: ExitBootServices failed", s);
}

void handoff_write_gdt(uint64_t phys)
{
	uint64_t *gdt = (uint64_t *)phys;

	gdt[0] = GDT_NULL;
	gdt[1] = GDT_CODE64;
	gdt[2] = GDT_DATA;
}

/* The jump (RCX = struct jump *, Microsoft x64 convention): runs from an
 * identity-mapped page once CR3 holds the kernel's tables. */
__attribute__((naked, noreturn)) static void jump(__attribute__((unused)) const struct jump *j)
{
	__asm__ volatile(
		"movq 0(%rcx), %rax\n\t"
		"lgdt 14(%rcx)\n\t"        /* base: the physical-memory alias */
		"movq 24(%rcx), %rdi\n\t"
		"movq 32(%rcx), %rsi\n\t"
		"movq 40(%rcx), %rdx\n\t"
		"movq %rax, %cr3\n\t"
		"movq %rdx, %rsp\n\t"
		"movq %cr0, %rax\n\t"
		"orq $0x10000, %rax\n\t"   /* CR0.WP */
		"movq %rax, %cr0\n\t"
		"pushq $0x08\n\t"
		"leaq 1f(%rip), %rax\n\t"
		"pushq %rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movl $0x10, %eax\n\t"
		"movl %eax, %ds\n\t"
		"movl %eax, %es\n\t"
		"movl %eax, %ss\n\t"
		"xorl %eax, %eax\n\t"
		"movl %eax, %fs\n\t"
		"movl %eax, %gs\n\t"
		"pushq $0\n\t"             /* no return address */
		"xorl %ebp, %ebp\n\t"
		"jmp *%rsi\n\t");
}

void *handoff_trampoline(void)
{
	return (void *)jump;
}

void handoff_enter_kernel(uint64_t pml4, uint64_t gdt_phys, uint64_t boot_info_phys,
			  uint64_t entry, bool nx)
{
	struct jump j = {
		.cr3 = pml4,
		.gdt_limit = GDT_ENTRIES * sizeof(uint64_t) - 1,
		.gdt_base = BOOT_PHYS_OFFSET + gdt_phys,
		.boot_info = BOOT_PHYS_OFFSET + boot_info_phys,
		.entry = entry,
		.stack_top = BOOT_STACK_TOP,
	};

	__asm__ volatile("cli");
	outb(PIC1_DATA, PIC_MASK_ALL);
	outb(PIC2_DATA, PIC_MASK_ALL);
	if (nx) {
		uint32_t lo, hi;

		__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_EFER));
		lo |= EFER_NXE;
		__asm__ volatile("wrmsr" : : "a"(lo), "d"(hi), "c"(MSR_EFER));
	}
	jump(&j);
}
