/* Kernel console: kprintf and the log over COM1 (16550) and the screen: VGA
 * text mode, or its cells drawn on the UEFI framebuffer (drivers/fb.c), or
 * none (no VGA card): COM1 alone. In a test image COM1 text goes through
 * the test runner (test_hooks.h).
 */
#include "console.h"

#include <stdbool.h>

#include "arch/x86_64/cpu.h"
#include "drivers/fb.h"
#include "drivers/serial.h"
#include "drivers/vga.h"
#include "drivers/vga_mode.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "test_hooks.h"

#ifndef LOG_LEVEL_DEFAULT
#define LOG_LEVEL_DEFAULT LOG_INFO
#endif

/* The console lock: interrupts are off while it is held, so on this one CPU
 * only an exception (or NMI) handler can find it held, having interrupted
 * the holder. The handler then prints anyway rather than deadlock: the
 * holder's line may be cut, but the report gets out. */
static volatile bool lock_held;
static enum log_level log_level = LOG_LEVEL_DEFAULT;
/* Where COM1 text goes: the UART itself, or a test runner's line
 * discipline (test_hooks.h), which then owns the UART. */
static void (*serial_sink)(const char *s, size_t n);

static const char *const level_names[] = { "error", "warn", "info", "debug" };
static struct fb screen_fb;

/* The screen: the framebuffer when the loader found one; else the VGA text
 * buffer, when there is a VGA card and it is in text mode. A BIOS (or OVMF)
 * left the card as it wants it; after a PVH boot no BIOS has run, so the
 * card is in its reset state and the kernel sets text mode up itself. */
static void screen_init(const struct boot_info *bi)
{
	bool valid = bi->magic == BOOT_INFO_MAGIC;
	uint8_t *low = (uint8_t *)(uintptr_t)bi->phys_offset;  /* physical 0 */
	volatile uint16_t *text = (volatile uint16_t *)(low + VGA_TEXT_PHYS);

	if (valid && bi->framebuffer.phys &&
	    fb_init(&screen_fb, &bi->framebuffer, bi->phys_offset) == 0) {
		vga_init_screen(&screen_fb.screen);
		return;
	}
	if (!vga_mode_probe())
		return;                 /* no VGA card: COM1 only */
	if (valid && bi->boot_method == BOOT_METHOD_PVH)
		vga_mode_set_text(low + VGA_WINDOW_PHYS);
	if (vga_mode_text_works(text))
		vga_init(text);
}

void console_init(const struct boot_info *bi)
{
	serial_init();
	if (test_hooks && test_hooks->serial_text)
		serial_sink = test_hooks->serial_text;
	else
		serial_sink = serial_claim_output();
	screen_init(bi);
}

static void both_sinks(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	if (serial_sink)
		serial_sink(s, n);
	vga_write(s, n);
}

int kvprintf(const char *fmt, va_list ap)
{
	uint64_t flags = irq_save();
	int n;

	lock_held = true;
	n = fmt_vformat(both_sinks, NULL, fmt, ap);
	lock_held = false;
	irq_restore(flags);
	return n;
}

/* console_printer's sink: one piece of text, under the lock. */
static void locked_sink(void *ctx, const char *s, size_t n)
{
	uint64_t flags = irq_save();

	lock_held = true;
	both_sinks(ctx, s, n);
	lock_held = false;
	irq_restore(flags);
}

const struct printer console_printer = { locked_sink, NULL };

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

void console_break_lock(void)
{
	lock_held = false;
}

bool console_lock_held(void)
{
	return lock_held;
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level log_get_level(void)
{
	return log_level;
}

int log_level_parse(const char *name)
{
	for (int i = 0; i <= LOG_DEBUG; i++)
		if (strcmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

void klog(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	char line[256];

	if (level > log_level)
		return;
	va_start(ap, fmt);
	kvsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	kprintf("[%s] %s\n", level_names[level], line);
}
