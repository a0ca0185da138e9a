/*
 * pg_store.c - the PostgreSQL store behind store.h (docs/STORE.md,
 * "PostgreSQL schema"): opening one (a reader inside one READ ONLY
 * REPEATABLE READ transaction, so it sees one log of one size), creating
 * one from the embedded sql/pg_schema.sql with its grants, the writer's
 * transaction under the append lock, meta, checkpoints, and the leaf and
 * node hashes the Merkle tree is read from.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/diag.h"
#include "trailscope/util.h"
#include "pg_int.h"

enum { PREP_LEAVES = 1 << 0, PREP_NODES = 1 << 1 };

/* A one-value query: 1 with *out set (text), 0 for no row or NULL, -1
 * on error (reported). params are text. */
static int query_value(struct store *s, const char *sql, int nparams, const char *const *params,
		       const char *what, struct buf *out)
{
	PGresult *res;
	int ret = 0;

	if (pg_append_wait(s))
		return -1;
	res = PQexecParams(s->pg->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		ret = pg_report(s, res, what);
	} else if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) {
		buf_reset(out);
		buf_add(out, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
		ret = 1;
	}
	PQclear(res);
	return ret;
}

static int query_int(struct store *s, const char *sql, const char *what, int64_t *out)
{
	struct buf v = BUF_INIT;
	int rc = query_value(s, sql, 0, NULL, what, &v);

	if (rc > 0)
		*out = strtoll(v.buf, NULL, 10);
	buf_release(&v);
	return rc;
}

/* Reads meta's identity rows: the application id and the schema version
 * must be trailscope's and not newer than this program's. */
static int check_schema(struct store *s)
{
	PGresult *res = PQexec(s->pg->conn, "SELECT key, value FROM meta WHERE key IN"
			       " ('application_id', 'schema')");
	long long app = 0, schema = 0;
	int ret = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (!strcmp(pg_sqlstate(res), "42P01"))
			ret = error("%s: no trailscope store in this database (it has no table meta; "
				    "trailscope init URI creates one)", s->path);
		else
			ret = pg_report(s, res, "cannot read the store's meta");
		PQclear(res);
		return ret;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		if (!strcmp(PQgetvalue(res, i, 0), "application_id"))
			app = strtoll(PQgetvalue(res, i, 1), NULL, 10);
		else
			schema = strtoll(PQgetvalue(res, i, 1), NULL, 10);
	}
	PQclear(res);
	if (app != STORE_APPLICATION_ID || schema < 1)
		return error("%s: not a trailscope store (its meta has no application_id %d and schema)",
			     s->path, STORE_APPLICATION_ID);
	if (schema > STORE_SCHEMA_VERSION)
		return error("%s: the store has schema version %lld, newer than this trailscope's (%d)",
			     s->path, schema, STORE_SCHEMA_VERSION);
	s->schema = (int)schema;
	return 0;
}

static int load_origin(struct store *s)
{
	struct buf v = BUF_INIT;
	int rc = pg_store_get_meta(s, "origin", &v);

	if (rc >= 0) {
		free(s->origin);
		s->origin = rc ? buf_detach(&v, NULL) : xstrdup("");
	}
	buf_release(&v);
	return rc < 0 ? -1 : 0;
}

/* Connects s to uri: s->path is the URI as printed. */
static int connect_store(struct store *s, const char *uri, unsigned flags)
{
	struct buf disp = BUF_INIT;

	memset(s, 0, sizeof(*s));
	pg_uri_display(uri, &disp);
	s->path = buf_detach(&disp, NULL);
	s->flags = flags;
	s->private_fd = -1;
	s->origin = xstrdup("");
	s->pg = xcalloc(1, sizeof(*s->pg));
	s->pg->uri = xstrdup(uri);
	s->pg->conn = pg_connect(uri, s->path, s->pg->secret);
	return s->pg->conn ? 0 : -1;
}

int pg_store_open(struct store *s, const char *uri, unsigned flags)
{
	if (connect_store(s, uri, flags))
		goto fail;
	if (flags & STORE_READONLY) {
		if (pg_exec(s, "BEGIN READ ONLY ISOLATION LEVEL REPEATABLE READ", "cannot start reading"))
			goto fail;
		s->pg->in_tx = s->pg->readonly = 1;
	}
	if (check_schema(s) || load_origin(s))
		goto fail;
	return 0;
fail:
	pg_store_close(s);
	return -1;
}

int pg_store_open_twins(struct store *s, struct store *twins, int n)
{
	struct buf sql = BUF_INIT;
	PGresult *res = NULL;
	char *snap;
	int k = 0;

	if (!s->pg->readonly || !s->pg->in_tx)
		return -1;
	res = PQexec(s->pg->conn, "SELECT pg_export_snapshot()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		PQclear(res);
		return -1;
	}
	snap = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	res = NULL;
	for (; k < n; k++) {
		struct store *t = &twins[k];
		char *lit;

		memset(t, 0, sizeof(*t));
		t->path = xstrdup(s->path);
		t->flags = s->flags;
		t->private_fd = -1;
		t->origin = xstrdup(s->origin);
		t->schema = s->schema;
		t->pg = xcalloc(1, sizeof(*t->pg));
		for (size_t i = 0; i < PG_SECRETS; i++)
			t->pg->secret[i] = s->pg->secret[i] ? xstrdup(s->pg->secret[i]) : NULL;
		if (!(t->pg->conn = pg_connect_quiet(s->pg->uri)))
			break;
		/* the same isolation, read-only, and s's snapshot first of all */
		res = PQexec(t->pg->conn, "BEGIN READ ONLY ISOLATION LEVEL REPEATABLE READ");
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			break;
		PQclear(res);
		res = NULL;
		t->pg->in_tx = t->pg->readonly = 1;
		buf_reset(&sql);
		lit = PQescapeLiteral(t->pg->conn, snap, strlen(snap));
		if (!lit)
			break;
		buf_addf(&sql, "SET TRANSACTION SNAPSHOT %s", lit); /* takes no parameter */
		PQfreemem(lit);
		res = PQexec(t->pg->conn, sql.buf);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			break;
		PQclear(res);
		res = NULL;
	}
	buf_release(&sql);
	PQclear(res);
	free(snap);
	if (k == n)
		return 0;
	for (int i = 0; i <= k; i++)
		pg_store_close(&twins[i]);
	return -1;
}

void pg_store_close(struct store *s)
{
	if (s->pg) {
		pg_follow_close(s);
		if (s->pg->conn && s->pg->in_tx)
			PQclear(PQexec(s->pg->conn, "ROLLBACK"));
		PQfinish(s->pg->conn);
		free(s->pg->uri);
		for (size_t i = 0; i < PG_SECRETS; i++)
			free(s->pg->secret[i]);
		free(s->pg);
	}
	free(s->path);
	free(s->origin);
	memset(s, 0, sizeof(*s));
}

int pg_store_init(const char *uri, const char *origin, char *const *writers, size_t nwriters,
		  char *const *readers, size_t nreaders)
{
	struct store s;
	struct buf v = BUF_INIT;
	int ret = -1, rc;

	if (connect_store(&s, uri, 0))
		goto out;
	if (pg_exec(&s, "BEGIN", "cannot start creating the store"))
		goto out;
	s.pg->in_tx = 1;
	rc = query_value(&s, "SELECT to_regclass('meta') IS NOT NULL", 0, NULL, "cannot look for a store", &v);
	if (rc < 0)
		goto out;
	if (!strcmp(v.buf, "t")) {
		error("%s: the database already holds a trailscope store", s.path);
		goto out;
	}
	if (pg_exec(&s, pg_schema_sql, "cannot create the store's schema"))
		goto out;
	if (origin) {
		const char *p[] = { origin };
		PGresult *res = PQexecParams(s.pg->conn, "INSERT INTO meta(key, value) VALUES('origin', $1)",
					     1, NULL, p, NULL, NULL, 0);

		rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pg_report(&s, res, "cannot set the origin");
		PQclear(res);
		if (rc)
			goto out;
	}
	for (size_t i = 0; i < nwriters + nreaders; i++) {
		const char *role = i < nwriters ? writers[i] : readers[i - nwriters];
		const char *sql = i < nwriters ? "SELECT trailscope_grant_writer($1::regrole)"
					       : "SELECT trailscope_grant_reader($1::regrole)";
		PGresult *res = PQexecParams(s.pg->conn, sql, 1, NULL, &role, NULL, NULL, 0);

		rc = 0;
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			if (!strcmp(pg_sqlstate(res), "42704")) {
				struct buf safe = BUF_INIT;

				buf_add_term_safe(&safe, role, strlen(role));
				rc = error_as(ERR_USAGE, "%s: there is no role '%s' on the server "
					      "(CREATE ROLE it first); nothing was created", s.path, safe.buf);
				buf_release(&safe);
			} else {
				rc = pg_report(&s, res, "cannot grant");
			}
		}
		PQclear(res);
		if (rc)
			goto out;
	}
	if (pg_exec(&s, "COMMIT", "cannot create the store"))
		goto out;
	s.pg->in_tx = 0;
	ret = 0;
out:
	buf_release(&v);
	pg_store_close(&s);
	return ret;
}

void pg_store_set_progress(struct store *s, int (*fn)(void *ctx), void *ctx)
{
	s->pg->progress = fn;
	s->pg->progress_ctx = ctx;
}

int pg_progress(struct store *s)
{
	return s->pg && s->pg->progress ? s->pg->progress(s->pg->progress_ctx) : 0;
}

int pg_store_begin(struct store *s)
{
	struct buf v = BUF_INIT;
	PGresult *res;
	int rc;

	if (s->pg->readonly)
		return error("%s: opened read-only", s->path);
	if (pg_exec(s, "BEGIN ISOLATION LEVEL READ COMMITTED", "cannot start writing"))
		return -1;
	s->pg->in_tx = 1;
	s->pg->failed = 0;
	rc = query_value(s, "SELECT has_table_privilege('entries', 'INSERT')", 0, NULL,
			 "cannot check the role's privileges", &v);
	if (rc > 0 && strcmp(v.buf, "t")) {
		const char *user = PQuser(s->pg->conn);

		rc = error("%s: the role '%s' may not write to this store (it has no INSERT privilege on "
			   "its tables: a reader); nothing was written", s->path, user ? user : "?");
	}
	buf_release(&v);
	if (rc < 0 || pg_exec(s, "SET LOCAL lock_timeout = '5s'", "cannot start writing"))
		goto fail;
	/* values the server compresses (a leaf or raw record of a row over
	 * ~2 kB) in lz4 where it has it (PostgreSQL 14 or later, built with
	 * lz4): pglz took ~7 % of the server's CPU in an import, lz4 a
	 * fraction of that; readers decompress either (docs/STORE.md) */
	if (pg_exec(s, "SELECT set_config('default_toast_compression', 'lz4', true) FROM pg_settings"
		    " WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)", "cannot start writing"))
		goto fail;
	res = PQexec(s->pg->conn, PG_LOCK_SQL);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (!strcmp(pg_sqlstate(res), "55P03"))
			error("%s: store is busy: another writer has held its append lock for 5 s"
			      "; nothing was written, try again when it is done", s->path);
		else
			pg_report(s, res, "cannot take the append lock");
		PQclear(res);
		goto fail;
	}
	PQclear(res);
	/* another writer may have set the origin meanwhile */
	if (load_origin(s))
		goto fail;
	return 0;
fail:
	pg_store_rollback(s);
	return -1;
}

int pg_store_commit(struct store *s)
{
	PGresult *res;
	int ret = 0;

	if (pg_append_wait(s) || s->pg->failed) {
		pg_store_rollback(s);
		return -1;
	}
	res = PQexec(s->pg->conn, "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		ret = pg_report(s, res, "cannot commit");
	else if (strcmp(PQcmdStatus(res), "COMMIT"))
		ret = error("%s: the transaction was rolled back; nothing was written", s->path);
	PQclear(res);
	s->pg->in_tx = 0;
	return ret;
}

void pg_store_rollback(struct store *s)
{
	if (s->pg->in_tx && !s->pg->readonly) {
		pg_append_wait(s);
		PQclear(PQexec(s->pg->conn, "ROLLBACK"));
		s->pg->in_tx = 0;
	}
}

int64_t pg_store_size(struct store *s)
{
	int64_t n = 0;

	if (query_int(s, "SELECT coalesce(max(seq), 0) FROM entries", "cannot count entries", &n) < 0)
		return -1;
	return n;
}

int pg_store_get_meta(struct store *s, const char *key, struct buf *value)
{
	return query_value(s, "SELECT value FROM meta WHERE key = $1", 1, &key, "cannot read meta", value);
}

int pg_store_set_meta(struct store *s, const char *key, const char *value)
{
	const char *p[] = { key, value };
	struct buf now = BUF_INIT;
	PGresult *res;
	int ret;

	if (pg_append_wait(s))
		return -1;
	res = PQexecParams(s->pg->conn, "INSERT INTO meta(key, value) VALUES($1, $2)"
			   " ON CONFLICT (key) DO NOTHING", 2, NULL, p, NULL, NULL, 0);
	ret = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pg_report(s, res, "cannot write meta");

	PQclear(res);
	/* meta is set once on PostgreSQL (a writer may not UPDATE it) */
	if (!ret && pg_store_get_meta(s, key, &now) > 0 && strcmp(now.buf, value))
		ret = error("%s: its %s is already '%s' and cannot change", s->path, key, now.buf);
	buf_release(&now);
	return ret;
}

int pg_store_newest_checkpoint(struct store *s, int64_t *size)
{
	return query_int(s, "SELECT max(size) FROM checkpoints", "cannot read checkpoints", size);
}

int pg_store_write(struct store *s, const char *sql, int n, const char *const *val, const int *len,
		   const int *binary, const char *what)
{
	PGresult *res;
	int ret;

	if (pg_append_wait(s))
		return -1;
	res = PQexecParams(s->pg->conn, sql, n, NULL, val, len, binary, 0);
	ret = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pg_report(s, res, what);

	PQclear(res);
	return ret;
}

int pg_store_add_checkpoint(struct store *s, uint64_t size, const char *note)
{
	char n[24], ts[32];
	const char *p[] = { n, note, ts };
	PGresult *res;
	int ret;

	if (pg_append_wait(s))
		return -1;
	snprintf(n, sizeof(n), "%" PRIu64, size);
	time_format(time_now(), ts);
	res = PQexecParams(s->pg->conn, "INSERT INTO checkpoints(size, note, added_at) VALUES($1, $2, $3)"
			   " ON CONFLICT (size) DO NOTHING", 3, NULL, p, NULL, NULL, 0);
	ret = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pg_report(s, res, "cannot add checkpoint");
	PQclear(res);
	return ret;
}

static uint64_t be64(const char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | (unsigned char)p[i];
	return v;
}

int pg_store_read_hashes(struct store *s, unsigned level, uint64_t idx, uint64_t count,
			 unsigned char (*out)[HASH_LEN])
{
	char a[24], b[24], c[24];
	const char *p[3];
	const char *name = level ? "ts_node_range" : "ts_leaf_range";
	unsigned bit = level ? PREP_NODES : PREP_LEAVES;
	PGresult *res;
	uint64_t got = 0;

	if (pg_append_wait(s))
		return -1;
	if (!(s->pg->prepared & bit)) {
		res = PQprepare(s->pg->conn, name, level ?
				"SELECT idx, hash FROM merkle_nodes WHERE level = $1 AND idx BETWEEN $2 AND $3"
				" ORDER BY idx" :
				"SELECT seq, leaf_hash FROM entries WHERE seq BETWEEN $1 AND $2 ORDER BY seq",
				level ? 3 : 2, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			pg_report(s, res, "cannot read Merkle hashes");
			PQclear(res);
			return -1;
		}
		PQclear(res);
		s->pg->prepared |= bit;
	}
	if (level) {
		snprintf(a, sizeof(a), "%u", level);
		snprintf(b, sizeof(b), "%" PRIu64, idx);
		snprintf(c, sizeof(c), "%" PRIu64, idx + count - 1);
		p[0] = a, p[1] = b, p[2] = c;
	} else {
		snprintf(a, sizeof(a), "%" PRIu64, idx + 1);
		snprintf(b, sizeof(b), "%" PRIu64, idx + count);
		p[0] = a, p[1] = b;
	}
	res = PQexecPrepared(s->pg->conn, name, level ? 3 : 2, p, NULL, NULL, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		pg_report(s, res, "cannot read Merkle hashes");
		PQclear(res);
		return -1;
	}
	for (int i = 0; i < PQntuples(res) && got < count; i++) {
		uint64_t at;

		if (PQgetlength(res, i, 0) != 8 || PQgetlength(res, i, 1) != HASH_LEN)
			break;
		at = be64(PQgetvalue(res, i, 0)) - (level == 0 ? 1 : 0);
		if (at != idx + got)
			break;
		memcpy(out[got], PQgetvalue(res, i, 1), HASH_LEN);
		got++;
	}
	PQclear(res);
	return got == count ? 0 : -1;
}
