/* Wakers (Rust's core::task::Waker and futures' AtomicWaker in C): how an
 * event source tells the executor that a pending task can make progress.
 */
#ifndef TASK_WAKER_H
#define TASK_WAKER_H

#include <stdint.h>

struct executor;

/* Names one task on one executor. A plain value: copy it, store it, wake it
 * any number of times, even after the task finished (the executor then
 * ignores it). The executor must outlive every copy.
 */
struct waker {
	struct executor *ex;
	uint64_t id;
};

/* Put the task on its executor's ready queue unless it is already there.
 * Any context, including interrupt handlers: no allocation, no locks.
 */
void waker_wake(const struct waker *w);

/*
 * A place where one consumer leaves its waker for producers to fire (an
 * interrupt handler filling a queue the consumer drains). Zero-initialized
 * is empty. The consumer must follow the pattern
 *
 *     if (take_item()) return ready;
 *     waker_slot_register(&slot, waker);
 *     if (take_item()) return ready;    // the item may have come meanwhile
 *     return pending;
 *
 * and producers must publish the item before calling waker_slot_wake(): then
 * either the second check sees the item or the producer sees the waker.
 */
struct waker_slot {
	unsigned seq;         /* odd while the consumer writes waker */
	unsigned set;         /* nonzero once a waker is registered */
	struct waker waker;
};

/* Store w (copied; NULL clears the slot). One registrant at a time; not in
 * interrupt context. Orders itself before the caller's next check.
 */
void waker_slot_register(struct waker_slot *s, const struct waker *w);

/* Wake the registered waker, if any; it stays registered. Any context. A wake
 * that overlaps a register() is skipped; the pattern above covers it.
 */
void waker_slot_wake(struct waker_slot *s);

#endif /* TASK_WAKER_H */
