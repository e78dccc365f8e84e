/* capture: a printer (lib/printf.h) that keeps what it is given in a
 * caller's buffer, always NUL-terminated; what does not fit is dropped.
 * For code that reports through a printer (the shell's commands) and the
 * tests that read the report back.
 */
#ifndef KLIB_CAPTURE_H
#define KLIB_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/printf.h"

struct capture {
	char *buf;
	size_t cap;      /* bytes of buf, the NUL included; at least 1 */
	size_t len;      /* bytes kept, at most cap - 1 */
};

/* Empty c over buf[cap] (cap >= 1) and return the printer that fills it. */
struct printer capture_init(struct capture *c, char *buf, size_t cap);

/* Drop what was kept. */
void capture_clear(struct capture *c);

/* Whether text occurs in what was kept. */
bool capture_holds(const struct capture *c, const char *text);

#endif /* KLIB_CAPTURE_H */
