/*
 * state.c - a target's state at a moment (see state.h). The settling
 * change is found with one indexed lookup (entries_target: target, ts),
 * then rebuilt through history_state_at() on a one-item history, so the
 * rules for deletes and unrecorded "before" states are history.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/state.h"
#include "store_row.h"

int state_target_envs(struct store *s, const char *target, struct target_envs *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (store_prepare(s, "SELECT DISTINCT environment FROM entries WHERE target = ?1 ORDER BY environment",
			  &st))
		return -1;
	sqlite3_bind_text(st, 1, target, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		out->v[out->n++] = store_col_dup(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		target_envs_release(out);
		return store_error(s, "cannot read the target's environments");
	}
	return 0;
}

void target_envs_release(struct target_envs *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

const char *state_kind_name(int kind)
{
	return kind == HISTORY_PRESENT ? "present" : kind == HISTORY_ABSENT ? "absent" : "unknown";
}

/* Finds the settling change: the latest at or before at, else the first
 * one (before_first). Returns 1 found, 0 none, -1 error. */
static int settling(struct store *s, const char *target, const char *env, const char *at,
		    struct state_point *p)
{
	static const char *const sql[] = {
		/* a failed request changed nothing: it settles nothing */
		"SELECT seq, ts, event_id, actor, action FROM entries WHERE target = ?1 AND environment = ?2"
		" AND ts <= ?3 AND coalesce(json_extract(CAST(leaf AS TEXT), '$.outcome.status'), '') != 'failure'"
		" ORDER BY ts DESC, seq DESC LIMIT 1",
		"SELECT seq, ts, event_id, actor, action FROM entries WHERE target = ?1 AND environment = ?2"
		" ORDER BY ts, seq LIMIT 1",
	};

	for (size_t k = 0; k < 2; k++) {
		sqlite3_stmt *st;
		int rc;

		if (store_prepare(s, sql[k], &st))
			return -1;
		sqlite3_bind_text(st, 1, target, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, env, -1, SQLITE_STATIC);
		if (!k)
			sqlite3_bind_text(st, 3, at, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			const unsigned char *ts = sqlite3_column_text(st, 1);

			p->seq = sqlite3_column_int64(st, 0);
			snprintf(p->ts, sizeof(p->ts), "%s", ts ? (const char *)ts : "");
			p->event_id = store_col_dup(st, 2);
			p->actor = store_col_dup(st, 3);
			p->action = store_col_dup(st, 4);
			p->before_first = k == 1;
		}
		sqlite3_finalize(st);
		if (rc == SQLITE_ROW)
			return 1;
		if (rc != SQLITE_DONE)
			return store_error(s, "cannot look up the target's changes");
	}
	return 0;
}

int state_at(struct store *s, const char *target, const char *environment, usec_t at,
	     struct state_point *p)
{
	struct history_item item;
	struct history h;
	char ts[32];
	int64_t how;
	int rc;

	memset(p, 0, sizeof(*p));
	p->at = at;
	p->kind = HISTORY_UNKNOWN;
	time_format(at, ts);
	rc = settling(s, target, environment, ts, p);
	if (rc <= 0)
		return rc;
	memset(&item, 0, sizeof(item));
	memset(&h, 0, sizeof(h));
	item.seq = p->seq;
	snprintf(item.ts, sizeof(item.ts), "%s", p->ts);
	h.target = (char *)target;
	h.environment = (char *)environment;
	h.v = &item;
	h.n = h.alloc = 1;
	h.total = 1;
	rc = history_state_at(s, &h, p->before_first ? -1 : 0, &p->value, &how);
	if (rc < 0) {
		state_point_release(p);
		return -1;
	}
	p->kind = rc;
	return 0;
}

void state_point_release(struct state_point *p)
{
	json_decref(p->value);
	free(p->event_id);
	free(p->actor);
	free(p->action);
	memset(p, 0, sizeof(*p));
}
