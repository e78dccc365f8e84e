/* Kernel command line parsing: words separated by spaces. Portable C. */
#include "lib/cmdline.h"

/* Length of the word starting at s. */
static size_t word_len(const char *s)
{
	size_t n = 0;

	while (s[n] && s[n] != ' ')
		n++;
	return n;
}

/* If the word w (length n) has key `key`, return its value (after '='), or ""
 * for a bare key; NULL otherwise. *vlen gets the value's length.
 */
static const char *match(const char *w, size_t n, const char *key, size_t *vlen)
{
	size_t k = 0;

	while (key[k] && k < n && w[k] == key[k])
		k++;
	if (key[k])
		return NULL;
	if (k == n) {
		*vlen = 0;
		return w + k;
	}
	if (w[k] != '=')
		return NULL;
	*vlen = n - k - 1;
	return w + k + 1;
}

bool cmdline_get(const char *cmdline, const char *key, char *val, size_t len)
{
	bool found = false;

	for (const char *s = cmdline; s && *s;) {
		size_t n = word_len(s), vlen;
		const char *v = match(s, n, key, &vlen);

		if (v) {
			size_t i;

			for (i = 0; i < vlen && i + 1 < len; i++)
				val[i] = v[i];
			if (len > 0)
				val[i] = '\0';
			found = true;
		}
		s += n;
		while (*s == ' ')
			s++;
	}
	return found;
}

bool cmdline_has(const char *cmdline, const char *key)
{
	char dummy[1];

	return cmdline_get(cmdline, key, dummy, sizeof(dummy));
}
