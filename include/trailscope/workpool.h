/*
 * workpool.h - a few threads that run one job at a time over the indexes
 * 0..n-1 (each index taken by exactly one thread), while the caller's
 * thread does other work: export writes one window of events while it
 * reads the next, verify and bag validation hash files on every core.
 *
 * Cost: one mutex hand-off per index; give each index a batch of work.
 * A job function must not report through diag.h (messages and the error
 * class are per thread): it keeps what went wrong in its own result.
 * Threads release their thread-local hashing state (merkle.h) on exit.
 */
#ifndef TRAILSCOPE_WORKPOOL_H
#define TRAILSCOPE_WORKPOOL_H

#include <stddef.h>

#define WORKPOOL_MAX 8

typedef void workpool_fn(void *ctx, size_t index);

struct workpool;

/* Starts nthreads threads (0: one per online processor, or
 * TRAILSCOPE_THREADS when the environment sets it; at most WORKPOOL_MAX). Never fails: when no thread can be started, jobs run
 * on the caller's thread in workpool_wait. */
struct workpool *workpool_new(unsigned nthreads);
/* The number of threads (0 when jobs run in workpool_wait). */
unsigned workpool_threads(const struct workpool *p);
/* Starts fn(ctx, i) for every i < n and returns at once; the previous
 * job must have been waited for. */
void workpool_start(struct workpool *p, workpool_fn *fn, void *ctx, size_t n);
/* Returns when every index of the job has run. */
void workpool_wait(struct workpool *p);
/* Stops the threads (after waiting for a job still running) and frees p.
 * NULL is allowed. */
void workpool_free(struct workpool *p);

#endif
