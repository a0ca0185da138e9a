/*
 * entry.c - loads one event with its changes from the store (see entry.h).
 * Cost: two indexed lookups plus one leaf parse. Its SQL is written once
 * for SQLite and PostgreSQL (row_read.h).
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/entry.h"
#include "trailscope/jcs.h"
#include "trailscope/leaf.h"
#include "trailscope/raw_pack.h"
#include "trailscope/util.h"
#include "row_read.h"

static int load_changes(struct store *s, struct entry *e)
{
	const struct row_param p[] = { ROW_INT(e->seq) };
	struct buf err = BUF_INIT;
	struct rows *r = row_open(s, "SELECT path, kind, before, after, before_unknown FROM changes"
				  " WHERE seq = $1 ORDER BY idx", p, 1, "changes", &err);
	int rc = -1;

	while (r && (rc = rows_next(r)) == 1) {
		struct change *c;

		ALLOC_GROW(e->changes.v, e->changes.n + 1, e->changes.alloc);
		c = &e->changes.v[e->changes.n++];
		memset(c, 0, sizeof(*c));
		c->path = row_dup(r, 0);
		c->kind = change_kind_parse(rows_col(r, 1)->p);
		c->before = row_json(r, 2);
		c->after = row_json(r, 3);
		c->before_unknown = (int)rows_col(r, 4)->i;
	}
	if (r && rc < 0)
		row_fail(s, &err);
	rows_close(r);
	buf_release(&err);
	return rc == 0 ? 0 : -1;
}

/* Sets e->raw from the leaf (v1, v2) or from column col, entry_text.raw
 * (unpacked against the leaf's bytes in column leaf_col when packed),
 * checked against the leaf's raw_sha256 (v3). */
static void load_raw(struct entry *e, const struct rows *r, int col, int leaf_col)
{
	json_t *raw = entry_leaf_get(e, "raw"), *sha = entry_leaf_get(e, "raw_sha256");
	struct buf unpacked = BUF_INIT;
	struct raw_codec *codec;
	const char *why;
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
	t = rows_col(r, col)->p;
	n = rows_col(r, col)->n;
	if (t && rows_col(r, col)->is_blob) {
		codec = raw_codec_new();
		if (raw_unpack(codec, t, n, rows_col(r, leaf_col)->p, rows_col(r, leaf_col)->n, &unpacked, &why)) {
			e->raw_state = ENTRY_RAW_DAMAGED;
			raw_codec_free(codec);
			buf_release(&unpacked);
			return;
		}
		raw_codec_free(codec);
		t = unpacked.buf;
		n = unpacked.len;
	}
	if (!t) {
		e->raw_state = ENTRY_RAW_MISSING;
	} else if (!leaf_raw_matches(json_string_value(sha), t, n)) {
		e->raw_state = ENTRY_RAW_ALTERED;
	} else {
		e->raw = xstrndup(t, n);
		e->raw_len = n;
		e->raw_state = ENTRY_RAW_TEXT;
	}
	buf_release(&unpacked);
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
	case ENTRY_RAW_DAMAGED:
		return "the raw record in entry_text does not unpack against the leaf: run verify";
	case ENTRY_RAW_NONE:
		return "the leaf holds no raw record";
	default:
		return "";
	}
}

static int load_where(struct store *s, const char *where, int64_t seq, const char *id, struct entry *e)
{
	const struct row_param p[] = { { id, seq } };
	struct buf sql = BUF_INIT, err = BUF_INIT;
	struct rows *r;
	int rc, ret = -1;

	memset(e, 0, sizeof(*e));
	buf_addf(&sql, "SELECT seq, event_id, ts, actor, actor_type, action, target, target_kind, "
		 "environment, summary, leaf, (SELECT min(size) FROM checkpoints WHERE size >= entries.seq), "
		 "%s FROM entries WHERE %s",
		 s->schema >= 2 ? "(SELECT raw FROM entry_text WHERE entry_text.seq = entries.seq)" : "NULL",
		 where);
	r = row_open(s, sql.buf, p, 1, "entry", &err);
	buf_release(&sql);
	rc = r ? rows_next(r) : -1;
	if (rc == 0) {
		ret = 0;
	} else if (rc == 1) {
		e->seq = rows_col(r, 0)->i;
		e->event_id = row_dup(r, 1);
		e->ts = row_dup(r, 2);
		e->actor = row_dup(r, 3);
		e->actor_type = row_dup(r, 4);
		e->action = row_dup(r, 5);
		e->target = row_dup(r, 6);
		e->target_kind = row_dup(r, 7);
		e->environment = row_dup(r, 8);
		e->summary = row_dup(r, 9);
		e->leaf = row_json(r, 10);
		e->covered_by = (uint64_t)rows_col(r, 11)->i;
		load_raw(e, r, 12, 10);
		ret = 1;
	} else if (r) {
		row_fail(s, &err);
	}
	rows_close(r); /* before the next read: one cursor at a time is enough */
	buf_release(&err);
	if (ret == 1 && load_changes(s, e))
		ret = -1;
	if (ret != 1 && e->event_id)
		entry_release(e);
	return ret;
}

int entry_load_seq(struct store *s, int64_t seq, struct entry *e)
{
	return load_where(s, "seq = $1", seq, NULL, e);
}

int entry_event_id(struct store *s, int64_t seq, char **id)
{
	const struct row_param p[] = { ROW_INT(seq) };
	struct buf err = BUF_INIT;
	struct rows *r = row_open(s, "SELECT event_id FROM entries WHERE seq = $1", p, 1, "the event id", &err);
	int rc = r ? rows_next(r) : -1, ret = 0;

	*id = NULL;
	if (rc == 1 && rows_col(r, 0)->p) {
		*id = row_dup(r, 0);
		ret = 1;
	} else if (rc < 0) {
		ret = -1;
		if (r)
			row_fail(s, &err);
	}
	rows_close(r);
	buf_release(&err);
	return ret;
}

int entry_load(struct store *s, const char *id, struct entry *e)
{
	int64_t seq;

	if (parse_int64(id, 1, INT64_MAX, &seq) == 0)
		return entry_load_seq(s, seq, e);
	return load_where(s, "event_id = $1", 0, id, e);
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
