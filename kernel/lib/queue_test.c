/* Tests for the lock-free queue (task/queue): capacity, drops, order; then
 * concurrent producers: threads on the host, the timer interrupt against a
 * consumer task in the kernel.
 */
#ifdef KTEST_HOST
#include <pthread.h>
#endif

#include "ktest.h"
#include "lib/queue.h"

#define SMALL 8

KTEST_SUITE(queue);

static struct queue_slot small_slots[SMALL];
static struct queue small;

static int fresh_small(struct ktest *t)
{
	(void)t;
	queue_init(&small, small_slots, SMALL);
	return 0;
}

KTEST_SUITE(queue_basic, .case_init = fresh_small);

KTEST(queue_basic, starts_empty)
{
	uint64_t v = 0;

	EXPECT_TRUE(queue_is_empty(&small));
	EXPECT_EQ(0u, queue_count(&small));
	EXPECT_EQ(SMALL, queue_capacity(&small));
	EXPECT_FALSE(queue_pop(&small, &v));
	EXPECT_EQ(0u, queue_dropped(&small));
}

KTEST(queue_basic, fills_to_capacity_then_drops_and_counts)
{
	for (uint64_t i = 0; i < SMALL; i++)
		ASSERT_TRUE_MSG(queue_push(&small, 100 + i), "push %llu",
				(unsigned long long)i);
	EXPECT_EQ(SMALL, queue_count(&small));
	EXPECT_FALSE(queue_push(&small, 1));
	EXPECT_FALSE(queue_push(&small, 2));
	EXPECT_EQ(2u, queue_dropped(&small));
	EXPECT_EQ(SMALL, queue_count(&small));
	/* the refused values are not in it; the first ones are intact */
	for (uint64_t i = 0; i < SMALL; i++) {
		uint64_t v = 0;

		ASSERT_TRUE(queue_pop(&small, &v));
		EXPECT_EQ(100 + i, v);
	}
	EXPECT_TRUE(queue_is_empty(&small));
}

/* Interleaved pushes and pops over many laps of the ring keep FIFO order. */
KTEST(queue_basic, order_preserved_across_laps)
{
	uint64_t next_in = 0, next_out = 0, v;

	for (unsigned round = 0; round < 200; round++) {
		unsigned room = SMALL - (unsigned)(next_in - next_out);
		unsigned pushes = room ? 1 + round * 5 % room : 0;
		unsigned pops;

		for (unsigned i = 0; i < pushes; i++)
			ASSERT_TRUE_MSG(queue_push(&small, next_in++), "round %u", round);
		pops = round * 3 % (unsigned)(next_in - next_out + 1);
		for (unsigned i = 0; i < pops; i++) {
			ASSERT_TRUE(queue_pop(&small, &v));
			ASSERT_EQ(next_out, v);
			next_out++;
		}
		ASSERT_EQ(next_in - next_out, queue_count(&small));
	}
	while (queue_pop(&small, &v))
		ASSERT_EQ(next_out++, v);
	EXPECT_EQ(next_in, next_out);
	EXPECT_GT(next_in, 10u * SMALL);
	EXPECT_EQ(0u, queue_dropped(&small));
}

/* Space freed by a pop is usable again at once, also when full. */
KTEST(queue_basic, full_queue_takes_one_after_one_pop)
{
	uint64_t v = 0;

	for (int i = 0; i < SMALL; i++)
		ASSERT_TRUE(queue_push(&small, (uint64_t)i));
	ASSERT_TRUE(queue_pop(&small, &v));
	EXPECT_EQ(0u, v);
	EXPECT_TRUE(queue_push(&small, 99));
	EXPECT_FALSE(queue_push(&small, 100));
	for (int i = 1; i < SMALL; i++) {
		ASSERT_TRUE(queue_pop(&small, &v));
		EXPECT_EQ((uint64_t)i, v);
	}
	ASSERT_TRUE(queue_pop(&small, &v));
	EXPECT_EQ(99u, v);
}

KTEST(queue_basic, full_range_values)
{
	uint64_t v = 0;

	ASSERT_TRUE(queue_push(&small, UINT64_MAX));
	ASSERT_TRUE(queue_push(&small, 0));
	ASSERT_TRUE(queue_pop(&small, &v));
	EXPECT_EQ(UINT64_MAX, v);
	ASSERT_TRUE(queue_pop(&small, &v));
	EXPECT_EQ(0u, v);
}

/* QUEUE_INIT over a zeroed array is a working empty queue. */
static struct queue_slot static_slots[4];
static struct queue static_queue = QUEUE_INIT(static_slots);

KTEST(queue, static_initializer)
{
	uint64_t v = 0;

	EXPECT_EQ(4u, queue_capacity(&static_queue));
	EXPECT_TRUE(queue_is_empty(&static_queue));
	for (uint64_t i = 0; i < 10; i++) {
		ASSERT_TRUE(queue_push(&static_queue, i));
		ASSERT_TRUE(queue_pop(&static_queue, &v));
		EXPECT_EQ(i, v);
	}
}

KTEST(queue, init_rejects_bad_capacity, KTEST_SHOULD_PANIC)
{
	static struct queue_slot slots[6];
	struct queue q;

	queue_init(&q, slots, 6);
}

/* Producers tag values with their number in the top bits. */
#define TAG_SHIFT 48
#define SEQ_MASK  ((1ull << TAG_SHIFT) - 1)

/* Checks a consumer's view of several producers: each one's values arrive in
 * order, none missing, none twice.
 */
struct tally {
	uint64_t next[4];
	uint64_t bad;          /* out of order, duplicated or from nowhere */
	uint64_t first_bad;
};

static void tally_take(struct tally *y, uint64_t v)
{
	uint64_t tag = v >> TAG_SHIFT, seq = v & SEQ_MASK;

	if (tag >= 4 || seq != y->next[tag]) {
		if (!y->bad++)
			y->first_bad = v;
		return;
	}
	y->next[tag]++;
}

#ifdef KTEST_HOST
#include <sched.h>

/* Counts that make races likely, yet finish in well under a second on an
 * idle machine; every wait yields the CPU, so an overloaded machine (more
 * threads than CPUs) slows them down but cannot starve them. */
#define PRODUCERS  3
#define PER_THREAD 50000
#define SPLIT_ITEMS 50000

struct producer { struct queue *q; uint64_t tag; uint64_t full; int *done; };

static void *produce(void *arg)
{
	struct producer *p = arg;

	for (uint64_t i = 0; i < PER_THREAD; i++)
		while (!queue_push(p->q, p->tag << TAG_SHIFT | i)) {
			p->full++;
			sched_yield();
		}
	__atomic_fetch_add(p->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *produce_split(void *arg)
{
	struct producer *p = arg;

	for (uint64_t i = 0; i < SPLIT_ITEMS; i++)
		while (!queue_push(p->q, p->tag << TAG_SHIFT | i)) {
			p->full++;
			sched_yield();
		}
	__atomic_fetch_add(p->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Three producer threads, one consumer: nothing lost, doubled or reordered. */
KTEST(queue, threads_lose_nothing, KTEST_SLOW)
{
	static struct queue_slot slots[64];
	struct queue q;
	pthread_t th[PRODUCERS];
	struct producer p[PRODUCERS];
	struct tally y = { { 0 }, 0, 0 };
	uint64_t v;
	int done = 0;

	queue_init(&q, slots, 64);
	for (int i = 0; i < PRODUCERS; i++) {
		p[i] = (struct producer){ &q, (uint64_t)i, 0, &done };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, produce, &p[i]));
	}
	/* until every producer is done and nothing is left */
	while (__atomic_load_n(&done, __ATOMIC_ACQUIRE) < PRODUCERS ||
	       !queue_is_empty(&q)) {
		if (queue_pop(&q, &v))
			tally_take(&y, v);
		else
			sched_yield();
	}
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(th[i], NULL);
	EXPECT_EQ_MSG(0u, y.bad, "first bad value %llx",
		      (unsigned long long)y.first_bad);
	for (int i = 0; i < PRODUCERS; i++)
		EXPECT_EQ((uint64_t)PER_THREAD, y.next[i]);
	EXPECT_FALSE(queue_pop(&q, &v));
	/* every refused push was counted as a drop (and retried) */
	EXPECT_EQ(p[0].full + p[1].full + p[2].full, queue_dropped(&q));
}


struct consumer { struct queue *q; unsigned char *seen; uint64_t dups; uint64_t got; };

static void *consume(void *arg)
{
	struct consumer *c = arg;
	uint64_t v;

	while (__atomic_load_n(c->seen + 2 * SPLIT_ITEMS, __ATOMIC_ACQUIRE) == 0 ||
	       !queue_is_empty(c->q)) {
		if (!queue_pop(c->q, &v)) {
			sched_yield();
			continue;
		}
		c->got++;
		if (__atomic_exchange_n(&c->seen[(v >> TAG_SHIFT) * SPLIT_ITEMS +
						 (v & SEQ_MASK)], 1, __ATOMIC_RELAXED))
			c->dups++;
	}
	return NULL;
}

/* Two producers, two consumers: every value taken exactly once. */
KTEST(queue, two_consumers_take_each_value_once, KTEST_SLOW)
{
	static struct queue_slot slots[32];
	static unsigned char seen[2 * SPLIT_ITEMS + 1];   /* last: producers done */
	struct queue q;
	pthread_t pt[2], ct[2];
	struct producer p[2];
	struct consumer c[2];
	uint64_t missing = 0;
	int done = 0;

	queue_init(&q, slots, 32);
	for (int i = 0; i < 2; i++) {
		c[i] = (struct consumer){ &q, seen, 0, 0 };
		ASSERT_EQ(0, pthread_create(&ct[i], NULL, consume, &c[i]));
	}
	for (int i = 0; i < 2; i++) {
		p[i] = (struct producer){ &q, (uint64_t)i, 0, &done };
		ASSERT_EQ(0, pthread_create(&pt[i], NULL, produce_split, &p[i]));
	}
	for (int i = 0; i < 2; i++)
		pthread_join(pt[i], NULL);
	__atomic_store_n(&seen[2 * SPLIT_ITEMS], 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++)
		pthread_join(ct[i], NULL);
	for (size_t i = 0; i < 2 * SPLIT_ITEMS; i++)
		missing += !seen[i];
	EXPECT_EQ(0u, missing);
	EXPECT_EQ(0u, c[0].dups + c[1].dups);
	EXPECT_EQ(2u * SPLIT_ITEMS, c[0].got + c[1].got);
}
#else
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pit.h"
#include "task/executor.h"
#include "lib/waker.h"

#define IRQ_ITEMS    2000
#define TASK_ITEMS   2000
#define BURST_MAX    12     /* values one tick or one poll pushes at most */
#define DELAY_MAX    64     /* pause loops between two operations */
#define STRESS_SLOTS 16

static struct executor ex;
static struct queue_slot stress_slots[STRESS_SLOTS];
static struct queue stress;
static struct waker_slot consumer_waker;
static volatile bool producing;
static volatile uint64_t irq_sent;
static uint32_t irq_rng = 0x2545f491, task_rng = 0x9e3779b9;

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* A few hundred instructions or none, so interrupts land anywhere. */
static void delay(uint32_t *rng)
{
	for (uint32_t n = xorshift(rng) % DELAY_MAX; n; n--)
		cpu_pause();
}

/* Timer interrupt: push a burst; a full queue keeps the rest for later. */
static void irq_producer(struct int_frame *f)
{
	(void)f;
	if (!producing)
		return;
	for (uint32_t n = 1 + xorshift(&irq_rng) % BURST_MAX;
	     n && irq_sent < IRQ_ITEMS; n--) {
		if (!queue_push(&stress, 1ull << TAG_SHIFT | irq_sent))
			break;
		irq_sent++;
	}
	waker_slot_wake(&consumer_waker);
}

struct task_producer { uint64_t sent; };

static enum task_poll produce_poll(void *state, const struct waker *w)
{
	struct task_producer *p = state;

	delay(&task_rng);
	for (uint32_t n = 1 + xorshift(&task_rng) % BURST_MAX;
	     n && p->sent < TASK_ITEMS; n--) {
		if (!queue_push(&stress, p->sent))
			break;
		p->sent++;
	}
	waker_slot_wake(&consumer_waker);
	if (p->sent == TASK_ITEMS)
		return TASK_READY;
	waker_wake(w);    /* yield: let the consumer run */
	return TASK_PENDING;
}

static bool take_one(struct tally *y)
{
	uint64_t v;

	delay(&task_rng);
	if (!queue_pop(&stress, &v))
		return false;
	tally_take(y, v);
	return true;
}

static enum task_poll consume_poll(void *state, const struct waker *w)
{
	struct tally *y = *(struct tally **)state;

	for (;;) {
		if (y->next[0] == TASK_ITEMS && y->next[1] == IRQ_ITEMS)
			return TASK_READY;
		if (take_one(y))
			continue;
		waker_slot_register(&consumer_waker, w);
		if (!take_one(y))
			return TASK_PENDING;
	}
}

static void stop_producer(struct ktest *t)
{
	(void)t;
	producing = false;
	pit_remove_tick_hook(irq_producer);
	waker_slot_register(&consumer_waker, NULL);
}

KTEST_SUITE(queue_irq, .case_exit = stop_producer);

/* The timer interrupt and a task push, a task pops: each producer's values
 * arrive complete, in order, once, though the interrupt lands anywhere in
 * the task-side pushes and pops.
 */
KTEST(queue_irq, interrupt_producer_loses_nothing)
{
	struct task_producer p = { 0 };
	struct tally y = { { 0 }, 0, 0 };
	struct tally *yp = &y;
	uint64_t v;

	queue_init(&stress, stress_slots, STRESS_SLOTS);
	executor_init(&ex, &executor_kernel_ops);
	irq_sent = 0;
	ASSERT_NE(0u, task_spawn(&ex, consume_poll, &yp, sizeof(yp)));
	ASSERT_NE(0u, task_spawn(&ex, produce_poll, &p, sizeof(p)));
	producing = true;
	ASSERT_EQ(0, pit_add_tick_hook(irq_producer));
	executor_run(&ex);
	EXPECT_EQ_MSG(0u, y.bad, "first bad value %llx",
		      (unsigned long long)y.first_bad);
	EXPECT_EQ((uint64_t)TASK_ITEMS, y.next[0]);
	EXPECT_EQ((uint64_t)IRQ_ITEMS, y.next[1]);
	EXPECT_FALSE(queue_pop(&stress, &v));
	ktest_log("%llu pushes found the queue full",
		  (unsigned long long)queue_dropped(&stress));
}
#endif
