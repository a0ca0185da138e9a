/*
 * follow.c - waiting for a SQLite store to change (follow.h): PRAGMA
 * data_version on the reader's own connection, read every interval; a
 * read costs one page-cache check, no I/O when nothing changed. Between
 * reads the thread sleeps (nanosleep), and a signal wakes it.
 */
#include <errno.h>
#include <time.h>

#include "trailscope/follow.h"
#include "trailscope/util.h"

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
	if (s->immutable)
		return error("%s is on read-only media: no other process can append to it, so there is "
			     "nothing to follow", s->path);
	return data_version(s, &f->data_version);
}

int follow_wait(struct store_follow *f, unsigned interval_ms, volatile sig_atomic_t *stop)
{
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
