/* The kernel image's main: greeting, the memory map, then an idle loop that
 * echoes typed keys and keeps a status line with the tick count.
 */
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pit.h"
#include "console.h"
#include "drivers/keyboard.h"
#include "drivers/vga.h"
#include "kernel.h"
#include "lib/printf.h"
#include "mm/frame.h"
#include "mm/heap.h"

#define MIB (1024ull * 1024)
#define MS_PER_S        1000
#define STATUS_ROW      0
#define ASCII_DEL       0x7f
#define ASCII_CTRL_FLIP 0x40    /* ctrl+C is 0x03: '^' then 0x03 ^ 0x40 = 'C' */

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

/* Echo one key press: its character, ^X for control codes, <name> for keys
 * that type nothing (arrows, F keys), nothing for modifiers and releases.
 */
static void echo_key(const struct key_event *ev)
{
	unsigned char c = (unsigned char)ev->ch;

	if (!ev->pressed)
		return;
	if (c == '\b')
		kprintf("\b \b");
	else if (c == '\n' || c == '\t' || (c >= ' ' && c < ASCII_DEL))
		kprintf("%c", c);
	else if (c)
		kprintf("^%c", c ^ ASCII_CTRL_FLIP);
	else if (!scancode_is_modifier(ev->key))
		kprintf("<%s>", scancode_key_name(ev->key));
}

static void draw_status(uint64_t keys)
{
	char line[VGA_COLS + 1];

	ksnprintf(line, sizeof(line), " uptime %llu s | ticks %llu at %u Hz | "
		  "keys %llu | dropped %llu%*s",
		  (unsigned long long)(pit_millis() / MS_PER_S),
		  (unsigned long long)pit_ticks(), pit_hz(),
		  (unsigned long long)keys,
		  (unsigned long long)keyboard_dropped(), VGA_COLS, "");
	vga_write_at(STATUS_ROW, 0, line, VGA_BLACK, VGA_LIGHT_GREY);
}

/* Echo keys and refresh the status line once a second; halt in between
 * (the timer or the keyboard wakes the CPU).
 */
__attribute__((noreturn)) static void echo_loop(void)
{
	uint64_t keys = 0, shown = UINT64_MAX;
	struct key_event ev;

	for (;;) {
		while (keyboard_poll(&ev)) {
			keys += ev.pressed;
			echo_key(&ev);
		}
		if (pit_millis() / MS_PER_S != shown) {
			shown = pit_millis() / MS_PER_S;
			draw_status(keys);
		}
		irq_disable();
		if (keyboard_pending())
			irq_enable();
		else
			irq_enable_and_halt();
	}
}

void kernel_run(const struct boot_info *bi)
{
	vga_reserve_top(STATUS_ROW + 1);
	vga_set_color(VGA_LIGHT_GREEN, VGA_BLACK);
	kprintf("Hello from the kernel!\n");
	vga_set_color(VGA_LIGHT_GREY, VGA_BLACK);
	kprintf("Loaded at physical 0x%llx-0x%llx, command line \"%s\"\n",
		(unsigned long long)bi->kernel_phys_start,
		(unsigned long long)bi->kernel_phys_end, bi->cmdline);
	print_memory_map(bi);
	print_memory_use();
	kprintf("Type on the VGA window; keys echo here and on COM1. "
		"(Quit QEMU: Ctrl-A then X on a terminal.)\n");
	echo_loop();
}
