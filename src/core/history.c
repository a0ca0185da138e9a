/*
 * history.c - a target's changes and its reconstructed states (see
 * history.h). Listing is one read on the entries_target index (reading
 * each leaf's outcome and states, to tell where the chain breaks); a
 * state is one entry load (leaf parse) at the point asked for.
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/entry.h"
#include "trailscope/history.h"
#include "trailscope/util.h"
#include "row_read.h"

int history_load(struct store *s, const char *target, const char *environment, struct history *h)
{
	const struct row_param p[] = { ROW_TEXT(target), ROW_TEXT(environment) };
	const char *leaf = row_leaf_json(s);
	struct buf sql = BUF_INIT, err = BUF_INIT;
	struct rows *r;
	int rc = -1;
	int64_t prev_seq = 0;    /* the previous non-failed event with a known state after */
	struct buf prev_after = BUF_INIT; /* its state after, as JSON text ("" absent) */

	memset(h, 0, sizeof(*h));
	h->target = xstrdup(target);
	h->environment = xstrdup(environment);
	/* the leaf is canonical JSON, so equal states have equal texts; a
	 * true before_known reads 1 on SQLite, true on PostgreSQL */
	buf_addf(&sql, "SELECT seq, ts, actor, actor_type, action, summary, %s -> 'outcome' ->> 'status',"
		 " CASE WHEN CAST(%s ->> 'before_known' AS TEXT) IN ('1', 'true') THEN 1 ELSE 0 END,"
		 " %s -> 'before', %s -> 'after'"
		 " FROM entries WHERE target = $1 AND environment = $2 ORDER BY ts, seq", leaf, leaf, leaf, leaf);
	r = row_open(s, sql.buf, p, 2, "the history", &err);
	buf_release(&sql);
	while (r && (rc = rows_next(r)) == 1) {
		const struct row_col *status = rows_col(r, 6);
		struct history_item *it;

		h->total++;
		if (h->n >= HISTORY_MAX)
			continue;
		ALLOC_GROW(h->v, h->n + 1, h->alloc);
		it = &h->v[h->n++];
		memset(it, 0, sizeof(*it));
		it->seq = rows_col(r, 0)->i;
		snprintf(it->ts, sizeof(it->ts), "%s", row_text(r, 1));
		it->actor = row_dup(r, 2);
		it->actor_type = row_dup(r, 3);
		it->action = row_dup(r, 4);
		it->summary = row_dup(r, 5);
		snprintf(it->outcome, sizeof(it->outcome), "%s",
			 status->p && !status->is_int ? status->p : outcome_name(OUTCOME_UNKNOWN));
		if (outcome_parse(it->outcome) == OUTCOME_FAILURE)
			continue; /* changed nothing */
		{
			const struct row_col *known = rows_col(r, 7);
			int before_known = known->i == 1;
			const char *before = rows_col(r, 8)->p;
			const char *after = rows_col(r, 9)->p;

			if (before_known && prev_seq && strcmp(before ? before : "", prev_after.buf))
				it->gap_after = prev_seq;
			if (!before_known && !after) {
				prev_seq = 0; /* the source recorded no state: the chain is unknown */
			} else {
				prev_seq = it->seq;
				buf_reset(&prev_after);
				buf_addstr(&prev_after, after ? after : "");
			}
		}
	}
	buf_release(&prev_after);
	if (r && rc < 0)
		row_fail(s, &err);
	rows_close(r);
	buf_release(&err);
	return rc == 0 ? 0 : -1;
}

void history_release(struct history *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].actor);
		free(h->v[i].actor_type);
		free(h->v[i].action);
		free(h->v[i].summary);
	}
	free(h->v);
	free(h->target);
	free(h->environment);
	memset(h, 0, sizeof(*h));
}

int history_state_at(struct store *s, const struct history *h, long index, json_t **state,
		     int64_t *how)
{
	struct entry e;
	json_t *v;
	int ret, kind;
	int64_t seq;
	int before = index < 0;

	*state = NULL;
	*how = 0;
	if (!h->n)
		return HISTORY_UNKNOWN;
	if (index >= (long)h->n)
		index = (long)h->n - 1;
	/* a failed request changed nothing: the state is the one before it */
	while (!before && outcome_parse(h->v[index].outcome) == OUTCOME_FAILURE)
		before = --index < 0;
	seq = h->v[before ? 0 : index].seq;
	ret = entry_load_seq(s, seq, &e);
	if (ret < 0)
		return -1;
	if (ret == 0)
		return error("entry %lld vanished", (long long)seq);
	*how = seq;
	if (before) {
		json_t *known = entry_leaf_get(&e, "before_known");

		if (!json_is_true(known)) {
			kind = HISTORY_UNKNOWN;
		} else {
			v = entry_leaf_get(&e, "before");
			kind = v ? HISTORY_PRESENT : HISTORY_ABSENT;
			if (v && json_is_null(v))
				kind = HISTORY_ABSENT;
			else if (v)
				*state = json_incref(v);
		}
	} else if (!e.leaf || entry_state_not_recorded(&e)) {
		kind = HISTORY_UNKNOWN; /* an unreadable leaf, or no state recorded, settles nothing */
	} else {
		v = entry_leaf_get(&e, "after");
		if (!v || json_is_null(v)) {
			kind = HISTORY_ABSENT;
		} else {
			kind = HISTORY_PRESENT;
			*state = json_incref(v);
		}
	}
	entry_release(&e);
	return kind;
}

int history_diff(int from_kind, const json_t *from, int to_kind, const json_t *to,
		 struct change_list *out)
{
	if (to_kind == HISTORY_UNKNOWN)
		return 1;
	diff_json(from_kind == HISTORY_PRESENT ? from : NULL,
		  to_kind == HISTORY_PRESENT ? to : NULL,
		  from_kind != HISTORY_UNKNOWN, out);
	return 0;
}
