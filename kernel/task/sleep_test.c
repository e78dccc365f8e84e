/* Tests for sleeping tasks (task/sleep) on the executor and the PIT, and for
 * the PIT's extra tick hooks they ride on.
 */
#include "ktest.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pit.h"
#include "task/executor.h"
#include "task/sleep.h"

#define ORDER_LEN 8

static struct executor ex;
static char order[ORDER_LEN];
static int finished;

static int fresh(struct ktest *t)
{
	(void)t;
	executor_init(&ex, &executor_kernel_ops);
	finished = 0;
	order[0] = '\0';
	return 0;
}

static void drop(struct ktest *t)
{
	(void)t;
	executor_destroy(&ex);
}

KTEST_SUITE(sleep, .case_init = fresh, .case_exit = drop);

struct sleeper {
	char name;
	uint64_t ms;
	bool started;
	struct sleep sleep;
	uint64_t start_tick, end_tick;
	int polls;
	uint64_t *out;       /* where to leave end - start ticks, or NULL */
};

static enum task_poll sleeper_poll(void *state, const struct waker *w)
{
	struct sleeper *s = state;

	s->polls++;
	if (!s->started) {
		s->start_tick = pit_ticks();
		sleep_start(&s->sleep, s->ms);
		s->started = true;
	}
	if (sleep_poll(&s->sleep, w) == TASK_PENDING)
		return TASK_PENDING;
	s->end_tick = pit_ticks();
	if (s->out) {
		s->out[0] = s->end_tick - s->start_tick;
		s->out[1] = (uint64_t)s->polls;
	}
	if (finished < ORDER_LEN - 1) {
		order[finished] = s->name;
		order[finished + 1] = '\0';
	}
	finished++;
	return TASK_READY;
}

static uint64_t spawn_sleeper(char name, uint64_t ms, uint64_t *out)
{
	struct sleeper s = { .name = name, .ms = ms, .out = out };

	return task_spawn(&ex, sleeper_poll, &s, sizeof(s));
}

/* A sleep lasts at least its time; meanwhile the task is not polled and the
 * CPU idles.
 */
KTEST(sleep, lasts_at_least_its_time_without_busy_polling)
{
	uint64_t out[2] = { 0, 0 };
	struct executor_stats st;

	ASSERT_NE(0u, spawn_sleeper('A', 30, out));
	executor_run(&ex);
	EXPECT_GE(out[0], pit_ms_to_ticks(30));
	EXPECT_EQ(2u, out[1]);      /* one poll to arm, one when woken */
	executor_get_stats(&ex, &st);
	EXPECT_GT(st.idles, 0u);
	EXPECT_EQ(0u, sleep_timers_armed());
}

KTEST(sleep, sleepers_finish_in_deadline_order)
{
	spawn_sleeper('A', 40, NULL);
	spawn_sleeper('B', 5, NULL);
	spawn_sleeper('C', 20, NULL);
	executor_run(&ex);
	EXPECT_STREQ("BCA", order);
}

KTEST(sleep, zero_is_over_after_the_current_tick)
{
	uint64_t out[2] = { 0, 0 };

	spawn_sleeper('A', 0, out);
	executor_run(&ex);
	EXPECT_GE(out[0], 1u);
}

/* More sleepers than timers: the extra ones poll until a timer is free or
 * their time is over, and every one still sleeps its time.
 */
KTEST(sleep, more_sleepers_than_timers)
{
	enum { N = SLEEP_MAX_TIMERS + 8 };
	static uint64_t out[N][2];
	uint64_t before = sleep_overflows();

	for (int i = 0; i < N; i++)
		ASSERT_NE_MSG(0u, spawn_sleeper('x', 20, out[i]), "sleeper %d", i);
	executor_run(&ex);
	EXPECT_EQ(N, finished);
	for (int i = 0; i < N; i++)
		EXPECT_GE_MSG(out[i][0], pit_ms_to_ticks(20), "sleeper %d", i);
	EXPECT_GT(sleep_overflows(), before);
	EXPECT_EQ(0u, sleep_timers_armed());
}

/* A sleep started again in the same task (a periodic task). */
struct periodic { struct sleep sleep; bool started; };

static enum task_poll periodic_poll(void *state, const struct waker *w)
{
	struct periodic *p = state;

	for (;;) {
		if (!p->started) {
			sleep_start(&p->sleep, 5);
			p->started = true;
		}
		if (sleep_poll(&p->sleep, w) == TASK_PENDING)
			return TASK_PENDING;
		p->started = false;
		if (++finished == 3)
			return TASK_READY;
	}
}

KTEST(sleep, a_task_sleeps_again_and_again)
{
	struct periodic p = { .started = false };
	uint64_t start = pit_ticks();

	ASSERT_NE(0u, task_spawn(&ex, periodic_poll, &p, sizeof(p)));
	executor_run(&ex);
	EXPECT_EQ(3, finished);
	EXPECT_GE(pit_ticks() - start, 3 * pit_ms_to_ticks(5));
}

/* ------------------------------------------------------------------------ */
/* The PIT's extra tick hooks. */

static volatile uint64_t calls_a, calls_b;

static void hook_a(struct int_frame *f) { (void)f; calls_a++; }
static void hook_b(struct int_frame *f) { (void)f; calls_b++; }

static void remove_hooks(struct ktest *t)
{
	(void)t;
	pit_remove_tick_hook(hook_a);
	pit_remove_tick_hook(hook_b);
}

KTEST_SUITE(pit_hooks, .case_exit = remove_hooks);

/* Two hooks see every tick, next to ktest's own (whose case timeout keeps
 * working: this case would not end otherwise if it broke the chain).
 */
KTEST(pit_hooks, added_hooks_run_on_every_tick)
{
	uint64_t t0;

	calls_a = calls_b = 0;
	ASSERT_EQ(0, pit_add_tick_hook(hook_a));
	ASSERT_EQ(0, pit_add_tick_hook(hook_b));
	t0 = pit_ticks();
	pit_sleep_ms(20);
	remove_hooks(t);
	EXPECT_GE(calls_a, pit_ticks() - t0 - 1);
	EXPECT_GE(calls_b, pit_ticks() - t0 - 1);
	EXPECT_GT(calls_a, 0u);
}

KTEST(pit_hooks, removed_hook_stops)
{
	uint64_t seen;

	calls_a = 0;
	ASSERT_EQ(0, pit_add_tick_hook(hook_a));
	pit_sleep_ms(5);
	pit_remove_tick_hook(hook_a);
	seen = calls_a;
	EXPECT_GT(seen, 0u);
	pit_sleep_ms(5);
	EXPECT_EQ(seen, calls_a);
}

KTEST(pit_hooks, twice_or_null_is_refused)
{
	ASSERT_EQ(0, pit_add_tick_hook(hook_a));
	EXPECT_EQ(-1, pit_add_tick_hook(hook_a));
	EXPECT_EQ(-1, pit_add_tick_hook(NULL));
}

#define DEFINE_FILLER(n) static void filler_##n(struct int_frame *f) { (void)f; }
DEFINE_FILLER(0)
DEFINE_FILLER(1)
DEFINE_FILLER(2)
DEFINE_FILLER(3)
DEFINE_FILLER(4)

static void (*const fillers[])(struct int_frame *) = {
	filler_0, filler_1, filler_2, filler_3, filler_4,
};
_Static_assert(sizeof(fillers) / sizeof(fillers[0]) > PIT_MAX_TICK_HOOKS,
	       "enough fillers to overflow the table");

static void remove_fillers(struct ktest *t)
{
	(void)t;
	for (int i = 0; i <= PIT_MAX_TICK_HOOKS; i++)
		pit_remove_tick_hook(fillers[i]);
}

KTEST_SUITE(pit_hook_table, .case_exit = remove_fillers);

/* The table takes PIT_MAX_TICK_HOOKS (some may be in use already, by the
 * sleep timers), refuses one more, and takes it once one goes.
 */
KTEST(pit_hook_table, full_table_refuses_until_one_is_removed)
{
	int added = 0;

	while (added <= PIT_MAX_TICK_HOOKS && pit_add_tick_hook(fillers[added]) == 0)
		added++;
	EXPECT_GT(added, 0);
	ASSERT_LE(added, PIT_MAX_TICK_HOOKS);
	EXPECT_EQ(-1, pit_add_tick_hook(fillers[added]));
	pit_remove_tick_hook(fillers[0]);
	EXPECT_EQ(0, pit_add_tick_hook(fillers[added]));
	EXPECT_EQ(-1, pit_add_tick_hook(fillers[0]));
}
