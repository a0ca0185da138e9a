/*
 * gen.c - the deterministic test-data generator (see gen.h): audit events
 * with realistic per-target histories (each event's previous_state is the
 * new_state of the last event for the same target and environment), and
 * incidents, each with a planted cause and distractors injected into the
 * same stream, for judging incident correlation.
 *
 * Cost: O(events) time, about a microsecond per event, output written as
 * JSON text directly (no JSON library). Memory is constant in the number
 * of background events (their times are drawn twice from a cloned PRNG,
 * once to learn the span and once to emit), plus one small record per
 * planted event and the current state of each of ~200 target and
 * environment pairs. All randomness is xoshiro256** seeded by splitmix64,
 * floating point is limited to IEEE basic operations (and the exact
 * frexp), and nothing reads the clock or the locale: the same options give
 * the same bytes.
 *
 * Incidents: o->incidents, else events / 2000 (at least one when they are
 * written), at most events / 6. They are planted whether or not they are
 * written, so asking for the incident file leaves the events unchanged
 * (except when that raises the count from none to one). Each plants 4-5
 * events: the cause, a same-service staging change, another service's
 * production change, a small same-service production change and, in ~70%,
 * a revert; bursts of 3-4 toggles are planted the same way. Timestamps
 * past year 9999 are not handled: the CLI bounds --events and --start.
 *
 * This file: picking people and targets, changing a target's state, the
 * context of an event, background events, and the driver. The world's
 * tables are in gen_tables.c, the PRNG in gen_random.c, the JSON writer
 * in gen_json.c, planted events and the plan in gen_plant.c.
 */
#include <errno.h>
#include <stdlib.h>

#include "gen_int.h"

/* ---- picking people and targets -------------------------------------- */

int pick_env(struct rng *r)
{
	uint64_t x = below(r, 100);

	return x < 45 ? ENV_PROD : x < 80 ? ENV_STAGING : ENV_DEV;
}

/* A person, usually one who owns the service (svc < 0: anyone). */
int pick_person(const struct gen *g, struct rng *r, int svc)
{
	if (svc >= 0 && chance(r, 800))
		return g->owners[svc][below(r, (uint64_t)g->nowners[svc])];
	return (int)below(r, NPEOPLE);
}

static int pick_approver(struct rng *r, int actor)
{
	int p;

	if (chance(r, 250))
		return 12; /* maria@: the usual approver */
	do
		p = (int)below(r, NPEOPLE);
	while (p == actor);
	return p;
}

int exists_p(const struct state *s)
{
	return s->exists;
}

int can_toggle_on(const struct state *s)
{
	return s->exists && !s->enabled;
}

int can_jump(const struct state *s)
{
	return s->exists && s->enabled && s->rollout <= 25;
}

int widenable_rule(const struct state *s)
{
	for (int i = 0; i < s->nrules; i++) {
		for (int c = 0; c < s->rules[i].nconds; c++) {
			const struct cond *cd = &s->rules[i].conds[c];
			unsigned full = (1u << attr_nvalues(cd->attr)) - 1;

			if (attrs[cd->attr].single ? cd->mask != 1u : cd->mask != full)
				return i;
		}
	}
	return -1;
}

int can_widen(const struct state *s)
{
	return s->exists && s->enabled && widenable_rule(s) >= 0;
}

int can_broad_rule(const struct state *s)
{
	return s->exists && s->enabled;
}

/* A random flag in env: of service svc (any when svc < 0) but of neither
 * avoid1 nor avoid2, not except, not reserved at now, and pred true for its
 * state. Returns -1 when there is none. */
int pick_flag(struct gen *g, struct rng *r, int svc, int avoid1, int avoid2,
		     int env, int except, usec_t now, state_pred *pred)
{
	int cand[NFLAGS], n = 0;

	for (int f = 0; f < NFLAGS; f++) {
		int fs = flag_defs[f].svc;

		if ((svc >= 0 && fs != svc) || fs == avoid1 || fs == avoid2 || f == except)
			continue;
		if (g->locked[f][env] > now || !pred(&g->st[f][env]))
			continue;
		cand[n++] = f;
	}
	return n ? cand[below(r, (uint64_t)n)] : -1;
}

/* ---- changing state ---------------------------------------------------- */

static const int rungs[] = { 0, 1, 5, 10, 25, 50, 100 };

int rung_up(int pct)
{
	for (int i = 0; i < (int)ARRAY_SIZE(rungs); i++)
		if (rungs[i] > pct)
			return rungs[i];
	return 100;
}

static int rung_down(int pct)
{
	for (int i = (int)ARRAY_SIZE(rungs) - 1; i >= 0; i--)
		if (rungs[i] < pct)
			return rungs[i];
	return 0;
}

static void random_cond(struct rng *r, struct cond *c, int attr)
{
	int n = attr_nvalues(attr), k;

	c->attr = attr;
	if (attrs[attr].single) {
		c->mask = 1u << below(r, (uint64_t)n);
		return;
	}
	c->mask = 0;
	k = 1 + (int)below(r, 2);
	while (k--)
		c->mask |= 1u << below(r, (uint64_t)n);
}

static void random_rule(struct rng *r, struct state *s, struct rule *ru)
{
	int a1 = (int)below(r, NATTR);

	ru->id = s->next_rule++;
	ru->nconds = chance(r, 200) ? 2 : 1;
	random_cond(r, &ru->conds[0], a1);
	if (ru->nconds == 2)
		random_cond(r, &ru->conds[1], (a1 + 1 + (int)below(r, NATTR - 1)) % NATTR);
	ru->serve_on = chance(r, 850);
}

void rule_insert_front(struct state *s, const struct rule *ru)
{
	if (s->nrules == MAX_RULES)
		s->nrules--;
	memmove(&s->rules[1], &s->rules[0], (size_t)s->nrules * sizeof(*ru));
	s->rules[0] = *ru;
	s->nrules++;
}

/* Changes the values of a condition: always a real change. */
static void tweak_cond(struct rng *r, struct cond *c)
{
	int n = attr_nvalues(c->attr);
	unsigned old = c->mask;

	if (attrs[c->attr].single) {
		int cur = 0;

		while (cur < n - 1 && !(old & 1u << cur))
			cur++;
		c->mask = 1u << ((cur + 1 + (int)below(r, (uint64_t)n - 1)) % n);
		return;
	}
	do
		c->mask ^= 1u << below(r, (uint64_t)n);
	while (!c->mask || c->mask == old);
}

void create_state(struct gen *g, int t, int env)
{
	struct rng *r = &g->rc;
	struct state *s = &g->st[t][env];
	int kind = target_kind(t);

	memset(s, 0, sizeof(*s));
	s->exists = 1;
	s->version = 1;
	s->next_rule = 1;
	if (kind == KIND_FLAG) {
		static const int start_pct[] = { 0, 0, 0, 1, 5, 10, 25, 100, 100 };

		s->enabled = chance(r, env == ENV_DEV ? 500 : 200);
		s->rollout = start_pct[below(r, ARRAY_SIZE(start_pct))];
		s->nrules = (int)below(r, 3);
		for (int i = 0; i < s->nrules; i++)
			random_rule(r, s, &s->rules[i]);
		if (chance(r, 300))
			s->targets = 1u << below(r, NSEGS);
	} else if (kind == KIND_SEGMENT) {
		s->nrules = 1;
		s->rules[0].id = s->next_rule++;
		s->rules[0].nconds = 1;
		random_cond(r, &s->rules[0].conds[0], segment_defs[t - NFLAGS].attr);
		s->nincluded = (int)below(r, 4);
		for (int i = 0; i < s->nincluded; i++)
			s->included[i] = (int)range(r, 1000, 99999);
	} else {
		int c = t - NFLAGS - NSEGS;

		for (int i = 0; i < config_nparams(c); i++)
			s->values[i] = config_defs[c].base[i];
	}
}

/* ---- event context: reason, ticket, links, approval -------------------- */

const char *const r_create[] = {
	"Create {k} for the {s} team", "New flag for {f}", "Scaffold {f} behind a flag",
	"Add {k} ahead of the {s} release",
};
const char *const r_toggle_on[] = {
	"Enable {f}", "Turn on {f} for launch", "Re-enable {f} after fix", "Enable {f} in {e} for QA",
};
const char *const r_toggle_off[] = {
	"Disable {f}", "Kill switch: {f} misbehaving", "Turn off {f} until the fix lands",
	"Pause {f} for investigation",
};
const char *const r_ramp_up[] = {
	"Ramp {f} to {n}%", "Canary rollout for {f}", "Increase rollout of {k} to {n}%", "Rollout step: {n}%",
};
static const char *const r_ramp_down[] = {
	"Roll back {f} to {n}%", "Reduce {f} exposure to {n}%",
};
static const char *const r_rules[] = {
	"Add {f} targeting rule", "Update targeting for {f}", "Restrict {f} to selected plans",
	"Expand {f} to more countries",
};
static const char *const r_describe[] = { "Update description of {k}", "Reword the {f} description" };
static const char *const r_retarget[] = { "Assign {f} to a segment", "Change target segments of {f}" };
static const char *const r_enable_at[] = { "Enable {f} at {n}%", "Turn on {f} with a {n}% rollout" };
static const char *const r_disable_reset[] = { "Switch off {f} and reset its rollout", "Disable {f}, rollout to 0" };
static const char *const r_serve[] = { "Flip what a {f} rule serves", "Edit {f} configuration" };
static const char *const r_delete[] = { "Remove stale flag {k}", "Clean up {k} after GA" };
static const char *const r_segment[] = {
	"Add pilot customers to {f}", "Update {f} membership", "Remove churned account from {f}",
	"Refine the {f} rule",
};
static const char *const r_segment_create[] = { "Create segment {k}", "New audience: {f}" };
static const char *const r_config[] = { "Tune {k}", "Adjust {k} after load test", "Update {k} values" };
static const char *const r_config_create[] = { "Add config {k}", "Import {k} from defaults" };
static const char *const r_bot_rollout[] = {
	"Automated rollout step to {n}%", "Scheduled ramp of {k} to {n}%", "Progressive delivery: {n}%",
};
static const char *const r_bot_rollback[] = { "Automated rollback to {n}% after failed health check" };
static const char *const r_bot_sync[] = { "Sync {k} from flags repo", "Apply flags-as-code change for {k}" };
/* Expands a reason template: {f} the target's words, {k} its key, {n}
 * num, {e} the environment, {s} the service, {i} incident inc's id. */
static void expand(struct gen *g, struct buf *b, const char *tpl, const struct ev *e, int num, int inc)
{
	int t = e->target, svc = target_svc(t);

	for (const char *p = tpl; *p; p++) {
		const char *brace = strchr(p, '{');

		if (!brace) {
			put_str(b, p);
			break;
		}
		put_mem(b, p, (size_t)(brace - p));
		p = brace;
		if (!p[1] || p[2] != '}') {
			put_ch(b, '{');
			continue;
		}
		switch (p[1]) {
		case 'f':
			if (target_kind(t) == KIND_FLAG)
				put_words(b, flag_defs[t].feature);
			else if (target_kind(t) == KIND_SEGMENT)
				put_str(b, segment_defs[t - NFLAGS].name);
			else
				put_words(b, config_defs[t - NFLAGS - NSEGS].key);
			break;
		case 'k': put_str(b, g->keys[t]); break;
		case 'n': put_int(b, num); break;
		case 'e': put_str(b, env_names[e->env]); break;
		case 's': put_str(b, svc >= 0 ? svc_names[svc] : "platform"); break;
		case 'i': put_incident_id(b, (unsigned)inc); break;
		default: break;
		}
		p += 2;
	}
}

void begin_event(struct gen *g, struct ev *e, usec_t t, int actor, int target, int env)
{
	e->t = t;
	e->actor = actor;
	e->target = target;
	e->env = env;
	e->action = "";
	e->had_prev = g->st[target][env].exists;
	e->approval = AP_NOT_REQUIRED;
	e->approver = 0;
	e->approved_at = 0;
	buf_reset(&g->reason);
	buf_reset(&g->corr);
	buf_reset(&g->ticket);
	buf_reset(&g->pr);
	buf_reset(&g->build);
}

void set_approval(struct gen *g, struct ev *e, enum approval a)
{
	e->approval = a;
	if (a == AP_APPROVED) {
		e->approver = pick_approver(&g->rc, e->actor);
		e->approved_at = e->t - range(&g->rc, MINUTE, 3 * HOUR);
	}
}

static void set_corr(struct gen *g, usec_t t, const char *prefix)
{
	buf_reset(&g->corr);
	put_str(&g->corr, prefix);
	put_ch(&g->corr, '-');
	put_date_compact(g, &g->corr, t);
	put_ch(&g->corr, '-');
	put_uint(&g->corr, g->corr_counter++ % 10000, 4);
}

/* Fills reason (from tpl), ticket, correlation id, links and approval the
 * way people and pipelines usually do. */
void context(struct gen *g, struct ev *e, const char *tpl, int num, int inc)
{
	struct rng *r = &g->rc;
	int person = e->actor < NPEOPLE, svc = target_svc(e->target);
	unsigned pt = e->env == ENV_PROD ? (person ? 750 : 300) : e->env == ENV_STAGING ? 300 : 100;

	if (chance(r, pt)) {
		uint64_t k = below(r, 10);

		if (k < 7) {
			put_lit(&g->ticket, "JIRA-");
			put_int(&g->ticket, range(r, 1000, 9999));
		} else if (k < 9) {
			put_lit(&g->ticket, "OPS-");
			put_int(&g->ticket, range(r, 100, 999));
		} else {
			put_lit(&g->ticket, "CHG-");
			put_int(&g->ticket, range(r, 10000, 99999));
		}
	}
	expand(g, &g->reason, tpl, e, num, inc);
	if (g->ticket.len && chance(r, 500)) {
		put_lit(&g->reason, " - ");
		put_mem(&g->reason, g->ticket.buf, g->ticket.len);
	}
	if (!person)
		set_corr(g, e->t, bot_corr_prefix[e->actor - NPEOPLE]);
	else if (chance(r, 250))
		set_corr(g, e->t, "chg");
	if (!person || (g->ticket.len && chance(r, 300))) {
		put_lit(&g->pr, "https://git.example.com/shop/");
		put_str(&g->pr, svc >= 0 ? svc_names[svc] : "platform");
		put_lit(&g->pr, "/pull/");
		put_int(&g->pr, range(r, 100, 4999));
		if (!person && chance(r, 300))
			buf_reset(&g->pr);
	}
	if (!person) {
		put_lit(&g->build, "https://ci.example.com/build/");
		put_int(&g->build, range(r, 1000, 99999));
	}
	if (e->env == ENV_PROD) {
		uint64_t x = below(r, 1000);

		if (person)
			set_approval(g, e, x < 700 ? AP_APPROVED : x < 800 ? AP_MISSING : AP_NOT_REQUIRED);
		else
			set_approval(g, e, x < 300 ? AP_APPROVED : AP_NOT_REQUIRED);
	}
}

/* Valid JSON once escaped, hostile on a terminal or in a table. */
static const char *const hostile_reasons[] = {
	"Hotfix \x1b[31mURGENT\x1b[0m pricing change",
	"Enable for \xe2\x80\xae" "sresu atad\xe2\x80\xac cohort",
	"Tab\tseparated\treason",
	"\xe8\xa8\xad\xe5\xae\x9a\xe5\xa4\x89\xe6\x9b\xb4: \xe6\xb1\xba\xe6\xb8\x88\xe3\x83\x95"
	"\xe3\x83\xad\xe3\x83\xbc\xe3\x82\x92\xe6\x9c\x89\xe5\x8a\xb9\xe5\x8c\x96",
	"Ship it \xf0\x9f\x9a\x80\xf0\x9f\x94\xa5 (\xe5\xa4\x89\xe6\x9b\xb4)",
	"Multi-line reason\nsecond line\r\nthird line",
	"Quote \" and backslash \\ in reason",
	"Clear screen \x1b[2J\x1b[H and CSI \xc2\x9b" "1m",
};

/* ---- background events ------------------------------------------------- */

void bump(struct state *s)
{
	s->version++;
}

static void background_flag(struct gen *g, struct ev *e, usec_t t, int f, int env)
{
	struct rng *r = &g->rc;
	struct state *s = &g->st[f][env];
	int svc = flag_defs[f].svc, actor, bot;
	const char *tpl;
	uint64_t x;

	if (!s->exists) {
		bot = chance(r, 250);
		actor = bot ? NPEOPLE + (chance(r, 600) ? BOT_TERRAFORM : BOT_SYNC) : pick_person(g, r, svc);
		begin_event(g, e, t, actor, f, env);
		create_state(g, f, env);
		e->action = "flag.create";
		context(g, e, bot ? PICK(r, r_bot_sync) : PICK(r, r_create), 0, -1);
		return;
	}
	x = below(r, 1000);
	if (x < 4) {
		actor = pick_person(g, r, svc);
	} else if (x < 304) {
		bot = chance(r, 550);
		actor = bot ? NPEOPLE + (chance(r, 650) ? BOT_DEPLOY : BOT_RELEASE) : pick_person(g, r, svc);
	} else {
		bot = chance(r, 80);
		actor = bot ? NPEOPLE + (chance(r, 500) ? BOT_SYNC : BOT_OPS) : pick_person(g, r, svc);
	}
	bot = actor >= NPEOPLE;
	begin_event(g, e, t, actor, f, env);
	if (x < 4) {
		s->exists = 0;
		e->action = "flag.delete";
		context(g, e, PICK(r, r_delete), 0, -1);
		return;
	}
	bump(s);
	if (x < 304) {
		/* pipelines ramp up; people also step back */
		int up = s->rollout == 0 || (s->rollout < 100 && chance(r, bot ? 950 : 750));

		s->rollout = up ? rung_up(s->rollout) : rung_down(s->rollout);
		e->action = "flag.rollout";
		if (bot)
			tpl = up ? PICK(r, r_bot_rollout) : PICK(r, r_bot_rollback);
		else
			tpl = up ? PICK(r, r_ramp_up) : PICK(r, r_ramp_down);
	} else if (x < 504) {
		s->enabled = !s->enabled;
		e->action = "flag.toggle";
		tpl = s->enabled ? PICK(r, r_toggle_on) : PICK(r, r_toggle_off);
	} else if (x < 704) {
		/* inserts get rarer and removals likelier as rules pile up */
		uint64_t y = below(r, 1000), ins = (uint64_t)(400 - 100 * s->nrules);
		uint64_t del = (uint64_t)(900 - 100 * s->nrules);

		if (!s->nrules || y < ins) {
			struct rule ru;

			random_rule(r, s, &ru);
			rule_insert_front(s, &ru);
		} else if (y < del) {
			struct rule *ru = &s->rules[below(r, (uint64_t)s->nrules)];

			tweak_cond(r, &ru->conds[below(r, (uint64_t)ru->nconds)]);
		} else {
			int i = (int)below(r, (uint64_t)s->nrules);

			memmove(&s->rules[i], &s->rules[i + 1], (size_t)(s->nrules - i - 1) * sizeof(s->rules[0]));
			s->nrules--;
		}
		e->action = "flag.rules";
		tpl = PICK(r, r_rules);
	} else {
		uint64_t y = below(r, 1000);

		if (y >= 850 && !s->nrules)
			y = 0;
		if (y < 350) {
			s->desc_rev++;
			tpl = PICK(r, r_describe);
		} else if (y < 700) {
			s->targets ^= 1u << below(r, NSEGS);
			tpl = PICK(r, r_retarget);
		} else if (y < 850) {
			s->enabled = !s->enabled;
			s->rollout = s->enabled ? rung_up(s->rollout) : 0;
			tpl = s->enabled ? PICK(r, r_enable_at) : PICK(r, r_disable_reset);
		} else {
			s->rules[below(r, (uint64_t)s->nrules)].serve_on ^= 1;
			tpl = PICK(r, r_serve);
		}
		e->action = "flag.update";
		if (bot)
			tpl = PICK(r, r_bot_sync);
	}
	context(g, e, tpl, s->rollout, -1);
}

static void background_segment(struct gen *g, struct ev *e, usec_t t, int seg, int env)
{
	struct rng *r = &g->rc;
	struct state *s = &g->st[seg][env];
	int actor = chance(r, 100) ? NPEOPLE + BOT_SYNC : pick_person(g, r, -1);
	uint64_t y;

	begin_event(g, e, t, actor, seg, env);
	if (!s->exists) {
		create_state(g, seg, env);
		e->action = "segment.create";
		context(g, e, PICK(r, r_segment_create), 0, -1);
		return;
	}
	bump(s);
	y = below(r, 1000);
	if (!s->nincluded || y < 500) {
		int user, dup;

		if (s->nincluded == MAX_INCLUDED) {
			memmove(&s->included[0], &s->included[1], (MAX_INCLUDED - 1) * sizeof(int));
			s->nincluded--;
		}
		do {
			user = (int)range(r, 1000, 99999);
			dup = 0;
			for (int i = 0; i < s->nincluded; i++)
				dup |= s->included[i] == user;
		} while (dup);
		s->included[s->nincluded++] = user;
	} else if (y < 750) {
		int i = (int)below(r, (uint64_t)s->nincluded);

		memmove(&s->included[i], &s->included[i + 1], (size_t)(s->nincluded - i - 1) * sizeof(int));
		s->nincluded--;
	} else {
		tweak_cond(r, &s->rules[0].conds[0]);
	}
	e->action = "segment.update";
	context(g, e, PICK(r, r_segment), 0, -1);
}

static void background_config(struct gen *g, struct ev *e, usec_t t, int tg, int env)
{
	struct rng *r = &g->rc;
	struct state *s = &g->st[tg][env];
	int c = tg - NFLAGS - NSEGS, n = config_nparams(c);
	int actor = chance(r, 300) ? NPEOPLE + BOT_TERRAFORM : pick_person(g, r, config_defs[c].svc);

	begin_event(g, e, t, actor, tg, env);
	if (!s->exists) {
		create_state(g, tg, env);
		e->action = "config.create";
		context(g, e, PICK(r, r_config_create), 0, -1);
		return;
	}
	bump(s);
	for (int k = chance(r, 300) ? 2 : 1; k > 0; k--) {
		int i = (int)below(r, (uint64_t)n), v = s->values[i];
		int delta = v * (int)range(r, 5, 30) / 100;

		if (delta < 1)
			delta = 1;
		v += chance(r, 500) || v - delta < 1 ? delta : -delta;
		s->values[i] = v;
	}
	e->action = "config.update";
	context(g, e, PICK(r, r_config), 0, -1);
}

static void emit_background(struct gen *g, usec_t t)
{
	struct rng *r = &g->rc;
	int env = pick_env(r), target = -1;
	uint64_t x = below(r, 1000);
	struct ev e;

	if (x < 880) {
		for (int tries = 0; tries < 8 && target < 0; tries++) {
			int f = (int)below(r, NFLAGS);

			if (g->locked[f][env] <= t)
				target = f;
		}
		if (target < 0)
			x = 900;
	}
	if (target >= 0)
		background_flag(g, &e, t, target, env);
	else if (x < 940)
		background_segment(g, &e, t, NFLAGS + (int)below(r, NSEGS), env);
	else
		background_config(g, &e, t, NFLAGS + NSEGS + (int)below(r, NCFGS), env);
	if (below(r, 500) == 0) {
		buf_reset(&g->reason);
		put_str(&g->reason, PICK(r, hostile_reasons));
	}
	write_event(g, &e);
}

void gen_options_init(struct gen_options *o)
{
	o->events = 10000;
	o->seed = 1;
	o->start = (usec_t)1772323200 * USEC; /* 2026-03-01T00:00:00Z */
	o->incidents = 0;                      /* events / 2000, at least 1 when written */
}

int gen_run(const struct gen_options *o, FILE *events_out, FILE *incidents_out)
{
	struct gen *g = xcalloc(1, sizeof(*g));
	struct buf key = BUF_INIT;
	uint64_t bi = 0;
	size_t pi = 0;
	usec_t bt = o->start;
	int ret = 0;

	g->o = o;
	g->out = events_out;
	buf_init(&g->out_buf);
	buf_init(&g->tmp);
	buf_init(&g->reason);
	buf_init(&g->corr);
	buf_init(&g->ticket);
	buf_init(&g->pr);
	buf_init(&g->build);
	g->cached_day = INT64_MIN;
	rng_seed(&g->rt, o->seed, 1);
	rng_seed(&g->rp, o->seed, 2);
	rng_seed(&g->rc, o->seed, 3);
	for (int t = 0; t < NTARGETS; t++) {
		int kind = target_kind(t);

		buf_reset(&key);
		if (kind == KIND_FLAG) {
			put_str(&key, svc_names[flag_defs[t].svc]);
			put_ch(&key, '-');
			put_str(&key, flag_defs[t].feature);
		} else {
			put_str(&key, kind == KIND_SEGMENT ? segment_defs[t - NFLAGS].key :
				   config_defs[t - NFLAGS - NSEGS].key);
		}
		g->keys[t] = xstrdup(key.buf);
		for (int env = 0; env < NENV; env++)
			buf_init(&g->cache[t][env]);
	}
	buf_release(&key);
	for (int i = 0; i < NPEOPLE; i++) {
		g->owners[i % NSVC][g->nowners[i % NSVC]++] = i;
		g->owners[(i + 3) % NSVC][g->nowners[(i + 3) % NSVC]++] = i;
	}
	plan(g, incidents_out != NULL);

	for (uint64_t i = 0; i < o->events; i++) {
		if (pi < g->nplan && (bi >= g->nbackground || g->plan[pi].t < bt)) {
			emit_planned(g, &g->plan[pi++]);
		} else {
			emit_background(g, bt);
			if (++bi < g->nbackground)
				bt += next_gap(&g->rt, bt);
		}
		if (g->out_buf.len >= FLUSH_AT)
			flush_out(g);
	}
	flush_out(g);
	if (!g->write_failed && fflush(events_out))
		g->write_failed = errno ? errno : EIO;
	if (g->write_failed) {
		ret = error("cannot write events: %s", strerror(g->write_failed));
		goto out;
	}
	if (incidents_out) {
		g->out = incidents_out;
		for (unsigned i = 0; i < g->ninc; i++)
			put_incident(g, &g->out_buf, &g->inc[i], i);
		flush_out(g);
		if (!g->write_failed && fflush(incidents_out))
			g->write_failed = errno ? errno : EIO;
		if (g->write_failed)
			ret = error("cannot write incidents: %s", strerror(g->write_failed));
	}
out:
	for (int t = 0; t < NTARGETS; t++) {
		free(g->keys[t]);
		for (int env = 0; env < NENV; env++)
			buf_release(&g->cache[t][env]);
	}
	buf_release(&g->out_buf);
	buf_release(&g->tmp);
	buf_release(&g->reason);
	buf_release(&g->corr);
	buf_release(&g->ticket);
	buf_release(&g->pr);
	buf_release(&g->build);
	free(g->inc);
	free(g->bursts);
	free(g->plan);
	free(g);
	return ret;
}
