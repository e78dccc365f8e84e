/* Tasks: one allocation per task (header and state together, like Rust's
 * Box::pin(future)), made and freed here only, with the executor's allocator.
 */
#include "task/task.h"

#include "lib/string.h"
#include "task/executor.h"

struct task *task_create(struct executor *ex, task_poll_fn poll,
			 const void *state, size_t size)
{
	struct task *t;

	if (size > SIZE_MAX - sizeof(*t))
		return NULL;
	t = ex->ops->alloc(sizeof(*t) + size);
	if (!t)
		return NULL;
	t->id = 0;
	t->poll = poll;
	t->state_size = size;
	if (size)
		memcpy(t->state, state, size);
	return t;
}

void task_destroy(struct executor *ex, struct task *t)
{
	ex->ops->free(t);
}

uint64_t task_spawn(struct executor *ex, task_poll_fn poll, const void *state,
		    size_t size)
{
	struct task *t = task_create(ex, poll, state, size);
	uint64_t id;

	if (!t)
		return 0;
	id = executor_add(ex, t);
	if (!id)
		task_destroy(ex, t);
	return id;
}

enum task_poll task_poll(struct executor *ex, struct task *t)
{
	struct waker w = { ex, t->id };

	return t->poll(t->state, &w);
}
