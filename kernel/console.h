/* Kernel console: one formatter feeding the COM1 and screen sinks, and the log. */
#ifndef CONSOLE_H
#define CONSOLE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "boot_info.h"
#include "lib/printf.h"

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Bring up COM1 and the screen (through the physical-memory map): the
 * framebuffer boot_info describes when there is one it can draw on (UEFI),
 * else the VGA text screen. The console owns COM1's output unless a test
 * runner's hook takes the text (test_hooks.h); after test_hooks_init(). */
void console_init(const struct boot_info *bi);

/* printf to both sinks; the whole message is written under the console lock.
 * May be called from interrupt context. Returns the length written.
 */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);

/* The console as a printer (lib/printf.h): each conversion of a pprintf()
 * is written under the console lock, the whole call not. */
extern const struct printer console_printer;

/* Panic path: forget a lock holder that will never come back. */
void console_break_lock(void);

/* True while some code holds the console lock. Only this CPU runs and the
 * lock keeps interrupts off, so an exception handler that sees it held has
 * interrupted the holder: printing would deadlock.
 */
bool console_lock_held(void);

/* The kernel log: messages at or below the level set are printed. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parse "error", "warn", "info", "debug"; -1 if unknown. */
int log_level_parse(const char *name);
void klog(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) klog(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  klog(LOG_WARN, __VA_ARGS__)
#define log_info(...)  klog(LOG_INFO, __VA_ARGS__)
#define log_debug(...) klog(LOG_DEBUG, __VA_ARGS__)

#endif
