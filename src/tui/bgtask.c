/*
 * bgtask.c - the life cycle shared by the TUI's one-shot background tasks
 * (density strip, position count, query count): launch a thread, poll its
 * state from the main loop, cancel and join, release.
 */
#include <stdlib.h>

#include "bg.h"

int bg_task_launch(struct bg_task *t, const char *path, void *(*fn)(void *), void *arg)
{
	bg_task_cancel(t);
	if (!t->path)
		pthread_mutex_init(&t->lock, NULL);
	free(t->path);
	t->path = xstrdup(path);
	t->cancel = 0;
	t->state = TASK_RUNNING;
	if (pthread_create(&t->thread, NULL, fn, arg)) {
		t->state = TASK_FAILED;
		return -1;
	}
	t->started = 1;
	return 0;
}

enum task_state bg_task_poll(struct bg_task *t)
{
	enum task_state st;

	if (!t->path)
		return TASK_IDLE;
	pthread_mutex_lock(&t->lock);
	st = t->state;
	pthread_mutex_unlock(&t->lock);
	if (t->started && st != TASK_RUNNING) {
		pthread_join(t->thread, NULL);
		t->started = 0;
	}
	return st;
}

void bg_task_cancel(struct bg_task *t)
{
	if (!t->path)
		return;
	t->cancel = 1;
	if (t->started)
		pthread_join(t->thread, NULL);
	t->started = 0;
}

void bg_task_stop(struct bg_task *t)
{
	if (!t->path)
		return;
	bg_task_cancel(t);
	free(t->path);
	t->path = NULL;
	pthread_mutex_destroy(&t->lock);
}
