/*
 * test_workpool.c - the thread pool of workpool.h: every index of a job
 * runs exactly once, on the pool's threads or (with none) on the caller's,
 * jobs run one after another on the same threads, and the caller's thread
 * is free while a job runs.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "trailscope/workpool.h"

struct counts {
	pthread_mutex_t lock;
	int *runs;            /* per index: how often it ran */
	pthread_t *who;       /* per index: the thread that ran it */
	size_t n;
	pthread_t caller;
};

static void count(void *ctx, size_t i)
{
	struct counts *c = ctx;

	pthread_mutex_lock(&c->lock);
	c->runs[i]++;
	c->who[i] = pthread_self();
	pthread_mutex_unlock(&c->lock);
}

static void run_job(struct workpool *p, size_t n, struct counts *c)
{
	c->n = n;
	c->runs = calloc(n ? n : 1, sizeof(*c->runs));
	c->who = calloc(n ? n : 1, sizeof(*c->who));
	c->caller = pthread_self();
	workpool_start(p, count, c, n);
	workpool_wait(p);
}

static void release(struct counts *c)
{
	free(c->runs);
	free(c->who);
}

TEST(test_each_index_once)
{
	struct workpool *p = workpool_new(4);
	struct counts c = { PTHREAD_MUTEX_INITIALIZER, NULL, NULL, 0, 0 };
	size_t off_caller = 0;

	CHECK_INT(workpool_threads(p), 4);
	for (int job = 0; job < 3; job++) {
		size_t n = job == 0 ? 1000 : job == 1 ? 1 : 0, once = 0;

		run_job(p, n, &c);
		for (size_t i = 0; i < n; i++) {
			once += c.runs[i] == 1;
			off_caller += !pthread_equal(c.who[i], c.caller);
		}
		CHECK_INT(once, n);
		release(&c);
	}
	CHECK_INT(off_caller, 1001); /* the pool's threads ran them all */
	workpool_free(p);
}

TEST(test_default_size)
{
	struct workpool *p = workpool_new(0);

	CHECK(workpool_threads(p) >= 1 && workpool_threads(p) <= WORKPOOL_MAX);
	workpool_free(p);
	p = workpool_new(100);
	CHECK_INT(workpool_threads(p), WORKPOOL_MAX);
	workpool_free(p);
	workpool_free(NULL);
}

/* The caller's thread goes on while a job runs: the job waits for it. */
struct gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int open, ran;
};

static void wait_gate(void *ctx, size_t i)
{
	struct gate *g = ctx;

	(void)i;
	pthread_mutex_lock(&g->lock);
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->lock);
	g->ran++;
	pthread_mutex_unlock(&g->lock);
}

TEST(test_caller_free_while_running)
{
	struct workpool *p = workpool_new(2);
	struct gate g = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };

	workpool_start(p, wait_gate, &g, 2);
	pthread_mutex_lock(&g.lock);
	CHECK_INT(g.ran, 0);  /* workpool_start returned with the job blocked */
	g.open = 1;
	pthread_cond_broadcast(&g.cond);
	pthread_mutex_unlock(&g.lock);
	workpool_wait(p);
	CHECK_INT(g.ran, 2);
	workpool_free(p);
}

int main(void)
{
	RUN(test_each_index_once);
	RUN(test_default_size);
	RUN(test_caller_free_while_running);
	return CHECK_DONE();
}
