/* Time stamp counter, calibrated against the PIT. */
#ifndef ARCH_X86_64_TSC_H
#define ARCH_X86_64_TSC_H

#include <stdint.h>

/* Measure the TSC rate over 2 ms of a polled PIT channel 2 one-shot, or of
 * channel 0 ticks when channel 2 cannot be read back. Needs the PIT running
 * and interrupts on. Returns the rate in kHz.
 */
uint64_t tsc_calibrate(void);

/* TSC ticks per millisecond (0 before calibration). */
uint64_t tsc_khz(void);

/* Microseconds since calibration (0 before it). Safe in any context. */
uint64_t tsc_micros(void);

#endif
