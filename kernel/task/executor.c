/* The executor: a fixed table of task slots, a lock-free ready queue of task
 * ids, and a poll loop that idles with interrupts masked for the check.
 */
#include "task/executor.h"

#include "panic.h"
#ifndef KLIB_HOST
#include "arch/x86_64/cpu.h"
#include "mm/heap.h"
#endif

/*
 * Exactly-once queueing: a slot's state word holds its task's id and a
 * "queued" bit. A wake sets the bit with compare-and-swap and pushes the id
 * only if it set it; the executor clears it just before polling, so a wake
 * during the poll queues the task again. A task that finishes while queued
 * leaves its slot reserved until its id comes out of the queue, so each slot
 * has at most one id in the queue and the queue (one entry per slot) can
 * never be full.
 */

#define SLOT_QUEUED   1ull        /* bit 0 of a slot's state */
#define SLOT_ID_SHIFT 1
#define SLOT_MASK     (EXECUTOR_MAX_TASKS - 1)
#define SERIAL_SHIFT  6           /* log2(EXECUTOR_MAX_TASKS) */

_Static_assert((1u << SERIAL_SHIFT) == EXECUTOR_MAX_TASKS,
	       "an id is (serial << SERIAL_SHIFT) | slot");

static struct executor_slot *slot_of(struct executor *ex, uint64_t id)
{
	return &ex->slots[id & SLOT_MASK];
}

static uint64_t state_of(uint64_t id, bool queued)
{
	return id << SLOT_ID_SHIFT | (queued ? SLOT_QUEUED : 0);
}

void executor_init(struct executor *ex, const struct executor_ops *ops)
{
	*ex = (struct executor){ .ops = ops, .next_serial = 1 };
	queue_init(&ex->ready, ex->ready_slots, EXECUTOR_MAX_TASKS);
}

static int free_slot(const struct executor *ex)
{
	for (int i = 0; i < EXECUTOR_MAX_TASKS; i++)
		if (__atomic_load_n(&ex->slots[i].state, __ATOMIC_ACQUIRE) == 0)
			return i;
	return -1;
}

/* Push an id whose queued bit we just set; the queue cannot be full. */
static void push_ready(struct executor *ex, uint64_t id)
{
	if (!queue_push(&ex->ready, id))
		panic("executor %p: ready queue full at id %llx", (void *)ex,
		      (unsigned long long)id);
}

uint64_t executor_add(struct executor *ex, struct task *t)
{
	int i = free_slot(ex);
	uint64_t id;

	if (i < 0)
		return 0;
	id = ex->next_serial++ << SERIAL_SHIFT | (uint64_t)i;
	t->id = id;
	ex->slots[i].task = t;
	ex->live++;
	ex->stats.spawned++;
	__atomic_store_n(&ex->slots[i].state, state_of(id, true), __ATOMIC_RELEASE);
	push_ready(ex, id);
	return id;
}

void executor_wake(struct executor *ex, uint64_t id)
{
	struct executor_slot *s = slot_of(ex, id);
	uint64_t idle = state_of(id, false);

	/* Fails when the task is queued already, finished or never existed. */
	if (!__atomic_compare_exchange_n(&s->state, &idle, state_of(id, true),
					 false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return;
	__atomic_fetch_add(&ex->stats.wakes, 1, __ATOMIC_RELAXED);
	push_ready(ex, id);
}

/* A task returned TASK_READY: free it, and its slot unless it is queued. */
static void finish(struct executor *ex, struct executor_slot *s, uint64_t id)
{
	uint64_t idle = state_of(id, false);

	task_destroy(ex->ops->free, s->task);
	s->task = NULL;
	ex->live--;
	ex->stats.finished++;
	/* If a wake queued it meanwhile, the slot is freed when the id is
	 * popped (see run_one()).
	 */
	__atomic_compare_exchange_n(&s->state, &idle, 0, false,
				    __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

/* Poll the task an id popped from the ready queue names. */
static void run_one(struct executor *ex, uint64_t id)
{
	struct executor_slot *s = slot_of(ex, id);
	uint64_t queued = state_of(id, true);
	struct waker waker;

	/* Clear the queued bit before the poll: a wake during it re-queues. */
	if (!__atomic_compare_exchange_n(&s->state, &queued, state_of(id, false),
					 false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		panic("executor %p: id %llx popped but slot state is %llx",
		      (void *)ex, (unsigned long long)id,
		      (unsigned long long)queued);
	if (!s->task) {
		/* finished while queued: now the slot can go */
		__atomic_store_n(&s->state, 0, __ATOMIC_RELEASE);
		return;
	}
	ex->stats.polls++;
	waker = executor_waker(ex, id);
	if (task_poll(s->task, &waker) == TASK_READY)
		finish(ex, s, id);
}

uint64_t task_spawn(struct executor *ex, task_poll_fn poll, const void *state,
		    size_t size)
{
	struct task *t = task_create(ex->ops->alloc, poll, state, size);
	uint64_t id;

	if (!t)
		return 0;
	id = executor_add(ex, t);
	if (!id)
		task_destroy(ex->ops->free, t);
	return id;
}

static void wake_task(void *target, uint64_t id)
{
	executor_wake(target, id);
}

struct waker executor_waker(struct executor *ex, uint64_t id)
{
	return (struct waker){ wake_task, ex, id };
}

void executor_destroy(struct executor *ex)
{
	for (int i = 0; i < EXECUTOR_MAX_TASKS; i++)
		if (ex->slots[i].task)
			task_destroy(ex->ops->free, ex->slots[i].task);
	executor_init(ex, ex->ops);
}

size_t executor_run_ready(struct executor *ex)
{
	uint64_t id;
	size_t polls = ex->stats.polls;

	if (ex->running)
		panic("executor %p: run from inside one of its tasks", (void *)ex);
	ex->running = true;
	while (queue_pop(&ex->ready, &id))
		run_one(ex, id);
	ex->running = false;
	return (size_t)(ex->stats.polls - polls);
}

/* Sleep until an interrupt unless a task is ready. The check runs with
 * interrupts masked: a wake from an interrupt handler cannot slip in between
 * it and the sleep, which unmasks them atomically.
 */
static void idle(struct executor *ex)
{
	ex->ops->irq_disable();
	if (queue_is_empty(&ex->ready)) {
		ex->stats.idles++;
		ex->ops->wait();
	} else {
		ex->ops->irq_enable();
	}
}

void executor_run(struct executor *ex)
{
	for (;;) {
		executor_run_ready(ex);
		if (ex->live == 0)
			return;
		idle(ex);
	}
}

bool executor_has_ready(const struct executor *ex)
{
	return !queue_is_empty(&ex->ready);
}

size_t executor_task_count(const struct executor *ex)
{
	return ex->live;
}

void executor_get_stats(const struct executor *ex, struct executor_stats *out)
{
	*out = ex->stats;
	out->wakes = __atomic_load_n(&ex->stats.wakes, __ATOMIC_RELAXED);
}

#ifndef KLIB_HOST
/* The kernel's platform; host builds (tests) bring their own. */
static void kernel_wait(void)
{
	irq_enable_and_halt();
}

const struct executor_ops executor_kernel_ops = {
	.alloc = kmalloc,
	.free = kfree,
	.irq_disable = irq_disable,
	.irq_enable = irq_enable,
	.wait = kernel_wait,
};
#endif
