/* Wakers: a waker is a wake function and its arguments; a waker slot hands
 * one from a consumer to producers in any context through a sequence lock,
 * so a producer never waits for the consumer (it skips a half-written one).
 */
#include "lib/waker.h"

#include <stddef.h>

void waker_wake(const struct waker *w)
{
	if (w->wake)
		w->wake(w->target, w->id);
}

void waker_slot_register(struct waker_slot *s, const struct waker *w)
{
	unsigned seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
	struct waker none = { NULL, NULL, 0 };

	if (!w)
		w = &none;
	/* seqlock writer: odd, fence, data, even (release) */
	__atomic_store_n(&s->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&s->waker.wake, w->wake, __ATOMIC_RELAXED);
	__atomic_store_n(&s->waker.target, w->target, __ATOMIC_RELAXED);
	__atomic_store_n(&s->waker.id, w->id, __ATOMIC_RELAXED);
	__atomic_store_n(&s->set, w->wake != NULL, __ATOMIC_RELAXED);
	__atomic_store_n(&s->seq, seq + 2, __ATOMIC_RELEASE);
	/* The caller checks its condition next: make the waker visible to
	 * producers before that check reads what they published (Dekker).
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void waker_slot_wake(struct waker_slot *s)
{
	struct waker w;
	unsigned seq;

	/* Order the caller's publication before reading the slot (Dekker). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
	if (seq & 1)
		return;
	if (!__atomic_load_n(&s->set, __ATOMIC_RELAXED))
		return;
	w.wake = __atomic_load_n(&s->waker.wake, __ATOMIC_RELAXED);
	w.target = __atomic_load_n(&s->waker.target, __ATOMIC_RELAXED);
	w.id = __atomic_load_n(&s->waker.id, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) != seq)
		return;
	waker_wake(&w);
}
