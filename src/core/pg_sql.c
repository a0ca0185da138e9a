/*
 * pg_sql.c - sqlcursor.h's PostgreSQL half, `trailscope sql URI`: the
 * statement is prepared with the extended protocol (PQprepare: one
 * statement, never two), refused unless it returns rows (no transaction
 * control, SET, DDL, COPY or write without RETURNING gets that far), and
 * run in the reader's READ ONLY REPEATABLE READ transaction, which
 * refuses any write that remains (INSERT ... RETURNING, a writing CTE,
 * SELECT FOR UPDATE, nextval). Rows stream in single-row mode; each value
 * is decoded from its type as SQLite would give it (sqlcursor.h).
 * sql_cursor_interrupt cancels the statement on the server (PQcancel).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/diag.h"
#include "trailscope/util.h"
#include "pg_int.h"
#include "sqlcursor_int.h"

#define OID_BOOL 16
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_OID 26
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_NUMERIC 1700

/* The cancel handle of the statement running, for a signal handler. */
static PGcancel *volatile running;

struct pg_cursor {
	struct sql_cursor c;
	struct store *s;
	PGresult *desc;    /* the prepared statement's description: names */
	PGresult *res;     /* the current row */
	struct buf *text;  /* ncols: the current row's values as SQLite gives them */
	int busy;          /* results are still to come */
};

/* Appends res's message (scrubbed, one line), with the statement
 * position as a byte offset into sql when it has one. */
static void pg_sql_message(struct store *s, const PGresult *res, const char *sql, struct buf *err)
{
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *pos = res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;

	pg_scrub(s->pg->secret, msg ? msg : PQerrorMessage(s->pg->conn), err);
	while (err->len && err->buf[err->len - 1] == ' ')
		buf_setlen(err, err->len - 1);
	if (pos && sql) {
		/* a 1-based count of characters: to a byte offset over UTF-8 */
		long chars = strtol(pos, NULL, 10) - 1;
		size_t off = 0;

		while (sql[off] && chars > 0) {
			off++;
			while (((unsigned char)sql[off] & 0xc0) == 0x80)
				off++;
			chars--;
		}
		buf_addf(err, " (at offset %zu)", off);
	}
}

/* The class of a failed statement: the server or connection failed
 * (I/O), or the statement itself was wrong or refused (usage). */
static int pg_sql_class(struct store *s, const PGresult *res)
{
	const char *state = pg_sqlstate(res);

	if (PQstatus(s->pg->conn) != CONNECTION_OK || !*state || !strncmp(state, "08", 2) ||
	    !strncmp(state, "53", 2) || !strncmp(state, "57", 2) || !strncmp(state, "58", 2) ||
	    !strncmp(state, "XX", 2))
		return ERR_IO;
	return ERR_USAGE;
}

/* Ends the statement: no more results are read; cancel asks the server
 * to stop it first (a statement closed before its last row). */
static void pg_sql_finish(struct pg_cursor *q, int cancel)
{
	PGcancel *c = running;
	sigset_t block, old;

	if (q->busy) {
		char why[256];

		PGresult *res;

		if (c && cancel)
			PQcancel(c, why, sizeof(why));
		while ((res = PQgetResult(q->s->pg->conn)))
			PQclear(res);
		q->busy = 0;
	}
	/* the handler must not use the handle being freed */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	running = NULL;
	sigprocmask(SIG_SETMASK, &old, NULL);
	PQfreeCancel(c);
}

/* The text of a REAL as SQLite prints one (sqlite3_column_text). */
static void real_text(struct sql_value *v, struct buf *b, const char *text)
{
	char out[64];

	v->type = SQL_REAL;
	v->d = strtod(text, NULL);
	sqlite3_snprintf((int)sizeof(out), out, "%!.15g", v->d);
	buf_addstr(b, out);
}

static void decode(struct pg_cursor *q, int col)
{
	struct sql_value *v = &q->c.val[col];
	struct buf *b = &q->text[col];
	const char *text = PQgetvalue(q->res, 0, col);
	Oid type = PQftype(q->res, col);

	memset(v, 0, sizeof(*v));
	buf_reset(b);
	if (PQgetisnull(q->res, 0, col))
		return;
	switch (type) {
	case OID_BOOL:
		v->type = SQL_INTEGER;
		v->i = text[0] == 't';
		buf_addstr(b, v->i ? "1" : "0");
		break;
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
	case OID_OID:
		v->type = SQL_INTEGER;
		v->i = strtoll(text, NULL, 10);
		buf_addstr(b, text);
		break;
	case OID_NUMERIC:
		/* a whole number that fits is an INTEGER, as SQLite's sum() of integers */
		if (text[strspn(text, "-0123456789")] == 0) {
			errno = 0;
			v->i = strtoll(text, NULL, 10);
			if (!errno) {
				v->type = SQL_INTEGER;
				buf_addf(b, "%lld", (long long)v->i);
				break;
			}
		}
		real_text(v, b, text);
		break;
	case OID_FLOAT4:
	case OID_FLOAT8:
		real_text(v, b, text);
		break;
	case OID_BYTEA: {
		size_t n = 0;
		unsigned char *raw = PQunescapeBytea((const unsigned char *)text, &n);

		if (!raw)
			die("out of memory");
		v->type = SQL_BLOB;
		buf_add(b, raw, n);
		PQfreemem(raw);
		break;
	}
	default:
		v->type = SQL_TEXT;
		buf_add(b, text, (size_t)PQgetlength(q->res, 0, col));
		break;
	}
	v->p = b->buf ? b->buf : "";
	v->n = b->len;
}

static int pg_sql_next(struct sql_cursor *c, struct buf *err, int *cls)
{
	struct pg_cursor *q = (struct pg_cursor *)c;

	PQclear(q->res);
	q->res = NULL;
	if (!q->busy)
		return 0;
	if (pg_progress(q->s)) {
		/* store_set_progress's handler (the TUI's Esc) stops it */
		pg_sql_finish(q, 1);
		*cls = ERR_IO;
		buf_addstr(err, "cancelled");
		return -1;
	}
	q->res = PQgetResult(q->s->pg->conn);
	switch (PQresultStatus(q->res)) {
	case PGRES_SINGLE_TUPLE:
		for (int i = 0; i < c->ncols; i++)
			decode(q, i);
		return 1;
	case PGRES_TUPLES_OK:
		PQclear(q->res);
		q->res = NULL;
		pg_sql_finish(q, 0);
		return 0;
	default:
		if (!q->res) {
			q->busy = 0;
			pg_sql_finish(q, 0);
			return 0;
		}
		*cls = pg_sql_class(q->s, q->res);
		pg_sql_message(q->s, q->res, NULL, err);
		if (!strcmp(pg_sqlstate(q->res), "25006")) {
			*cls = ERR_USAGE;
			buf_addstr(err, " (sql is read-only)");
		}
		PQclear(q->res);
		q->res = NULL;
		pg_sql_finish(q, 0);
		return -1;
	}
}

static const char *pg_sql_name(const struct sql_cursor *c, int col)
{
	return PQfname(((const struct pg_cursor *)c)->desc, col);
}

static void pg_sql_close(struct sql_cursor *c)
{
	struct pg_cursor *q = (struct pg_cursor *)c;

	PQclear(q->res);
	q->res = NULL;
	pg_sql_finish(q, 1);
	PQclear(q->desc);
	for (int i = 0; i < c->ncols; i++)
		buf_release(&q->text[i]);
	free(q->text);
	free(c->val);
	free(q);
}

static const struct sql_cursor_ops pg_sql_ops = { pg_sql_next, pg_sql_name, pg_sql_close };

struct sql_cursor *pg_sql_open(struct store *s, const char *sql, struct buf *err, int *cls)
{
	PGconn *conn = s->pg->conn;
	PGresult *res;
	struct pg_cursor *q;

	*cls = ERR_USAGE;
	if (!s->pg->readonly) {
		/* the read-only transaction is what keeps the statement a reader */
		buf_addstr(err, "the store is not open read-only");
		*cls = ERR_INTERNAL;
		return NULL;
	}
	if (sqlview_blank(sql)) {
		buf_addstr(err, "empty statement");
		return NULL;
	}
	res = PQprepare(conn, "", sql, 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		*cls = pg_sql_class(s, res);
		if (!strcmp(pg_sqlstate(res), "42601") &&
		    strstr(PQresultErrorMessage(res), "cannot insert multiple commands"))
			buf_addstr(err, "one statement at a time");
		else
			pg_sql_message(s, res, sql, err);
		PQclear(res);
		return NULL;
	}
	PQclear(res);
	res = PQdescribePrepared(conn, "");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		*cls = pg_sql_class(s, res);
		pg_sql_message(s, res, NULL, err);
		PQclear(res);
		return NULL;
	}
	if (PQnfields(res) == 0) {
		buf_addstr(err, "not authorized (sql is read-only: one statement that returns rows, such "
			   "as SELECT; no write, DDL, SET or transaction control)");
		PQclear(res);
		return NULL;
	}
	q = xcalloc(1, sizeof(*q));
	q->c.ops = &pg_sql_ops;
	q->s = s;
	q->desc = res;
	q->c.ncols = PQnfields(res);
	q->c.val = xcalloc((size_t)q->c.ncols, sizeof(*q->c.val));
	q->text = xcalloc((size_t)q->c.ncols, sizeof(*q->text));
	for (int i = 0; i < q->c.ncols; i++)
		buf_init(&q->text[i]);
	running = PQgetCancel(conn);
	if (!PQsendQueryPrepared(conn, "", 0, NULL, NULL, NULL, 0)) {
		*cls = ERR_IO;
		pg_sql_message(s, NULL, NULL, err);
		pg_sql_close(&q->c);
		return NULL;
	}
	q->busy = 1;
	if (!PQsetSingleRowMode(conn)) {
		*cls = ERR_IO;
		buf_addstr(err, "cannot read the rows one at a time");
		pg_sql_close(&q->c);
		return NULL;
	}
	return &q->c;
}

void sql_cursor_interrupt(void)
{
	PGcancel *c = running;
	char why[256];

	if (c)
		PQcancel(c, why, sizeof(why));
}
