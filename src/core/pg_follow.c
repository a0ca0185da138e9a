/*
 * pg_follow.c - following a PostgreSQL store live (follow.h,
 * store_data_version): a second connection to the same server, made from
 * the reader's own connection parameters, LISTENs on trailscope_append,
 * which the schema's entries_appended trigger NOTIFYs at each commit that
 * appends (payload: the store's schema). It never runs a query after the
 * LISTEN: waiting is poll() on its socket, and while nothing is appended
 * the server sees nothing from either connection. When a notification
 * for this store's schema arrives, the reader's READ ONLY REPEATABLE READ
 * transaction is replaced by a new one, whose snapshot holds the new rows.
 * A separate connection because a session inside a transaction gets no
 * notification until the transaction ends, and the reader lives in one.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/util.h"
#include "pg_int.h"

struct pg_listen {
	PGconn *conn;
	char *schema;       /* the payload that names this store */
	int64_t version;    /* appends seen (notifications for this store) */
};

static int listen_fail(struct store *s, PGconn *conn, const PGresult *res, const char *what)
{
	struct buf msg = BUF_INIT;

	pg_scrub(s->pg->secret, res ? PQresultErrorMessage(res) : PQerrorMessage(conn), &msg);
	while (msg.len && msg.buf[msg.len - 1] == ' ')
		buf_setlen(&msg, msg.len - 1);
	error("%s: %s: %s", s->path, what, msg.buf);
	buf_release(&msg);
	return -1;
}

/* A new READ ONLY snapshot for the reader: it sees every append committed so far. */
static int renew_snapshot(struct store *s)
{
	if (pg_exec(s, "ROLLBACK", "cannot end the snapshot"))
		return -1;
	s->pg->in_tx = 0;
	if (pg_exec(s, "BEGIN READ ONLY ISOLATION LEVEL REPEATABLE READ", "cannot start reading"))
		return -1;
	s->pg->in_tx = 1;
	return 0;
}

/* Connects the listener with the reader's parameters (host, port,
 * database, user, password, sslmode, ...: PQconninfo) and LISTENs. */
static PGconn *listener_connect(struct store *s)
{
	PQconninfoOption *opt = PQconninfo(s->pg->conn), *o;
	const char **keys, **vals;
	size_t n = 0;
	PGconn *conn;
	PGresult *res;

	if (!opt) {
		error("%s: cannot read the connection's parameters (out of memory)", s->path);
		return NULL;
	}
	for (o = opt; o->keyword; o++)
		n++;
	keys = xcalloc(n + 2, sizeof(*keys));
	vals = xcalloc(n + 2, sizeof(*vals));
	n = 0;
	for (o = opt; o->keyword; o++) {
		if (o->val && *o->val && strcmp(o->keyword, "application_name")) {
			keys[n] = o->keyword;
			vals[n++] = o->val;
		}
	}
	keys[n] = "application_name";
	vals[n] = "trailscope follow";
	conn = PQconnectdbParams(keys, vals, 0);
	free(keys);
	free(vals);
	PQconninfoFree(opt);
	if (!conn) {
		error("%s: cannot connect to listen (out of memory)", s->path);
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		listen_fail(s, conn, NULL, "cannot connect to listen for appends");
		PQfinish(conn);
		return NULL;
	}
	res = PQexec(conn, "LISTEN trailscope_append");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		listen_fail(s, conn, res, "cannot listen for appends");
		PQclear(res);
		PQfinish(conn);
		return NULL;
	}
	PQclear(res);
	return conn;
}

int pg_follow_start(struct store *s)
{
	PGresult *res;
	struct pg_listen *l;

	if (s->pg->listen)
		return 0;
	if (!s->pg->readonly)
		return error("%s: following needs the store opened read-only", s->path);
	res = PQexec(s->pg->conn, "SELECT current_schema()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		pg_report(s, res, "cannot read the store's schema");
		PQclear(res);
		return -1;
	}
	l = xcalloc(1, sizeof(*l));
	l->schema = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	l->conn = listener_connect(s);
	if (!l->conn) {
		free(l->schema);
		free(l);
		return -1;
	}
	s->pg->listen = l;
	/* appends committed before the LISTEN sent no notification to us:
	 * a snapshot taken after it holds them */
	return renew_snapshot(s);
}

void pg_follow_close(struct store *s)
{
	struct pg_listen *l = s->pg ? s->pg->listen : NULL;

	if (!l)
		return;
	PQfinish(l->conn);
	free(l->schema);
	free(l);
	s->pg->listen = NULL;
}

/* Reads what the listener's socket holds: 1 when a notification names
 * this store, 0 when none does, -1 when the connection failed (reported). */
static int drain(struct store *s)
{
	struct pg_listen *l = s->pg->listen;
	PGnotify *n;
	int hit = 0;

	if (!PQconsumeInput(l->conn))
		return listen_fail(s, l->conn, NULL, "lost the connection listening for appends");
	while ((n = PQnotifies(l->conn))) {
		if (!strcmp(n->relname, "trailscope_append") && n->extra && !strcmp(n->extra, l->schema))
			hit = 1;
		PQfreemem(n);
	}
	return hit;
}

int pg_follow_wait(struct store *s, int timeout_ms)
{
	struct pg_listen *l = s->pg->listen;
	struct pollfd p = { PQsocket(l->conn), POLLIN, 0 };
	int rc = drain(s); /* what arrived already */

	if (rc == 0) {
		rc = poll(&p, 1, timeout_ms);
		if (rc < 0 && errno != EINTR)
			return error("%s: cannot wait for appends: %s", s->path, strerror(errno));
		if (rc <= 0)
			return 0; /* the time is up, or a signal came */
		rc = drain(s);
	}
	if (rc <= 0)
		return rc;
	l->version++;
	return renew_snapshot(s) ? -1 : 1;
}

int64_t pg_store_data_version(struct store *s)
{
	if (!s->pg->listen && pg_follow_start(s))
		return -1;
	if (pg_follow_wait(s, 0) < 0)
		return -1;
	return s->pg->listen->version;
}
