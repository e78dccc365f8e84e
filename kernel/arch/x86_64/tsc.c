/* TSC calibration: count TSC cycles between two PIT tick edges. */
#include "arch/x86_64/tsc.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pit.h"

#define CALIBRATION_TICKS 4

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
	uint64_t start = next_edge();
	uint64_t t0 = pit_ticks(), end;

	while (pit_ticks() < t0 + CALIBRATION_TICKS)
		cpu_halt();
	end = rdtsc();
	khz = (end - start) * pit_hz() / CALIBRATION_TICKS / 1000;
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
	return khz ? (rdtsc() - tsc_base) * 1000 / khz : 0;
}
