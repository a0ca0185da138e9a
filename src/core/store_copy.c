/*
 * store_copy.c - copies a store between backends (store_copy.h): each
 * table's rows read from the source in key order and written to the
 * destination verbatim (SQLite through prepared INSERTs, PostgreSQL
 * through COPY, pg_copy.c), then the free-text index rebuilt from the
 * leaves, all in one transaction on the destination. The one exception
 * is a packed entry_text.raw (COPY_RAW, raw_pack.h) going to PostgreSQL,
 * which keeps records as text: it is unpacked on the way. A SQLite
 * destination gets each value as it is, packed or text.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/diag.h"
#include "trailscope/pg_store.h"
#include "trailscope/raw_pack.h"
#include "trailscope/store_copy.h"
#include "trailscope/util.h"
#include "pg_int.h"

#define I COPY_INT
#define T COPY_TEXT
#define B COPY_BLOB
#define R COPY_RAW

/* Every stored table but entries_fts, in docs/STORE.md's column order. */
static const struct copy_table tables[] = {
	{ "entries", "seq", 17,
	  { "seq", "event_id", "ts", "actor", "actor_type", "action", "target", "target_kind", "environment",
	    "summary", "nchanges", "risk", "source_file", "source_line", "outcome", "leaf_hash", "leaf" },
	  { I, T, T, T, T, T, T, T, T, T, I, I, T, I, T, B, B } },
	{ "changes", "seq, idx", 7, { "seq", "idx", "path", "kind", "before", "after", "before_unknown" },
	  { I, I, T, T, T, T, I } },
	{ "entry_text", "seq", 3, { "seq", "summary", "raw" }, { I, T, R } },
	{ "merkle_nodes", "level, idx", 3, { "level", "idx", "hash" }, { I, I, B } },
	{ "checkpoints", "size", 3, { "size", "note", "added_at" }, { I, T, T } },
	{ "checkpoint_timestamps", "id", 6, { "id", "size", "token", "nonce", "tsa", "added_at" },
	  { I, I, B, T, T, T } },
	{ "timestamp_requests", "size, nonce", 4, { "size", "nonce", "request", "created_at" }, { I, T, B, T } },
	{ "checkpoint_cosignatures", "id", 4, { "id", "size", "line", "added_at" }, { I, I, T, T } },
	{ "incidents", "id", 11,
	  { "id", "title", "severity", "services", "environment", "started_at", "detected_at", "resolved_at",
	    "raw", "source_file", "source_line" },
	  { T, T, T, T, T, T, T, T, T, T, I } },
};

/* What the free-text index is made of: read from entries. */
static const struct copy_table fts_source = {
	"entries", "seq", 4, { "seq", "target", "actor", "leaf" }, { I, T, T, B } };
static const struct copy_table fts_pg = { "entries_fts", "seq", 2, { "seq", "doc" }, { I, T } };
static const struct copy_table fts_sqlite = {
	"entries_fts", "rowid", 5, { "rowid", "reason", "target", "actor", "ticket" }, { I, T, T, T, T } };

#undef I
#undef T
#undef B
#undef R

/* ---- SQLite: reading and writing rows ---- */

static int sqlite_read(struct store *s, const struct copy_table *t,
		       int (*fn)(void *ctx, const struct copy_val *vals), void *ctx)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st;
	int rc, stop = 0;

	buf_addstr(&sql, "SELECT ");
	for (int c = 0; c < t->ncols; c++)
		buf_addf(&sql, "%s%s", c ? ", " : "", t->cols[c]);
	buf_addf(&sql, " FROM %s ORDER BY %s", t->name, t->order);
	rc = store_prepare(s, sql.buf, &st);
	buf_release(&sql);
	if (rc)
		return -1;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct copy_val v[COPY_MAX_COLS];

		for (int c = 0; c < t->ncols; c++) {
			int type = sqlite3_column_type(st, c);

			v[c].is_blob = type == SQLITE_BLOB;
			if (type == SQLITE_NULL)
				v[c].p = NULL;
			else if (type == SQLITE_BLOB)
				v[c].p = sqlite3_column_blob(st, c) ? sqlite3_column_blob(st, c) : "";
			else
				v[c].p = (const char *)sqlite3_column_text(st, c);
			v[c].len = (size_t)sqlite3_column_bytes(st, c);
		}
		stop = fn(ctx, v);
	}
	if (!stop && rc != SQLITE_DONE)
		store_error(s, "cannot read the store");
	sqlite3_finalize(st);
	return stop ? stop : rc == SQLITE_DONE ? 0 : -1;
}

static int sqlite_insert(struct store *s, sqlite3_stmt *st, const struct copy_table *t,
			 const struct copy_val *v)
{
	int rc;

	for (int c = 0; c < t->ncols; c++) {
		if (!v[c].p)
			sqlite3_bind_null(st, c + 1);
		else if (t->type[c] == COPY_INT)
			sqlite3_bind_int64(st, c + 1, strtoll(v[c].p, NULL, 10));
		else if (t->type[c] == COPY_BLOB || (t->type[c] == COPY_RAW && v[c].is_blob))
			sqlite3_bind_blob(st, c + 1, v[c].p, (int)v[c].len, SQLITE_STATIC);
		else
			sqlite3_bind_text(st, c + 1, v[c].p, (int)v[c].len, SQLITE_STATIC);
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_error(s, "cannot write the copy");
}

/* ---- one table ---- */

struct copier {
	struct store *src, *dst;
	const struct copy_table *t;   /* written to dst */
	sqlite3_stmt *ins;            /* dst is SQLite */
	uint64_t rows;
	struct pg_fts *fts;           /* the free-text pass into PostgreSQL */
	struct buf doc, actor;
	sqlite3_stmt *leaf;           /* a SQLite source's leaf by seq, to unpack a raw record */
	struct raw_codec *codec;
	struct buf unpacked;
};

/* For a PostgreSQL destination, which keeps records as text: the packed
 * raw record in v[c] (a SQLite source's BLOB) unpacked against its
 * entry's leaf (v[0] is the seq) into cp->unpacked, and v[c] made to
 * point at it. A record that does not unpack stops the copy: the
 * destination could not hold it as it is. */
static int unpack_for_pg(struct copier *cp, struct copy_val *v, int c)
{
	const char *why = "no such entry";
	int rc;

	if (!cp->leaf && store_prepare(cp->src, "SELECT leaf FROM entries WHERE seq = ?1", &cp->leaf))
		return -1;
	buf_reset(&cp->unpacked);
	sqlite3_bind_int64(cp->leaf, 1, strtoll(v[0].p ? v[0].p : "0", NULL, 10));
	rc = sqlite3_step(cp->leaf);
	if (rc == SQLITE_ROW &&
	    !raw_unpack(cp->codec, v[c].p, v[c].len, sqlite3_column_blob(cp->leaf, 0),
			(size_t)sqlite3_column_bytes(cp->leaf, 0), &cp->unpacked, &why)) {
		sqlite3_reset(cp->leaf);
		v[c].p = cp->unpacked.buf;
		v[c].len = cp->unpacked.len;
		v[c].is_blob = 0;
		return 0;
	}
	sqlite3_reset(cp->leaf);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_error(cp->src, "cannot read a leaf");
	return error("%s: entry_text.raw of seq %s does not unpack against its leaf (%s): a PostgreSQL "
		     "store keeps raw records as text, so it cannot be copied there (run trailscope verify)",
		     cp->src->path, v[0].p ? v[0].p : "?", why);
}

static int write_row(struct copier *cp, const struct copy_val *vals)
{
	struct copy_val v[COPY_MAX_COLS];

	cp->rows++;
	if (!cp->dst->pg)
		return sqlite_insert(cp->dst, cp->ins, cp->t, vals) ? -1 : 0;
	memcpy(v, vals, (size_t)cp->t->ncols * sizeof(*v));
	for (int c = 0; c < cp->t->ncols; c++)
		if (cp->t->type[c] == COPY_RAW && v[c].p && v[c].is_blob && unpack_for_pg(cp, v, c))
			return -1;
	return pg_copy_row(cp->dst, cp->t, v) ? -1 : 0;
}

static int copy_row(void *ctx, const struct copy_val *v)
{
	return write_row(ctx, v);
}

static int read_rows(struct store *s, const struct copy_table *t,
		     int (*fn)(void *ctx, const struct copy_val *vals), void *ctx)
{
	return s->pg ? pg_copy_read(s, t, fn, ctx) : sqlite_read(s, t, fn, ctx);
}

/* Starts writing table t on cp->dst. */
static int begin_table(struct copier *cp, const struct copy_table *t)
{
	struct buf sql = BUF_INIT;
	int rc;

	cp->t = t;
	cp->rows = 0;
	if (cp->dst->pg)
		return pg_copy_begin(cp->dst, t);
	buf_addf(&sql, "INSERT INTO %s(", t->name);
	for (int c = 0; c < t->ncols; c++)
		buf_addf(&sql, "%s%s", c ? ", " : "", t->cols[c]);
	buf_addstr(&sql, ") VALUES(");
	for (int c = 0; c < t->ncols; c++)
		buf_addf(&sql, "%s?", c ? ", " : "");
	buf_addch(&sql, ')');
	rc = store_prepare(cp->dst, sql.buf, &cp->ins);
	buf_release(&sql);
	return rc;
}

static int end_table(struct copier *cp, int ok)
{
	int rc = 0;

	if (cp->dst->pg)
		rc = pg_copy_end(cp->dst, ok);
	sqlite3_finalize(cp->ins);
	cp->ins = NULL;
	return ok ? rc : -1;
}

/* A string member of the leaf at path a.b, or NULL. */
static const char *leaf_string(json_t *leaf, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(leaf, a), b));
}

/* One entry's free-text row, from its leaf, as store_append writes it. */
static int fts_row(void *ctx, const struct copy_val *v)
{
	struct copier *cp = ctx;
	json_error_t jerr;
	json_t *leaf = json_loadb(v[3].p ? v[3].p : "", v[3].len, 0, &jerr);
	const char *name = leaf_string(leaf, "actor", "name");
	const char *text[4];
	struct copy_val out[5];
	int rc;

	buf_reset(&cp->actor);
	buf_add(&cp->actor, v[2].p ? v[2].p : "", v[2].len);
	if (name)
		buf_addf(&cp->actor, " %s", name);
	text[0] = leaf_string(leaf, "context", "reason");
	text[1] = v[1].p;
	text[2] = cp->actor.buf;
	text[3] = leaf_string(leaf, "context", "ticket");
	out[0] = v[0];
	if (cp->dst->pg) {
		buf_reset(&cp->doc);
		rc = pg_fts_doc(cp->fts, text, &cp->doc);
		out[1] = (struct copy_val){ cp->doc.buf, cp->doc.len, 0 };
	} else {
		rc = 0;
		for (int c = 0; c < 4; c++)
			out[c + 1] = (struct copy_val){ text[c], text[c] ? strlen(text[c]) : 0, 0 };
	}
	if (!rc)
		rc = write_row(cp, out);
	json_decref(leaf);
	return rc;
}

static int check_empty(struct store *dst)
{
	int64_t size = store_size(dst), cp = 0;
	int rc;

	if (size < 0 || (rc = store_newest_checkpoint(dst, &cp)) < 0)
		return -1;
	if (size > 0 || rc > 0)
		return error("%s: the destination already holds %lld entries and %s checkpoints: "
			     "copy writes only into an empty store", dst->path, (long long)size,
			     rc > 0 ? "some" : "no");
	return 0;
}

int store_copy(struct store *src, struct store *dst, struct copy_stats *st)
{
	struct copier cp = { .src = src, .dst = dst };
	int ret = -1;

	memset(st, 0, sizeof(*st));
	buf_init(&cp.doc);
	buf_init(&cp.actor);
	buf_init(&cp.unpacked);
	if (src->schema < 4)
		return error("%s: schema version %d: open it for writing once with this trailscope (e.g. "
			     "trailscope checkpoint) to upgrade it, then copy it", src->path, src->schema);
	if (store_begin(dst))
		return -1;
	cp.codec = raw_codec_new();
	if (check_empty(dst))
		goto out;
	if (*src->origin && strcmp(src->origin, dst->origin) && store_set_origin(dst, src->origin))
		goto out;
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
		int rc;

		if (begin_table(&cp, &tables[i]))
			goto out;
		rc = read_rows(src, &tables[i], copy_row, &cp);
		if (end_table(&cp, rc == 0))
			goto out;
		st->rows[i] = cp.rows;
	}
	st->entries = st->rows[0];
	st->checkpoints = st->rows[4];
	if (dst->pg && !(cp.fts = pg_fts_new()))
		goto out;
	if (begin_table(&cp, dst->pg ? &fts_pg : &fts_sqlite))
		goto out;
	if (end_table(&cp, read_rows(src, &fts_source, fts_row, &cp) == 0))
		goto out;
	if (store_commit(dst))
		goto out;
	ret = 0;
out:
	if (ret)
		store_rollback(dst);
	pg_fts_free(cp.fts);
	buf_release(&cp.doc);
	buf_release(&cp.actor);
	buf_release(&cp.unpacked);
	sqlite3_finalize(cp.leaf);
	raw_codec_free(cp.codec);
	return ret;
}
