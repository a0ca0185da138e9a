/*
 * anchors.c - reading and appending the anchor tables of a store (time-
 * stamp tokens, the requests made for them, witness cosignatures): plain
 * indexed SQL, a few rows per checkpoint. The rows are added through the
 * store's write seam (store_append.c). A store of schema version 3 or
 * below, which only a read-only open leaves that old, has no such
 * tables: it reads as one with no anchors.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/anchors.h"
#include "trailscope/util.h"
#include "store_row.h"

static int has_anchors(const struct store *s)
{
	return s->schema >= 4;
}

/*
 * The one read loop of this file: steps st (prepared and bound) through
 * its rows, calling row (may be NULL) on each, then finalizes it.
 * Returns the number of rows (at most INT_MAX counted), or -1 reported as
 * "cannot read WHAT" when a step fails.
 */
static int read_rows(struct store *s, sqlite3_stmt *st, void (*row)(sqlite3_stmt *st, void *ctx), void *ctx,
		     const char *what)
{
	int rc, n = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (row)
			row(st, ctx);
		if (n < INT_MAX)
			n++;
	}
	if (rc != SQLITE_DONE) {
		store_error(s, what);
		n = -1;
	}
	sqlite3_finalize(st);
	return n;
}

struct timestamps {
	struct anchor_timestamp *v;
	size_t n, alloc;
};

static void timestamp_row(sqlite3_stmt *st, void *ctx)
{
	struct timestamps *ts = ctx;
	struct anchor_timestamp *t;
	size_t len = (size_t)sqlite3_column_bytes(st, 2);

	ALLOC_GROW(ts->v, ts->n + 1, ts->alloc);
	t = &ts->v[ts->n++];
	t->id = sqlite3_column_int64(st, 0);
	t->size = (uint64_t)sqlite3_column_int64(st, 1);
	t->token = xmalloc(len ? len : 1);
	if (len)
		memcpy(t->token, sqlite3_column_blob(st, 2), len);
	t->token_len = len;
	t->nonce = store_col_dup_or_null(st, 3);
	t->tsa = store_col_dup(st, 4);
}

int anchors_timestamps(struct store *s, uint64_t size, struct anchor_timestamp **out, size_t *n)
{
	struct timestamps ts = { NULL, 0, 0 };
	sqlite3_stmt *st;

	*out = NULL;
	*n = 0;
	if (!has_anchors(s))
		return 0;
	if (store_prepare(s, "SELECT id, size, token, nonce, tsa FROM checkpoint_timestamps"
			  " WHERE ?1 = 0 OR size = ?1 ORDER BY size, id", &st))
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	if (read_rows(s, st, timestamp_row, &ts, "cannot read time-stamp tokens") < 0) {
		anchor_timestamps_free(ts.v, ts.n);
		return -1;
	}
	*out = ts.v;
	*n = ts.n;
	return 0;
}

void anchor_timestamps_free(struct anchor_timestamp *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].token);
		free(v[i].nonce);
		free(v[i].tsa);
	}
	free(v);
}

int anchors_request_made(struct store *s, uint64_t size, const char *nonce_hex)
{
	sqlite3_stmt *st;
	int n;

	if (!has_anchors(s))
		return 0;
	if (store_prepare(s, "SELECT 1 FROM timestamp_requests WHERE size = ?1 AND nonce = ?2 LIMIT 1", &st))
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	sqlite3_bind_text(st, 2, nonce_hex, -1, SQLITE_STATIC);
	n = read_rows(s, st, NULL, NULL, "cannot read time-stamp requests");
	return n < 0 ? -1 : n > 0;
}

static void cosignature_row(sqlite3_stmt *st, void *ctx)
{
	struct buf *out = ctx;

	buf_add(out, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
	buf_addch(out, '\n');
}

int anchors_cosignatures(struct store *s, uint64_t size, struct buf *out, size_t *n)
{
	sqlite3_stmt *st;
	int count;

	if (n)
		*n = 0;
	if (!has_anchors(s))
		return 0;
	if (store_prepare(s, "SELECT line FROM checkpoint_cosignatures WHERE size = ?1 ORDER BY id", &st))
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	count = read_rows(s, st, cosignature_row, out, "cannot read cosignatures");
	if (count < 0)
		return -1;
	if (n)
		*n = (size_t)count;
	return 0;
}

int anchors_any_cosignature(struct store *s)
{
	sqlite3_stmt *st;
	int n;

	if (!has_anchors(s))
		return 0;
	if (store_prepare(s, "SELECT 1 FROM checkpoint_cosignatures LIMIT 1", &st))
		return -1;
	n = read_rows(s, st, NULL, NULL, "cannot read cosignatures");
	return n < 0 ? -1 : n > 0;
}

struct note_row {
	struct buf *note;
	uint64_t *size;
};

static void note_row(sqlite3_stmt *st, void *ctx)
{
	struct note_row *r = ctx;

	buf_reset(r->note);
	buf_add(r->note, sqlite3_column_text(st, 1), (size_t)sqlite3_column_bytes(st, 1));
	*r->size = (uint64_t)sqlite3_column_int64(st, 0);
}

int anchors_checkpoint_note(struct store *s, uint64_t size, struct buf *note, uint64_t *size_out)
{
	struct note_row r = { note, size_out };
	sqlite3_stmt *st;
	int n;

	if (store_prepare(s, size ? "SELECT size, note FROM checkpoints WHERE size = ?1 LIMIT 1"
				  : "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1", &st))
		return -1;
	if (size)
		sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	n = read_rows(s, st, note_row, &r, "cannot read checkpoints");
	return n < 0 ? -1 : n > 0;
}
