/* Sleeping for tasks: a sleep future whose waker a table of timers fires
 * from the PIT's tick hook (8254 channel 0, see arch/x86_64/pit.h).
 */
#ifndef TASK_SLEEP_H
#define TASK_SLEEP_H

#include <stdbool.h>
#include <stdint.h>

#include "task/task.h"

/* Timers armed at once; a sleep that finds none free polls again at once. */
#define SLEEP_MAX_TIMERS 32

/* A sleep future: embed it in a task's state. */
struct sleep {
	uint64_t deadline;   /* pit_ticks() value at which it is over */
	bool armed;          /* a timer will wake the waker at the deadline */
};

/* Add the timers' tick hook to the PIT: once, at boot, after pit_init();
 * panics when the PIT has no free hook. */
void sleep_init(void);

/* Start s: over after at least ms milliseconds from now. Task context. */
void sleep_start(struct sleep *s, uint64_t ms);

/*
 * Poll s: TASK_READY once its time is over; else TASK_PENDING with a timer
 * armed to wake w at the deadline (once per sleep: the waker must stay the
 * same, as a task's does). When all SLEEP_MAX_TIMERS timers are taken it
 * wakes w at once instead, so the task polls again (a busy wait, counted in
 * sleep_overflows()). A timer fires even if the task stopped waiting: a
 * spurious wake-up, which tasks tolerate. Task context only; needs the PIT.
 */
enum task_poll sleep_poll(struct sleep *s, const struct waker *w);

/* Timers armed and not yet fired. Any context. */
unsigned sleep_timers_armed(void);

/* Sleeps that found no free timer. Any context. */
uint64_t sleep_overflows(void);

#endif /* TASK_SLEEP_H */
