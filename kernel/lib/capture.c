/* capture: a printer that keeps its text in a buffer (lib/capture.h). */
#include "lib/capture.h"

#include "lib/string.h"

static void capture_sink(void *ctx, const char *s, size_t n)
{
	struct capture *c = ctx;

	for (size_t i = 0; i < n && c->len + 1 < c->cap; i++)
		c->buf[c->len++] = s[i];
	c->buf[c->len] = '\0';
}

struct printer capture_init(struct capture *c, char *buf, size_t cap)
{
	c->buf = buf;
	c->cap = cap;
	capture_clear(c);
	return (struct printer){ capture_sink, c };
}

void capture_clear(struct capture *c)
{
	c->len = 0;
	c->buf[0] = '\0';
}

bool capture_holds(const struct capture *c, const char *text)
{
	size_t n = strlen(text);

	for (size_t i = 0; i + n <= c->len; i++)
		if (memcmp(c->buf + i, text, n) == 0)
			return true;
	return false;
}
