/* Bounded lock-free FIFO of 64-bit values (Dmitry Vyukov's bounded MPMC queue:
 * a ring of slots, each with a sequence number), for the executor's ready
 * queue and the keyboard's scancodes. Portable C on GCC's __atomic builtins.
 */
#ifndef LIB_QUEUE_H
#define LIB_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Concurrency contract:
 *  - queue_push() may run anywhere: task context, an interrupt handler that
 *    interrupted another push or a pop on the same CPU, or another CPU. It
 *    never blocks, never allocates and never waits for another party: it
 *    retries only when another push or pop got ahead of it (lock-free).
 *  - queue_pop() likewise, from any number of consumers (the kernel has one
 *    per queue). A pop can report empty while a push that started earlier
 *    has not finished (it was interrupted, or runs on another CPU, between
 *    claiming its slot and filling it); the value is there once that push
 *    returns. So a consumer that sleeps on "empty" must be woken by the
 *    producer after its push (see waker.h), not rely on seeing it.
 *  - Symmetrically a push can report full while a pop of the oldest value is
 *    half done.
 *  - Values come out in the order their pushes claimed slots: per producer,
 *    in push order.
 */

/* One ring entry. stamp is the slot's sequence number minus its index, so an
 * all-zero ring is a valid empty one (QUEUE_INIT needs no loop).
 */
struct queue_slot {
	size_t stamp;
	uint64_t value;
};

struct queue {
	struct queue_slot *slots;
	size_t mask;          /* capacity - 1; the capacity is a power of two */
	size_t head;          /* position of the next pop */
	size_t tail;          /* position of the next push */
	uint64_t dropped;     /* pushes refused because the queue was full */
};

/* A static initializer over a zeroed array of a power-of-two number (>= 2)
 * of slots: `static struct queue_slot s[16]; static struct queue q = QUEUE_INIT(s);`
 */
#define QUEUE_INIT(slot_array)                                               \
	{ .slots = (slot_array),                                             \
	  .mask = QUEUE_SLOTS_(slot_array) - 1 + 0 * sizeof(struct {           \
		_Static_assert(QUEUE_CAPACITY_OK(QUEUE_SLOTS_(slot_array)),  \
			       "queue capacity: a power of two, at least 2"); \
		char c; }) }
#define QUEUE_SLOTS_(a) (sizeof(a) / sizeof((a)[0]))
#define QUEUE_CAPACITY_OK(n) ((n) >= 2 && ((n) & ((n) - 1)) == 0)

/* Set q up empty over slots[capacity]; capacity must be a power of two >= 2
 * (panics otherwise). Not while anyone else uses q.
 */
void queue_init(struct queue *q, struct queue_slot *slots, size_t capacity);

/* Append value. Returns false, and counts a drop, when the queue is full.
 * Any context (see above).
 */
bool queue_push(struct queue *q, uint64_t value);

/* Take the oldest value into *value. Returns false when the queue is empty.
 * Any context (see above).
 */
bool queue_pop(struct queue *q, uint64_t *value);

/* Whether a pop would find nothing right now. Any context; exact only when
 * no push or pop is under way, e.g. with interrupts off on the only CPU.
 */
bool queue_is_empty(const struct queue *q);

/* Values queued right now (same caveat as queue_is_empty()). */
size_t queue_count(const struct queue *q);

static inline size_t queue_capacity(const struct queue *q)
{
	return q->mask + 1;
}

/* Pushes refused because the queue was full, since it was set up. Any context. */
uint64_t queue_dropped(const struct queue *q);

#endif /* LIB_QUEUE_H */
