/*
 * pg_read.c - what verify reads of a PostgreSQL store (pg_store.h): the
 * checkpoint rows, the entries' leaves and display columns through a
 * cursor in batches of about 256 KB (binary results: bytea and text as
 * their bytes), and
 * single cached Merkle nodes; and the PostgreSQL half of rows.h's cursor,
 * which verify's derived-table and anchor checks read through. All inside the reader's READ ONLY
 * REPEATABLE READ transaction, so one scan sees one log.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/diag.h"
#include "trailscope/util.h"
#include "pg_int.h"
#include "rows.h"

/* Rows a FETCH asks for: the first time PG_FETCH_ROWS, then as many as
 * make about PG_FETCH_BYTES at the size of the rows so far. The server
 * builds each FETCH's answer in memory before sending it; answers of
 * megabytes (2,000 leaves) cost its backend page faults for fresh memory
 * every time, about half its CPU in verify. */
#define PG_FETCH_ROWS 2000
#define PG_FETCH_MIN 16
#define PG_FETCH_BYTES (256 * 1024)

/* The next FETCH's row count after res, an answer to one of want rows. */
static int next_fetch(const PGresult *res, int want)
{
	int n = PQntuples(res), nf = PQnfields(res);
	size_t bytes = 0;

	for (int i = 0; i < n; i++)
		for (int c = 0; c < nf; c++)
			bytes += (size_t)PQgetlength(res, i, c) + 4;
	if (!n || !bytes)
		return want;
	bytes = (size_t)PG_FETCH_BYTES * (size_t)n / bytes;
	return bytes < PG_FETCH_MIN ? PG_FETCH_MIN : bytes > PG_FETCH_ROWS ? PG_FETCH_ROWS : (int)bytes;
}

enum { PREP_NODE = 1 << 8 };

static int64_t be64(const char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | (unsigned char)p[i];
	return (int64_t)v;
}

int pg_read_checkpoints(struct store *s, void (*fn)(void *ctx, int64_t size, const char *note), void *ctx)
{
	PGresult *res = PQexec(s->pg->conn, "SELECT size, note FROM checkpoints ORDER BY size");

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		pg_report(s, res, "cannot read checkpoints");
		PQclear(res);
		return -1;
	}
	for (int i = 0; i < PQntuples(res); i++)
		fn(ctx, strtoll(PQgetvalue(res, i, 0), NULL, 10), PQgetvalue(res, i, 1));
	PQclear(res);
	return 0;
}

/* Runs sql expecting rows in binary; NULL when it failed (reported). */
static PGresult *binary(struct store *s, const char *sql, const char *what)
{
	PGresult *res = PQexecParams(s->pg->conn, sql, 0, NULL, NULL, NULL, NULL, 1);

	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		return res;
	pg_report(s, res, what);
	PQclear(res);
	return NULL;
}

int pg_read_entries(struct store *s, int (*fn)(void *ctx, const struct store_leaf_row *row), void *ctx)
{
	PGresult *res;
	int rc = 0, n, want = PG_FETCH_ROWS;
	char sql[48];

	if (pg_exec(s, "DECLARE ts_scan NO SCROLL CURSOR FOR SELECT seq, leaf, leaf_hash, event_id, ts,"
		    " actor, actor_type, action, target, target_kind, environment, outcome FROM entries"
		    " ORDER BY seq", "cannot read entries"))
		return -1;
	do {
		snprintf(sql, sizeof(sql), "FETCH FORWARD %d FROM ts_scan", want);
		if (!(res = binary(s, sql, "cannot read entries")))
			return -1;
		n = PQntuples(res);
		want = next_fetch(res, want);
		for (int i = 0; i < n && !rc; i++) {
			struct store_leaf_row row;

			row.seq = PQgetlength(res, i, 0) == 8 ? be64(PQgetvalue(res, i, 0)) : 0;
			row.leaf = PQgetvalue(res, i, 1);
			row.leaf_len = (size_t)PQgetlength(res, i, 1);
			row.leaf_hash = PQgetvalue(res, i, 2);
			row.hash_len = (size_t)PQgetlength(res, i, 2);
			for (int c = 0; c < 9; c++) {
				row.col[c] = PQgetisnull(res, i, 3 + c) ? NULL : PQgetvalue(res, i, 3 + c);
				row.len[c] = (size_t)PQgetlength(res, i, 3 + c);
			}
			rc = fn(ctx, &row);
		}
		PQclear(res);
	} while (n > 0 && !rc);
	if (pg_exec(s, "CLOSE ts_scan", "cannot read entries"))
		return -1;
	return rc;
}

int pg_read_node(struct store *s, unsigned level, uint64_t idx, unsigned char out[HASH_LEN])
{
	char l[16], i[24];
	const char *p[] = { l, i };
	PGresult *res;
	int ret = 0;

	if (!(s->pg->prepared & PREP_NODE)) {
		res = PQprepare(s->pg->conn, "ts_node", "SELECT hash FROM merkle_nodes WHERE level = $1 AND idx = $2",
				2, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			ret = pg_report(s, res, "cannot read Merkle nodes");
			PQclear(res);
			return ret;
		}
		PQclear(res);
		s->pg->prepared |= PREP_NODE;
	}
	snprintf(l, sizeof(l), "%u", level);
	snprintf(i, sizeof(i), "%" PRIu64, idx);
	res = PQexecPrepared(s->pg->conn, "ts_node", 2, p, NULL, NULL, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ret = pg_report(s, res, "cannot read Merkle nodes");
	} else if (PQntuples(res) > 0 && PQgetlength(res, 0, 0) != HASH_LEN) {
		ret = 2;
	} else if (PQntuples(res) > 0) {
		memcpy(out, PQgetvalue(res, 0, 0), HASH_LEN);
		ret = 1;
	}
	PQclear(res);
	return ret;
}

/* ---- rows.h: a server-side cursor fetched in binary batches ---- */

#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23

struct pg_rows {
	struct rows r;
	PGresult *res;          /* the current batch */
	int row;                /* the next row of res */
	int cursor;             /* res comes from FETCH on cursor name */
	int done;               /* the last batch was short: no more */
	int want;               /* rows the next FETCH asks for */
	char name[32];
};

static int pg_rows_fail(struct pg_rows *q, const PGresult *res)
{
	struct buf msg = BUF_INIT;

	pg_scrub(q->r.s->pg->secret, res ? PQresultErrorMessage(res) : PQerrorMessage(q->r.s->pg->conn), &msg);
	while (msg.len && msg.buf[msg.len - 1] == ' ')
		buf_setlen(&msg, msg.len - 1);
	buf_addf(q->r.err, "cannot read %s: %s", q->r.what, msg.buf);
	buf_release(&msg);
	return -1;
}

static int pg_rows_fetch(struct pg_rows *q)
{
	char sql[64];

	PQclear(q->res);
	q->res = NULL;
	q->row = 0;
	if (!q->cursor || q->done)
		return 0;
	if (pg_progress(q->r.s)) {
		buf_addf(q->r.err, "cannot read %s: interrupted", q->r.what);
		return -1;
	}
	snprintf(sql, sizeof(sql), "FETCH FORWARD %d FROM %s", q->want, q->name);
	q->res = PQexecParams(q->r.s->pg->conn, sql, 0, NULL, NULL, NULL, NULL, 1);
	if (PQresultStatus(q->res) != PGRES_TUPLES_OK)
		return pg_rows_fail(q, q->res);
	q->done = PQntuples(q->res) < q->want;
	q->want = next_fetch(q->res, q->want);
	return 0;
}

static int pg_rows_next(struct rows *r)
{
	struct pg_rows *q = (struct pg_rows *)r;

	if (q->res && q->row >= PQntuples(q->res) && pg_rows_fetch(q))
		return -1;
	if (!q->res || q->row >= PQntuples(q->res))
		return 0;
	for (int c = 0; c < r->ncols; c++) {
		struct row_col *col = &r->col[c];
		const char *v = PQgetvalue(q->res, q->row, c);
		int len = PQgetlength(q->res, q->row, c);
		Oid type = PQftype(q->res, c);

		memset(col, 0, sizeof(*col));
		if (PQgetisnull(q->res, q->row, c))
			continue;
		if ((type == OID_INT8 && len == 8) || (type == OID_INT4 && len == 4) || (type == OID_INT2 && len == 2)) {
			uint64_t u = 0;

			for (int k = 0; k < len; k++)
				u = u << 8 | (unsigned char)v[k];
			col->is_int = 1;
			/* sign-extend the narrower types */
			col->i = len == 8 ? (int64_t)u : len == 4 ? (int64_t)(int32_t)(uint32_t)u
								 : (int64_t)(int16_t)(uint16_t)u;
		} else {
			col->p = v;
			col->n = (size_t)len;
		}
	}
	q->row++;
	return 1;
}

static void pg_rows_close(struct rows *r)
{
	struct pg_rows *q = (struct pg_rows *)r;
	char sql[48];

	PQclear(q->res);
	if (q->cursor) {
		snprintf(sql, sizeof(sql), "CLOSE %s", q->name);
		PQclear(PQexec(r->s->pg->conn, sql)); /* after an error the transaction is over anyway */
	}
	free(q);
}

static const struct rows_ops pg_rows_ops = { pg_rows_next, pg_rows_close };

struct rows *pg_rows_open(struct store *s, const char *sql, const struct row_param *p, int np,
			  const char *what, struct buf *err)
{
	struct pg_rows *q = xcalloc(1, sizeof(*q));
	struct buf decl = BUF_INIT;
	const char *val[ROWS_MAX_COLS];
	char num[ROWS_MAX_COLS][24];
	Oid types[ROWS_MAX_COLS];

	if (np > ROWS_MAX_COLS)
		die("pg_rows_open: %d parameters", np);
	q->r.ops = &pg_rows_ops;
	q->r.s = s;
	q->r.err = err;
	q->r.what = what;
	for (int i = 0; i < np; i++) {
		types[i] = p[i].s ? 0 : OID_INT8;
		if (!p[i].s)
			snprintf(num[i], sizeof(num[i]), "%" PRId64, p[i].i);
		val[i] = p[i].s ? p[i].s : num[i];
	}
	/* in a transaction, a cursor: the rows come a batch at a time */
	q->cursor = s->pg->in_tx;
	q->want = PG_FETCH_ROWS;
	if (q->cursor) {
		snprintf(q->name, sizeof(q->name), "ts_rows_%u", s->pg->cursors++);
		buf_addf(&decl, "DECLARE %s NO SCROLL CURSOR FOR %s", q->name, sql);
	} else {
		buf_addstr(&decl, sql);
	}
	q->res = PQexecParams(s->pg->conn, decl.buf, np, types, val, NULL, NULL, 1);
	buf_release(&decl);
	if (PQresultStatus(q->res) != (q->cursor ? PGRES_COMMAND_OK : PGRES_TUPLES_OK)) {
		pg_rows_fail(q, q->res);
		PQclear(q->res);
		q->res = NULL;
		q->cursor = 0;
		pg_rows_close(&q->r);
		return NULL;
	}
	if (q->cursor && pg_rows_fetch(q)) {
		pg_rows_close(&q->r);
		return NULL;
	}
	q->r.ncols = PQnfields(q->res);
	if (q->r.ncols > ROWS_MAX_COLS)
		die("pg_rows_open: %d columns", q->r.ncols);
	return &q->r;
}
