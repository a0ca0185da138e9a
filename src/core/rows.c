/*
 * rows.c - the backend-neutral row cursor of rows.h: its SQLite half
 * (one prepared statement, columns decoded by their storage class) and
 * the dispatch to PostgreSQL's (pg_read.c). An integer's decimal text is
 * made only when rows_col asks for that column: most readers want the
 * number, and SQLite's conversion allocates.
 */
#include <stdlib.h>

#include "trailscope/util.h"
#include "rows.h"

struct sqlite_rows {
	struct rows r;
	sqlite3 *db;
	sqlite3_stmt *st;
};

static int sqlite_next(struct rows *r)
{
	struct sqlite_rows *q = (struct sqlite_rows *)r;
	int rc = sqlite3_step(q->st);

	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW) {
		buf_addf(r->err, "cannot read %s: %s", r->what, sqlite3_errmsg(q->db));
		return -1;
	}
	r->text_later = 0;
	for (int c = 0; c < r->ncols; c++) {
		struct row_col *col = &r->col[c];
		int type = sqlite3_column_type(q->st, c); /* before any conversion */

		col->is_int = type == SQLITE_INTEGER;
		col->is_blob = type == SQLITE_BLOB;
		col->i = sqlite3_column_int64(q->st, c);
		if (col->is_int) { /* its text when rows_col is asked for it */
			col->p = NULL;
			col->n = 0;
			r->text_later |= 1u << c;
			continue;
		}
		col->p = type == SQLITE_BLOB ? sqlite3_column_blob(q->st, c) :
			 (const char *)sqlite3_column_text(q->st, c);
		col->n = col->p ? (size_t)sqlite3_column_bytes(q->st, c) : 0;
		if (!col->p && type == SQLITE_BLOB)
			col->p = ""; /* an empty blob is not NULL */
	}
	return 1;
}

/* An integer column's decimal text, made on the first rows_col of it. */
static void sqlite_text(struct rows *r, int c)
{
	struct sqlite_rows *q = (struct sqlite_rows *)r;
	struct row_col *col = &r->col[c];

	r->text_later &= ~(1u << c);
	col->p = (const char *)sqlite3_column_text(q->st, c);
	col->n = col->p ? (size_t)sqlite3_column_bytes(q->st, c) : 0;
}

static void sqlite_close(struct rows *r)
{
	sqlite3_finalize(((struct sqlite_rows *)r)->st);
	free(r);
}

static const struct rows_ops sqlite_ops = { sqlite_next, sqlite_close };

struct rows *rows_open(struct store *s, sqlite3 *db, const char *sql, const struct row_param *p, int np,
		       const char *what, struct buf *err)
{
	struct sqlite_rows *q;

	if (s->pg && !db)
		return pg_rows_open(s, sql, p, np, what, err);
	q = xcalloc(1, sizeof(*q));
	q->db = db ? db : s->db;
	if (sqlite3_prepare_v2(q->db, sql, -1, &q->st, NULL) != SQLITE_OK) {
		buf_addf(err, "cannot read %s: %s", what, sqlite3_errmsg(q->db));
		free(q);
		return NULL;
	}
	/* $1, $2, ... are named parameters to SQLite, numbered as they first
	 * appear: every query here names them in order */
	for (int i = 0; i < np; i++) {
		if (p[i].s)
			sqlite3_bind_text(q->st, i + 1, p[i].s, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(q->st, i + 1, (sqlite3_int64)p[i].i);
	}
	q->r.ops = &sqlite_ops;
	q->r.s = s;
	q->r.err = err;
	q->r.what = what;
	q->r.ncols = sqlite3_column_count(q->st);
	if (q->r.ncols > ROWS_MAX_COLS)
		die("rows_open: %d columns", q->r.ncols);
	return &q->r;
}

int rows_next(struct rows *r)
{
	return r->ops->next(r);
}

const struct row_col *rows_col(const struct rows *r, int col)
{
	if (r->text_later & (1u << col))
		sqlite_text((struct rows *)r, col); /* a cache: the row is unchanged */
	return &r->col[col];
}

int64_t rows_int(const struct rows *r, int col)
{
	return r->col[col].i;
}

int rows_is_int(const struct rows *r, int col)
{
	return r->col[col].is_int;
}

void rows_close(struct rows *r)
{
	if (r)
		r->ops->close(r);
}
