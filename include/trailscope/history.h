/*
 * history.h - every change to one target in one environment, oldest to
 * newest, and the target's state reconstructed at any of those points.
 * Knows nothing of terminals; the TUI's history view and the CLI sit on
 * top of it.
 *
 * A state is reconstructed from the leaves, never guessed: at a point it
 * is the `after` of the latest event for the target at or before that
 * point (absent `after` means the target was deleted). Before the first
 * known event it is that event's `before` when the source recorded it,
 * otherwise UNKNOWN.
 *
 * Failed requests are listed (marked by their outcome) but changed
 * nothing: they neither settle a state nor take part in the chain check.
 */
#ifndef TRAILSCOPE_HISTORY_H
#define TRAILSCOPE_HISTORY_H

#include <jansson.h>
#include <stdint.h>
#include "trailscope/diff.h"
#include "trailscope/event.h"
#include "trailscope/store.h"

#define HISTORY_MAX 100000 /* more changes to one target are counted, not listed */

struct history_item {
	int64_t seq;
	char ts[32];
	char *actor, *actor_type, *action, *summary; /* owned, raw data */
	char outcome[8];       /* the leaf's "success", "failure", or "unknown" (v1 leaf), as
				  the leaf says it (outcome_parse() reads it) */
	int64_t gap_after;     /* > 0: the recorded history does not chain here: this
				  event's known state before differs from the known
				  state after of event gap_after, the previous
				  non-failed event (something unrecorded happened
				  between them); 0 when it chains or cannot be told */
};

struct history {
	char *target, *environment;  /* owned */
	struct history_item *v;      /* oldest first (ts, seq) */
	size_t n, alloc;
	int64_t total;               /* all matching rows, even beyond HISTORY_MAX */
};

/* Lists the changes to target in environment. Returns 0 or -1
 * (reported). Release with history_release(). */
int history_load(struct store *s, const char *target, const char *environment, struct history *h);
void history_release(struct history *h);

enum history_state {
	HISTORY_UNKNOWN,  /* the source never recorded the state at that point */
	HISTORY_ABSENT,   /* the target did not exist (or was deleted) */
	HISTORY_PRESENT,  /* *state holds it */
};

/*
 * Reconstructs the state of h's target right after item index (0-based;
 * -1 means before the first item). *state gets a new reference (NULL
 * unless HISTORY_PRESENT); *how gets the seq of the event that settles it
 * (0 when none). Returns an enum history_state, or -1 on error (reported).
 */
int history_state_at(struct store *s, const struct history *h, long index, json_t **state,
		     int64_t *how);

/* Appends the per-field differences between two reconstructed states
 * (as history_state_at returned them) to out. An UNKNOWN side makes every
 * leaf of the other side before_unknown (for an unknown "from") or gives
 * nothing (unknown "to"); the return says which: 0 ok, 1 "to" unknown. */
int history_diff(int from_kind, const json_t *from, int to_kind, const json_t *to,
		 struct change_list *out);

#endif
