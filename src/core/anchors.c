/*
 * anchors.c - reading and appending the anchor tables of a store (time-
 * stamp tokens, the requests made for them, witness cosignatures): plain
 * indexed SQL, a few rows per checkpoint, read through rows.h so a
 * PostgreSQL store reads the same. The rows are added through the
 * store's write seam (store_append.c). A store of schema version 3 or
 * below, which only a read-only open leaves that old, has no such
 * tables: it reads as one with no anchors.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/anchors.h"
#include "trailscope/util.h"
#include "rows.h"

static int has_anchors(const struct store *s)
{
	return s->schema >= 4;
}

/*
 * The one read loop of this file: runs sql with its parameters, calling
 * row (may be NULL) on each row. Returns the number of rows (at most
 * INT_MAX counted), or -1 reported as "STORE: cannot read WHAT: ..." .
 */
static int read_rows(struct store *s, const char *sql, const struct row_param *p, int np,
		     void (*row)(const struct rows *r, void *ctx), void *ctx, const char *what)
{
	struct buf err = BUF_INIT;
	struct rows *r = rows_open(s, NULL, sql, p, np, what, &err);
	int rc = -1, n = 0;

	while (r && (rc = rows_next(r)) == 1) {
		if (row)
			row(r, ctx);
		if (n < INT_MAX)
			n++;
	}
	rows_close(r);
	if (rc < 0) {
		error("%s: %s", s->path ? s->path : "store", err.buf);
		n = -1;
	}
	buf_release(&err);
	return n;
}

/* Column col as an owned string ("" for NULL), or NULL for NULL. */
static char *col_dup(const struct rows *r, int col, int null_ok)
{
	const struct row_col *c = rows_col(r, col);

	if (!c->p && null_ok)
		return NULL;
	return xstrndup(c->p ? c->p : "", c->n);
}

struct timestamps {
	struct anchor_timestamp *v;
	size_t n, alloc;
};

static void timestamp_row(const struct rows *r, void *ctx)
{
	struct timestamps *ts = ctx;
	struct anchor_timestamp *t;
	const struct row_col *tok = rows_col(r, 2);

	ALLOC_GROW(ts->v, ts->n + 1, ts->alloc);
	t = &ts->v[ts->n++];
	t->id = rows_col(r, 0)->i;
	t->size = (uint64_t)rows_col(r, 1)->i;
	t->token = xmalloc(tok->n ? tok->n : 1);
	if (tok->n)
		memcpy(t->token, tok->p, tok->n);
	t->token_len = tok->n;
	t->nonce = col_dup(r, 3, 1);
	t->tsa = col_dup(r, 4, 0);
}

int anchors_timestamps(struct store *s, uint64_t size, struct anchor_timestamp **out, size_t *n)
{
	const struct row_param p[] = { ROW_INT((int64_t)size) };
	struct timestamps ts = { NULL, 0, 0 };

	*out = NULL;
	*n = 0;
	if (!has_anchors(s))
		return 0;
	if (read_rows(s, "SELECT id, size, token, nonce, tsa FROM checkpoint_timestamps"
		      " WHERE $1 = 0 OR size = $1 ORDER BY size, id", p, 1, timestamp_row, &ts,
		      "time-stamp tokens") < 0) {
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
	const struct row_param p[] = { ROW_INT((int64_t)size), ROW_TEXT(nonce_hex) };
	int n;

	if (!has_anchors(s))
		return 0;
	n = read_rows(s, "SELECT 1 FROM timestamp_requests WHERE size = $1 AND nonce = $2 LIMIT 1", p, 2,
		      NULL, NULL, "time-stamp requests");
	return n < 0 ? -1 : n > 0;
}

static void cosignature_row(const struct rows *r, void *ctx)
{
	struct buf *out = ctx;
	const struct row_col *c = rows_col(r, 0);

	if (c->p)
		buf_add(out, c->p, c->n);
	buf_addch(out, '\n');
}

int anchors_cosignatures(struct store *s, uint64_t size, struct buf *out, size_t *n)
{
	const struct row_param p[] = { ROW_INT((int64_t)size) };
	int count;

	if (n)
		*n = 0;
	if (!has_anchors(s))
		return 0;
	count = read_rows(s, "SELECT line FROM checkpoint_cosignatures WHERE size = $1 ORDER BY id", p, 1,
			  cosignature_row, out, "cosignatures");
	if (count < 0)
		return -1;
	if (n)
		*n = (size_t)count;
	return 0;
}

int anchors_any_cosignature(struct store *s)
{
	int n;

	if (!has_anchors(s))
		return 0;
	n = read_rows(s, "SELECT 1 FROM checkpoint_cosignatures LIMIT 1", NULL, 0, NULL, NULL, "cosignatures");
	return n < 0 ? -1 : n > 0;
}

struct note_row {
	struct buf *note;
	uint64_t *size;
};

static void note_row(const struct rows *r, void *ctx)
{
	struct note_row *nr = ctx;
	const struct row_col *c = rows_col(r, 1);

	buf_reset(nr->note);
	if (c->p)
		buf_add(nr->note, c->p, c->n);
	*nr->size = (uint64_t)rows_col(r, 0)->i;
}

int anchors_checkpoint_note(struct store *s, uint64_t size, struct buf *note, uint64_t *size_out)
{
	const struct row_param p[] = { ROW_INT((int64_t)size) };
	struct note_row nr = { note, size_out };
	int n;

	n = size ? read_rows(s, "SELECT size, note FROM checkpoints WHERE size = $1 LIMIT 1", p, 1, note_row, &nr,
			     "checkpoints")
		 : read_rows(s, "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1", NULL, 0, note_row,
			     &nr, "checkpoints");
	return n < 0 ? -1 : n > 0;
}
