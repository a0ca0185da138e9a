/*
 * state.h - a target's state at a moment in time, for `trailscope state`
 * and `trailscope history`: which environments a target has changes in,
 * and the state rebuilt from the change that settles a moment (through
 * history.h's reconstruction, so the CLI and the TUI agree).
 *
 * Never guessed: the state at t is the "after" of the latest change to the
 * target in that environment at or before t (absent after a delete);
 * before the first change it is that change's "before" when the source
 * recorded it, and otherwise UNKNOWN.
 */
#ifndef TRAILSCOPE_STATE_H
#define TRAILSCOPE_STATE_H

#include <jansson.h>
#include <stdint.h>
#include "trailscope/history.h"
#include "trailscope/store.h"
#include "trailscope/util.h"

struct target_envs {
	char **v;            /* owned, sorted */
	size_t n;
};

/* The environments target has changes in (one indexed scan of its rows).
 * Returns 0 or -1 (reported). */
int state_target_envs(struct store *s, const char *target, struct target_envs *out);
void target_envs_release(struct target_envs *e);

struct state_point {
	usec_t at;           /* the moment asked for */
	int kind;            /* enum history_state */
	json_t *value;       /* own reference when HISTORY_PRESENT, else NULL */
	int before_first;    /* at is before the first recorded change */
	int64_t seq;         /* the change that settles it (the first change when before_first); 0 none */
	char ts[32];         /* its time */
	char *event_id, *actor, *action; /* owned; NULL when seq is 0 */
};

/*
 * Rebuilds target's state in environment at time at. Cost: two indexed
 * lookups on entries_target and one leaf parse. Returns 0 (p filled; a
 * target with no changes at all gives HISTORY_UNKNOWN with seq 0), or -1
 * (reported). Release with state_point_release().
 */
int state_at(struct store *s, const char *target, const char *environment, usec_t at,
	     struct state_point *p);
void state_point_release(struct state_point *p);

/* "present", "absent" or "unknown". */
const char *state_kind_name(int kind);

#endif
