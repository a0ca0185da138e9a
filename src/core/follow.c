/*
 * follow.c - waiting for a store to change (follow.h). SQLite: PRAGMA
 * data_version on the reader's own connection, read every interval; a
 * read costs one page-cache check, no I/O when nothing changed. Between
 * reads the thread sleeps (nanosleep), and a signal wakes it.
 * PostgreSQL: LISTEN/NOTIFY (pg_follow.c), waiting on the listening
 * socket, no query sent while nothing is appended; the interval only
 * bounds how long a wait goes without looking at *stop.
 */
#include <errno.h>
#include <time.h>

#include "trailscope/follow.h"
#include "trailscope/util.h"
#include "pg_int.h"

static int data_version(struct store *s, int64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	if (store_prepare(s, "PRAGMA data_version", &st))
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : store_error(s, "cannot read the store's data version");
}

int follow_init(struct store_follow *f, struct store *s)
{
	f->s = s;
	f->data_version = 0;
	if (s->pg)
		return pg_follow_start(s);
	if (s->immutable)
		return error("%s is on read-only media: no other process can append to it, so there is "
			     "nothing to follow", s->path);
	return data_version(s, &f->data_version);
}

static int pg_wait(struct store_follow *f, unsigned interval_ms, volatile sig_atomic_t *stop)
{
	for (;;) {
		int rc;

		if (*stop)
			return 0;
		rc = pg_follow_wait(f->s, (int)interval_ms);
		if (rc)
			return rc < 0 ? -1 : 1;
	}
}

int follow_wait(struct store_follow *f, unsigned interval_ms, volatile sig_atomic_t *stop)
{
	if (f->s->pg)
		return pg_wait(f, interval_ms, stop);
	for (;;) {
		struct timespec ts = { interval_ms / 1000, (long)(interval_ms % 1000) * 1000000L };
		int64_t v;

		if (*stop)
			return 0;
		while (nanosleep(&ts, &ts) && errno == EINTR)
			if (*stop)
				return 0;
		if (data_version(f->s, &v))
			return -1;
		if (v != f->data_version) {
			f->data_version = v;
			return 1;
		}
	}
}
