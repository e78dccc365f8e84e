/* Tasks: one allocation per task (header and state together, like Rust's
 * Box::pin(future)), made and freed with the allocator the owner gives.
 */
#include "task/task.h"

#include "lib/string.h"

struct task *task_create(task_alloc_fn alloc, task_poll_fn poll,
			 const void *state, size_t size)
{
	struct task *t;

	if (size > SIZE_MAX - sizeof(*t))
		return NULL;
	t = alloc(sizeof(*t) + size);
	if (!t)
		return NULL;
	t->id = 0;
	t->poll = poll;
	t->state_size = size;
	if (size)
		memcpy(t->state, state, size);
	return t;
}

void task_destroy(task_free_fn free, struct task *t)
{
	free(t);
}

enum task_poll task_poll(struct task *t, const struct waker *w)
{
	return t->poll(t->state, w);
}
