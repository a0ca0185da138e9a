/*
 * pg_conn.c - reaching a PostgreSQL store: recognising a URI operand,
 * printing a URI or conninfo without its password, connecting through
 * libpq (which alone reads PGPASSWORD, PGPASSFILE/.pgpass and sslmode),
 * and libpq's messages made safe to print: no password, no control
 * bytes. Also the small libpq helpers the backend's files share.
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/diag.h"
#include "trailscope/util.h"
#include "pg_int.h"

int pg_is_uri(const char *operand)
{
	return !strncmp(operand, "postgresql://", 13) || !strncmp(operand, "postgres://", 11);
}

/* Appends s[0..n) percent-decoded (as libpq decodes URI parts). */
static void add_decoded(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
			buf_addch(out, hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
			i += 2;
		} else {
			buf_addch(out, s[i]);
		}
	}
}

/* The length of a URI's scheme and "://" (0 when uri is not a URI). */
static size_t scheme_len(const char *uri)
{
	if (!strncmp(uri, "postgresql://", 13))
		return 13;
	if (!strncmp(uri, "postgres://", 11))
		return 11;
	return 0;
}

/* Is the query parameter p[0..n) ("key=value") the password? */
static int is_password_param(const char *p, size_t n)
{
	size_t k = 0;
	struct buf key = BUF_INIT;
	int yes;

	while (k < n && p[k] != '=')
		k++;
	add_decoded(&key, p, k);
	yes = !strcmp(key.buf, "password");
	buf_release(&key);
	return yes;
}

/* Calls fn on each password written in uri, raw: in the userinfo as
 * libpq reads it (up to the first '@' before any '/') and up to the last
 * '@' before the path or query (what pg_uri_display leaves out), and in
 * password= parameters. */
static void uri_passwords(const char *uri, void (*fn)(void *ctx, const char *p, size_t n), void *ctx)
{
	size_t start = scheme_len(uri), auth_end, first = 0, last = 0, q;

	if (!start)
		return;
	for (size_t i = start; uri[i] && uri[i] != '/'; i++)
		if (uri[i] == '@') {
			first = i;
			break;
		}
	auth_end = start + strcspn(uri + start, "/?");
	for (size_t i = start; i < auth_end; i++)
		if (uri[i] == '@')
			last = i;
	for (int k = 0; k < 2; k++) {
		size_t at = k ? last : first;
		const char *colon = at ? memchr(uri + start, ':', at - start) : NULL;

		if (colon && (k == 0 || last != first))
			fn(ctx, colon + 1, (size_t)(uri + at - colon - 1));
	}
	q = auth_end + strcspn(uri + auth_end, "?");
	while (uri[q]) {
		const char *p = uri + q + 1;
		size_t n = strcspn(p, "&");

		if (is_password_param(p, n)) {
			const char *eq = memchr(p, '=', n);

			if (eq)
				fn(ctx, eq + 1, (size_t)(p + n - eq - 1));
		}
		q += 1 + n;
	}
}

void pg_uri_display(const char *uri, struct buf *out)
{
	size_t start = scheme_len(uri);
	struct buf b = BUF_INIT;

	if (start) {
		size_t auth_end = start + strcspn(uri + start, "/?"), at = 0, q;

		for (size_t i = start; i < auth_end; i++)
			if (uri[i] == '@')
				at = i;
		buf_add(&b, uri, start);
		if (at) {
			const char *colon = memchr(uri + start, ':', at - start);

			buf_add(&b, uri + start, (size_t)((colon ? colon : uri + at) - (uri + start)));
			buf_add(&b, uri + at, auth_end - at);
		} else {
			buf_add(&b, uri + start, auth_end - start);
		}
		q = auth_end + strcspn(uri + auth_end, "?");
		buf_add(&b, uri + auth_end, q - auth_end);
		if (uri[q]) {
			int first = 1;

			while (uri[q]) {
				const char *p = uri + q + 1;
				size_t n = strcspn(p, "&");

				if (!is_password_param(p, n)) {
					buf_addch(&b, first ? '?' : '&');
					buf_add(&b, p, n);
					first = 0;
				}
				q += 1 + n;
			}
		}
	} else {
		char *err = NULL;
		PQconninfoOption *opts = PQconninfoParse(uri, &err);

		if (!opts) {
			buf_addstr(&b, "(a connection string that does not parse)");
		} else {
			for (PQconninfoOption *o = opts; o->keyword; o++) {
				if (!o->val || !strcmp(o->keyword, "password"))
					continue;
				buf_addf(&b, "%s%s='", b.len ? " " : "", o->keyword);
				for (const char *c = o->val; *c; c++) {
					if (*c == '\'' || *c == '\\')
						buf_addch(&b, '\\');
					buf_addch(&b, *c);
				}
				buf_addch(&b, '\'');
			}
			PQconninfoFree(opts);
		}
		PQfreemem(err);
	}
	buf_add(out, b.buf, b.len);
	buf_release(&b);
}

struct secrets {
	char **secret;  /* PG_SECRETS slots, filled from the first */
	size_t n;
};

static void keep_secret(struct secrets *sc, char *secret)
{
	for (size_t i = 0; i < sc->n; i++)
		if (!strcmp(sc->secret[i], secret)) {
			free(secret);
			return;
		}
	if (sc->n < PG_SECRETS && *secret)
		sc->secret[sc->n++] = secret;
	else
		free(secret);
}

static void keep_password(void *ctx, const char *p, size_t n)
{
	struct secrets *sc = ctx;
	struct buf dec = BUF_INIT;

	add_decoded(&dec, p, n);
	keep_secret(sc, xstrndup(p, n));
	keep_secret(sc, buf_detach(&dec, NULL));
}

/* Replaces every occurrence of each non-empty secret in b with "***". */
static void cut(struct buf *b, const char *secret)
{
	size_t n = secret ? strlen(secret) : 0;
	struct buf o = BUF_INIT;
	char *hit;
	const char *p;

	if (!n || !strstr(b->buf, secret))
		return;
	for (p = b->buf; (hit = strstr(p, secret)); p = hit + n) {
		buf_add(&o, p, (size_t)(hit - p));
		buf_addstr(&o, "***");
	}
	buf_addstr(&o, p);
	buf_reset(b);
	buf_add(b, o.buf, o.len);
	buf_release(&o);
}

void pg_scrub(char *const secret[PG_SECRETS], const char *msg, struct buf *out)
{
	struct buf b = BUF_INIT;

	/* libpq's messages span lines ("...\n\tIs the server running ..."): one line */
	for (const char *m = msg ? msg : ""; *m; m++) {
		if (*m == '\n' || *m == '\t') {
			if (b.len && b.buf[b.len - 1] != ' ')
				buf_addch(&b, ' ');
		} else {
			buf_addch(&b, *m);
		}
	}
	while (b.len && b.buf[b.len - 1] == ' ')
		buf_setlen(&b, b.len - 1);
	for (size_t i = 0; secret && i < PG_SECRETS; i++)
		cut(&b, secret[i]);
	cut(&b, getenv("PGPASSWORD"));
	buf_add(out, b.buf, b.len); /* error() escapes control bytes when it prints */
	buf_release(&b);
}

static void no_notices(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

PGconn *pg_connect(const char *uri, const char *display, char *secret[PG_SECRETS])
{
	struct secrets sc = { secret, 0 };
	struct buf msg = BUF_INIT;
	char *err = NULL;
	PQconninfoOption *opts;
	PGconn *conn;

	for (size_t i = 0; i < PG_SECRETS; i++)
		secret[i] = NULL;
	uri_passwords(uri, keep_password, &sc);
	opts = PQconninfoParse(uri, &err);
	if (!opts) {
		pg_scrub(secret, err ? err : "out of memory", &msg);
		error_as(ERR_USAGE, "%s: not a usable PostgreSQL URI: %s", display, msg.buf);
		PQfreemem(err);
		buf_release(&msg);
		return NULL;
	}
	/* the password as libpq itself read it */
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (!strcmp(o->keyword, "password") && o->val)
			keep_secret(&sc, xstrdup(o->val));
	PQconninfoFree(opts);
	conn = PQconnectdb(uri);
	if (!conn || PQstatus(conn) != CONNECTION_OK) {
		pg_scrub(secret, conn ? PQerrorMessage(conn) : "out of memory", &msg);
		error("%s: cannot connect: %s", display, msg.buf);
		buf_release(&msg);
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, no_notices, NULL);
	if (PQsetClientEncoding(conn, "UTF8")) {
		pg_scrub(secret, PQerrorMessage(conn), &msg);
		error("%s: cannot use UTF8: %s", display, msg.buf);
		buf_release(&msg);
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

PGconn *pg_connect_quiet(const char *uri)
{
	PGconn *conn = PQconnectdb(uri);

	if (!conn || PQstatus(conn) != CONNECTION_OK || PQsetClientEncoding(conn, "UTF8")) {
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, no_notices, NULL);
	return conn;
}

const char *pg_sqlstate(const PGresult *res)
{
	const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return st ? st : "";
}

int pg_report(struct store *s, const PGresult *res, const char *what)
{
	struct buf msg = BUF_INIT;
	const char *text = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	if (!text)
		text = s->pg && s->pg->conn ? PQerrorMessage(s->pg->conn) : "no connection";
	pg_scrub(s->pg ? s->pg->secret : NULL, text, &msg);
	if (!strcmp(pg_sqlstate(res), "42501"))
		error("%s: %s: the role %s may not do that: %s", s->path, what,
		      s->pg && s->pg->conn && PQuser(s->pg->conn) ? PQuser(s->pg->conn) : "?", msg.buf);
	else
		error("%s: %s: %s", s->path, what, msg.buf);
	buf_release(&msg);
	return -1;
}

int pg_exec(struct store *s, const char *sql, const char *what)
{
	PGresult *res = PQexec(s->pg->conn, sql);
	int st = PQresultStatus(res), ret = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		ret = pg_report(s, res, what);
	PQclear(res);
	return ret;
}

void pg_copy_text(struct buf *out, const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (text[i]) {
		case '\\': buf_add(out, "\\\\", 2); break;
		case '\n': buf_add(out, "\\n", 2); break;
		case '\r': buf_add(out, "\\r", 2); break;
		case '\t': buf_add(out, "\\t", 2); break;
		default: buf_addch(out, text[i]);
		}
	}
}
