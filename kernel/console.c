/* Kernel console: kprintf and the log over COM1 (16550) and the screen: VGA
 * text mode, or its cells drawn on the UEFI framebuffer (drivers/fb.c). */
#include "console.h"

#include <stdbool.h>

#include "drivers/fb.h"
#include "drivers/serial.h"
#include "drivers/vga.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "lib/string.h"

#define VGA_TEXT_PHYS 0xb8000

#ifndef LOG_LEVEL_DEFAULT
#define LOG_LEVEL_DEFAULT LOG_INFO
#endif

/* What each line kprintf sends to COM1 starts with. Test images override it
 * to return "# " (indented inside a suite) so that every kernel message is a
 * KTAP diagnostic from the first line on.
 */
__attribute__((weak)) const char *console_serial_prefix(void)
{
	return NULL;
}

static struct spinlock console_lock = SPINLOCK_INIT;
static bool serial_at_line_start = true;
static enum log_level log_level = LOG_LEVEL_DEFAULT;

static const char *const level_names[] = { "error", "warn", "info", "debug" };
static struct fb screen_fb;

void console_init(const struct boot_info *bi)
{
	serial_init();
	if (bi->magic == BOOT_INFO_MAGIC && bi->framebuffer.phys &&
	    fb_init(&screen_fb, &bi->framebuffer, bi->phys_offset) == 0)
		vga_init_screen(&screen_fb.screen);
	else
		vga_init((volatile uint16_t *)(bi->phys_offset + VGA_TEXT_PHYS));
}

/* Length of s[0..n) up to and including the first newline, or n. */
static size_t line_length(const char *s, size_t n, bool *ends_line)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n') {
			*ends_line = true;
			return i + 1;
		}
	}
	*ends_line = false;
	return n;
}

/* COM1 with the line prefix applied; called with the lock held. */
static void serial_sink(const char *s, size_t n)
{
	while (n > 0) {
		bool ends_line;
		size_t len = line_length(s, n, &ends_line);

		const char *prefix = console_serial_prefix();

		if (prefix && serial_at_line_start)
			serial_write(prefix, strlen(prefix));
		serial_write(s, len);
		serial_at_line_start = ends_line;
		s += len;
		n -= len;
	}
}

static void both_sinks(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	serial_sink(s, n);
	vga_write(s, n);
}

int kvprintf(const char *fmt, va_list ap)
{
	int n;

	spin_lock(&console_lock);
	n = fmt_vformat(both_sinks, NULL, fmt, ap);
	spin_unlock(&console_lock);
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

void console_write_serial(const char *s, size_t n)
{
	spin_lock(&console_lock);
	serial_write(s, n);
	spin_unlock(&console_lock);
}

void console_break_lock(void)
{
	spin_force_unlock(&console_lock);
}

bool console_lock_held(void)
{
	return spin_is_locked(&console_lock);
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
