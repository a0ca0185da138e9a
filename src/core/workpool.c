/*
 * workpool.c - the worker threads of workpool.h: one job at a time, its
 * indexes handed out under one mutex, the caller woken when the last one
 * is done.
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "trailscope/merkle.h"
#include "trailscope/util.h"
#include "trailscope/workpool.h"

struct workpool {
	pthread_mutex_t lock;
	pthread_cond_t work;       /* a job was started, or stop */
	pthread_cond_t idle;       /* the job's last index finished */
	pthread_t thread[WORKPOOL_MAX];
	unsigned nthreads;
	workpool_fn *fn;
	void *ctx;
	size_t n;                  /* the job's indexes */
	size_t next;               /* the next index to hand out */
	size_t done;               /* indexes finished */
	int stop;
};

/* Runs indexes of the current job until none is left; called with the
 * lock held, returns with it held. */
static void run_indexes(struct workpool *p)
{
	while (p->next < p->n) {
		size_t i = p->next++;

		pthread_mutex_unlock(&p->lock);
		p->fn(p->ctx, i);
		pthread_mutex_lock(&p->lock);
		if (++p->done == p->n)
			pthread_cond_broadcast(&p->idle);
	}
}

static void *worker_main(void *arg)
{
	struct workpool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stop && p->next >= p->n)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->stop)
			break;
		run_indexes(p);
	}
	pthread_mutex_unlock(&p->lock);
	merkle_thread_release();
	return NULL;
}

struct workpool *workpool_new(unsigned nthreads)
{
	struct workpool *p = xcalloc(1, sizeof(*p));

	if (!nthreads) {
		const char *env = getenv("TRAILSCOPE_THREADS");
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		int64_t n;

		nthreads = cpus < 1 ? 1 : (unsigned)cpus;
		if (env && *env && parse_int64(env, 1, WORKPOOL_MAX, &n) == 0)
			nthreads = (unsigned)n;
		else if (env && *env)
			warning("TRAILSCOPE_THREADS must be a number from 1 to %d; using %u", WORKPOOL_MAX, nthreads);
	}
	if (nthreads > WORKPOOL_MAX)
		nthreads = WORKPOOL_MAX;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->idle, NULL);
	while (p->nthreads < nthreads && !pthread_create(&p->thread[p->nthreads], NULL, worker_main, p))
		p->nthreads++;
	return p;
}

unsigned workpool_threads(const struct workpool *p)
{
	return p->nthreads;
}

void workpool_start(struct workpool *p, workpool_fn *fn, void *ctx, size_t n)
{
	pthread_mutex_lock(&p->lock);
	if (p->done != p->n)
		die("workpool_start: the previous job is still running");
	p->fn = fn;
	p->ctx = ctx;
	p->n = n;
	p->next = p->done = 0;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
}

void workpool_wait(struct workpool *p)
{
	pthread_mutex_lock(&p->lock);
	if (!p->nthreads)
		run_indexes(p);
	while (p->done < p->n)
		pthread_cond_wait(&p->idle, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

void workpool_free(struct workpool *p)
{
	if (!p)
		return;
	workpool_wait(p);
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->thread[i], NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->idle);
	free(p);
}
