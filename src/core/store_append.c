/*
 * store_append.c - the store's write seam for SQLite (store_append.h):
 * every statement that appends to a store (entries, changes, entries_fts,
 * entry_text, merkle_nodes, checkpoints, incidents) and the look-ups
 * import makes while appending. For a PostgreSQL store each function
 * hands over to pg_append.c / pg_store.c (the s->pg and a->pg hooks).
 *
 * Cost: the event statements are prepared once per handle and reset after
 * each step; values are bound without copying (SQLITE_STATIC). The raw
 * record comes packed against its leaf when the import's parser threads
 * could do it (raw_packed), else it is packed here (raw_pack.h, ~5 us)
 * into a reused buffer. One appended event is 3 + changes row inserts and
 * one indexed probe; the look-ups, prepared on first use, are one indexed
 * probe each.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/anchors.h"
#include "trailscope/incident.h"
#include "trailscope/jcs.h"
#include "trailscope/pg_store.h"
#include "trailscope/raw_pack.h"
#include "trailscope/store_append.h"
#include "rows.h"

struct store_append {
	struct store *s;
	sqlite3_stmt *exists, *ins_entry, *ins_change, *ins_node, *ins_fts, *ins_text;
	sqlite3_stmt *prev;          /* store_prev_state, prepared on first use */
	sqlite3_stmt *toggles;       /* store_recent_toggles, prepared on first use */
	sqlite3_stmt *incident_raw;  /* store_put_incident, prepared on first use */
	sqlite3_stmt *ins_incident;
	struct buf scratch;          /* the text index's actor; an incident's services */
	struct raw_codec *codec;     /* packs entry_text.raw against the leaf */
	struct buf packed;
	struct pg_append *pg;        /* a PostgreSQL store's handle (pg_append.c) instead */
};

struct store_append *store_append_open(struct store *s)
{
	struct store_append *a = xcalloc(1, sizeof(*a));

	a->s = s;
	buf_init(&a->scratch);
	buf_init(&a->packed);
	if (s->pg) {
		a->pg = pg_append_open(s);
		if (a->pg)
			return a;
		free(a);
		return NULL;
	}
	a->codec = raw_codec_new(); /* SQLite only: PostgreSQL keeps records as text */
	if (store_prepare(s, "SELECT 1 FROM entries WHERE event_id = ?1", &a->exists) ||
	    store_prepare(s,
		"INSERT INTO entries(seq, leaf, leaf_hash, event_id, ts, actor, actor_type, action,"
		" target, target_kind, environment, summary, nchanges, source_file, source_line, risk, outcome)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
		&a->ins_entry) ||
	    store_prepare(s,
		"INSERT INTO changes(seq, idx, path, kind, before, after, before_unknown)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)", &a->ins_change) ||
	    store_prepare(s, "INSERT OR REPLACE INTO merkle_nodes(level, idx, hash) VALUES(?1, ?2, ?3)",
			  &a->ins_node) ||
	    store_prepare(s, "INSERT INTO entries_fts(rowid, reason, target, actor, ticket)"
			  " VALUES(?1, ?2, ?3, ?4, ?5)", &a->ins_fts) ||
	    store_prepare(s, "INSERT INTO entry_text(seq, summary, raw) VALUES(?1, ?2, ?3)",
			  &a->ins_text)) {
		store_append_close(a);
		return NULL;
	}
	return a;
}

void store_append_close(struct store_append *a)
{
	if (!a)
		return;
	pg_append_close(a->pg); /* sends what it holds; a failure makes store_commit refuse */
	sqlite3_stmt *all[] = { a->exists, a->ins_entry, a->ins_change, a->ins_node, a->ins_fts,
				a->ins_text, a->prev, a->toggles, a->incident_raw, a->ins_incident };

	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		sqlite3_finalize(all[i]);
	buf_release(&a->scratch);
	buf_release(&a->packed);
	raw_codec_free(a->codec);
	free(a);
}

/* Steps st once, resets it, and reports anything but SQLITE_DONE. */
static int step_done(struct store_append *a, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_error(a->s, what);
}

int store_has_event(struct store_append *a, const char *event_id)
{
	int rc;

	if (a->pg)
		return pg_has_event(a->pg, event_id);
	sqlite3_bind_text(a->exists, 1, event_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(a->exists);
	sqlite3_reset(a->exists);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_error(a->s, "cannot look up event id");
}

static void bind_json_or_null(sqlite3_stmt *st, int col, const char *json)
{
	if (json)
		sqlite3_bind_text(st, col, json, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, col);
}

int store_append_event(struct store_append *a, const struct store_entry_row *e)
{
	sqlite3_stmt *st = a->ins_entry;

	if (a->pg)
		return pg_append_event(a->pg, e);
	sqlite3_bind_int64(st, 1, e->seq);
	sqlite3_bind_blob(st, 2, e->leaf, (int)e->leaf_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, e->leaf_hash, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, e->event_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, e->ts, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, e->actor_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, e->actor_type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, e->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, e->target_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, e->target_kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, e->environment, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, e->summary, (int)e->summary_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 13, (sqlite3_int64)e->nchanges);
	sqlite3_bind_text(st, 14, e->source_file, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 15, e->source_line);
	sqlite3_bind_int(st, 16, (int)e->risk);
	sqlite3_bind_text(st, 17, outcome_name(e->outcome), -1, SQLITE_STATIC);
	if (step_done(a, st, "cannot append entry"))
		return -1;
	st = a->ins_change;
	for (size_t i = 0; i < e->nchanges; i++) {
		const struct store_change_row *c = &e->changes[i];

		sqlite3_bind_int64(st, 1, e->seq);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		sqlite3_bind_text(st, 3, c->path, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, change_kind_name(c->kind), -1, SQLITE_STATIC);
		bind_json_or_null(st, 5, c->before);
		bind_json_or_null(st, 6, c->after);
		sqlite3_bind_int(st, 7, c->before_unknown);
		if (step_done(a, st, "cannot append change"))
			return -1;
	}
	st = a->ins_fts;
	sqlite3_bind_int64(st, 1, e->seq);
	sqlite3_bind_text(st, 2, e->reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, e->target_key, -1, SQLITE_STATIC);
	if (e->actor_name) {
		buf_reset(&a->scratch);
		buf_addf(&a->scratch, "%s %s", e->actor_id, e->actor_name);
		sqlite3_bind_text(st, 4, a->scratch.buf, (int)a->scratch.len, SQLITE_STATIC);
	} else {
		sqlite3_bind_text(st, 4, e->actor_id, -1, SQLITE_STATIC);
	}
	sqlite3_bind_text(st, 5, e->ticket, -1, SQLITE_STATIC);
	if (step_done(a, st, "cannot index entry text"))
		return -1;
	st = a->ins_text;
	if (e->raw_packed) {
		sqlite3_bind_blob(st, 3, e->raw_packed, (int)e->raw_packed_len, SQLITE_STATIC);
	} else {
		buf_reset(&a->packed);
		if (raw_pack(a->codec, e->raw ? e->raw : "", e->raw ? e->raw_len : 0, e->leaf, e->leaf_len,
			     &a->packed))
			return -1;
		sqlite3_bind_blob(st, 3, a->packed.buf, (int)a->packed.len, SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, 1, e->seq);
	sqlite3_bind_text(st, 2, e->summary, (int)e->summary_len, SQLITE_STATIC);
	return step_done(a, st, "cannot store entry text");
}

int store_append_node(struct store_append *a, unsigned level, uint64_t idx,
		      const unsigned char hash[HASH_LEN])
{
	if (a->pg)
		return level % STORE_NODE_STRIDE ? 0 : pg_append_node(a->pg, level, idx, hash);
	if (level % STORE_NODE_STRIDE)
		return 0;
	sqlite3_bind_int(a->ins_node, 1, (int)level);
	sqlite3_bind_int64(a->ins_node, 2, (sqlite3_int64)idx);
	sqlite3_bind_blob(a->ins_node, 3, hash, HASH_LEN, SQLITE_STATIC);
	return step_done(a, a->ins_node, "cannot cache Merkle node");
}

json_t *store_prev_state(struct store_append *a, const char *kind, const char *key,
			 const char *env)
{
	json_t *after = NULL;
	int rc;

	if (a->pg)
		return pg_prev_state(a->pg, kind, key, env);
	if (!a->prev && store_prepare(a->s, "SELECT leaf FROM entries WHERE target = ?1 AND "
				      "+environment = ?2 AND target_kind = ?3 ORDER BY ts DESC, seq DESC LIMIT 1",
				      &a->prev))
		return NULL;
	sqlite3_bind_text(a->prev, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(a->prev, 2, env, -1, SQLITE_STATIC);
	sqlite3_bind_text(a->prev, 3, kind, -1, SQLITE_STATIC);
	rc = sqlite3_step(a->prev);
	if (rc == SQLITE_ROW) {
		struct buf err = BUF_INIT;
		int l, c;
		json_t *leaf = json_parse_strict(sqlite3_column_blob(a->prev, 0),
						 (size_t)sqlite3_column_bytes(a->prev, 0), &l, &c, &err);

		after = json_incref(json_object_get(leaf, "after"));
		json_decref(leaf);
		buf_release(&err);
	}
	sqlite3_reset(a->prev);
	return after;
}

int store_recent_toggles(struct store_append *a, const char *target, const char *env,
			 usec_t from, usec_t until)
{
	char from_ts[32], until_ts[32];
	int rc, n = -1;

	time_format(from, from_ts);
	time_format(until, until_ts);
	if (a->pg)
		return pg_recent_toggles(a->pg, target, env, from_ts, until_ts);
	if (!a->toggles && store_prepare(a->s,
	    "SELECT count(DISTINCT e.seq) FROM entries e JOIN changes c ON c.seq = e.seq"
	    " WHERE e.target = ?1 AND +e.environment = ?2 AND e.ts >= ?3 AND e.ts < ?4"
	    " AND c.kind = 'changed' AND (c.path = '' OR c.path = 'enabled' OR c.path LIKE '%.enabled')",
	    &a->toggles))
		return -1;
	sqlite3_bind_text(a->toggles, 1, target, -1, SQLITE_STATIC);
	sqlite3_bind_text(a->toggles, 2, env, -1, SQLITE_STATIC);
	sqlite3_bind_text(a->toggles, 3, from_ts, -1, SQLITE_STATIC);
	sqlite3_bind_text(a->toggles, 4, until_ts, -1, SQLITE_STATIC);
	rc = sqlite3_step(a->toggles);
	if (rc == SQLITE_ROW)
		n = sqlite3_column_int(a->toggles, 0);
	else
		store_error(a->s, "cannot look up recent toggles");
	sqlite3_reset(a->toggles);
	return n;
}

static void bind_time(sqlite3_stmt *st, int col, usec_t t)
{
	char ts[32];

	if (t == INCIDENT_NO_TIME) {
		sqlite3_bind_null(st, col);
		return;
	}
	time_format(t, ts);
	sqlite3_bind_text(st, col, ts, -1, SQLITE_TRANSIENT);
}

/* The incident's services as the JSON array stored, in a->scratch. */
static void incident_services(struct store_append *a, const struct incident *in)
{
	json_t *list = json_array();

	for (size_t k = 0; k < in->nservices; k++)
		json_array_append_new(list, json_string(in->services[k]));
	buf_reset(&a->scratch);
	json_append(&a->scratch, list);
	json_decref(list);
}

/* store_put_incident on PostgreSQL: the same look-up, then one upsert
 * (a writer may INSERT and UPDATE incidents, sql/pg_schema.sql). */
static int put_incident_pg(struct store_append *a, const struct incident *in, int *was)
{
	const struct row_param id[] = { ROW_TEXT(in->id) };
	char times[3][32], line[24];
	const usec_t t[3] = { in->started, in->detected, in->resolved };
	const char *val[11];
	struct buf err = BUF_INIT;
	struct rows *r = rows_open(a->s, NULL, "SELECT raw FROM incidents WHERE id = $1", id, 1, "incidents", &err);
	int rc = r ? rows_next(r) : -1;

	if (rc == 1) {
		const struct row_col *old = rows_col(r, 0);

		*was = old->p && old->n == strlen(in->raw) && !memcmp(old->p, in->raw, old->n) ?
		       STORE_INCIDENT_SAME : STORE_INCIDENT_REPLACED;
	} else if (rc == 0) {
		*was = STORE_INCIDENT_NEW;
	}
	rows_close(r);
	if (rc < 0) {
		error("%s: %s", a->s->path, err.buf);
		buf_release(&err);
		return -1;
	}
	buf_release(&err);
	incident_services(a, in);
	for (int k = 0; k < 3; k++)
		if (t[k] != INCIDENT_NO_TIME)
			time_format(t[k], times[k]);
	snprintf(line, sizeof(line), "%ld", (long)in->source_line);
	val[0] = in->id;
	val[1] = in->title;
	val[2] = in->severity;
	val[3] = a->scratch.buf;
	val[4] = in->environment;
	for (int k = 0; k < 3; k++)
		val[5 + k] = t[k] == INCIDENT_NO_TIME ? NULL : times[k];
	val[8] = in->raw;
	val[9] = in->source_file;
	val[10] = line;
	return pg_store_write(a->s, "INSERT INTO incidents(id, title, severity, services, environment, started_at,"
			      " detected_at, resolved_at, raw, source_file, source_line)"
			      " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO UPDATE SET"
			      " title = excluded.title, severity = excluded.severity, services = excluded.services,"
			      " environment = excluded.environment, started_at = excluded.started_at,"
			      " detected_at = excluded.detected_at, resolved_at = excluded.resolved_at,"
			      " raw = excluded.raw, source_file = excluded.source_file,"
			      " source_line = excluded.source_line", 11, val, NULL, NULL, "cannot store incident");
}

int store_put_incident(struct store_append *a, const struct incident *in, int *was)
{
	sqlite3_stmt *st;
	int rc;

	if (a->pg)
		return put_incident_pg(a, in, was);
	if (!a->incident_raw &&
	    (store_prepare(a->s, "SELECT raw FROM incidents WHERE id = ?1", &a->incident_raw) ||
	     store_prepare(a->s, "INSERT OR REPLACE INTO incidents(id, title, severity, services,"
			   " environment, started_at, detected_at, resolved_at, raw, source_file, source_line)"
			   " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", &a->ins_incident)))
		return -1;
	st = a->incident_raw;
	sqlite3_bind_text(st, 1, in->id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *old = (const char *)sqlite3_column_text(st, 0);

		*was = old && !strcmp(old, in->raw) ? STORE_INCIDENT_SAME : STORE_INCIDENT_REPLACED;
	} else if (rc == SQLITE_DONE) {
		*was = STORE_INCIDENT_NEW;
	} else {
		store_error(a->s, "cannot look up incident");
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	incident_services(a, in);
	st = a->ins_incident;
	sqlite3_bind_text(st, 1, in->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, in->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, in->severity, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->scratch.buf, (int)a->scratch.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, in->environment, -1, SQLITE_STATIC);
	bind_time(st, 6, in->started);
	bind_time(st, 7, in->detected);
	bind_time(st, 8, in->resolved);
	sqlite3_bind_text(st, 9, in->raw, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, in->source_file, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, in->source_line);
	return step_done(a, st, "cannot store incident");
}

/*
 * A value of one column for insert_at_size: text (NUL-terminated; NULL
 * binds SQL NULL) or a blob of len bytes.
 */
struct col_value {
	const void *p;
	size_t len;
	int blob;
};
#define TEXT_VALUE(s) { (s), 0, 0 }
#define BLOB_VALUE(p, n) { (p), (n), 1 }

/*
 * The one shape of the append-only tables keyed by a checkpoint's size
 * (checkpoints and the anchor tables), in SQL both backends run: sql
 * takes the size as $1, the n values as $2.., and the time now as the
 * last parameter. Returns 0 or -1 reported as "cannot WHAT".
 */
static int insert_at_size(struct store *s, const char *sql, uint64_t size, const struct col_value *v, int n,
			  const char *what)
{
	sqlite3_stmt *st;
	char now[32], num[24];
	int ret = 0;

	time_format(time_now(), now);
	if (s->pg) {
		const char *val[8];
		int len[8], bin[8];

		if (n + 2 > 8)
			die("insert_at_size: %d values", n);
		snprintf(num, sizeof(num), "%" PRIu64, size);
		val[0] = num;
		len[0] = bin[0] = 0;
		for (int i = 0; i < n; i++) {
			val[i + 1] = v[i].p;
			len[i + 1] = (int)v[i].len;
			bin[i + 1] = v[i].blob;
		}
		val[n + 1] = now;
		len[n + 1] = bin[n + 1] = 0;
		return pg_store_write(s, sql, n + 2, val, len, bin, what);
	}
	if (store_prepare(s, sql, &st))
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	for (int i = 0; i < n; i++) {
		if (v[i].blob)
			sqlite3_bind_blob(st, i + 2, v[i].p, (int)v[i].len, SQLITE_STATIC);
		else if (v[i].p)
			sqlite3_bind_text(st, i + 2, v[i].p, -1, SQLITE_STATIC);
	}
	sqlite3_bind_text(st, n + 2, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		ret = store_error(s, what);
	sqlite3_finalize(st);
	return ret;
}

int store_add_checkpoint(struct store *s, uint64_t size, const char *note)
{
	const struct col_value v[] = { TEXT_VALUE(note) };

	if (s->pg)
		return pg_store_add_checkpoint(s, size, note);
	return insert_at_size(s, "INSERT INTO checkpoints(size, note, added_at) VALUES($1, $2, $3) "
			      "ON CONFLICT(size) DO NOTHING", size, v, 1, "cannot add checkpoint");
}

/* ---- anchor rows (anchors.h): time-stamp tokens, requests, cosignatures ---- */

static int need_anchor_tables(struct store *s)
{
	if (s->pg || s->schema >= 4)
		return 0;
	return error("%s: the store (schema version %d) has no anchor tables; open it for writing "
		     "once with this trailscope to upgrade it", s->path, s->schema);
}

int anchors_add_timestamp(struct store *s, uint64_t size, const void *token, size_t len,
			  const char *nonce_hex, const char *tsa)
{
	const struct col_value v[] = { BLOB_VALUE(token, len), TEXT_VALUE(nonce_hex), TEXT_VALUE(tsa) };

	return need_anchor_tables(s) ||
	       insert_at_size(s, "INSERT INTO checkpoint_timestamps(id, size, token, nonce, tsa, added_at)"
			      " VALUES((SELECT coalesce(max(id), 0) + 1 FROM checkpoint_timestamps), $1, $2, $3, $4, $5)", size, v, 3, "cannot store the time-stamp token") ? -1 : 0;
}

int anchors_add_request(struct store *s, uint64_t size, const char *nonce_hex, const void *req, size_t len)
{
	const struct col_value v[] = { TEXT_VALUE(nonce_hex), BLOB_VALUE(req, len) };

	return need_anchor_tables(s) ||
	       insert_at_size(s, "INSERT INTO timestamp_requests(size, nonce, request, created_at)"
			      " VALUES($1, $2, $3, $4)", size, v, 2, "cannot record the time-stamp request") ? -1 : 0;
}

int anchors_add_cosignature(struct store *s, uint64_t size, const char *line)
{
	const struct col_value v[] = { TEXT_VALUE(line) };

	return need_anchor_tables(s) ||
	       insert_at_size(s, "INSERT INTO checkpoint_cosignatures(id, size, line, added_at) VALUES("
			      "(SELECT coalesce(max(id), 0) + 1 FROM checkpoint_cosignatures), $1, $2, $3)",
			      size, v, 1, "cannot store the cosignature") ? -1 : 0;
}
