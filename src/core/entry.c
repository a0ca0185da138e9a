/*
 * entry.c - loads one event with its changes from the store (see entry.h).
 * Cost: two indexed lookups plus one leaf parse.
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/entry.h"
#include "trailscope/jcs.h"
#include "trailscope/leaf.h"
#include "trailscope/util.h"
#include "store_row.h"

static json_t *parse_value(const unsigned char *text, int len)
{
	int l, c;
	struct buf err = BUF_INIT;
	json_t *v;

	if (!text)
		return NULL;
	v = json_parse_strict((const char *)text, (size_t)len, &l, &c, &err);
	buf_release(&err);
	return v;
}

static int load_changes(struct store *s, struct entry *e)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT path, kind, before, after, before_unknown FROM changes "
			       "WHERE seq = ?1 ORDER BY idx", -1, &st, NULL) != SQLITE_OK)
		return store_error(s, "cannot read changes");
	sqlite3_bind_int64(st, 1, e->seq);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct change *c;
		const char *kind = (const char *)sqlite3_column_text(st, 1);

		ALLOC_GROW(e->changes.v, e->changes.n + 1, e->changes.alloc);
		c = &e->changes.v[e->changes.n++];
		memset(c, 0, sizeof(*c));
		c->path = store_col_dup(st, 0);
		c->kind = change_kind_parse(kind);
		c->before = parse_value(sqlite3_column_text(st, 2), sqlite3_column_bytes(st, 2));
		c->after = parse_value(sqlite3_column_text(st, 3), sqlite3_column_bytes(st, 3));
		c->before_unknown = sqlite3_column_int(st, 4);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_error(s, "cannot read changes");
}

/* Sets e->raw from the leaf (v1, v2) or from column col, entry_text.raw,
 * checked against the leaf's raw_sha256 (v3). */
static void load_raw(struct entry *e, sqlite3_stmt *st, int col)
{
	json_t *raw = entry_leaf_get(e, "raw"), *sha = entry_leaf_get(e, "raw_sha256");
	size_t n;
	const char *t;

	if (json_is_string(raw)) {
		e->raw_len = json_string_length(raw);
		e->raw = xstrndup(json_string_value(raw), e->raw_len);
		e->raw_state = ENTRY_RAW_LEAF;
		return;
	}
	if (!json_is_string(sha)) {
		e->raw_state = ENTRY_RAW_NONE;
		return;
	}
	t = store_col_text_len(st, col, &n);
	if (!t) {
		e->raw_state = ENTRY_RAW_MISSING;
	} else if (!leaf_raw_matches(json_string_value(sha), t, n)) {
		e->raw_state = ENTRY_RAW_ALTERED;
	} else {
		e->raw = xstrndup(t, n);
		e->raw_len = n;
		e->raw_state = ENTRY_RAW_TEXT;
	}
}

const char *entry_raw(const struct entry *e, size_t *len)
{
	*len = e->raw ? e->raw_len : 0;
	return e->raw;
}

const char *entry_raw_problem(const struct entry *e)
{
	switch (e->raw_state) {
	case ENTRY_RAW_MISSING:
		return "the raw record is missing (entry_text has no row for this entry): run verify";
	case ENTRY_RAW_ALTERED:
		return "the raw record in entry_text does not match the leaf's raw_sha256: run verify";
	case ENTRY_RAW_NONE:
		return "the leaf holds no raw record";
	default:
		return "";
	}
}

static int load_where(struct store *s, const char *where, int64_t seq, const char *id, struct entry *e)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st;
	int rc, ret = -1;

	memset(e, 0, sizeof(*e));
	buf_addf(&sql, "SELECT seq, event_id, ts, actor, actor_type, action, target, target_kind, "
		 "environment, summary, leaf, (SELECT min(size) FROM checkpoints WHERE size >= entries.seq), "
		 "%s FROM entries WHERE %s",
		 s->schema >= 2 ? "(SELECT raw FROM entry_text WHERE entry_text.seq = entries.seq)" : "NULL",
		 where);
	if (sqlite3_prepare_v2(s->db, sql.buf, -1, &st, NULL) != SQLITE_OK) {
		buf_release(&sql);
		return store_error(s, "cannot read entry");
	}
	buf_release(&sql);
	if (id)
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		ret = 0;
	} else if (rc == SQLITE_ROW) {
		e->seq = sqlite3_column_int64(st, 0);
		e->event_id = store_col_dup(st, 1);
		e->ts = store_col_dup(st, 2);
		e->actor = store_col_dup(st, 3);
		e->actor_type = store_col_dup(st, 4);
		e->action = store_col_dup(st, 5);
		e->target = store_col_dup(st, 6);
		e->target_kind = store_col_dup(st, 7);
		e->environment = store_col_dup(st, 8);
		e->summary = store_col_dup(st, 9);
		e->leaf = parse_value(sqlite3_column_blob(st, 10), sqlite3_column_bytes(st, 10));
		e->covered_by = (uint64_t)sqlite3_column_int64(st, 11);
		load_raw(e, st, 12);
		ret = load_changes(s, e) ? -1 : 1;
	} else {
		store_error(s, "cannot read entry");
	}
	sqlite3_finalize(st);
	if (ret != 1 && e->event_id)
		entry_release(e);
	return ret;
}

int entry_load_seq(struct store *s, int64_t seq, struct entry *e)
{
	return load_where(s, "seq = ?1", seq, NULL, e);
}

int entry_event_id(struct store *s, int64_t seq, char **id)
{
	sqlite3_stmt *st;
	int rc, ret = 0;

	*id = NULL;
	if (store_prepare(s, "SELECT event_id FROM entries WHERE seq = ?1", &st))
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*id = store_col_dup(st, 0);
		ret = 1;
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ret = store_error(s, "cannot read the event id");
	}
	sqlite3_finalize(st);
	return ret;
}

int entry_load(struct store *s, const char *id, struct entry *e)
{
	int64_t seq;

	if (parse_int64(id, 1, INT64_MAX, &seq) == 0)
		return entry_load_seq(s, seq, e);
	return load_where(s, "event_id = ?1", 0, id, e);
}

void entry_release(struct entry *e)
{
	free(e->event_id);
	free(e->ts);
	free(e->actor);
	free(e->actor_type);
	free(e->action);
	free(e->target);
	free(e->target_kind);
	free(e->environment);
	free(e->summary);
	json_decref(e->leaf);
	free(e->raw);
	change_list_release(&e->changes);
	memset(e, 0, sizeof(*e));
}

json_t *entry_leaf_get(const struct entry *e, const char *key)
{
	return e->leaf ? json_object_get(e->leaf, key) : NULL;
}

const char *entry_context_str(const struct entry *e, const char *key)
{
	json_t *v = json_object_get(entry_leaf_get(e, "context"), key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

enum outcome entry_outcome(const struct entry *e, const char **code, const char **message)
{
	json_t *o = entry_leaf_get(e, "outcome"), *st = json_object_get(o, "status");
	json_t *c = json_object_get(o, "code"), *m = json_object_get(o, "message");
	int status = outcome_parse(json_string_value(st)); /* NULL when not a string */

	*code = json_is_string(c) ? json_string_value(c) : NULL;
	*message = json_is_string(m) ? json_string_value(m) : NULL;
	if (status == OUTCOME_SUCCESS || status == OUTCOME_FAILURE)
		return (enum outcome)status;
	*code = *message = NULL;
	return OUTCOME_UNKNOWN;
}

int entry_v1_context_failed(const struct entry *e, struct buf *code)
{
	json_t *ctx = entry_leaf_get(e, "context"), *c;

	if (entry_leaf_get(e, "outcome") || !json_is_true(json_object_get(ctx, "failed")))
		return 0;
	if (json_is_string(json_object_get(ctx, "error_code")))
		buf_addstr(code, json_string_value(json_object_get(ctx, "error_code")));
	else if (json_is_number(c = json_object_get(json_object_get(ctx, "response_status"), "code")))
		buf_addf(code, "%.0f", json_number_value(c));
	return 1;
}

void entry_outcome_text(const struct entry *e, struct buf *out)
{
	const char *code, *message;
	enum outcome status = entry_outcome(e, &code, &message);

	if (status == OUTCOME_FAILURE) {
		buf_addstr(out, "FAILED");
		if (code)
			buf_addf(out, " %s", code);
		if (message)
			buf_addf(out, ": %s", message);
		buf_addstr(out, " (a failed request changed nothing)");
	} else if (status == OUTCOME_UNKNOWN) {
		struct buf c = BUF_INIT;

		buf_addstr(out, "unknown (a version 1 leaf records none)");
		if (entry_v1_context_failed(e, &c))
			buf_addf(out, "; its context marks the request failed%s%s", c.len ? ": " : "", c.buf);
		buf_release(&c);
	} else {
		buf_addstr(out, outcome_name(status));
	}
}

int entry_state_not_recorded(const struct entry *e)
{
	return e->leaf && !e->changes.n && !json_is_true(entry_leaf_get(e, "before_known")) &&
	       !entry_leaf_get(e, "after");
}

static json_t *or_null(json_t *v)
{
	return v ? json_incref(v) : json_null();
}

json_t *entry_to_json(const struct entry *e)
{
	json_t *o = json_object(), *changes = json_array();
	json_t *actor = entry_leaf_get(e, "actor");

	json_object_set_new(o, "seq", json_integer(e->seq));
	json_object_set_new(o, "event_id", json_string(e->event_id));
	json_object_set_new(o, "ts", json_string(e->ts));
	json_object_set_new(o, "actor", json_string(e->actor));
	json_object_set_new(o, "actor_type", json_string(e->actor_type));
	json_object_set_new(o, "actor_name", or_null(json_object_get(actor, "name")));
	json_object_set_new(o, "action", json_string(e->action));
	json_object_set_new(o, "target", json_string(e->target));
	json_object_set_new(o, "target_kind", json_string(e->target_kind));
	json_object_set_new(o, "environment", json_string(e->environment));
	json_object_set_new(o, "summary", json_string(e->summary));
	{
		const char *code, *message;
		json_t *out = json_pack("{s:s}", "status", outcome_name(entry_outcome(e, &code, &message)));

		if (code)
			json_object_set_new(out, "code", json_string(code));
		if (message)
			json_object_set_new(out, "message", json_string(message));
		json_object_set_new(o, "outcome", out);
	}
	json_object_set_new(o, "state_recorded", json_boolean(!entry_state_not_recorded(e)));
	for (size_t i = 0; i < e->changes.n; i++) {
		const struct change *c = &e->changes.v[i];
		json_t *j = json_object();

		json_object_set_new(j, "path", json_string(c->path));
		json_object_set_new(j, "kind", json_string(change_kind_name(c->kind)));
		json_object_set_new(j, "before", or_null(c->before));
		json_object_set_new(j, "after", or_null(c->after));
		if (c->before_unknown)
			json_object_set_new(j, "before_unknown", json_true());
		json_array_append_new(changes, j);
	}
	json_object_set_new(o, "changes", changes);
	json_object_set_new(o, "context", or_null(entry_leaf_get(e, "context")));
	json_object_set_new(o, "source", or_null(entry_leaf_get(e, "source")));
	json_object_set_new(o, "ts_source", or_null(entry_leaf_get(e, "ts_source")));
	json_object_set_new(o, "covered_by_checkpoint",
			    e->covered_by ? json_integer((json_int_t)e->covered_by) : json_null());
	json_object_set_new(o, "raw", e->raw ? json_stringn(e->raw, e->raw_len) : json_null());
	return o;
}
