/*
 * bg.h - the TUI's background tasks: the verify worker, one-shot tasks
 * (density strip, position count) and a query's match count, each on a
 * thread with its own read-only connection.
 */
#ifndef TUI_BG_H
#define TUI_BG_H

#include <pthread.h>
#include <stdint.h>

#include "trailscope/util.h"
#include "trailscope/verify.h"

enum task_state { TASK_IDLE, TASK_RUNNING, TASK_DONE, TASK_FAILED };

struct bg_verify {
	pthread_mutex_t lock;
	pthread_cond_t wake, idle;
	int requested;
	pthread_t thread;
	int started;
	volatile int cancel;
	enum task_state state;
	uint64_t done, total;
	struct verify_report report; /* valid when DONE; owned */
	char err[256];
	char *path;
	struct trust *trust;
	usec_t finished_at;
};

/*
 * A one-shot background task (bgtask.c): a thread with its own read-only
 * connection to path, publishing state and results under lock. Launching
 * again cancels and joins the previous run first.
 */
struct bg_task {
	pthread_mutex_t lock;
	pthread_t thread;
	int started;
	volatile int cancel;
	enum task_state state;
	char *path;
};
/* Starts fn(arg) for path; returns 0, or -1 with state TASK_FAILED. */
int bg_task_launch(struct bg_task *t, const char *path, void *(*fn)(void *), void *arg);
/* The task's state; joins the thread once it has finished. */
enum task_state bg_task_poll(struct bg_task *t);
/* Sets the cancel flag and waits for the thread. */
void bg_task_cancel(struct bg_task *t);
/* Cancels, waits, and frees what the task holds. */
void bg_task_stop(struct bg_task *t);

#define DENSITY_BUCKETS 480
struct bg_density {
	struct bg_task task;
	usec_t first, last;
	uint64_t counts[DENSITY_BUCKETS];
	uint64_t max;
};

struct bg_rank {
	struct bg_task task;
	char ts[32];
	int64_t seq;
	int64_t result;   /* rows before (ts, seq) in time order */
	unsigned gen;     /* request generation, echoed back */
};

/* A match count of a query, on its own connection (bgquery.c). */
struct bg_count {
	struct bg_task task;
	char *text;       /* the query counted (owned) */
	usec_t now;
	int64_t result;   /* matches when DONE */
	char err[512];    /* why when FAILED ("cancelled" when cancelled) */
};
void bg_count_start(struct bg_count *b, const char *path, const char *text, usec_t now);
/* Cancels a running count and waits for it. */
void bg_count_cancel(struct bg_count *b);
enum task_state bg_count_poll(struct bg_count *b);
void bg_count_stop(struct bg_count *b);

/* The process's one verify worker. */
struct bg_verify *bg_verify_get(void);
void bg_verify_start(struct bg_verify *b, const char *path, struct trust *trust);
void bg_verify_stop(struct bg_verify *b);
void bg_density_start(struct bg_density *b, const char *path, usec_t first, usec_t last);
void bg_rank_start(struct bg_rank *b, const char *path, const char *ts, int64_t seq, unsigned gen);
/* Returns the task state, joining a finished thread. */
enum task_state bg_verify_poll(struct bg_verify *b);

#endif
