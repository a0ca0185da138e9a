/*
 * anchors.c - reading and appending the anchor tables of a store (time-
 * stamp tokens, the requests made for them, witness cosignatures): plain
 * indexed SQL, a few rows per checkpoint. The rows are added through the
 * store's write seam (store_append.c). A store of schema version 3 or
 * below, which only a read-only open leaves that old, has no such
 * tables: it reads as one with no anchors.
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/anchors.h"
#include "trailscope/util.h"
#include "store_row.h"

static int has_anchors(const struct store *s)
{
	return s->schema >= 4;
}

int anchors_timestamps(struct store *s, uint64_t size, struct anchor_timestamp **out, size_t *n)
{
	sqlite3_stmt *st;
	size_t alloc = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!has_anchors(s))
		return 0;
	if (store_prepare(s, "SELECT id, size, token, nonce, tsa FROM checkpoint_timestamps"
			  " WHERE ?1 = 0 OR size = ?1 ORDER BY size, id", &st))
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct anchor_timestamp *t;
		size_t len = (size_t)sqlite3_column_bytes(st, 2);

		ALLOC_GROW(*out, *n + 1, alloc);
		t = &(*out)[(*n)++];
		t->id = sqlite3_column_int64(st, 0);
		t->size = (uint64_t)sqlite3_column_int64(st, 1);
		t->token = xmalloc(len ? len : 1);
		if (len)
			memcpy(t->token, sqlite3_column_blob(st, 2), len);
		t->token_len = len;
		t->nonce = store_col_dup_or_null(st, 3);
		t->tsa = store_col_dup_or_null(st, 4);
		if (!t->tsa)
			t->tsa = xstrdup("");
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		anchor_timestamps_free(*out, *n);
		*out = NULL;
		*n = 0;
		return store_error(s, "cannot read time-stamp tokens");
	}
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
	int rc;

	if (!has_anchors(s))
		return 0;
	if (store_prepare(s, "SELECT 1 FROM timestamp_requests WHERE size = ?1 AND nonce = ?2", &st))
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	sqlite3_bind_text(st, 2, nonce_hex, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_error(s, "cannot read time-stamp requests");
}

int anchors_cosignatures(struct store *s, uint64_t size, struct buf *out, size_t *n)
{
	sqlite3_stmt *st;
	size_t count = 0;
	int rc;

	if (n)
		*n = 0;
	if (!has_anchors(s))
		return 0;
	if (store_prepare(s, "SELECT line FROM checkpoint_cosignatures WHERE size = ?1 ORDER BY id", &st))
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		buf_add(out, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
		buf_addch(out, '\n');
		count++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_error(s, "cannot read cosignatures");
	if (n)
		*n = count;
	return 0;
}

int anchors_any_cosignature(struct store *s)
{
	sqlite3_stmt *st;
	int rc;

	if (!has_anchors(s))
		return 0;
	if (store_prepare(s, "SELECT 1 FROM checkpoint_cosignatures LIMIT 1", &st))
		return -1;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_error(s, "cannot read cosignatures");
}

int anchors_checkpoint_note(struct store *s, uint64_t size, struct buf *note, uint64_t *size_out)
{
	sqlite3_stmt *st;
	int rc;

	if (store_prepare(s, size ? "SELECT size, note FROM checkpoints WHERE size = ?1"
				  : "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1", &st))
		return -1;
	if (size)
		sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		buf_reset(note);
		buf_add(note, sqlite3_column_text(st, 1), (size_t)sqlite3_column_bytes(st, 1));
		*size_out = (uint64_t)sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_error(s, "cannot read checkpoints");
}
