/*
 * gen_int.h - what the generator's files share (private to src/gen): the
 * world's shape (services, people, targets) and tables, the PRNG, the
 * state of each target and of the run (struct gen), the JSON appenders
 * of the hot path and the functions one file calls in another.
 */
#ifndef TRAILSCOPE_GEN_INT_H
#define TRAILSCOPE_GEN_INT_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "trailscope/buf.h"
#include "trailscope/gen.h"
#include "trailscope/util.h"

#define USEC ((usec_t)1000000)
#define MINUTE (60 * USEC)
#define HOUR (60 * MINUTE)
#define DAY (24 * HOUR)
#define FLUSH_AT ((size_t)1 << 20)

/* Background pacing: a mean gap of ~94 s in business hours and eight
 * times that outside them gives ~260 s overall, 10,000 events a month. */
#define BUSINESS_GAP_USEC 93500000.0
#define OFF_HOURS_FACTOR 8.0

/* ---- the world (gen_tables.c) ---------------------------------------- */

enum { ENV_PROD, ENV_STAGING, ENV_DEV, NENV };

enum {
	SVC_CHECKOUT, SVC_PAYMENTS, SVC_SEARCH, SVC_AUTH, SVC_INVENTORY,
	SVC_NOTIFICATIONS, SVC_RECS, SVC_SHIPPING, NSVC
};

struct actor_def {
	const char *id, *name, *auth;
};

#define NPEOPLE 20

enum bot { BOT_DEPLOY, BOT_TERRAFORM, BOT_RELEASE, BOT_SYNC, BOT_OPS, NBOTS };

struct flag_def {
	unsigned char svc;
	const char *feature; /* the key is "<service>-<feature>" */
};

enum { ATTR_PLAN, ATTR_COUNTRY, ATTR_PLATFORM, ATTR_APP_VERSION, ATTR_EMAIL, ATTR_REGION, NATTR };

struct attr_def {
	const char *name, *op, *label;
	int single;              /* exactly one value (a version floor) */
	const char *values[8];   /* NULL-terminated when shorter */
};

struct segment_def {
	const char *key, *name, *description;
	int attr;
};

struct config_def {
	const char *key;
	int svc;
	const char *params[4]; /* NULL-terminated when shorter */
	int base[4];
};

/* Targets are numbered flags first, then segments, then configs. */
enum { KIND_FLAG, KIND_SEGMENT, KIND_CONFIG };
#define NTARGETS (NFLAGS + NSEGS + NCFGS)

/* How many of each the tables in gen_tables.c hold (a definition of
 * another length does not compile). */
#define NFLAGS 60
#define NSEGS 5
#define NCFGS 6

extern const char *const env_names[NENV];
extern const char *const svc_names[NSVC];
extern const struct actor_def actors[NPEOPLE + NBOTS];
extern const char *const bot_corr_prefix[NBOTS];
extern const struct flag_def flag_defs[NFLAGS];
extern const struct attr_def attrs[NATTR];
extern const struct segment_def segment_defs[NSEGS];
extern const struct config_def config_defs[NCFGS];
extern const char *const incident_titles[NSVC][2];

int target_kind(int t);
int target_svc(int t);
int attr_nvalues(int attr);
int config_nparams(int c);

/* ---- PRNG and pacing (gen_random.c) ---------------------------------- */

struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);
uint64_t below(struct rng *r, uint64_t n);
int64_t range(struct rng *r, int64_t lo, int64_t hi);
int chance(struct rng *r, unsigned per_mille);
int64_t floor_div(int64_t a, int64_t b);
usec_t next_gap(struct rng *r, usec_t t);

/* One of arr's elements, uniformly. */
#define PICK(r, arr) ((arr)[below((r), ARRAY_SIZE(arr))])

/* ---- targets, planted events and the run ------------------------------ */

#define MAX_RULES 4
#define MAX_INCLUDED 8

struct cond {
	int attr;
	unsigned mask; /* chosen values of attrs[attr] */
};

struct rule {
	int id;        /* "rule-<id>", unique within the target */
	int nconds;
	struct cond conds[2];
	int serve_on;
};

/* The current state of one target in one environment. One struct for all
 * kinds; each kind reads only its own fields. */
struct state {
	int exists;
	int version;
	int next_rule;                 /* next rule id */
	/* flag */
	int enabled, rollout, desc_rev;
	int nrules;
	struct rule rules[MAX_RULES];
	unsigned targets;              /* bit i: segment_defs[i] */
	/* segment (one rule) */
	int nincluded;
	int included[MAX_INCLUDED];    /* user numbers */
	/* config */
	int values[4];
};

enum planned_kind {
	P_INC_SMALL, P_INC_OTHER, P_INC_STAGING, P_INC_CAUSE, P_INC_REVERT, P_BURST,
};

struct planned {
	usec_t t;
	uint32_t order;  /* tie-break, so sorting is deterministic */
	uint32_t idx;    /* incident or burst */
	unsigned char kind;    /* enum planned_kind */
};

enum cause_type { CAUSE_TOGGLE_ON, CAUSE_JUMP, CAUSE_WIDEN, CAUSE_BROAD_RULE, CAUSE_CREATE, NCAUSE };

struct incident {
	usec_t started, detected, resolved;
	int svc, svc2;         /* svc2: a second affected service, or -1 */
	int severity, title;
	int revert;            /* a revert is planned */
	int actor, missing_approval, preferred;
	/* settled when the incident's first event is written */
	int chosen, cause_flag, cause_type;
	struct state saved;    /* the cause's previous state */
	const char *cause_action;
	uint64_t cause_seq;    /* its event number */
};

struct burst {
	usec_t until;          /* time of the last toggle */
	int steps, env;
	int chosen, flag, actor;
};

enum approval { AP_NOT_REQUIRED, AP_APPROVED, AP_MISSING };

struct ev {
	usec_t t;
	int actor, target, env;
	const char *action;
	int had_prev;          /* previous_state is written */
	enum approval approval;
	int approver;
	usec_t approved_at;
};

struct gen {
	const struct gen_options *o;
	FILE *out;
	struct rng rt, rp, rc; /* times, plans, content */
	char *keys[NTARGETS];
	struct state st[NTARGETS][NENV];
	struct buf cache[NTARGETS][NENV]; /* serialised current state */
	usec_t locked[NTARGETS][NENV];    /* reserved for planned events until */
	struct buf out_buf, tmp, reason, corr, ticket, pr, build;
	uint64_t seq;                     /* last event number written */
	unsigned corr_counter;
	int64_t cached_day;
	char day_text[32];                /* "YYYY-MM-DDT" of cached_day */
	size_t day_len;
	struct incident *inc;
	unsigned ninc;
	struct burst *bursts;
	unsigned nbursts;
	struct planned *plan;
	size_t nplan, plan_alloc;
	uint64_t nbackground;
	int owners[NSVC][NPEOPLE];        /* people who own each service */
	int nowners[NSVC];
	int write_failed;
};

/* ---- writing JSON (gen_json.c) --------------------------------------- */

/* Appenders for the hot path: buf_add and buf_addch inlined (they keep
 * buf.h's invariants: growth only through buf_grow, always NUL-terminated),
 * and no strlen for literals. Calling buf_add per fragment costs ~40%. */
static inline void put_mem(struct buf *b, const void *p, size_t n)
{
	if (b->alloc - b->len <= n)
		buf_grow(b, n);
	memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

static inline void put_ch(struct buf *b, char c)
{
	if (b->alloc - b->len <= 1)
		buf_grow(b, 1);
	b->buf[b->len++] = c;
	b->buf[b->len] = '\0';
}

static inline void put_str(struct buf *b, const char *s)
{
	put_mem(b, s, strlen(s));
}

#define put_lit(b, s) put_mem((b), (s), sizeof(s) - 1)

void put_uint(struct buf *b, uint64_t v, int width);
void put_int(struct buf *b, int64_t v);
void put_date_compact(struct gen *g, struct buf *b, usec_t t);
void put_words(struct buf *b, const char *s);
void write_event(struct gen *g, const struct ev *e);
void flush_out(struct gen *g);
void put_incident_id(struct buf *b, unsigned i);
void put_incident(struct gen *g, struct buf *b, const struct incident *in, unsigned i);

/* ---- histories and background events (gen.c) ------------------------- */

/* Reason templates the planted events share with the background ones. */
extern const char *const r_create[4];
extern const char *const r_toggle_on[4];
extern const char *const r_toggle_off[4];
extern const char *const r_ramp_up[4];

int pick_env(struct rng *r);
int pick_person(const struct gen *g, struct rng *r, int svc);
int exists_p(const struct state *s);
int can_toggle_on(const struct state *s);
int can_jump(const struct state *s);
int widenable_rule(const struct state *s);
int can_widen(const struct state *s);
int can_broad_rule(const struct state *s);
typedef int state_pred(const struct state *s);
int pick_flag(struct gen *g, struct rng *r, int svc, int avoid1, int avoid2,
	      int env, int except, usec_t now, state_pred *pred);
int rung_up(int pct);
void rule_insert_front(struct state *s, const struct rule *ru);
void create_state(struct gen *g, int t, int env);
void begin_event(struct gen *g, struct ev *e, usec_t t, int actor, int target, int env);
void set_approval(struct gen *g, struct ev *e, enum approval a);
void context(struct gen *g, struct ev *e, const char *tpl, int num, int inc);
void bump(struct state *s);

/* ---- planted events and the plan (gen_plant.c) ----------------------- */

void emit_planned(struct gen *g, const struct planned *p);
void plan(struct gen *g, int want_incidents);

#endif
