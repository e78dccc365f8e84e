/* Kernel command line: space-separated words, `key` or `key=value`. */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/* Copy the value of `key=value` into val (NUL-terminated, truncated to len).
 * Returns false if no word has that key. A bare `key` gives an empty value.
 * The last occurrence wins.
 */
bool cmdline_get(const char *cmdline, const char *key, char *val, size_t len);

/* True if the word `key` or `key=...` is present. */
bool cmdline_has(const char *cmdline, const char *key);

#endif
