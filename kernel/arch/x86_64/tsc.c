/* TSC calibration against the 8254 PIT: cycles counted over a polled
 * channel 2 one-shot, or over channel 0 ticks where channel 2 cannot be read.
 */
#include "arch/x86_64/tsc.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pit.h"

/* 2 ms of boot time per image. Where the end of the window was seen is
 * bracketed by two TSC reads; if the CPU was held up there (the emulator
 * preempted, say) by more than 1/CALIBRATION_SLACK of the window, the
 * measurement is retried. A short window goes first, unmeasured: under an
 * emulator that translates code on first use, the first pass through the
 * polling loop is held up by its translation, and would be retried anyway.
 */
#define CALIBRATION_US   2000
#define WARMUP_US        50
#define CALIBRATION_MS   (CALIBRATION_US / 1000)
#define TICKS_WINDOW_MS  10         /* the fallback counts whole timer ticks */
#define CALIBRATION_SLACK 200       /* accept an end seen within 0.5% */
#define ONESHOT_ATTEMPTS 4
#define US_PER_MS        1000
#define ONESHOT_POLLS    100000000   /* give up on channel 2 after these */

static uint64_t khz;
static uint64_t tsc_base;

/* One channel 2 one-shot: cycles per ms, or 0 if channel 2 does not work
 * (its output already high when it should be counting, or never rising).
 * *gap gets the uncertainty: the cycles spent starting the one-shot plus
 * those between the last two polls, where its end fell.
 */
static uint64_t oneshot_window(uint32_t window_us, uint64_t *gap)
{
	uint64_t flags = irq_save(), us, t0, start, before, after;
	uint32_t polls = 0;

	t0 = rdtsc();
	us = pit_oneshot_start(window_us);
	start = after = rdtsc();
	if (pit_oneshot_done()) {
		irq_restore(flags);
		return 0;
	}
	do {
		before = after;
		after = rdtsc();
	} while (!pit_oneshot_done() && ++polls < ONESHOT_POLLS);
	irq_restore(flags);
	*gap = (start - t0) + (after - before);
	return polls < ONESHOT_POLLS ? (after - start) * US_PER_MS / us : 0;
}

/* Cycles per ms over a channel 2 one-shot whose end was seen promptly (the
 * last attempt's figure if none was); 0 if channel 2 does not work.
 */
static uint64_t calibrate_oneshot(void)
{
	uint64_t rate = 0, gap = 0;

	if (oneshot_window(WARMUP_US, &gap) == 0)
		return 0;
	for (int i = 0; i < ONESHOT_ATTEMPTS; i++) {
		rate = oneshot_window(CALIBRATION_US, &gap);
		if (rate == 0 || gap * CALIBRATION_SLACK < rate * CALIBRATION_MS)
			break;
	}
	return rate;
}

/* Halt until the tick counter moves; return the TSC right after. */
static uint64_t next_edge(void)
{
	uint64_t t = pit_ticks();

	while (pit_ticks() == t)
		cpu_halt();
	return rdtsc();
}

/* Cycles per ms over channel 0 ticks (an emulator that loses a tick makes
 * this read high). Needs interrupts on.
 */
static uint64_t calibrate_ticks(void)
{
	uint64_t n = pit_ms_to_ticks(TICKS_WINDOW_MS);
	uint64_t start = next_edge();
	uint64_t t0 = pit_ticks();

	while (pit_ticks() < t0 + n)
		cpu_halt();
	return (rdtsc() - start) * US_PER_MS / pit_ticks_to_us(n);
}

uint64_t tsc_calibrate(void)
{
	khz = calibrate_oneshot();
	if (khz == 0)
		khz = calibrate_ticks();
	if (khz == 0)
		khz = 1;
	tsc_base = rdtsc();
	return khz;
}

uint64_t tsc_khz(void)
{
	return khz;
}

uint64_t tsc_micros(void)
{
	uint64_t d;

	if (!khz)
		return 0;
	d = rdtsc() - tsc_base;
	/* split so that d * 1000 cannot overflow */
	return d / khz * US_PER_MS + d % khz * US_PER_MS / khz;
}
