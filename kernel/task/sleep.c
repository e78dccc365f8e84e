/* Sleep timers: a fixed table scanned on every PIT tick. A timer goes free ->
 * claimed (the arming task fills it) -> armed (the tick hook may fire it) ->
 * free, each step a compare-and-swap, so the interrupt side never waits.
 */
#include "task/sleep.h"

#include "arch/x86_64/pit.h"
#include "panic.h"

enum timer_state { TIMER_FREE, TIMER_CLAIMED, TIMER_ARMED };

struct timer {
	unsigned state;          /* enum timer_state */
	uint64_t deadline;
	struct waker waker;
};

static struct timer timers[SLEEP_MAX_TIMERS];
static unsigned armed;
static uint64_t overflows;
static bool ready;

static bool move(struct timer *t, unsigned from, unsigned to)
{
	return __atomic_compare_exchange_n(&t->state, &from, to, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* Tick hook, interrupt context: fire the timers that are due. */
static void on_tick(struct int_frame *frame)
{
	uint64_t now = pit_ticks();

	(void)frame;
	if (!__atomic_load_n(&armed, __ATOMIC_ACQUIRE))
		return;
	for (int i = 0; i < SLEEP_MAX_TIMERS; i++) {
		struct timer *t = &timers[i];
		struct waker w;

		if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != TIMER_ARMED ||
		    t->deadline > now)
			continue;
		w = t->waker;
		if (!move(t, TIMER_ARMED, TIMER_FREE))
			continue;
		__atomic_fetch_sub(&armed, 1, __ATOMIC_RELEASE);
		waker_wake(&w);
	}
}

void sleep_init(void)
{
	if (ready)
		return;
	if (pit_add_tick_hook(on_tick) != 0)
		panic("sleep: no free PIT tick hook for the timers");
	ready = true;
}

/* Arm a timer for deadline; false when all are taken. */
static bool arm(uint64_t deadline, const struct waker *w)
{
	if (!ready)
		panic("sleep: a timer armed before sleep_init()");
	for (int i = 0; i < SLEEP_MAX_TIMERS; i++) {
		struct timer *t = &timers[i];

		if (!move(t, TIMER_FREE, TIMER_CLAIMED))
			continue;
		t->deadline = deadline;
		t->waker = *w;
		__atomic_fetch_add(&armed, 1, __ATOMIC_RELEASE);
		__atomic_store_n(&t->state, TIMER_ARMED, __ATOMIC_RELEASE);
		return true;
	}
	return false;
}

void sleep_start(struct sleep *s, uint64_t ms)
{
	/* +1: the tick under way is already partly over */
	s->deadline = pit_ticks() + pit_ms_to_ticks(ms) + 1;
	s->armed = false;
}

enum task_poll sleep_poll(struct sleep *s, const struct waker *w)
{
	if (pit_ticks() >= s->deadline)
		return TASK_READY;
	if (s->armed)
		return TASK_PENDING;
	if (arm(s->deadline, w)) {
		s->armed = true;
	} else {
		__atomic_fetch_add(&overflows, 1, __ATOMIC_RELAXED);
		waker_wake(w);
	}
	return TASK_PENDING;
}

unsigned sleep_timers_armed(void)
{
	return __atomic_load_n(&armed, __ATOMIC_ACQUIRE);
}

uint64_t sleep_overflows(void)
{
	return __atomic_load_n(&overflows, __ATOMIC_RELAXED);
}
