/*
 * sqlcursor.c - sqlcursor.h's SQLite half (the authorized statement of
 * sqlview.c, its values by storage class) and the dispatch to the
 * PostgreSQL half (pg_sql.c).
 */
#include <stdlib.h>

#include "trailscope/diag.h"
#include "trailscope/query.h"
#include "trailscope/util.h"
#include "sqlcursor_int.h"

struct lite_cursor {
	struct sql_cursor c;
	sqlite3_stmt *st;
};

static int lite_next(struct sql_cursor *c, struct buf *err, int *cls)
{
	struct lite_cursor *q = (struct lite_cursor *)c;
	int rc = sqlite3_step(q->st);

	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW) {
		buf_addstr(err, sqlite3_errmsg(sqlite3_db_handle(q->st)));
		*cls = ERR_IO;
		return -1;
	}
	for (int i = 0; i < c->ncols; i++) {
		struct sql_value *v = &c->val[i];

		switch (sqlite3_column_type(q->st, i)) {
		case SQLITE_NULL: v->type = SQL_NULL; break;
		case SQLITE_INTEGER: v->type = SQL_INTEGER; break;
		case SQLITE_FLOAT: v->type = SQL_REAL; break;
		case SQLITE_BLOB: v->type = SQL_BLOB; break;
		default: v->type = SQL_TEXT; break;
		}
		v->i = sqlite3_column_int64(q->st, i);
		v->d = sqlite3_column_double(q->st, i);
		v->p = v->type == SQL_BLOB ? sqlite3_column_blob(q->st, i) :
		       (const char *)sqlite3_column_text(q->st, i);
		v->n = v->p ? (size_t)sqlite3_column_bytes(q->st, i) : 0;
		if (!v->p && v->type != SQL_NULL)
			v->p = ""; /* an empty blob is not NULL */
	}
	return 1;
}

static const char *lite_name(const struct sql_cursor *c, int col)
{
	return sqlite3_column_name(((const struct lite_cursor *)c)->st, col);
}

static void lite_close(struct sql_cursor *c)
{
	sqlite3_finalize(((struct lite_cursor *)c)->st);
	free(c->val);
	free(c);
}

static const struct sql_cursor_ops lite_ops = { lite_next, lite_name, lite_close };

struct sql_cursor *sql_cursor_open(struct store *s, const char *sql, struct buf *err, int *cls)
{
	struct lite_cursor *q;
	sqlite3_stmt *st;

	if (s->pg)
		return pg_sql_open(s, sql, err, cls);
	if (sqlview_open(s)) {
		*cls = ERR_IO; /* reported, err left empty */
		return NULL;
	}
	if (sqlview_prepare(s, sql, &st, err)) {
		*cls = ERR_USAGE;
		return NULL;
	}
	q = xcalloc(1, sizeof(*q));
	q->c.ops = &lite_ops;
	q->st = st;
	q->c.ncols = sqlite3_column_count(st);
	q->c.val = xcalloc((size_t)q->c.ncols + 1, sizeof(*q->c.val));
	return &q->c;
}

int sql_cursor_ncols(const struct sql_cursor *c)
{
	return c->ncols;
}

const char *sql_cursor_name(const struct sql_cursor *c, int col)
{
	return c->ops->name(c, col);
}

int sql_cursor_next(struct sql_cursor *c, struct buf *err, int *cls)
{
	return c->ops->next(c, err, cls);
}

const struct sql_value *sql_cursor_value(const struct sql_cursor *c, int col)
{
	return &c->val[col];
}

void sql_cursor_close(struct sql_cursor *c)
{
	if (c)
		c->ops->close(c);
}
