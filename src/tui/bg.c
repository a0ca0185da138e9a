/*
 * bg.c - the TUI's background work: verification, the density strip and
 * position counts. Each task is one thread with its own read-only
 * connection (SQLite connections are never shared across threads); it
 * publishes progress and results under its mutex and the main loop polls
 * them between keys. Stopping a task sets its cancel flag and joins it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/timeline.h"
#include "bg.h"

static void set_err(char *dst, size_t n, const char *fallback)
{
	const char *e = last_error();

	snprintf(dst, n, "%s", e && *e ? e : fallback);
}

static void verify_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct bg_verify *b = ctx;

	pthread_mutex_lock(&b->lock);
	b->done = done;
	b->total = total;
	pthread_mutex_unlock(&b->lock);
}

/* One verification, in the worker thread. */
static void verify_once(struct bg_verify *b)
{
	struct verify_options vo;
	struct verify_report r;
	struct store s;
	int ok;

	if (store_open(&s, b->path, STORE_READONLY)) {
		pthread_mutex_lock(&b->lock);
		set_err(b->err, sizeof(b->err), "cannot open the store");
		b->state = TASK_FAILED;
		pthread_mutex_unlock(&b->lock);
		return;
	}
	memset(&vo, 0, sizeof(vo));
	vo.trust = b->trust;
	vo.remember = 1;
	vo.progress = verify_progress;
	vo.progress_ctx = b;
	vo.cancel = &b->cancel;
	pthread_mutex_lock(&b->lock);
	b->total = (uint64_t)store_size(&s);
	pthread_mutex_unlock(&b->lock);
	ok = verify_store(&s, &vo, &r) == 0;
	store_close(&s);
	pthread_mutex_lock(&b->lock);
	if (ok) {
		if (b->report.verdict != VERDICT_NONE)
			verify_report_release(&b->report);
		b->report = r;
		b->state = TASK_DONE;
	} else {
		set_err(b->err, sizeof(b->err), "verification stopped");
		b->state = TASK_FAILED;
	}
	b->finished_at = time_now();
	pthread_mutex_unlock(&b->lock);
}

/*
 * The verify worker lives as long as the process: hashing keeps
 * per-thread state in libcrypto and the Merkle code, which a thread per
 * run would leave behind at every exit. It waits for requests and is
 * never joined.
 */
static void *verify_worker(void *arg)
{
	struct bg_verify *b = arg;

	pthread_mutex_lock(&b->lock);
	for (;;) {
		while (!b->requested)
			pthread_cond_wait(&b->wake, &b->lock);
		b->requested = 0;
		pthread_mutex_unlock(&b->lock);
		verify_once(b);
		pthread_mutex_lock(&b->lock);
		pthread_cond_broadcast(&b->idle);
	}
	return NULL;
}

static struct bg_verify verify_singleton = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
	.idle = PTHREAD_COND_INITIALIZER,
};

struct bg_verify *bg_verify_get(void)
{
	return &verify_singleton;
}

void bg_verify_start(struct bg_verify *b, const char *path, struct trust *trust)
{
	pthread_mutex_lock(&b->lock);
	if (b->state == TASK_RUNNING) {
		pthread_mutex_unlock(&b->lock);
		return;
	}
	if (!b->started) {
		pthread_attr_t attr;

		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&b->thread, &attr, verify_worker, b)) {
			b->state = TASK_FAILED;
			snprintf(b->err, sizeof(b->err), "cannot start a thread");
			pthread_attr_destroy(&attr);
			pthread_mutex_unlock(&b->lock);
			return;
		}
		pthread_attr_destroy(&attr);
		b->started = 1;
	}
	free(b->path);
	b->path = xstrdup(path);
	b->trust = trust;
	b->cancel = 0;
	b->done = 0;
	b->state = TASK_RUNNING;
	b->requested = 1;
	pthread_cond_signal(&b->wake);
	pthread_mutex_unlock(&b->lock);
}

enum task_state bg_verify_poll(struct bg_verify *b)
{
	enum task_state st;

	pthread_mutex_lock(&b->lock);
	st = b->state;
	pthread_mutex_unlock(&b->lock);
	return st;
}

void bg_verify_stop(struct bg_verify *b)
{
	pthread_mutex_lock(&b->lock);
	b->cancel = 1;
	while (b->state == TASK_RUNNING)
		pthread_cond_wait(&b->idle, &b->lock);
	if (b->report.verdict != VERDICT_NONE)
		verify_report_release(&b->report);
	memset(&b->report, 0, sizeof(b->report));
	free(b->path);
	b->path = NULL;
	b->state = TASK_IDLE;
	pthread_mutex_unlock(&b->lock);
}

static void *density_main(void *arg)
{
	struct bg_density *b = arg;
	uint64_t *counts = xcalloc(DENSITY_BUCKETS, sizeof(*counts));
	struct store s;
	int ok = 0;

	if (store_open(&s, b->task.path, STORE_READONLY) == 0) {
		ok = timeline_density(&s, b->first, b->last, DENSITY_BUCKETS, counts, &b->task.cancel) == 0;
		store_close(&s);
	}
	pthread_mutex_lock(&b->task.lock);
	if (ok) {
		b->max = 0;
		for (size_t i = 0; i < DENSITY_BUCKETS; i++) {
			b->counts[i] = counts[i];
			if (counts[i] > b->max)
				b->max = counts[i];
		}
	}
	b->task.state = ok ? TASK_DONE : TASK_FAILED;
	pthread_mutex_unlock(&b->task.lock);
	free(counts);
	return NULL;
}

void bg_density_start(struct bg_density *b, const char *path, usec_t first, usec_t last)
{
	bg_task_poll(&b->task);
	if (b->task.started)
		return;
	b->first = first;
	b->last = last;
	bg_task_launch(&b->task, path, density_main, b);
}

static void *rank_main(void *arg)
{
	struct bg_rank *b = arg;
	struct tl_key key;
	struct store s;
	int64_t n = -1;

	snprintf(key.ts, sizeof(key.ts), "%s", b->ts);
	key.seq = b->seq;
	if (store_open(&s, b->task.path, STORE_READONLY) == 0) {
		n = timeline_count_before(&s, &key, &b->task.cancel);
		store_close(&s);
	}
	pthread_mutex_lock(&b->task.lock);
	b->result = n;
	b->task.state = n >= 0 ? TASK_DONE : TASK_FAILED;
	pthread_mutex_unlock(&b->task.lock);
	return NULL;
}

void bg_rank_start(struct bg_rank *b, const char *path, const char *ts, int64_t seq, unsigned gen)
{
	bg_task_cancel(&b->task);
	snprintf(b->ts, sizeof(b->ts), "%s", ts);
	b->seq = seq;
	b->gen = gen;
	b->result = -1;
	bg_task_launch(&b->task, path, rank_main, b);
}
