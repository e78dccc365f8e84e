/* Tests for the executor (task/executor, task/task, task/waker): polling order,
 * exactly-once wakes, freeing, and idling without losing a wake-up, on a
 * pretend CPU (host and kernel); then on the real one with timer interrupts.
 */
#ifdef KTEST_HOST
#include <stdlib.h>
#else
#include "mm/heap.h"
#endif

#include "ktest.h"
#include "lib/string.h"
#include "task/executor.h"
#include "task/task.h"

#define NAMES   8           /* tasks 'A'..'H' a case can refer to */
#define LOG_LEN 128

static struct executor ex;

/* ------------------------------------------------------------------------ */
/* Platform: counted allocations and a pretend CPU. */

static long live_allocs;
static bool fail_alloc;

#ifdef KTEST_HOST
static void *raw_alloc(size_t n) { return malloc(n); }
static void raw_free(void *p) { free(p); }
#else
static void *raw_alloc(size_t n) { return kmalloc(n); }
static void raw_free(void *p) { kfree(p); }
#endif

static void *count_alloc(size_t n)
{
	if (fail_alloc)
		return NULL;
	live_allocs++;
	return raw_alloc(n);
}

static void count_free(void *p)
{
	if (p)
		live_allocs--;
	raw_free(p);
}

/* Interrupts are a flag. An "interrupt" is a function the case schedules:
 * the pretend wait() delivers it, as hlt would; before_mask runs just before
 * the executor masks interrupts, as one arriving a moment earlier would.
 */
static bool irq_on;
static int waits, waits_with_work;
static void (*pending_irq)(void);
static void (*before_mask)(void);

static void fake_irq_disable(void)
{
	void (*irq)(void) = before_mask;

	before_mask = NULL;
	if (irq && irq_on)
		irq();
	irq_on = false;
}

static void fake_irq_enable(void)
{
	irq_on = true;
}

static void fake_wait(void)
{
	void (*irq)(void) = pending_irq;

	if (irq_on)
		KTEST_FAIL("wait() with interrupts enabled: a wake-up could be lost");
	waits++;
	if (executor_has_ready(&ex))
		waits_with_work++;
	irq_on = true;
	if (!irq)
		KTEST_FAIL("the executor sleeps with no interrupt to come "
			   "(%d wait(s) with a task ready)", waits_with_work);
	pending_irq = NULL;
	irq();
}

static const struct executor_ops fake_ops = {
	.alloc = count_alloc,
	.free = count_free,
	.irq_disable = fake_irq_disable,
	.irq_enable = fake_irq_enable,
	.wait = fake_wait,
};

/* ------------------------------------------------------------------------ */
/* Test tasks: each logs its name when polled and keeps its waker. */

static char poll_log[LOG_LEN];
static size_t log_len;
static struct waker wakers[NAMES];

struct named {
	char name;
	int polls_left;     /* READY on the poll that brings this to 0 */
	int self_wakes;     /* wake itself from inside this many polls */
};

static void log_poll(char name)
{
	if (log_len + 1 < LOG_LEN)
		poll_log[log_len++] = name;
	poll_log[log_len] = '\0';
}

static enum task_poll named_poll(void *state, const struct waker *w)
{
	struct named *n = state;

	log_poll(n->name);
	wakers[n->name - 'A'] = *w;
	if (n->self_wakes > 0) {
		n->self_wakes--;
		waker_wake(w);
	}
	return --n->polls_left <= 0 ? TASK_READY : TASK_PENDING;
}

static uint64_t spawn(char name, int polls, int self_wakes)
{
	struct named n = { name, polls, self_wakes };

	return task_spawn(&ex, named_poll, &n, sizeof(n));
}

static void wake(char name)
{
	waker_wake(&wakers[name - 'A']);
}

static int fresh(struct ktest *t)
{
	(void)t;
	executor_init(&ex, &fake_ops);
	live_allocs = 0;
	fail_alloc = false;
	irq_on = true;
	waits = waits_with_work = 0;
	pending_irq = before_mask = NULL;
	log_len = 0;
	poll_log[0] = '\0';
	memset(wakers, 0, sizeof(wakers));
	return 0;
}

/* Tasks a case leaves unfinished go back to the heap with the executor. */
static void drop(struct ktest *t)
{
	(void)t;
	executor_destroy(&ex);
}

KTEST_SUITE(executor, .case_init = fresh, .case_exit = drop);

/* ------------------------------------------------------------------------ */
/* Bookkeeping. */

KTEST(executor, runs_new_tasks_in_spawn_order_and_frees_them)
{
	struct executor_stats st;

	ASSERT_NE(0u, spawn('A', 1, 0));
	ASSERT_NE(0u, spawn('B', 1, 0));
	ASSERT_NE(0u, spawn('C', 1, 0));
	EXPECT_EQ(3u, executor_task_count(&ex));
	EXPECT_EQ(3, live_allocs);
	EXPECT_EQ(3u, executor_run_ready(&ex));
	EXPECT_STREQ("ABC", poll_log);
	EXPECT_EQ(0u, executor_task_count(&ex));
	EXPECT_EQ(0, live_allocs);
	executor_get_stats(&ex, &st);
	EXPECT_EQ(3u, st.spawned);
	EXPECT_EQ(3u, st.finished);
	EXPECT_EQ(3u, st.polls);
}

KTEST(executor, polls_in_order_of_readiness)
{
	spawn('A', 2, 0);
	spawn('B', 2, 0);
	spawn('C', 2, 0);
	EXPECT_EQ(3u, executor_run_ready(&ex));
	wake('C');
	wake('A');
	EXPECT_EQ(2u, executor_run_ready(&ex));
	EXPECT_STREQ("ABCCA", poll_log);
	EXPECT_EQ(1u, executor_task_count(&ex));
	wake('B');
	EXPECT_EQ(1u, executor_run_ready(&ex));
	EXPECT_STREQ("ABCCAB", poll_log);
	EXPECT_EQ(0, live_allocs);
}

KTEST(executor, pending_task_is_not_polled_until_woken)
{
	spawn('A', 100, 0);
	EXPECT_EQ(1u, executor_run_ready(&ex));
	EXPECT_EQ(0u, executor_run_ready(&ex));
	EXPECT_EQ(0u, executor_run_ready(&ex));
	EXPECT_FALSE(executor_has_ready(&ex));
	EXPECT_STREQ("A", poll_log);
	wake('A');
	EXPECT_TRUE(executor_has_ready(&ex));
	EXPECT_EQ(1u, executor_run_ready(&ex));
	EXPECT_STREQ("AA", poll_log);
}

KTEST(executor, many_wakes_before_a_poll_make_one_poll)
{
	struct executor_stats st;

	spawn('A', 100, 0);
	spawn('B', 100, 0);
	executor_run_ready(&ex);
	for (int i = 0; i < 10; i++) {
		wake('A');
		wake('B');
	}
	EXPECT_EQ(2u, executor_run_ready(&ex));
	EXPECT_STREQ("ABAB", poll_log);
	executor_get_stats(&ex, &st);
	EXPECT_EQ(2u, st.wakes);
	/* and once polled, the next wake counts again */
	wake('B');
	wake('B');
	EXPECT_EQ(1u, executor_run_ready(&ex));
	EXPECT_STREQ("ABABB", poll_log);
}

/* A wake that comes while the task runs (from itself, or an interrupt)
 * means another poll: it may have missed what the wake announces.
 */
KTEST(executor, wake_during_poll_polls_again)
{
	spawn('A', 100, 3);
	spawn('B', 100, 0);
	EXPECT_EQ(5u, executor_run_ready(&ex));
	EXPECT_STREQ("ABAAA", poll_log);
	EXPECT_EQ(0u, executor_run_ready(&ex));
}

KTEST(executor, wake_of_a_finished_task_is_ignored)
{
	uint64_t a = spawn('A', 2, 0), b;
	struct waker old;

	executor_run_ready(&ex);
	old = wakers[0];
	wake('A');
	executor_run_ready(&ex);           /* A finishes */
	ASSERT_EQ(0u, executor_task_count(&ex));
	waker_wake(&old);
	EXPECT_FALSE(executor_has_ready(&ex));
	/* B takes A's slot; A's waker must not wake B */
	b = spawn('B', 100, 0);
	EXPECT_NE(a, b);
	EXPECT_EQ(a % EXECUTOR_MAX_TASKS, b % EXECUTOR_MAX_TASKS);
	executor_run_ready(&ex);
	waker_wake(&old);
	EXPECT_EQ(0u, executor_run_ready(&ex));
	EXPECT_STREQ("AAB", poll_log);
}

/* Woken during its last poll: freed at once, its slot once the id is out. */
KTEST(executor, task_finishing_while_queued_is_freed)
{
	spawn('A', 1, 1);
	EXPECT_EQ(1u, executor_run_ready(&ex));
	EXPECT_EQ(0, live_allocs);
	EXPECT_EQ(0u, executor_task_count(&ex));
	EXPECT_FALSE(executor_has_ready(&ex));
	for (int i = 0; i < EXECUTOR_MAX_TASKS; i++)
		ASSERT_NE_MSG(0u, spawn('B', 100, 0), "task %d", i);
	EXPECT_EQ((size_t)EXECUTOR_MAX_TASKS, executor_run_ready(&ex));
}

KTEST(executor, full_table_refuses_without_leaking)
{
	for (int i = 0; i < EXECUTOR_MAX_TASKS; i++)
		ASSERT_NE_MSG(0u, spawn('A', 2, 0), "task %d", i);
	EXPECT_EQ(0u, spawn('B', 1, 0));
	EXPECT_EQ(EXECUTOR_MAX_TASKS, live_allocs);
	EXPECT_EQ((size_t)EXECUTOR_MAX_TASKS, executor_task_count(&ex));
	executor_run_ready(&ex);
	/* each one's waker: all wakes fit in the ready queue at once */
	for (int i = 0; i < EXECUTOR_MAX_TASKS; i++)
		executor_wake(&ex, ex.slots[i].task->id);
	EXPECT_EQ((size_t)EXECUTOR_MAX_TASKS, executor_run_ready(&ex));
	EXPECT_EQ(0, live_allocs);
	EXPECT_NE(0u, spawn('B', 1, 0));
}

KTEST(executor, out_of_memory_spawns_nothing)
{
	fail_alloc = true;
	EXPECT_EQ(0u, spawn('A', 1, 0));
	EXPECT_EQ(0u, executor_task_count(&ex));
	EXPECT_EQ(0u, executor_run_ready(&ex));
}

KTEST(executor, ids_are_unique_and_nonzero)
{
	uint64_t seen[16];

	for (int i = 0; i < 16; i++) {
		seen[i] = spawn('A', 1, 0);
		ASSERT_NE(0u, seen[i]);
		executor_run_ready(&ex);
		for (int j = 0; j < i; j++)
			ASSERT_NE(seen[j], seen[i]);
	}
}

/* A waker slot wakes whatever waker was registered last, until cleared. */
KTEST(executor, waker_slot_wakes_the_registered_task)
{
	struct waker_slot slot = { 0 };

	spawn('A', 100, 0);
	spawn('B', 100, 0);
	executor_run_ready(&ex);
	waker_slot_wake(&slot);
	EXPECT_FALSE(executor_has_ready(&ex));
	waker_slot_register(&slot, &wakers[0]);
	waker_slot_wake(&slot);
	waker_slot_wake(&slot);
	EXPECT_EQ(1u, executor_run_ready(&ex));
	waker_slot_register(&slot, &wakers[1]);
	waker_slot_wake(&slot);
	EXPECT_EQ(1u, executor_run_ready(&ex));
	EXPECT_STREQ("ABAB", poll_log);
	waker_slot_register(&slot, NULL);
	waker_slot_wake(&slot);
	EXPECT_EQ(0u, executor_run_ready(&ex));
}

struct copied { char text[24]; };

static enum task_poll copied_poll(void *state, const struct waker *w)
{
	struct copied *c = state;

	(void)w;
	log_poll(c->text[0]);
	log_poll(c->text[1]);
	return TASK_READY;
}

/* The task owns a copy of the state it was spawned with. */
KTEST(executor, state_is_copied_at_spawn)
{
	struct copied c = { "ok" };

	ASSERT_NE(0u, task_spawn(&ex, copied_poll, &c, sizeof(c)));
	c.text[0] = 'x';
	executor_run_ready(&ex);
	EXPECT_STREQ("ok", poll_log);
}

static enum task_poll spawner_poll(void *state, const struct waker *w)
{
	(void)state;
	(void)w;
	log_poll('S');
	spawn('A', 1, 0);
	return TASK_READY;
}

KTEST(executor, task_spawned_by_a_task_runs_in_the_same_pass)
{
	ASSERT_NE(0u, task_spawn(&ex, spawner_poll, NULL, 0));
	EXPECT_EQ(2u, executor_run_ready(&ex));
	EXPECT_STREQ("SA", poll_log);
	EXPECT_EQ(0, live_allocs);
}

static enum task_poll reentrant_poll(void *state, const struct waker *w)
{
	(void)state;
	(void)w;
	executor_run_ready(&ex);
	return TASK_READY;
}

KTEST(executor, running_from_inside_a_task_panics, KTEST_SHOULD_PANIC)
{
	task_spawn(&ex, reentrant_poll, NULL, 0);
	executor_run_ready(&ex);
}

/* ------------------------------------------------------------------------ */
/* Idling. */

KTEST(executor, run_returns_at_once_without_tasks)
{
	executor_run(&ex);
	EXPECT_EQ(0, waits);
	EXPECT_TRUE(irq_on);
}

static int irqs_left;

/* An interrupt that wakes A, and schedules the next one while any are left. */
static void irq_waking_a(void)
{
	wake('A');
	if (--irqs_left > 0)
		pending_irq = irq_waking_a;
}

KTEST(executor, sleeps_only_when_nothing_is_ready)
{
	struct executor_stats st;

	spawn('A', 3, 0);
	spawn('B', 2, 1);     /* ready twice in a row, no interrupt needed */
	irqs_left = 2;
	pending_irq = irq_waking_a;
	executor_run(&ex);
	EXPECT_STREQ("ABBAA", poll_log);
	EXPECT_EQ(2, waits);
	EXPECT_EQ(0, waits_with_work);
	EXPECT_TRUE(irq_on);
	EXPECT_EQ(0, live_allocs);
	executor_get_stats(&ex, &st);
	EXPECT_EQ(2u, st.idles);
}

/* The wake lands after the executor found nothing ready but before it masked
 * interrupts. It must see it: checking before masking would sleep with A
 * ready (here: forever, as no interrupt follows).
 */
KTEST(executor, wake_just_before_masking_is_not_lost)
{
	spawn('A', 2, 0);
	before_mask = irq_waking_a;
	irqs_left = 1;
	executor_run(&ex);
	EXPECT_STREQ("AA", poll_log);
	EXPECT_EQ(0, waits);
	EXPECT_EQ(0u, executor_task_count(&ex));
}

#ifndef KTEST_HOST
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pit.h"
#include "arch/x86_64/tsc.h"

#define HEAP_TASKS     40
#define STRESS_EVENTS  200
#define WORK_MAX_US    300     /* a poll's random busy time */
#define MASK_MAX_US    1500    /* masking's random delay: often spans a tick */

static int fresh_kernel(struct ktest *t)
{
	fresh(t);
	executor_init(&ex, &executor_kernel_ops);
	return 0;
}

KTEST_SUITE(executor_kernel, .case_init = fresh_kernel, .case_exit = drop);

/* With the kernel's ops, finished tasks go back to the heap. */
KTEST(executor_kernel, finished_tasks_return_the_heap_to_baseline)
{
	struct heap_stats before, during, after;

	heap_stats(&before);
	for (int i = 0; i < HEAP_TASKS; i++)
		ASSERT_NE_MSG(0u, spawn('A', 3, 2), "task %d", i);
	heap_stats(&during);
	EXPECT_EQ(before.alloc.live + HEAP_TASKS, during.alloc.live);
	executor_run(&ex);
	EXPECT_EQ(0u, executor_task_count(&ex));
	heap_stats(&after);
	EXPECT_EQ(before.alloc.live, after.alloc.live);
	EXPECT_EQ(before.alloc.used_bytes, after.alloc.used_bytes);
	EXPECT_EQ(before.alloc.allocs + HEAP_TASKS, after.alloc.allocs);
}

/* The stress below: timer interrupts post events on random ticks and wake a
 * watcher task, which busies itself a random while, so the executor goes
 * idle at random moments relative to the ticks.
 */
static volatile uint64_t posted;
static volatile bool stress_on;
static struct waker stress_waker;
static uint32_t tick_rng = 0x12345679, task_rng = 0x2468ace1;
static uint64_t halts_with_work;

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void busy_random(uint32_t *rng, uint32_t max_us)
{
	uint64_t end = tsc_micros() + xorshift(rng) % max_us;

	while (tsc_micros() < end)
		cpu_pause();
}

static void stress_tick(struct int_frame *f)
{
	(void)f;
	if (!stress_on || posted >= STRESS_EVENTS || (xorshift(&tick_rng) & 1))
		return;
	posted++;
	waker_wake(&stress_waker);
}

struct watcher { uint64_t seen; };

static enum task_poll watcher_poll(void *state, const struct waker *w)
{
	struct watcher *s = state;

	(void)w;
	s->seen = posted;
	if (s->seen == STRESS_EVENTS)
		return TASK_READY;
	busy_random(&task_rng, WORK_MAX_US);
	return TASK_PENDING;
}

/* The executor's masking, made slow at random: an executor that checked for
 * ready tasks before masking would have a wide window for a tick to slip in.
 */
static void slow_irq_disable(void)
{
	busy_random(&task_rng, MASK_MAX_US);
	irq_disable();
}

/* Going to sleep with a task ready is the lost wake-up (here only a delay,
 * as the next tick ends any hlt, so count it instead of waiting for it).
 */
static void checking_wait(void)
{
	if (executor_has_ready(&ex))
		halts_with_work++;
	irq_enable_and_halt();
}

static const struct executor_ops stress_ops = {
	.alloc = kmalloc,
	.free = kfree,
	.irq_disable = slow_irq_disable,
	.irq_enable = irq_enable,
	.wait = checking_wait,
};

static void stop_stress(struct ktest *t)
{
	(void)t;
	stress_on = false;
	pit_remove_tick_hook(stress_tick);
	executor_destroy(&ex);
}

KTEST_SUITE(executor_idle, .case_exit = stop_stress);

KTEST(executor_idle, timer_wakeups_are_never_lost)
{
	struct watcher w = { 0 };
	struct executor_stats st;
	uint64_t id;

	executor_init(&ex, &stress_ops);
	posted = 0;
	halts_with_work = 0;
	id = task_spawn(&ex, watcher_poll, &w, sizeof(w));
	ASSERT_NE(0u, id);
	stress_waker = executor_waker(&ex, id);
	stress_on = true;
	ASSERT_EQ(0, pit_add_tick_hook(stress_tick));
	executor_run(&ex);
	executor_get_stats(&ex, &st);
	EXPECT_EQ(0u, halts_with_work);
	EXPECT_EQ((uint64_t)STRESS_EVENTS, posted);
	EXPECT_GT(st.idles, 0u);
	EXPECT_LE(st.polls, st.wakes + 1);
	ktest_log("%llu halts with work, %llu polls, %llu wakes, %llu idles", (unsigned long long)halts_with_work,
		  (unsigned long long)st.polls, (unsigned long long)st.wakes,
		  (unsigned long long)st.idles);
}
#endif
