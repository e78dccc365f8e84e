/* The keyboard task: a scancode stream over the driver's lock-free queue and
 * its waker slot (IRQ 1 pushes, then wakes), and a task draining it through
 * a scancode set 1 decoder of its own.
 */
#include "task/keyboard_task.h"

#include "console.h"
#include "drivers/keyboard.h"

#define ASCII_SPACE     0x20
#define ASCII_DEL       0x7f
#define ASCII_CTRL_FLIP 0x40    /* ctrl+C is 0x03: '^' then 0x03 ^ 0x40 = 'C' */

struct keyboard_task {
	struct scancode_state decoder;
	uint64_t dropped_seen;       /* keyboard_dropped() already reported */
	keyboard_task_fn on_key;
	void *ctx;
};

enum task_poll keyboard_task_next_scancode(uint8_t *byte, const struct waker *w)
{
	if (keyboard_read_scancode(byte))
		return TASK_READY;
	keyboard_set_waker(w);
	/* a scancode queued before the waker was in place woke no one */
	if (keyboard_read_scancode(byte))
		return TASK_READY;
	return TASK_PENDING;
}

/* The interrupt side cannot print (it may have interrupted the console's
 * holder); the task reports what it dropped.
 */
static void report_drops(struct keyboard_task *k)
{
	uint64_t dropped = keyboard_dropped();

	if (dropped == k->dropped_seen)
		return;
	log_warn("keyboard: scancode queue full; dropped %llu scancode(s)",
		 (unsigned long long)(dropped - k->dropped_seen));
	k->dropped_seen = dropped;
}

static enum task_poll keyboard_poll_fn(void *state, const struct waker *w)
{
	struct keyboard_task *k = state;
	struct key_event ev;
	uint8_t byte;

	while (keyboard_task_next_scancode(&byte, w) == TASK_READY) {
		report_drops(k);
		if (scancode_feed(&k->decoder, byte, &ev) && !k->on_key(&ev, k->ctx)) {
			keyboard_set_waker(NULL);
			return TASK_READY;
		}
	}
	report_drops(k);
	return TASK_PENDING;
}

uint64_t keyboard_task_spawn(struct executor *ex, keyboard_task_fn on_key,
			     void *ctx)
{
	struct keyboard_task k = { .on_key = on_key, .ctx = ctx };

	scancode_init(&k.decoder);
	k.dropped_seen = keyboard_dropped();
	return task_spawn(ex, keyboard_poll_fn, &k, sizeof(k));
}

bool keyboard_task_echo(const struct key_event *ev, void *ctx)
{
	unsigned char c = (unsigned char)ev->ch;

	(void)ctx;
	if (!ev->pressed)
		return true;
	if (c == '\b')
		kprintf("\b \b");
	else if (c == '\n' || c == '\t' || (c >= ASCII_SPACE && c < ASCII_DEL))
		kprintf("%c", c);
	else if (c)
		kprintf("^%c", c ^ ASCII_CTRL_FLIP);
	else if (!scancode_is_modifier(ev->key))
		kprintf("<%s>", scancode_key_name(ev->key));
	return true;
}
