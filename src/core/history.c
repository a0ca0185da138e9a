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
#include "store_row.h"

int history_load(struct store *s, const char *target, const char *environment, struct history *h)
{
	sqlite3_stmt *st;
	int rc;
	int64_t prev_seq = 0;    /* the previous non-failed event with a known state after */
	struct buf prev_after = BUF_INIT; /* its state after, canonical JSON ("" absent) */

	memset(h, 0, sizeof(*h));
	h->target = xstrdup(target);
	h->environment = xstrdup(environment);
	/* the leaf is canonical JSON, so equal states have equal texts */
	if (store_prepare(s, "SELECT seq, ts, actor, actor_type, action, summary,"
			  " json_extract(CAST(leaf AS TEXT), '$.outcome.status'),"
			  " json_extract(CAST(leaf AS TEXT), '$.before_known'),"
			  " CAST(leaf AS TEXT) -> '$.before', CAST(leaf AS TEXT) -> '$.after' FROM entries "
			  "WHERE target = ?1 AND environment = ?2 ORDER BY ts, seq", &st))
		return -1;
	sqlite3_bind_text(st, 1, target, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, environment, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct history_item *it;
		const unsigned char *ts;

		h->total++;
		if (h->n >= HISTORY_MAX)
			continue;
		ALLOC_GROW(h->v, h->n + 1, h->alloc);
		it = &h->v[h->n++];
		memset(it, 0, sizeof(*it));
		it->seq = sqlite3_column_int64(st, 0);
		ts = sqlite3_column_text(st, 1);
		snprintf(it->ts, sizeof(it->ts), "%s", ts ? (const char *)ts : "");
		it->actor = store_col_dup(st, 2);
		it->actor_type = store_col_dup(st, 3);
		it->action = store_col_dup(st, 4);
		it->summary = store_col_dup(st, 5);
		snprintf(it->outcome, sizeof(it->outcome), "%s",
			 sqlite3_column_type(st, 6) == SQLITE_TEXT ? (const char *)sqlite3_column_text(st, 6) :
			 outcome_name(OUTCOME_UNKNOWN));
		if (outcome_parse(it->outcome) == OUTCOME_FAILURE)
			continue; /* changed nothing */
		{
			int before_known = sqlite3_column_int(st, 7) == 1;
			const char *before = (const char *)sqlite3_column_text(st, 8);
			const char *after = (const char *)sqlite3_column_text(st, 9);

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
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_error(s, "cannot read the history");
	return 0;
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
