/* TSC calibration against the 8254 PIT: cycles counted over a polled
 * channel 2 one-shot, or over channel 0 ticks where channel 2 cannot be read.
 */
#include "arch/x86_64/tsc.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pit.h"

/* Long enough that reading the end a few microseconds late is well under
 * 1% of the window, short enough for boot and for the 16-bit counter.
 */
#define CALIBRATION_US   50000
#define CALIBRATION_MS   (CALIBRATION_US / 1000)
#define US_PER_MS        1000
#define ONESHOT_POLLS    100000000   /* give up on channel 2 after these */

static uint64_t khz;
static uint64_t tsc_base;

/* Cycles per ms over a channel 2 one-shot; 0 if channel 2 does not work
 * (its output already high when it should be counting, or never rising).
 */
static uint64_t calibrate_oneshot(void)
{
	uint64_t flags = irq_save(), us, start, end;
	uint32_t polls = 0;

	us = pit_oneshot_start(CALIBRATION_US);
	start = rdtsc();
	if (pit_oneshot_done()) {
		irq_restore(flags);
		return 0;
	}
	while (!pit_oneshot_done() && ++polls < ONESHOT_POLLS)
		;
	end = rdtsc();
	irq_restore(flags);
	return polls < ONESHOT_POLLS ? (end - start) * US_PER_MS / us : 0;
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
	uint64_t n = pit_ms_to_ticks(CALIBRATION_MS);
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
