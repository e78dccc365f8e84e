/* Wakers (Rust's core::task::Waker and futures' AtomicWaker in C): how an
 * event source (an interrupt handler, a timer) tells whoever waits that it
 * can make progress, without knowing who that is: the executor makes wakers
 * for its tasks (task/executor.h).
 */
#ifndef LIB_WAKER_H
#define LIB_WAKER_H

#include <stdint.h>

/* Names one waiting party: wake(target, id) is called on a wake-up. A plain
 * value: copy it, store it, wake it any number of times, even after the
 * party stopped waiting (its wake function then ignores it); target must
 * outlive every copy. All zero is the empty waker, which wakes nobody.
 */
struct waker {
	void (*wake)(void *target, uint64_t id);
	void *target;
	uint64_t id;
};

/* Call w's wake function, if any. Any context, including interrupt handlers,
 * as long as the wake function allows it (the executor's does: no
 * allocation, no locks).
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

#endif /* LIB_WAKER_H */
