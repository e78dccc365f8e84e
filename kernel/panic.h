/* panic(): report a broken invariant and stop (or hand over to ktest). */
#ifndef PANIC_H
#define PANIC_H

/* Print "panic: <message> (file:line)" on every console sink, then call the
 * panic hook if one is set (test images), else halt the CPU for good.
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

/* What panic_at() does after printing: halt for good. Test images define
 * their own (weak override) that ends the running case or exits QEMU.
 * Runs with interrupts off; must not return.
 */
__attribute__((noreturn)) void panic_halt(const char *message);

#endif
