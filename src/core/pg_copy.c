/*
 * pg_copy.c - a PostgreSQL store's side of store_copy (store_copy.h):
 * reading any table's rows through a cursor in its key order (binary
 * results, integers cast to text, so every value is its bytes), and
 * writing rows with COPY ... FROM STDIN in text format.
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/diag.h"
#include "trailscope/store_copy.h"
#include "trailscope/util.h"
#include "pg_int.h"

#define PG_FETCH_ROWS "2000"

int pg_copy_read(struct store *s, const struct copy_table *t,
		 int (*fn)(void *ctx, const struct copy_val *vals), void *ctx)
{
	struct buf sql = BUF_INIT;
	PGresult *res;
	int rc = 0, n;

	buf_addstr(&sql, "DECLARE ts_copy NO SCROLL CURSOR FOR SELECT ");
	for (int c = 0; c < t->ncols; c++)
		buf_addf(&sql, "%s%s%s", c ? ", " : "", t->cols[c], t->type[c] == COPY_INT ? "::text" : "");
	buf_addf(&sql, " FROM %s ORDER BY %s", t->name, t->order);
	rc = pg_exec(s, sql.buf, "cannot read the store");
	buf_release(&sql);
	if (rc)
		return -1;
	do {
		res = PQexecParams(s->pg->conn, "FETCH FORWARD " PG_FETCH_ROWS " FROM ts_copy", 0, NULL, NULL,
				   NULL, NULL, 1);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			pg_report(s, res, "cannot read the store");
			PQclear(res);
			return -1;
		}
		n = PQntuples(res);
		for (int i = 0; i < n && !rc; i++) {
			struct copy_val v[COPY_MAX_COLS];

			for (int c = 0; c < t->ncols; c++) {
				v[c].p = PQgetisnull(res, i, c) ? NULL : PQgetvalue(res, i, c);
				v[c].len = (size_t)PQgetlength(res, i, c);
				v[c].is_blob = 0; /* bytea comes as its text form; entry_text.raw is text */
			}
			rc = fn(ctx, v);
		}
		PQclear(res);
	} while (n > 0 && !rc);
	if (pg_exec(s, "CLOSE ts_copy", "cannot read the store"))
		return -1;
	return rc;
}

int pg_copy_begin(struct store *s, const struct copy_table *t)
{
	struct buf sql = BUF_INIT;
	PGresult *res;
	int ret = 0;

	buf_addf(&sql, "COPY %s(", t->name);
	for (int c = 0; c < t->ncols; c++)
		buf_addf(&sql, "%s%s", c ? ", " : "", t->cols[c]);
	buf_addstr(&sql, ") FROM STDIN");
	res = PQexec(s->pg->conn, sql.buf);
	if (PQresultStatus(res) != PGRES_COPY_IN)
		ret = pg_report(s, res, "cannot write the copy");
	PQclear(res);
	buf_release(&sql);
	return ret;
}

int pg_copy_row(struct store *s, const struct copy_table *t, const struct copy_val *vals)
{
	struct buf line = BUF_INIT;
	int ret = 0;

	for (int c = 0; c < t->ncols; c++) {
		if (c)
			buf_addch(&line, '\t');
		if (!vals[c].p)
			buf_addstr(&line, "\\N");
		else if (t->type[c] == COPY_BLOB) {
			buf_addstr(&line, "\\\\x");
			buf_addhex(&line, (const unsigned char *)vals[c].p, vals[c].len);
		} else {
			pg_copy_text(&line, vals[c].p, vals[c].len);
		}
	}
	buf_addch(&line, '\n');
	if (PQputCopyData(s->pg->conn, line.buf, (int)line.len) != 1)
		ret = pg_report(s, NULL, "cannot write the copy");
	buf_release(&line);
	return ret;
}

int pg_copy_end(struct store *s, int ok)
{
	PGresult *res;
	int ret = 0;

	if (PQputCopyEnd(s->pg->conn, ok ? NULL : "trailscope: copy abandoned") != 1)
		ret = pg_report(s, NULL, "cannot write the copy");
	while ((res = PQgetResult(s->pg->conn))) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && !ret && ok)
			ret = pg_report(s, res, "cannot write the copy");
		PQclear(res);
	}
	return ok ? ret : -1;
}
