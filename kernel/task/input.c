/* Typed input: a lock-free queue of characters (lib/queue.h) that the
 * keyboard task and COM1's receive interrupt push into, and a waker slot
 * (lib/waker.h) for the one reader.
 */
#include "task/input.h"

#include "drivers/keyboard.h"
#include "drivers/serial.h"
#include "lib/queue.h"
#include "task/keyboard_task.h"

#define ASCII_CR  '\r'
#define ASCII_DEL 0x7f

static struct queue_slot ring_slots[INPUT_RING_SIZE];
static struct queue ring = QUEUE_INIT(ring_slots);
static struct waker_slot reader;

void input_push(char c)
{
	if (c == ASCII_CR)
		c = '\n';
	else if (c == ASCII_DEL)
		c = '\b';
	queue_push(&ring, (unsigned char)c);
	waker_slot_wake(&reader);
}

enum task_poll input_next(char *c, const struct waker *w)
{
	uint64_t v;

	if (!queue_pop(&ring, &v)) {
		waker_slot_register(&reader, w);
		/* a character pushed before the waker was in place woke no one */
		if (!queue_pop(&ring, &v))
			return TASK_PENDING;
	}
	*c = (char)v;
	return TASK_READY;
}

/* The keyboard task's callback: presses that type something. */
static bool push_typed(const struct key_event *ev, void *ctx)
{
	(void)ctx;
	if (ev->pressed && ev->ch)
		input_push(ev->ch);
	return true;
}

static void push_received(uint8_t byte)
{
	input_push((char)byte);
}

bool input_start(struct executor *ex)
{
	serial_set_receiver(push_received);
	return keyboard_task_spawn(ex, push_typed, NULL) != 0;
}

void input_stop(void)
{
	serial_set_receiver(NULL);
}

uint64_t input_dropped(void)
{
	return queue_dropped(&ring);
}
