/* The kernel image's main: greeting, the memory map, then idle. */
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "console.h"
#include "drivers/vga.h"
#include "kernel.h"
#include "mm/frame.h"
#include "mm/heap.h"

#define MIB (1024ull * 1024)

static const char *mem_type_name(uint32_t type)
{
	switch (type) {
	case BOOT_MEM_USABLE:       return "usable";
	case BOOT_MEM_RESERVED:     return "reserved";
	case BOOT_MEM_ACPI_RECLAIM: return "ACPI reclaimable";
	case BOOT_MEM_ACPI_NVS:     return "ACPI NVS";
	case BOOT_MEM_BAD:          return "bad";
	default:                    return "unknown";
	}
}

static void print_memory_map(const struct boot_info *bi)
{
	uint64_t usable = 0;

	kprintf("Memory map (%u regions):\n", bi->mmap_count);
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct boot_mmap_entry *e = &bi->mmap[i];

		kprintf("  %016llx-%016llx %8llu KiB  %s\n",
			(unsigned long long)e->base,
			(unsigned long long)(e->base + e->length - 1),
			(unsigned long long)(e->length / 1024),
			mem_type_name(e->type));
		if (e->type == BOOT_MEM_USABLE)
			usable += e->length;
	}
	kprintf("Usable: %llu MiB (%llu KiB)\n", (unsigned long long)(usable / MIB),
		(unsigned long long)(usable / 1024));
}

static void print_memory_use(void)
{
	struct heap_stats h;

	heap_stats(&h);
	kprintf("Frames: %llu free, %llu used of %llu (4 KiB each)\n",
		(unsigned long long)frame_free_count(),
		(unsigned long long)frame_used_count(),
		(unsigned long long)frame_total_count());
	kprintf("Heap (%s): %llu KiB mapped, %zu bytes in %zu blocks, %zu free\n",
		h.allocator, (unsigned long long)h.mapped_bytes / 1024,
		h.alloc.used_bytes, h.alloc.live, h.alloc.free_bytes);
}

void kernel_run(const struct boot_info *bi)
{
	vga_set_color(VGA_LIGHT_GREEN, VGA_BLACK);
	kprintf("Hello from the kernel!\n");
	vga_set_color(VGA_LIGHT_GREY, VGA_BLACK);
	kprintf("Loaded at physical 0x%llx-0x%llx, command line \"%s\"\n",
		(unsigned long long)bi->kernel_phys_start,
		(unsigned long long)bi->kernel_phys_end, bi->cmdline);
	print_memory_map(bi);
	print_memory_use();
	kprintf("Idle. (Quit QEMU: Ctrl-A then X on a terminal.)\n");
	for (;;)
		irq_enable_and_halt();
}
