/*
 * correlate.h - "which change caused this incident?": every change in a
 * window around an incident's impact start is a candidate, scored by a
 * sum of weighted signals (time proximity, environment and service match,
 * blast radius, risk signals, reverted during the incident), ranked best
 * first (a change that changed nothing, failed or no-op, always below one
 * that may have: enum correlate_tier), and every score explained by its
 * reasons. docs/CORRELATION.md
 * documents the model; the weights live in one table, correlate_signals.
 *
 * Knows nothing of terminals: the CLI (`trailscope correlate`) and the
 * TUI's correlation view both sit on correlate_run().
 */
#ifndef TRAILSCOPE_CORRELATE_H
#define TRAILSCOPE_CORRELATE_H

#include <jansson.h>
#include <stdint.h>
#include "trailscope/buf.h"
#include "trailscope/incident.h"
#include "trailscope/store.h"
#include "trailscope/util.h"

enum correlate_signal {
	SIG_TIME,            /* made shortly before impact start (decays with distance) */
	SIG_DURING,          /* made after impact start */
	SIG_ENVIRONMENT,     /* same environment as the incident */
	SIG_OTHER_ENV,       /* another environment */
	SIG_SERVICE,         /* target belongs to an incident service (key, tags, labels) */
	SIG_EXPOSURE,        /* more users exposed: off -> on, rollout up (scaled by the rise) */
	SIG_MASS_ROLLOUT,    /* rollout jumped to 100% or by >= 50 points */
	SIG_WIDENED,         /* targeting widened: rule, condition value, target added */
	SIG_DELETE,          /* the target was deleted */
	SIG_NO_APPROVAL,     /* approval required, nobody approved */
	SIG_AFTER_HOURS,     /* outside business hours */
	SIG_SERVICE_ACCOUNT, /* a service account made a change people usually make */
	SIG_RAPID_TOGGLE,    /* toggled again within minutes of other toggles */
	SIG_REVERTED,        /* undone during the incident: strong evidence */
	SIG_UNDONE_BEFORE,   /* undone before impact start */
	SIG_IS_REVERT,       /* this change itself restores an earlier state */
	SIG_FAILED,          /* the request failed: it changed nothing */
	SIG_NO_CHANGE,       /* the known state after equals the state before */
	SIG_GAP,             /* the target's recorded history does not chain here */
	NSIGNALS
};

struct correlate_signal_def {
	const char *name;    /* "reverted": for --weight NAME=W and JSON */
	double weight;       /* default weight (the contribution at full strength) */
};
/* The model's weights, indexed by enum correlate_signal. */
extern const struct correlate_signal_def correlate_signals[NSIGNALS];
/* The signal named name, or -1. */
int correlate_signal_lookup(const char *name);

struct correlate_options {
	usec_t lookback;          /* window before impact start (default 2 h) */
	usec_t time_scale;        /* time proximity decays as e^(-dt/scale) (default 60 min) */
	int biz_from, biz_to;     /* business hours, local time (default 9 to 18, Mon-Fri) */
	int utc_offset_min;       /* their time zone, minutes east of UTC (default 0) */
	size_t max_changes;       /* changes read from the window at most (default 20000) */
	double weight[NSIGNALS];  /* weights in use (default correlate_signals) */
};
void correlate_options_init(struct correlate_options *o);

/* "2h", "90m", "1d", "45s", "1h30m", "2w" -> microseconds (> 0).
 * Returns 0, or -1 with a reason in *why. */
int correlate_parse_duration(const char *s, usec_t *out, const char **why);
/* "09-18", "9-17:30" is refused (whole hours only); from < to. */
int correlate_parse_hours(const char *s, int *from, int *to, const char **why);
/* "UTC", "Z", "+02:00", "-0530", "+2" -> minutes east of UTC. */
int correlate_parse_tz(const char *s, int *offset_min, const char **why);
/* "reverted=0.6": sets o->weight. Returns 0 or -1 with *why. */
int correlate_parse_weight(struct correlate_options *o, const char *s, const char **why);

struct correlate_reason {
	enum correlate_signal signal;
	double weight;            /* signed contribution to the score */
	char *text;               /* "reverted 12 min after impact start (by #1620)"; owned */
};

/* A failed request changed nothing, nor did a change whose known state
 * after equals its state before: each ranks below every change of a lower
 * tier, whatever its score. */
enum correlate_tier {
	TIER_CHANGE,   /* succeeded (or outcome unknown) and may have changed something */
	TIER_NO_OP,    /* succeeded, but its known state after equals its state before */
	TIER_FAILED,   /* the request failed */
};
/* "change", "no-op", "failed" */
const char *correlate_tier_name(int tier);

struct correlate_candidate {
	int rank;                 /* 1 = most likely */
	int64_t seq;
	char *event_id, *actor, *actor_type, *action, *target, *target_kind, *environment, *summary; /* owned */
	char ts[32];
	usec_t t;
	double score;             /* sum of the reasons' weights */
	unsigned risk;            /* entries.risk bits */
	int64_t reverted_by;      /* seq of the change that undid it during the incident, 0 if none */
	int tier;                 /* enum correlate_tier: ranks first, the score within a tier */
	struct correlate_reason *reasons; /* strongest first */
	size_t nreasons, alloc;
};

/* The facts about one change that the scoring reads; the store-backed
 * ones (people_share, reverts) are filled by correlate_run. */
struct correlate_facts {
	usec_t t;
	const char *environment, *target, *actor, *actor_type, *action;
	const json_t *before, *after; /* borrowed; NULL when absent or unknown */
	int before_known;
	const json_t *context;        /* borrowed leaf context, or NULL */
	unsigned risk;                /* stored risk bits (no-approval, rapid-toggle are read here) */
	double people_share;          /* share of this target's changes (this action) made by people; < 0 unknown */
	int people_sample;            /* how many changes that share is over */
	usec_t reverted_at;           /* INCIDENT_NO_TIME when not undone in the window */
	int64_t reverted_by;          /* seq of the change that undid it */
	int64_t reverts;              /* seq of the earlier change this one undoes, 0 none */
	int failed;                   /* the request failed (outcome "failure") */
	const char *failure;          /* its code and message for the reason ("403: forbidden"), or NULL */
	int64_t gap_before;           /* seq of the previous change whose known state after is not
					 this change's known state before, 0 none */
	int64_t gap_after;            /* seq of the next change whose known state before is not
					 this change's state after, 0 none */
};
void correlate_facts_init(struct correlate_facts *f);

/* Scores one change against the incident: appends the reasons to c and
 * sets c->score. Pure: no store, no clock. */
void correlate_score(const struct incident *in, const struct correlate_options *o,
		     const struct correlate_facts *f, struct correlate_candidate *c);
/* Frees what a candidate owns (its strings and reasons). */
void correlate_candidate_release(struct correlate_candidate *c);

/* Does a later change to the same target and environment really restore
 * the state before the change from before to after: its state before is
 * that change's after and its state after is that change's before?
 * Bookkeeping members (version, revision, updated_at, ...) are ignored; an
 * unknown state before (either before_known 0) never matches, nor does a
 * change that changed nothing. */
int correlate_is_undo(const json_t *before, int before_known, const json_t *after,
		      const json_t *later_before, int later_before_known, const json_t *later_after);

/* Does the target (its key, or tags/labels/service members of state)
 * belong to service? On a match, appends how to why ("key", "tag") and
 * returns 1. */
int correlate_service_match(const char *service, const char *target, const json_t *state, struct buf *why);

/* Exposure of a state in percent of users: 0 off or absent, the rollout
 * percentage when on (100 without one); -1 when the state has no on/off
 * switch. */
double correlate_exposure(const json_t *state);

struct correlation {
	usec_t from, to;          /* the window read: [from, to], incident_window_lookback() */
	size_t changes;           /* changes in the window */
	int truncated;            /* the window held more than max_changes */
	struct correlate_candidate *v; /* best first */
	size_t n, alloc;
};

/*
 * Ranks the changes in the incident's window. Reads only the window (one
 * range read on entries_ts) plus, for changes made by service accounts, a
 * bounded read of the target's recent history (entries_target). Returns
 * 0 or -1 (reported). Release with correlation_release().
 */
int correlate_run(struct store *s, const struct incident *in, const struct correlate_options *o,
		  struct correlation *out);
void correlation_release(struct correlation *c);

/* "+0.30 reverted 12 min after impact start" (appends). */
void correlate_reason_format(const struct correlate_reason *r, struct buf *out);

/* {"incident": {...}, "window": {...}, "candidates": [{"rank", "seq",
 * "event_id", "score", "reasons": ["+0.30 ...", ...], "signals": [...],
 * ...}, ...]} with at most limit candidates (0: all). New reference. */
json_t *correlation_to_json(const struct incident *in, const struct correlation *c, size_t limit);

#endif
