/*
 * store_row.c - the column readers of store_row.h: SQLite's column
 * accessors with NULL made explicit and the length always taken from
 * sqlite3_column_bytes. Cost: one copy per owned string.
 */
#include "store_row.h"
#include "trailscope/util.h"

const char *store_col_text_len(sqlite3_stmt *st, int col, size_t *len)
{
	const char *t = (const char *)sqlite3_column_text(st, col);

	*len = t ? (size_t)sqlite3_column_bytes(st, col) : 0;
	return t;
}

const char *store_col_text(sqlite3_stmt *st, int col)
{
	const char *t = (const char *)sqlite3_column_text(st, col);

	return t ? t : "";
}

char *store_col_dup_or_null(sqlite3_stmt *st, int col)
{
	size_t n;
	const char *t = store_col_text_len(st, col, &n);

	return t ? xstrndup(t, n) : NULL;
}

char *store_col_dup(sqlite3_stmt *st, int col)
{
	size_t n;
	const char *t = store_col_text_len(st, col, &n);

	return xstrndup(t ? t : "", n);
}

int64_t store_col_int(sqlite3_stmt *st, int col, int64_t dflt)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? dflt : sqlite3_column_int64(st, col);
}
