/* PS/2 keyboard behind an Intel 8042-compatible controller (ports 0x60/0x64)
 * on IRQ 1: the interrupt queues raw scancodes and wakes a reader task; the
 * kernel polls key events or reads the scancodes.
 */
#ifndef DRIVERS_KEYBOARD_H
#define DRIVERS_KEYBOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/scancode.h"
#include "lib/waker.h"

/* Scancodes the interrupt side can queue before the consumer reads them
 * (a power of two).
 */
#define KEYBOARD_RING_SIZE 128

/* Enable the controller's keyboard port, its IRQ 1 and its translation to
 * scancode set 1, then take IRQ 1. Returns 0, or -1 when no controller
 * answers (a machine without PS/2 emulation): then IRQ 1 stays masked.
 * Call once, at set-up, before anything polls.
 */
int keyboard_init(void);

/* The next key event, decoded from the queued scancodes. Returns false when
 * none is waiting. One consumer at a time, not in interrupt context (the
 * decoder state is the consumer's).
 */
bool keyboard_poll(struct key_event *ev);

/* Take the next raw scancode (set 1) without decoding it. Returns false
 * when none is queued. Same rules as keyboard_poll(): the two are one
 * consumer, so use one or the other.
 */
bool keyboard_read_scancode(uint8_t *byte);

/* Have IRQ 1 wake w (copied) after it queues or drops a scancode; NULL
 * stops it. Register before the last check for scancodes (see
 * task/waker.h). Not in interrupt context.
 */
void keyboard_set_waker(const struct waker *w);

/* True when scancodes are queued (they may decode to no event: a prefix, a
 * fake shift). Safe in any context.
 */
bool keyboard_pending(void);

/* Wait for the next key event up to timeout_ms milliseconds, halting the
 * CPU between interrupts. Returns false on timeout. Needs interrupts on
 * (panics otherwise); same rules as keyboard_poll().
 */
bool keyboard_wait(struct key_event *ev, uint64_t timeout_ms);

/* Scancodes lost because the queue was full. Safe in any context. */
uint64_t keyboard_dropped(void);

/* Make the controller deliver byte as if the keyboard had sent it (8042
 * command 0xD2, write keyboard output buffer); it arrives through IRQ 1
 * like a keystroke. For tests. Waits (bounded) for the output buffer to be
 * free first. Returns 0, or -1 if the controller did not take it.
 */
int keyboard_inject(uint8_t byte);

#endif
