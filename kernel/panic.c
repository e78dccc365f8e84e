/* panic() and the stack protector's failure handler. */
#include "panic.h"
#include "test_hooks.h"

#include <stdarg.h>
#include <stdint.h>

#include "arch/x86_64/cpu.h"
#include "console.h"
#include "lib/printf.h"

#define PANIC_MESSAGE_MAX 160

/* The stack protector's canary (-mstack-protector-guard=global). */
uintptr_t __stack_chk_guard = 0x595e9fbd94fda766ull;

static int panicking;

void panic_at(const char *file, int line, const char *fmt, ...)
{
	char msg[PANIC_MESSAGE_MAX];
	va_list ap;

	irq_disable();
	console_break_lock();
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (panicking++) {
		kprintf("panic: %s (%s:%d) while panicking; halting\n", msg, file, line);
		cpu_stop();
	}
	kprintf("panic: %s (%s:%d)\n", msg, file, line);
	panicking = 0;
	if (test_hooks && test_hooks->panicked)
		test_hooks->panicked(msg);
	cpu_stop();
}

__attribute__((noreturn)) void __stack_chk_fail(void);

void __stack_chk_fail(void)
{
	panic("stack smashing detected: a function overwrote its stack canary");
}
