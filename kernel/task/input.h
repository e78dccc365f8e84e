/* Typed input as one stream of characters, for a shell: the key presses the
 * keyboard task decodes (PS/2) and the bytes COM1 receives (a terminal on
 * the serial port). Either source, or both, may be there.
 */
#ifndef TASK_INPUT_H
#define TASK_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/waker.h"
#include "task/executor.h"
#include "task/task.h"

/* Characters the stream holds before a reader takes them (a power of two). */
#define INPUT_RING_SIZE 256

/* Add c to the stream: what both sources call. Enter arrives as '\n' and
 * Backspace as '\b', whatever the source sent ('\r', DEL). Any context;
 * a full stream drops c and counts it.
 */
void input_push(char c);

/*
 * The stream's poll_next: TASK_READY with the next character in *c, or
 * TASK_PENDING with w registered to be woken when one comes. One reader at
 * a time; task context only.
 */
enum task_poll input_next(char *c, const struct waker *w);

/* Start both sources: spawn the keyboard task on ex, feeding the stream
 * (when there is a PS/2 keyboard), and take COM1's received bytes. Returns
 * false when ex cannot take the task. Once; task context.
 */
bool input_start(struct executor *ex);

/* Stop taking COM1's bytes (the keyboard task goes on until ex ends). */
void input_stop(void);

/* Characters dropped because the stream was full. Any context. */
uint64_t input_dropped(void);

#endif
