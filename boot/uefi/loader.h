/* The UEFI loader's parts (the .c files of boot/uefi) and what they share: the kernel
 * being loaded, the loader's one block of memory, and x86 port I/O.
 * The steps are in main.c; docs/boot.md describes them.
 */
#ifndef UEFI_LOADER_H
#define UEFI_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot_info.h"
#include "efi.h"

#define PAGE_SIZE             4096ull
#define PAGE_ROUND_UP(x)      (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define GIB                   (1ull << 30)

/* The kernel ELF as read and checked (elf.c). */
struct kernel_image {
	const uint8_t *file;      /* the ELF file in memory */
	uint64_t file_size;
	uint64_t entry;
	uint64_t vmin, vmax;      /* page-aligned span of the PT_LOAD segments */
};

/* The loader's block: everything the kernel keeps, in one allocation that
 * boot_info's loader_phys_start/end covers (main.c lays it out).
 */
struct block {
	uint64_t start, end;      /* physical; identity-mapped under UEFI */
	uint64_t next;            /* bump pointer for page tables */
};

/* output.c: "loader: ..." lines on COM1 and on the screen, then halt. */
void output_init(struct efi_system_table *st);
__attribute__((noreturn)) void loader_fail(const char *msg);
__attribute__((noreturn)) void loader_fail_status(const char *msg, efi_status s);
/* After ExitBootServices only COM1 is left. */
void output_boot_services_gone(void);

/* elf.c: NULL when the file is a kernel this loader can load (filling k),
 * else the "loader: ..." message saying why not. */
const char *elf_check(const uint8_t *file, uint64_t size, struct kernel_image *k);
/* Copy each PT_LOAD segment to phys + (vaddr - vmin), zeroing the rest of
 * [phys, phys + vmax - vmin) (the .bss). */
void elf_place(const struct kernel_image *k, uint64_t phys);
/* Calls fn(ctx, vaddr, memsz, writable, executable) for each PT_LOAD. */
void elf_for_each_load(const struct kernel_image *k,
		       void (*fn)(void *ctx, uint64_t vaddr, uint64_t memsz,
				  bool writable, bool executable),
		       void *ctx);

/* paging.c: the kernel's 4-level tables; physical addresses of the tables
 * come from the block's bump pointer. Fails through loader_fail(). */
struct paging_plan {
	const struct kernel_image *kernel;
	uint64_t kernel_phys;     /* where elf_place() put the segments */
	uint64_t stack_phys;      /* BOOT_STACK_SIZE bytes */
	uint64_t phys_gib;        /* GiB of physical memory to map */
	uint64_t trampoline;      /* identity-mapped, executable: the jump */
	bool nx;                  /* EFER.NXE will be set */
};
uint64_t paging_build(const struct paging_plan *plan, struct block *b);
/* Pages paging_build() may take for this plan, at most. */
uint64_t paging_tables_bound(const struct kernel_image *k, uint64_t phys_gib);

/* memmap.c: the UEFI memory map converted to boot_info's E820 types, sorted
 * and merged. Returns false if it needs more than BOOT_MMAP_MAX entries. */
bool memmap_convert(const void *map, uint64_t map_size, uint64_t desc_size,
		    struct boot_info *bi);
/* End of the highest address the map describes. */
uint64_t memmap_top(const void *map, uint64_t map_size, uint64_t desc_size);

/* cmdline.c: boot_info's command line from the image header's words, the
 * UEFI load options and QEMU's fw_cfg opt/cmdline. Fails through
 * loader_fail() when it does not fit. */
void cmdline_build(char *out, const char *builtin, efi_handle image,
		   const struct efi_loaded_image *li, struct efi_boot_services *bs);

/* disk.c: the kernel file and the image header's built-in words. */
void disk_read_kernel(const struct efi_loaded_image *li, struct efi_boot_services *bs,
		      uint8_t **file, uint64_t *size);
void disk_read_builtin_cmdline(const struct efi_loaded_image *li,
			       struct efi_boot_services *bs, char *out);

/* handoff.c: firmware facts for boot_info, leaving boot services, the jump. */
void handoff_framebuffer(struct efi_system_table *st, struct boot_framebuffer *fb);
uint64_t handoff_acpi_rsdp(const struct efi_system_table *st);
void handoff_exit_boot_services(efi_handle image, struct efi_boot_services *bs,
				struct boot_info *bi);
void *handoff_trampoline(void);
__attribute__((noreturn)) void handoff_enter_kernel(uint64_t pml4, uint64_t gdt_phys,
						    uint64_t boot_info_phys, uint64_t entry,
						    bool nx);
void handoff_write_gdt(uint64_t phys);

/* lib.c: what the compiler may call. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* Port I/O (COM1, the PICs, QEMU's fw_cfg). */
static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline __attribute__((noreturn)) void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

#endif /* UEFI_LOADER_H */
