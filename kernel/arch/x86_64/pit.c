/* Intel 8254 PIT channel 0 in rate-generator mode (8254 datasheet, mode 2). */
#include "arch/x86_64/pit.h"

#include <stddef.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pic.h"
#include "panic.h"
#include "test_hooks.h"

#define PIT_CH0        0x40
#define PIT_CMD        0x43
#define PIT_CH2        0x42
#define PIT_CMD_CH0_LOHI_RATE 0x34   /* channel 0, lo/hi byte, mode 2 */
#define PIT_CMD_CH2_LOHI_ONESHOT 0xb0 /* channel 2, lo/hi byte, mode 0 */
#define PIT_CMD_READBACK_CH0_STATUS 0xe2 /* read-back: status only, channel 0 */
#define PIT_STATUS_MODE_ACCESS 0x3e  /* status bits: access mode, mode */
#define PORT_B         0x61          /* system control port B (8255 PPI) */
#define PORT_B_GATE2   0x01          /* channel 2 gate: count while high */
#define PORT_B_SPEAKER 0x02          /* channel 2 output to the speaker */
#define PORT_B_OUT2    0x20          /* channel 2 output, read back */
#define PIT_INPUT_HZ   1193182u
#define PIT_DIVISOR_MIN 2            /* mode 2 cannot count from 1 */
#define PIT_DIVISOR_MAX 0xffffu
#define MS_PER_S       1000u
#define US_PER_S       1000000u

static volatile uint64_t ticks;
static unsigned divisor;
static unsigned hz;
/* Written with interrupts off, read only by on_tick: no torn reads. */
static tick_hook_fn extra_hooks[PIT_MAX_TICK_HOOKS];

static void on_tick(struct int_frame *frame)
{
	ticks++;
	for (int i = 0; i < PIT_MAX_TICK_HOOKS; i++)
		if (extra_hooks[i])
			extra_hooks[i](frame);
	if (test_hooks && test_hooks->tick)
		test_hooks->tick(frame);
}

void pit_init(unsigned rate)
{
	if (rate == 0)
		panic("pit: a rate of 0 Hz");
	divisor = PIT_INPUT_HZ / rate;
	if (divisor < PIT_DIVISOR_MIN)
		divisor = PIT_DIVISOR_MIN;
	if (divisor > PIT_DIVISOR_MAX)
		divisor = PIT_DIVISOR_MAX;
	hz = PIT_INPUT_HZ / divisor;
	outb(PIT_CMD, PIT_CMD_CH0_LOHI_RATE);
	outb(PIT_CH0, divisor & 0xff);
	outb(PIT_CH0, divisor >> 8);
	irq_set_handler(IRQ_TIMER, on_tick);
}

uint64_t pit_ticks(void)
{
	return ticks;
}

unsigned pit_hz(void)
{
	return hz;
}

/* hz is rounded down (1000 Hz is really 1000.15 Hz), so time is counted from
 * the divisor: one tick lasts divisor / PIT_INPUT_HZ seconds.
 */
/* n ticks in units of 1/per_s second, rounded down, without overflowing
 * n * divisor * per_s.
 */
static uint64_t ticks_to(uint64_t n, uint64_t per_s)
{
	uint64_t clocks = n * divisor;

	return clocks / PIT_INPUT_HZ * per_s +
	       clocks % PIT_INPUT_HZ * per_s / PIT_INPUT_HZ;
}

uint64_t pit_ticks_to_ms(uint64_t n)
{
	return ticks_to(n, MS_PER_S);
}

uint64_t pit_ticks_to_us(uint64_t n)
{
	return ticks_to(n, US_PER_S);
}

uint64_t pit_ms_to_ticks(uint64_t ms)
{
	uint64_t per = (uint64_t)divisor * MS_PER_S;

	return (ms * PIT_INPUT_HZ + per - 1) / per;
}

uint64_t pit_millis(void)
{
	return pit_ticks_to_ms(ticks);
}

void pit_sleep_ms(uint64_t ms)
{
	/* +1: the current tick is already partly over */
	uint64_t end = ticks + pit_ms_to_ticks(ms) + 1;

	if (!irq_enabled())
		panic("pit_sleep_ms(%llu) with interrupts off would never wake",
		      (unsigned long long)ms);
	while (ticks < end)
		cpu_halt();
}

uint64_t pit_oneshot_start(unsigned us)
{
	uint64_t count = (uint64_t)us * PIT_INPUT_HZ / US_PER_S;

	if (count < PIT_DIVISOR_MIN || count > PIT_DIVISOR_MAX)
		panic("pit: one-shot of %u us is out of the counter's range", us);
	outb(PORT_B, (inb(PORT_B) & (uint8_t)~PORT_B_SPEAKER) | PORT_B_GATE2);
	outb(PIT_CMD, PIT_CMD_CH2_LOHI_ONESHOT);
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, (uint8_t)(count >> 8));
	return count * US_PER_S / PIT_INPUT_HZ;
}

bool pit_oneshot_done(void)
{
	return inb(PORT_B) & PORT_B_OUT2;
}

/* Index of hook in extra_hooks, or -1. */
static int find_hook(tick_hook_fn hook)
{
	for (int i = 0; i < PIT_MAX_TICK_HOOKS; i++)
		if (extra_hooks[i] == hook)
			return i;
	return -1;
}

int pit_add_tick_hook(tick_hook_fn hook)
{
	uint64_t flags = irq_save();
	int slot = find_hook(hook) >= 0 ? -1 : find_hook(NULL);

	if (slot >= 0)
		extra_hooks[slot] = hook;
	irq_restore(flags);
	return slot >= 0 ? 0 : -1;
}

void pit_remove_tick_hook(tick_hook_fn hook)
{
	uint64_t flags = irq_save();
	int slot = find_hook(hook);

	/* Keep the order of the others: shift the later hooks down. */
	if (slot >= 0) {
		for (int i = slot; i + 1 < PIT_MAX_TICK_HOOKS; i++)
			extra_hooks[i] = extra_hooks[i + 1];
		extra_hooks[PIT_MAX_TICK_HOOKS - 1] = NULL;
	}
	irq_restore(flags);
}

uint8_t pit_mode_status(void)
{
	uint64_t flags = irq_save();
	uint8_t status;

	outb(PIT_CMD, PIT_CMD_READBACK_CH0_STATUS);
	status = inb(PIT_CH0) & PIT_STATUS_MODE_ACCESS;
	irq_restore(flags);
	return status;
}

uint8_t pit_expected_mode_status(void)
{
	return PIT_CMD_CH0_LOHI_RATE & PIT_STATUS_MODE_ACCESS;
}

void pit_tick_hooks(tick_hook_fn out[PIT_MAX_TICK_HOOKS])
{
	uint64_t flags = irq_save();

	for (int i = 0; i < PIT_MAX_TICK_HOOKS; i++)
		out[i] = extra_hooks[i];
	irq_restore(flags);
}
