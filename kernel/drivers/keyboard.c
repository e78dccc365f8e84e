/* PS/2 keyboard on an Intel 8042-compatible controller (IBM PC/AT technical
 * reference: data port 0x60, status/command port 0x64) on IRQ 1. The IRQ
 * handler only reads the scancode, queues it (task/queue.h, lock-free) and
 * wakes the registered reader; decoding happens in the consumer.
 */
#include "drivers/keyboard.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/pit.h"
#include "panic.h"
#include "lib/queue.h"

#define I8042_DATA            0x60
#define I8042_STATUS          0x64   /* read */
#define I8042_COMMAND         0x64   /* write */

#define STATUS_OUTPUT_FULL    0x01   /* OBF: a byte waits at 0x60 */
#define STATUS_INPUT_FULL     0x02   /* IBF: the controller has not taken our write */
#define STATUS_AUX_DATA       0x20   /* the byte at 0x60 came from the mouse port */
#define STATUS_ABSENT         0xff   /* floating bus: no controller */

#define CMD_READ_CONFIG       0x20   /* controller configuration byte -> 0x60 */
#define CMD_WRITE_CONFIG      0x60   /* next byte at 0x60 -> configuration */
#define CMD_ENABLE_KBD        0xae   /* enable the keyboard port (clock on) */
#define CMD_WRITE_KBD_OUTPUT  0xd2   /* next byte at 0x60 comes back as keyboard data */

#define CONFIG_KBD_IRQ        0x01   /* IRQ 1 when a keyboard byte arrives */
#define CONFIG_KBD_CLOCK_OFF  0x10   /* keyboard port disabled */
#define CONFIG_TRANSLATE      0x40   /* translate set 2 to set 1 */

#define SPIN_LIMIT            100000 /* status polls before giving up */
#define FLUSH_LIMIT           64     /* stale bytes drained at init */

/* Filled by the IRQ handler, drained by one consumer; counts what it drops. */
static struct queue_slot ring_slots[KEYBOARD_RING_SIZE];
static struct queue ring = QUEUE_INIT(ring_slots);
static struct waker_slot reader;
static struct scancode_state decoder;

static bool wait_status(uint8_t mask, bool set)
{
	for (int i = 0; i < SPIN_LIMIT; i++) {
		if (!!(inb(I8042_STATUS) & mask) == set)
			return true;
		cpu_pause();
	}
	return false;
}

static bool write_port(uint16_t port, uint8_t v)
{
	if (!wait_status(STATUS_INPUT_FULL, false))
		return false;
	outb(port, v);
	return true;
}

static void flush_output(void)
{
	for (int i = 0; i < FLUSH_LIMIT && (inb(I8042_STATUS) & STATUS_OUTPUT_FULL); i++)
		(void)inb(I8042_DATA);
}

/* Turn on IRQ 1, translation and the keyboard clock; false on no answer. */
static bool configure(void)
{
	uint8_t config;

	if (!write_port(I8042_COMMAND, CMD_READ_CONFIG) ||
	    !wait_status(STATUS_OUTPUT_FULL, true))
		return false;
	config = inb(I8042_DATA);
	config |= CONFIG_KBD_IRQ | CONFIG_TRANSLATE;
	config &= (uint8_t)~CONFIG_KBD_CLOCK_OFF;
	return write_port(I8042_COMMAND, CMD_WRITE_CONFIG) &&
	       write_port(I8042_DATA, config) &&
	       write_port(I8042_COMMAND, CMD_ENABLE_KBD);
}

/* IRQ 1: take the byte, queue it (a full queue drops and counts it), wake
 * the reader; the PIC's EOI is pic.c's job.
 */
static void on_irq(struct int_frame *frame)
{
	uint8_t status = inb(I8042_STATUS), byte;

	(void)frame;
	if (!(status & STATUS_OUTPUT_FULL))
		return;
	byte = inb(I8042_DATA);
	if (status & STATUS_AUX_DATA)
		return;
	queue_push(&ring, byte);
	waker_slot_wake(&reader);
}

int keyboard_init(void)
{
	pic_mask(IRQ_KEYBOARD);
	if (inb(I8042_STATUS) == STATUS_ABSENT)
		return -1;
	flush_output();
	if (!configure())
		return -1;
	flush_output();
	scancode_init(&decoder);
	irq_set_handler(IRQ_KEYBOARD, on_irq);
	return 0;
}

bool keyboard_read_scancode(uint8_t *byte)
{
	uint64_t v;

	if (!queue_pop(&ring, &v))
		return false;
	*byte = (uint8_t)v;
	return true;
}

void keyboard_set_waker(const struct waker *w)
{
	waker_slot_register(&reader, w);
}

bool keyboard_poll(struct key_event *ev)
{
	uint8_t byte;

	while (keyboard_read_scancode(&byte))
		if (scancode_feed(&decoder, byte, ev))
			return true;
	return false;
}

bool keyboard_pending(void)
{
	return !queue_is_empty(&ring);
}

bool keyboard_wait(struct key_event *ev, uint64_t timeout_ms)
{
	uint64_t end = pit_ticks() + pit_ms_to_ticks(timeout_ms) + 1;

	if (!irq_enabled())
		panic("keyboard_wait with interrupts off would never wake");
	for (;;) {
		if (keyboard_poll(ev))
			return true;
		if (pit_ticks() >= end)
			return false;
		/* Check and halt with no window for the IRQ in between. */
		irq_disable();
		if (keyboard_pending())
			irq_enable();
		else
			irq_enable_and_halt();
	}
}

uint64_t keyboard_dropped(void)
{
	return queue_dropped(&ring);
}

int keyboard_inject(uint8_t byte)
{
	if (!wait_status(STATUS_OUTPUT_FULL, false))
		return -1;
	return write_port(I8042_COMMAND, CMD_WRITE_KBD_OUTPUT) &&
	       write_port(I8042_DATA, byte) ? 0 : -1;
}
