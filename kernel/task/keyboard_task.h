/* The keyboard task (blog_os's task::keyboard): reads the PS/2 driver's
 * scancodes as a stream, decodes them (drivers/scancode) and hands each key
 * event to a callback; the echo callback prints what is typed.
 */
#ifndef TASK_KEYBOARD_TASK_H
#define TASK_KEYBOARD_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/scancode.h"
#include "task/executor.h"

/* Called in the task for each key event (presses and releases); returning
 * false ends the task.
 */
typedef bool (*keyboard_task_fn)(const struct key_event *ev, void *ctx);

/*
 * The scancode stream's poll_next: TASK_READY with the next scancode in
 * *byte, or TASK_PENDING with w registered for IRQ 1 to wake. One reader at
 * a time (it is the driver's one consumer); task context only.
 */
enum task_poll keyboard_task_next_scancode(uint8_t *byte, const struct waker *w);

/* Spawn the keyboard task on ex, calling on_key(ev, ctx) for every key
 * event until it returns false. Scancodes the driver dropped because its
 * queue was full are reported with a warning. Returns the task id, or 0
 * (see task_spawn()). One keyboard task at a time; task context only.
 */
uint64_t keyboard_task_spawn(struct executor *ex, keyboard_task_fn on_key,
			     void *ctx);

/* A keyboard_task_fn that echoes presses to the console: the character
 * (Backspace rubs one out), ^X for control codes, <name> for keys that type
 * nothing (arrows, F keys); modifiers and releases print nothing. Never ends
 * the task. Task context (it prints under the console lock).
 */
bool keyboard_task_echo(const struct key_event *ev, void *ctx);

#endif /* TASK_KEYBOARD_TASK_H */
