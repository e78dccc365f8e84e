/* Tasks: cooperative state machines (Rust's async fn and Future in C). A task
 * is a poll function and the state it keeps between polls, owned by one
 * executor, which polls it whenever a waker says it can make progress.
 */
#ifndef TASK_TASK_H
#define TASK_TASK_H

#include <stddef.h>
#include <stdint.h>

#include "lib/waker.h"

struct executor;

/* What a poll returns: finished, or waiting for a wake-up. */
enum task_poll {
	TASK_READY,
	TASK_PENDING,
};

/*
 * A task's (or any future's) poll function. It does as much as it can
 * without blocking. Before returning TASK_PENDING it must have handed the
 * waker (copied) to whatever will call waker_wake() when progress is
 * possible, or the task is never polled again. state is the task's own copy
 * of what task_spawn() was given; it lives until the task returns TASK_READY.
 * Runs in task context, on the executor's stack.
 */
typedef enum task_poll (*task_poll_fn)(void *state, const struct waker *waker);

/* Alignment of a task's state (that of max_align_t, as malloc gives). */
#define TASK_STATE_ALIGN 16

struct task {
	uint64_t id;               /* the executor's name for it; never 0 */
	task_poll_fn poll;
	size_t state_size;
	unsigned char state[] __attribute__((aligned(TASK_STATE_ALIGN)));
};

/* One allocation holds a task and its state: the allocator's. */
typedef void *(*task_alloc_fn)(size_t size);
typedef void (*task_free_fn)(void *p);

/* Allocate with alloc and fill a task (id 0): poll and a copy of the size
 * bytes at state (size may be 0). NULL when out of memory. Not in interrupt
 * context. (task_spawn() in task/executor.h makes one and runs it.)
 */
struct task *task_create(task_alloc_fn alloc, task_poll_fn poll,
			 const void *state, size_t size);

/* Free a task from task_create() with the matching free. */
void task_destroy(task_free_fn free, struct task *t);

/* Poll t once with waker w. Task context (the executor's). */
enum task_poll task_poll(struct task *t, const struct waker *w);

#endif /* TASK_TASK_H */
