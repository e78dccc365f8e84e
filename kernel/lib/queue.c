/* Bounded lock-free MPMC queue after Dmitry Vyukov ("Bounded MPMC queue",
 * 1024cores.net): each slot's sequence number says whose turn it is.
 */
#include "lib/queue.h"

#include "panic.h"

/*
 * Slot i of a ring of capacity C serves positions i, i + C, i + 2C, ... Its
 * sequence number seq is pos when it is free for the push at position pos,
 * and pos + 1 once that push has filled it; the pop at pos then sets it to
 * pos + C, freeing it for the next lap. Pushes claim positions by advancing
 * tail, pops by advancing head, each with one compare-and-swap; the slot's
 * sequence number (release on write, acquire on read) hands the value over.
 */

static size_t slot_seq(const struct queue *q, size_t pos)
{
	size_t i = pos & q->mask;

	return i + __atomic_load_n(&q->slots[i].stamp, __ATOMIC_ACQUIRE);
}

static void set_slot_seq(struct queue *q, size_t pos, size_t seq)
{
	size_t i = pos & q->mask;

	__atomic_store_n(&q->slots[i].stamp, seq - i, __ATOMIC_RELEASE);
}

/* Signed distance a - b of two positions that may have wrapped. */
static ptrdiff_t pos_diff(size_t a, size_t b)
{
	return (ptrdiff_t)(a - b);
}

void queue_init(struct queue *q, struct queue_slot *slots, size_t capacity)
{
	if (!QUEUE_CAPACITY_OK(capacity))
		panic("queue: capacity %zu is not a power of two >= 2", capacity);
	for (size_t i = 0; i < capacity; i++)
		slots[i] = (struct queue_slot){ 0, 0 };
	*q = (struct queue){ .slots = slots, .mask = capacity - 1 };
}

bool queue_push(struct queue *q, uint64_t value)
{
	size_t pos = __atomic_load_n(&q->tail, __ATOMIC_RELAXED);

	for (;;) {
		ptrdiff_t d = pos_diff(slot_seq(q, pos), pos);

		if (d == 0) {
			/* Free for us: claim the position, then fill it. */
			if (__atomic_compare_exchange_n(&q->tail, &pos, pos + 1,
							false, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED)) {
				q->slots[pos & q->mask].value = value;
				set_slot_seq(q, pos, pos + 1);
				return true;
			}
			/* another push took it; pos now holds the new tail */
		} else if (d < 0) {
			/* still holds the value from one lap ago: full */
			__atomic_fetch_add(&q->dropped, 1, __ATOMIC_RELAXED);
			return false;
		} else {
			/* another push claimed pos after we read tail */
			pos = __atomic_load_n(&q->tail, __ATOMIC_RELAXED);
		}
	}
}

bool queue_pop(struct queue *q, uint64_t *value)
{
	size_t pos = __atomic_load_n(&q->head, __ATOMIC_RELAXED);

	for (;;) {
		ptrdiff_t d = pos_diff(slot_seq(q, pos), pos + 1);

		if (d == 0) {
			/* Filled: claim the position, then empty the slot. */
			if (__atomic_compare_exchange_n(&q->head, &pos, pos + 1,
							false, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED)) {
				*value = q->slots[pos & q->mask].value;
				set_slot_seq(q, pos, pos + q->mask + 1);
				return true;
			}
		} else if (d < 0) {
			/* not filled yet (or a push is half done): empty */
			return false;
		} else {
			pos = __atomic_load_n(&q->head, __ATOMIC_RELAXED);
		}
	}
}

bool queue_is_empty(const struct queue *q)
{
	size_t pos = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);

	return pos_diff(slot_seq(q, pos), pos + 1) < 0;
}

size_t queue_count(const struct queue *q)
{
	size_t head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
	size_t tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
	ptrdiff_t n = pos_diff(tail, head);

	/* the two loads are not one snapshot: clamp what they can disagree on */
	if (n < 0)
		return 0;
	return (size_t)n > q->mask + 1 ? q->mask + 1 : (size_t)n;
}

uint64_t queue_dropped(const struct queue *q)
{
	return __atomic_load_n(&q->dropped, __ATOMIC_RELAXED);
}
