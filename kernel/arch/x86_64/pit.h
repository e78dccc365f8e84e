/* 8253/8254 programmable interval timer, channel 0 on IRQ 0. */
#ifndef ARCH_X86_64_PIT_H
#define ARCH_X86_64_PIT_H

#include <stdint.h>

#include "arch/x86_64/arch.h"

/* Start channel 0 at hz interrupts per second and count ticks. */
void pit_init(unsigned hz);

/* Ticks since pit_init; monotonic. Safe in any context. */
uint64_t pit_ticks(void);
unsigned pit_hz(void);

/* Milliseconds since pit_init, at tick resolution. */
uint64_t pit_millis(void);

/* Wait at least ms milliseconds (halting between ticks). Needs interrupts on. */
void pit_sleep_ms(uint64_t ms);

/* Called on every tick, in interrupt context, after the count advanced. */
typedef void (*tick_hook_fn)(struct int_frame *frame);
void pit_set_tick_hook(tick_hook_fn hook);

#endif
