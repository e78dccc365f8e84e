/* The executor (blog_os's task::executor): polls tasks that wakers made
 * ready, in the order they were woken, and idles the CPU (`sti; hlt`) when
 * none is. Portable: the CPU and the allocator are behind executor_ops.
 */
#ifndef TASK_EXECUTOR_H
#define TASK_EXECUTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/queue.h"
#include "task/task.h"

/* Tasks one executor holds at once; a power of two (ids carry the slot). */
#define EXECUTOR_MAX_TASKS 64

/* What the executor needs from its platform. */
struct executor_ops {
	/* Task memory: NULL when out; 16-byte aligned. Task context. */
	void *(*alloc)(size_t size);
	void (*free)(void *p);
	/* Mask / unmask interrupts on this CPU. */
	void (*irq_disable)(void);
	void (*irq_enable)(void);
	/* Called with interrupts masked: unmask them and sleep until the next
	 * interrupt, with no window in between (x86: `sti; hlt`). Returns with
	 * interrupts enabled.
	 */
	void (*wait)(void);
};

#ifndef KLIB_HOST
/* The kernel's: kmalloc/kfree, cli, sti, `sti; hlt`. */
extern const struct executor_ops executor_kernel_ops;
#endif

/* Where a task stands, kept per slot and changed with compare-and-swap so
 * that wakers in any context need no lock: 0 when the slot is free, else
 * (id << 1) | SLOT_QUEUED-bit.
 */
struct executor_slot {
	uint64_t state;
	struct task *task;       /* NULL once finished (a queued id may remain) */
};

struct executor_stats {
	uint64_t spawned;        /* tasks added */
	uint64_t finished;       /* tasks that returned TASK_READY (and were freed) */
	uint64_t polls;          /* poll calls */
	uint64_t wakes;          /* waker_wake() calls that queued a task */
	uint64_t idles;          /* times it slept because nothing was ready */
};

/* Zero-filled and then executor_init()ed. Everything that may wake its tasks
 * later (timers, interrupt handlers) keeps a pointer to it, so it must
 * outlive them: make it static.
 */
struct executor {
	const struct executor_ops *ops;
	struct queue ready;                            /* ids of woken tasks */
	struct queue_slot ready_slots[EXECUTOR_MAX_TASKS];
	struct executor_slot slots[EXECUTOR_MAX_TASKS];
	uint64_t next_serial;                          /* makes ids unique */
	size_t live;                                   /* tasks not finished */
	bool running;                                  /* inside executor_run_ready() */
	struct executor_stats stats;
};

/* Set ex up empty, with ops (which must outlive it). Not while ex is in use;
 * not in interrupt context.
 */
void executor_init(struct executor *ex, const struct executor_ops *ops);

/* Take t (from task_create() with ex's allocator) and queue it; returns its
 * id, or 0 when all EXECUTOR_MAX_TASKS slots are taken (t is then still the
 * caller's). Task context only.
 */
uint64_t executor_add(struct executor *ex, struct task *t);

/*
 * Spawn a task on ex: one allocation (ex's allocator) holds the task and a
 * copy of the size bytes at state (size may be 0). The task is ready at once.
 * Returns its id (nonzero), or 0 when out of memory or ex has
 * EXECUTOR_MAX_TASKS tasks already. Task context only (it allocates), from
 * inside a task too. The executor frees the task when it finishes.
 */
uint64_t task_spawn(struct executor *ex, task_poll_fn poll, const void *state,
		    size_t size);

/* The waker of task id on ex: waking it is executor_wake(ex, id). */
struct waker executor_waker(struct executor *ex, uint64_t id);

/* Free every task ex still holds, finished or not, and leave it empty, as
 * executor_init() does. For an executor that will not run again (a test's,
 * one a panic left in the middle of a poll); never from one of its own
 * tasks; task context only. Its wakers then wake nobody.
 */
void executor_destroy(struct executor *ex);

/* Queue task id unless it is already queued; ignore ids of tasks that have
 * finished. Any context, including interrupt handlers: lock-free, allocates
 * nothing, never fails (the ready queue holds every task at once).
 */
void executor_wake(struct executor *ex, uint64_t id);

/* Poll ready tasks, in the order they became ready, until none is (a task
 * woken meanwhile runs in the same call). Returns the number of polls.
 * Task context only; panics when called from inside one of ex's tasks.
 */
size_t executor_run_ready(struct executor *ex);

/* Run until every task has finished, sleeping through ops->wait() whenever
 * nothing is ready. Whether something is ready is checked with interrupts
 * masked, and the sleep unmasks them atomically, so a wake-up from an
 * interrupt between the check and the sleep is never lost. Returns at once
 * when ex has no tasks. Task context only; leaves interrupts enabled.
 */
void executor_run(struct executor *ex);

/* Whether a task is queued. Any context. */
bool executor_has_ready(const struct executor *ex);

/* Tasks spawned and not finished. Task context. */
size_t executor_task_count(const struct executor *ex);

/* A copy of ex's counters. Task context. */
void executor_get_stats(const struct executor *ex, struct executor_stats *out);

#endif /* TASK_EXECUTOR_H */
