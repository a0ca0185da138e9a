/*
 * bgquery.c - counting a query's matches in the background: the query
 * bar's live count while typing and the active filter's total. One thread
 * per count with its own read-only connection and its own compiled query
 * (query.h: a query belongs to its connection); a new count cancels the
 * old one through the query's cancel flag. Cost: one count(*) of the
 * query, which for a regex is a scan of what the other terms leave.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/query.h"
#include "bg.h"

static void *count_main(void *arg)
{
	struct bg_count *b = arg;
	struct query_error qe;
	struct query *q = NULL;
	struct store s;
	int64_t n = -1;
	char err[512] = "";

	if (store_open(&s, b->task.path, STORE_READONLY)) {
		snprintf(err, sizeof(err), "%s", last_error());
	} else {
		if (query_compile(&s, b->text, b->now, &q, &qe)) {
			snprintf(err, sizeof(err), "col %d: %s", qe.col, qe.msg);
		} else {
			query_set_cancel(q, &b->task.cancel);
			n = query_count(q);
			if (n == QUERY_CANCELLED)
				snprintf(err, sizeof(err), "cancelled");
			else if (n < 0)
				snprintf(err, sizeof(err), "%s", last_error());
			query_free(q);
		}
		store_close(&s);
	}
	pthread_mutex_lock(&b->task.lock);
	b->result = n;
	snprintf(b->err, sizeof(b->err), "%s", err);
	b->task.state = n >= 0 ? TASK_DONE : TASK_FAILED;
	pthread_mutex_unlock(&b->task.lock);
	return NULL;
}

void bg_count_cancel(struct bg_count *b)
{
	bg_task_cancel(&b->task);
}

void bg_count_start(struct bg_count *b, const char *path, const char *text, usec_t now)
{
	bg_task_cancel(&b->task);
	free(b->text);
	b->text = xstrdup(text);
	b->now = now;
	b->result = -1;
	b->err[0] = 0;
	if (bg_task_launch(&b->task, path, count_main, b))
		snprintf(b->err, sizeof(b->err), "cannot start a thread");
}

enum task_state bg_count_poll(struct bg_count *b)
{
	return bg_task_poll(&b->task);
}

void bg_count_stop(struct bg_count *b)
{
	bg_task_stop(&b->task);
	free(b->text);
	b->text = NULL;
}
