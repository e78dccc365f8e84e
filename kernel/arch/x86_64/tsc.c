/* TSC calibration: count TSC cycles between two PIT tick edges. */
#include "arch/x86_64/tsc.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pit.h"

/* Long enough that a late tick interrupt under an emulator (tens of
 * microseconds) is well under 1% of the window, short enough for boot.
 */
#define CALIBRATION_MS   50
#define US_PER_MS        1000

static uint64_t khz;
static uint64_t tsc_base;

/* Halt until the tick counter moves; return the TSC right after. */
static uint64_t next_edge(void)
{
	uint64_t t = pit_ticks();

	while (pit_ticks() == t)
		cpu_halt();
	return rdtsc();
}

uint64_t tsc_calibrate(void)
{
	uint64_t n = pit_ms_to_ticks(CALIBRATION_MS);
	uint64_t start = next_edge();
	uint64_t t0 = pit_ticks(), end;

	while (pit_ticks() < t0 + n)
		cpu_halt();
	end = rdtsc();
	khz = (end - start) * US_PER_MS / pit_ticks_to_us(n);
	if (khz == 0)
		khz = 1;
	tsc_base = start;
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
