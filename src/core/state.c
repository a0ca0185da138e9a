/*
 * state.c - a target's state at a moment (see state.h). The settling
 * change is found with one indexed lookup (entries_target: target, ts),
 * then rebuilt through history_state_at() on a one-item history, so the
 * rules for deletes and unrecorded "before" states are history.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/state.h"
#include "row_read.h"

int state_target_envs(struct store *s, const char *target, struct target_envs *out)
{
	const struct row_param p[] = { ROW_TEXT(target) };
	struct buf err = BUF_INIT;
	struct rows *r;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	r = row_open(s, "SELECT DISTINCT environment FROM entries WHERE target = $1 ORDER BY environment", p, 1,
		     "the target's environments", &err);
	while (r && (rc = rows_next(r)) == 1) {
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		out->v[out->n++] = row_dup(r, 0);
	}
	if (r && rc < 0)
		row_fail(s, &err);
	rows_close(r);
	buf_release(&err);
	if (rc != 0) {
		target_envs_release(out);
		return -1;
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

/* Finds the settling change: the latest at or before at whose request did
 * not fail (a failed one settles nothing), else the first one
 * (before_first). Returns 1 found, 0 none, -1 error. */
static int settling(struct store *s, const char *target, const char *env, const char *at,
		    struct state_point *p)
{
	const struct row_param prm[] = { ROW_TEXT(target), ROW_TEXT(env), ROW_TEXT(at) };
	struct buf sql[2] = { BUF_INIT, BUF_INIT };
	int ret = 0;

	buf_addf(&sql[0], "SELECT seq, ts, event_id, actor, action FROM entries WHERE target = $1"
		 " AND environment = $2 AND ts <= $3 AND coalesce(%s -> 'outcome' ->> 'status', '') <> 'failure'"
		 " ORDER BY ts DESC, seq DESC LIMIT 1", row_leaf_json(s));
	buf_addstr(&sql[1], "SELECT seq, ts, event_id, actor, action FROM entries WHERE target = $1"
		   " AND environment = $2 ORDER BY ts, seq LIMIT 1");
	for (size_t k = 0; k < 2 && !ret; k++) {
		struct buf err = BUF_INIT;
		struct rows *r = row_open(s, sql[k].buf, prm, k ? 2 : 3, "the target's changes", &err);
		int rc = r ? rows_next(r) : -1;

		if (rc == 1) {
			p->seq = rows_col(r, 0)->i;
			snprintf(p->ts, sizeof(p->ts), "%s", row_text(r, 1));
			p->event_id = row_dup(r, 2);
			p->actor = row_dup(r, 3);
			p->action = row_dup(r, 4);
			p->before_first = k == 1;
			ret = 1;
		} else if (rc < 0) {
			if (r)
				row_fail(s, &err);
			ret = -1;
		}
		rows_close(r);
		buf_release(&err);
	}
	buf_release(&sql[0]);
	buf_release(&sql[1]);
	return ret;
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
