/* A small shell on the console (keyboard and serial port): one command per
 * line, each a window into a subsystem for people learning from the code.
 */
#ifndef TASK_SHELL_H
#define TASK_SHELL_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/printf.h"
#include "task/executor.h"

#define SHELL_LINE_MAX 80      /* characters of a line; more are refused */
#define SHELL_PROMPT   "> "

struct shell {
	const struct printer *out;
	struct executor *ex;           /* the one the `tasks` command shows */
	char line[SHELL_LINE_MAX + 1];
	size_t len;
};

/* Set sh up to print to out, showing ex in `tasks`. */
void shell_init(struct shell *sh, const struct printer *out, struct executor *ex);

/* Run one command line (leading and trailing spaces ignored). Returns false
 * for a line that names no command (it prints so). `panic` and `reboot` do
 * not return. Task context.
 */
bool shell_execute(struct shell *sh, const char *line);

/* Take one typed character: printable ones are echoed and added to the
 * line, '\b' rubs one out, '\n' runs the line and prints the prompt.
 * Task context.
 */
void shell_feed(struct shell *sh, char c);

/* Spawn the shell as a task on ex reading task/input.h's stream, after
 * printing its prompt; the task state copies *sh. Returns the task id, or
 * 0 (see task_spawn()). Task context.
 */
uint64_t shell_spawn(struct executor *ex, const struct shell *sh);

#endif
