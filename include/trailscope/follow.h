/*
 * follow.h - following a store as other processes append to it, for
 * `trailscope watch`: wait, without busy looping, until the store may
 * have new entries. The SQLite store is polled with PRAGMA data_version
 * (which changes when another connection commits) at a modest interval;
 * a store of another kind (PostgreSQL: LISTEN/NOTIFY) implements the same
 * calls. Callers then read store_size() and query the new seq range.
 */
#ifndef TRAILSCOPE_FOLLOW_H
#define TRAILSCOPE_FOLLOW_H

#include <signal.h>
#include <stdint.h>
#include "trailscope/store.h"

#define FOLLOW_INTERVAL_MS 500 /* default poll interval */

struct store_follow {
	struct store *s;       /* borrowed */
	int64_t data_version;  /* the last PRAGMA data_version read */
};

/* Starts following s (opened read-only, not on read-only media, where no
 * other process can append; on PostgreSQL: LISTEN on a second connection,
 * then a new snapshot). Returns 0 or -1 (reported). */
int follow_init(struct store_follow *f, struct store *s);

/*
 * Waits until another connection has committed to the store, polling
 * every interval_ms, or until *stop is set (by a signal handler: the
 * sleep is interrupted). On PostgreSQL it waits for a NOTIFY on the
 * listening socket instead (no query sent), looking at *stop every
 * interval_ms, and on a change starts a new read-only snapshot. Returns 1 when the store changed, 0 when
 * stopped, -1 on an error (reported).
 */
int follow_wait(struct store_follow *f, unsigned interval_ms, volatile sig_atomic_t *stop);

#endif
