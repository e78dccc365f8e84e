/* The kernel image's main: greeting, the memory map, then the executor runs
 * two tasks: the keyboard echo and a status line redrawn every second.
 */
#include <stdint.h>

#include "arch/x86_64/pit.h"
#include "console.h"
#include "drivers/keyboard.h"
#include "drivers/vga.h"
#include "kernel.h"
#include "lib/printf.h"
#include "mm/frame.h"
#include "mm/heap.h"
#include "panic.h"
#include "task/executor.h"
#include "task/keyboard_task.h"
#include "task/sleep.h"

#define MIB (1024ull * 1024)
#define MS_PER_S        1000
#define STATUS_ROW      0

static struct executor executor;
static uint64_t keys_pressed;

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

static void print_boot(const struct boot_info *bi)
{
	static const char *const methods[] = {
		[BOOT_METHOD_BIOS] = "a BIOS", [BOOT_METHOD_PVH] = "PVH",
		[BOOT_METHOD_UEFI] = "UEFI",
	};
	const char *method = bi->boot_method < sizeof(methods) / sizeof(methods[0]) &&
			     methods[bi->boot_method] ? methods[bi->boot_method] : "?";
	const struct boot_framebuffer *fb = &bi->framebuffer;

	if (fb->phys)
		kprintf("Booted by %s; screen: framebuffer %ux%u at 0x%llx\n", method,
			fb->width, fb->height, (unsigned long long)fb->phys);
	else
		kprintf("Booted by %s; screen: VGA text mode\n", method);
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

static bool count_and_echo(const struct key_event *ev, void *ctx)
{
	keys_pressed += ev->pressed;
	return keyboard_task_echo(ev, ctx);
}

/* The example task: redraw the status line, sleep a second, again. */
struct status_task {
	struct sleep sleep;
	bool sleeping;
};

static enum task_poll status_poll(void *state, const struct waker *w)
{
	struct status_task *s = state;

	for (;;) {
		if (!s->sleeping) {
			draw_status(keys_pressed);
			sleep_start(&s->sleep, MS_PER_S);
			s->sleeping = true;
		}
		if (sleep_poll(&s->sleep, w) == TASK_PENDING)
			return TASK_PENDING;
		s->sleeping = false;
	}
}

/* Run the tasks; the CPU halts whenever none is ready. */
__attribute__((noreturn)) static void run_tasks(void)
{
	struct status_task status = { .sleeping = false };

	executor_init(&executor, &executor_kernel_ops);
	if (!keyboard_task_spawn(&executor, count_and_echo, NULL) ||
	    !task_spawn(&executor, status_poll, &status, sizeof(status)))
		panic("main: cannot spawn the kernel's tasks");
	executor_run(&executor);
	panic("main: every task finished");
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
	print_boot(bi);
	print_memory_map(bi);
	print_memory_use();
	kprintf("Type on the VGA window; keys echo here and on COM1. "
		"(Quit QEMU: Ctrl-A then X on a terminal.)\n");
	run_tasks();
}
