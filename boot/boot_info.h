/* boot_info: the one structure every way into the kernel hands it at entry.
 *
 * The BIOS loader in boot/, the PVH entry and the UEFI loader fill it. The
 * BI_* offsets below are also read by the nasm loader (tools/h2inc.py turns
 * the #define lines of this file into boot_info.inc), and the static asserts
 * keep the C layout and those offsets in step. See docs/boot.md.
 */
#ifndef BOOT_INFO_H
#define BOOT_INFO_H

#define BOOT_INFO_MAGIC       0x4f464e49544f4f42 /* "BOOTINFO" little-endian */
#define BOOT_INFO_VERSION     2
#define BOOT_MMAP_MAX         128
#define BOOT_CMDLINE_MAX      4096   /* bytes, the terminating NUL included */

/* How the kernel was entered (boot_method). */
#define BOOT_METHOD_BIOS      1      /* boot/: boot sector, second stage */
#define BOOT_METHOD_PVH       2      /* PVH direct boot (QEMU -kernel) */
#define BOOT_METHOD_UEFI      3      /* the UEFI loader */

/* Framebuffer pixel layouts (framebuffer.format): 32 bits per pixel. */
#define BOOT_FB_NONE          0      /* no framebuffer: VGA text mode, if any */
#define BOOT_FB_RGBX          1      /* byte 0 red, 1 green, 2 blue */
#define BOOT_FB_BGRX          2      /* byte 0 blue, 1 green, 2 red */

/* Memory map entry types: the E820 ones (a UEFI loader maps its types to
 * these). */
#define BOOT_MEM_USABLE       1
#define BOOT_MEM_RESERVED     2
#define BOOT_MEM_ACPI_RECLAIM 3
#define BOOT_MEM_ACPI_NVS     4
#define BOOT_MEM_BAD          5

/* Fixed virtual layout set up by the loader. */
#define BOOT_PHYS_OFFSET      0xffff800000000000 /* all RAM mapped here */
#define BOOT_STACK_TOP        0xffffffff7ffff000 /* kernel stack grows down */
#define BOOT_STACK_SIZE       0x10000            /* 64 KiB, guard page below */

/* Byte offsets inside struct boot_info. */
#define BI_MAGIC              0
#define BI_VERSION            8
#define BI_SIZE               12
#define BI_PHYS_OFFSET        16
#define BI_KERNEL_PHYS_START  24
#define BI_KERNEL_PHYS_END    32
#define BI_KERNEL_VIRT_START  40
#define BI_KERNEL_ELF_PHYS    48
#define BI_KERNEL_ELF_SIZE    56
#define BI_LOADER_PHYS_START  64
#define BI_LOADER_PHYS_END    72
#define BI_STACK_TOP          80
#define BI_STACK_SIZE         88
#define BI_MMAP_COUNT         96
#define BI_BOOT_DRIVE         100
#define BI_BOOT_METHOD        104
#define BI_FLAGS              108
#define BI_FB_PHYS            112
#define BI_FB_WIDTH           120
#define BI_FB_HEIGHT          124
#define BI_FB_PITCH           128
#define BI_FB_FORMAT          132
#define BI_ACPI_RSDP          136
#define BI_RESERVED           144
#define BI_MMAP               208
#define BI_CMDLINE            3280
#define BI_TOTAL_SIZE         7376
#define BI_MMAP_ENTRY_SIZE    24

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

/* One E820 entry, ACPI 3.0 layout. */
struct boot_mmap_entry {
	uint64_t base;
	uint64_t length;
	uint32_t type;          /* BOOT_MEM_* */
	uint32_t attr;          /* ACPI 3.0 extended attributes, 1 if absent */
};

/* A linear framebuffer (UEFI GOP); phys == 0 when there is none. */
struct boot_framebuffer {
	uint64_t phys;          /* physical address of pixel (0, 0) */
	uint32_t width;         /* pixels */
	uint32_t height;
	uint32_t pitch;         /* bytes from one scan line to the next */
	uint32_t format;        /* BOOT_FB_* */
};

struct boot_info {
	uint64_t magic;             /* BOOT_INFO_MAGIC */
	uint32_t version;           /* BOOT_INFO_VERSION */
	uint32_t size;              /* sizeof(struct boot_info) as filled */
	uint64_t phys_offset;       /* virtual = phys_offset + physical */
	uint64_t kernel_phys_start; /* the kernel's loaded segments */
	uint64_t kernel_phys_end;
	uint64_t kernel_virt_start; /* lowest segment address */
	uint64_t kernel_elf_phys;   /* the kernel's ELF file, kept for symbols */
	uint64_t kernel_elf_size;
	uint64_t loader_phys_start; /* everything the loader placed above 1 MiB */
	uint64_t loader_phys_end;   /* (ELF, kernel, page tables, stack, this) */
	uint64_t stack_top;         /* virtual; an unmapped guard page lies */
	uint64_t stack_size;        /* just below stack_top - stack_size */
	uint32_t mmap_count;
	uint32_t boot_drive;        /* BIOS drive number, 0x80 = first disk; 0 */
				    /* when not booted by the BIOS */
	uint32_t boot_method;       /* BOOT_METHOD_* */
	uint32_t flags;             /* zero; none defined yet */
	struct boot_framebuffer framebuffer;
	uint64_t acpi_rsdp;         /* physical address of the ACPI RSDP, or 0 */
	uint64_t reserved[8];       /* zero; room to grow */
	struct boot_mmap_entry mmap[BOOT_MMAP_MAX];
	char cmdline[BOOT_CMDLINE_MAX]; /* NUL-terminated */
};

_Static_assert(sizeof(struct boot_mmap_entry) == BI_MMAP_ENTRY_SIZE, "mmap entry");
_Static_assert(offsetof(struct boot_info, magic) == BI_MAGIC, "magic");
_Static_assert(offsetof(struct boot_info, version) == BI_VERSION, "version");
_Static_assert(offsetof(struct boot_info, size) == BI_SIZE, "size");
_Static_assert(offsetof(struct boot_info, phys_offset) == BI_PHYS_OFFSET, "phys_offset");
_Static_assert(offsetof(struct boot_info, kernel_phys_start) == BI_KERNEL_PHYS_START, "kps");
_Static_assert(offsetof(struct boot_info, kernel_phys_end) == BI_KERNEL_PHYS_END, "kpe");
_Static_assert(offsetof(struct boot_info, kernel_virt_start) == BI_KERNEL_VIRT_START, "kvs");
_Static_assert(offsetof(struct boot_info, kernel_elf_phys) == BI_KERNEL_ELF_PHYS, "elf");
_Static_assert(offsetof(struct boot_info, kernel_elf_size) == BI_KERNEL_ELF_SIZE, "elfsz");
_Static_assert(offsetof(struct boot_info, loader_phys_start) == BI_LOADER_PHYS_START, "lps");
_Static_assert(offsetof(struct boot_info, loader_phys_end) == BI_LOADER_PHYS_END, "lpe");
_Static_assert(offsetof(struct boot_info, stack_top) == BI_STACK_TOP, "stack_top");
_Static_assert(offsetof(struct boot_info, stack_size) == BI_STACK_SIZE, "stack_size");
_Static_assert(offsetof(struct boot_info, mmap_count) == BI_MMAP_COUNT, "mmap_count");
_Static_assert(offsetof(struct boot_info, boot_drive) == BI_BOOT_DRIVE, "boot_drive");
_Static_assert(offsetof(struct boot_info, boot_method) == BI_BOOT_METHOD, "boot_method");
_Static_assert(offsetof(struct boot_info, flags) == BI_FLAGS, "flags");
_Static_assert(offsetof(struct boot_info, framebuffer.phys) == BI_FB_PHYS, "fb phys");
_Static_assert(offsetof(struct boot_info, framebuffer.width) == BI_FB_WIDTH, "fb width");
_Static_assert(offsetof(struct boot_info, framebuffer.height) == BI_FB_HEIGHT, "fb height");
_Static_assert(offsetof(struct boot_info, framebuffer.pitch) == BI_FB_PITCH, "fb pitch");
_Static_assert(offsetof(struct boot_info, framebuffer.format) == BI_FB_FORMAT, "fb format");
_Static_assert(offsetof(struct boot_info, acpi_rsdp) == BI_ACPI_RSDP, "acpi_rsdp");
_Static_assert(offsetof(struct boot_info, reserved) == BI_RESERVED, "reserved");
_Static_assert(offsetof(struct boot_info, mmap) == BI_MMAP, "mmap");
_Static_assert(offsetof(struct boot_info, cmdline) == BI_CMDLINE, "cmdline");
_Static_assert(sizeof(struct boot_info) == BI_TOTAL_SIZE, "total size");
#endif

#endif /* BOOT_INFO_H */
