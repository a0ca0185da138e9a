/*
 * sqlcursor_int.h - private to src/core: the backends' halves of
 * sqlcursor.h (sqlcursor.c: SQLite and the dispatch; pg_sql.c:
 * PostgreSQL) behind one struct.
 */
#ifndef TRAILSCOPE_SQLCURSOR_INT_H
#define TRAILSCOPE_SQLCURSOR_INT_H

#include "trailscope/sqlcursor.h"

struct sql_cursor_ops {
	int (*next)(struct sql_cursor *c, struct buf *err, int *cls);
	const char *(*name)(const struct sql_cursor *c, int col);
	void (*close)(struct sql_cursor *c);
};

struct sql_cursor {
	const struct sql_cursor_ops *ops;
	int ncols;
	struct sql_value *val; /* ncols of them: the current row */
};

struct sql_cursor *pg_sql_open(struct store *s, const char *sql, struct buf *err, int *cls);

#endif
