/* The kernel image's main: greeting, the memory map, then the executor runs
 * the shell (typed on the keyboard or the serial port) and a status line
 * redrawn every second.
 */
#include <stdint.h>

#include "arch/x86_64/pit.h"
#include "console.h"
#include "drivers/keyboard.h"
#include "drivers/vga.h"
#include "init.h"
#include "lib/printf.h"
#include "lib/symbols.h"
#include "panic.h"
#include "task/executor.h"
#include "task/input.h"
#include "task/shell.h"
#include "task/sleep.h"

#define MS_PER_S        1000
#define STATUS_ROW      0

static struct executor executor;
static struct shell shell;

/* How the kernel was booted, what its screen is, and whether it has its
 * symbols. */
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
	else if (!vga_has_screen())
		kprintf("Booted by %s; screen: none (no VGA text screen), COM1 only\n", method);
	else if (bi->boot_method == BOOT_METHOD_PVH)   /* no VGA BIOS ran */
		kprintf("Booted by %s; screen: VGA text mode, set up by the kernel\n", method);
	else
		kprintf("Booted by %s; screen: VGA text mode\n", method);
	if (symbols_count())
		kprintf("Symbols: %zu, from the kernel's ELF file at 0x%llx-0x%llx\n",
			symbols_count(), (unsigned long long)bi->kernel_elf_phys,
			(unsigned long long)(bi->kernel_elf_phys + bi->kernel_elf_size));
	else
		kprintf("Symbols: none (no kernel ELF file in memory); backtraces "
			"show addresses\n");
}

static void draw_status(void)
{
	char line[VGA_COLS + 1];

	ksnprintf(line, sizeof(line), " uptime %llu s | ticks %llu at %u Hz | "
		  "tasks %zu | dropped keys %llu%*s",
		  (unsigned long long)(pit_millis() / MS_PER_S),
		  (unsigned long long)pit_ticks(), pit_hz(),
		  executor_task_count(&executor),
		  (unsigned long long)(keyboard_dropped() + input_dropped()), VGA_COLS, "");
	vga_write_at(STATUS_ROW, 0, line, VGA_BLACK, VGA_LIGHT_GREY);
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
			draw_status();
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
	if (!input_start(&executor) || !shell_spawn(&executor, &shell) ||
	    !task_spawn(&executor, status_poll, &status, sizeof(status)))
		panic("main: cannot spawn the kernel's tasks");
	executor_run(&executor);
	panic("main: every task finished");
}

void kernel_main(const struct boot_info *bi)
{
	vga_reserve_top(STATUS_ROW + 1);
	vga_set_color(VGA_LIGHT_GREEN, VGA_BLACK);
	kprintf("Hello from the kernel!\n");
	vga_set_color(VGA_LIGHT_GREY, VGA_BLACK);
	kprintf("Loaded at physical 0x%llx-0x%llx, command line \"%s\"\n",
		(unsigned long long)bi->kernel_phys_start,
		(unsigned long long)bi->kernel_phys_end, bi->cmdline);
	print_boot(bi);
	shell_init(&shell, &console_printer, &executor);
	shell_execute(&shell, "mem");
	shell_execute(&shell, "heap");
	kprintf("Type commands on the keyboard or the serial port; help lists "
		"them. (Quit QEMU: Ctrl-A then X on a terminal.)\n");
	run_tasks();
}
