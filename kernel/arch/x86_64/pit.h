/* 8253/8254 programmable interval timer, channel 0 on IRQ 0. */
#ifndef ARCH_X86_64_PIT_H
#define ARCH_X86_64_PIT_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/arch.h"

/* Start channel 0 at about hz interrupts per second (the nearest divisor of
 * the 1.193182 MHz input, clamped to the counter's range) and count ticks.
 * Panics on 0 Hz.
 */
void pit_init(unsigned hz);

/* Ticks since pit_init; monotonic. Safe in any context. */
uint64_t pit_ticks(void);

/* The tick rate, rounded down to whole Hz. */
unsigned pit_hz(void);

/* Convert between ticks and milliseconds with the exact tick length
 * (ms_to_ticks rounds up, ticks_to_* down). Safe in any context.
 */
uint64_t pit_ticks_to_ms(uint64_t ticks);
uint64_t pit_ticks_to_us(uint64_t ticks);
uint64_t pit_ms_to_ticks(uint64_t ms);

/* Milliseconds since pit_init, at tick resolution. */
uint64_t pit_millis(void);

/* Wait at least ms milliseconds, halting between ticks. Needs interrupts on
 * (panics otherwise: no tick would ever wake it); not in interrupt context.
 */
void pit_sleep_ms(uint64_t ms);

/* Channel 2 as a polled one-shot (mode 0, speaker off), independent of the
 * channel 0 interrupts and so of any tick an emulator loses. Start a count
 * of about us microseconds (2-54924; panics outside) and return its exact
 * length in microseconds; pit_oneshot_done() turns true when it ends. For
 * calibration at set-up: one user at a time.
 */
uint64_t pit_oneshot_start(unsigned us);
bool pit_oneshot_done(void);

/* Hooks called on every tick, in interrupt context, after the count
 * advanced, in the order added; then a test runner's tick hook, last
 * (test_hooks.h). They must return.
 */
typedef void (*tick_hook_fn)(struct int_frame *frame);
#define PIT_MAX_TICK_HOOKS 4

/* Add hook; returns 0, or -1 when it is already there or the table is full.
 * Not in interrupt context.
 */
int pit_add_tick_hook(tick_hook_fn hook);

/* Remove hook (nothing if absent); once this returns it no longer runs.
 * Not in interrupt context.
 */
void pit_remove_tick_hook(tick_hook_fn hook);

/* The hooks added and not removed, in order, NULL after the last. */
void pit_tick_hooks(tick_hook_fn out[PIT_MAX_TICK_HOOKS]);

/* Channel 0's mode and access bits from the 8254 read-back status, and what
 * pit_init() programs them to: a test runner checks that nothing else
 * reprogrammed the timer. Safe in any context. */
uint8_t pit_mode_status(void);
uint8_t pit_expected_mode_status(void);

#endif
