/* Intel 8254 PIT channel 0 in rate-generator mode (8254 datasheet, mode 2). */
#include "arch/x86_64/pit.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pic.h"

#define PIT_CH0        0x40
#define PIT_CMD        0x43
#define PIT_CMD_CH0_LOHI_RATE 0x34   /* channel 0, lo/hi byte, mode 2 */
#define PIT_INPUT_HZ   1193182u

static volatile uint64_t ticks;
static unsigned hz;
static tick_hook_fn tick_hook;

static void on_tick(struct int_frame *frame)
{
	ticks++;
	if (tick_hook)
		tick_hook(frame);
}

void pit_init(unsigned rate)
{
	unsigned divisor = PIT_INPUT_HZ / rate;

	if (divisor > 0xffff)
		divisor = 0xffff;
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

uint64_t pit_millis(void)
{
	return ticks * 1000 / hz;
}

void pit_sleep_ms(uint64_t ms)
{
	/* +1: the current tick is already partly over */
	uint64_t end = ticks + (ms * hz + 999) / 1000 + 1;

	while (ticks < end)
		cpu_halt();
}

void pit_set_tick_hook(tick_hook_fn hook)
{
	tick_hook = hook;
}
