/* panic(): report a broken invariant and stop (or hand over to ktest). */
#ifndef PANIC_H
#define PANIC_H

/* Print "panic: <message> (file:line)" on every console sink, then hand over
 * to a test runner's panic hook (test_hooks.h), else halt the CPU for good.
 * Callable from any context, including with the console lock held.
 */
__attribute__((noreturn, format(printf, 3, 4)))
void panic_at(const char *file, int line, const char *fmt, ...);

#define panic(...) panic_at(__FILE__, __LINE__, __VA_ARGS__)

/* Always-on assertion: panics with the expression text when it is false. */
#define ASSERT(cond)                                                         \
	do {                                                                 \
		if (!(cond))                                                 \
			panic("assertion failed: %s", #cond);                \
	} while (0)

#endif
