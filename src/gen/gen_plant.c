/*
 * gen_plant.c - planted events: each incident's cause, revert and
 * distractors and the toggle bursts, their reason templates, and the plan
 * that places them among the background events.
 */
#include <stdlib.h>

#include "gen_int.h"

static const char *const r_flap_off[] = {
	"Disable {f}: error spike", "Disable {f} again", "Kill {f}, alerts firing",
};
static const char *const r_flap_on[] = {
	"Re-enable {f}, looked like noise", "Enable {f} again", "Try {f} once more",
};
static const char *const r_cause[NCAUSE][3] = {
	[CAUSE_TOGGLE_ON] = { "Launch {f} to all users", "Enable {f} in production",
			      "Turn on {f}: go/no-go approved" },
	[CAUSE_JUMP] = { "Ramp {f} to 100%", "Full rollout of {f}", "GA: {k} to 100%" },
	[CAUSE_WIDEN] = { "Widen {f} targeting", "Open {f} to every customer", "Expand targeting for {f}" },
	[CAUSE_BROAD_RULE] = { "Serve {f} to all plans", "Add catch-all rule for {f}",
			       "Expand {f} to every plan" },
	[CAUSE_CREATE] = { "Create and launch {k}", "Launch {f} (new flag)", "Create {k} enabled for everyone" },
};
static const char *const r_revert[] = {
	"Revert {k} during {i}", "Rollback: {f} suspected in {i}", "Revert last change to {k} ({i})",
};
static const char *const r_staging[] = {
	"Try {f} in staging before the production launch", "Staging: full rollout of {f}",
	"QA sign-off run for {f}",
};
static const char *const r_small_rollout[] = { "Nudge {f} rollout to {n}%", "Tiny ramp of {k}: {n}%" };
static const char *const r_small_desc[] = { "Fix typo in {k} description", "Clarify description of {k}" };

/* ---- planted events ---------------------------------------------------- */

static int absent_p(const struct state *s)
{
	return !s->exists;
}

/* Makes the change of the given type (which must suit the state; see
 * cause_type_for) and returns its action. */
static const char *apply_big_change(struct gen *g, int f, int env, int type)
{
	struct state *s = &g->st[f][env];

	switch (type) {
	case CAUSE_TOGGLE_ON:
		bump(s);
		s->enabled = 1;
		if (s->rollout < 10) {
			s->rollout = 100;
			return "flag.update";
		}
		return "flag.toggle";
	case CAUSE_JUMP:
		bump(s);
		s->rollout = 100;
		return "flag.rollout";
	case CAUSE_WIDEN: {
		struct rule *ru = &s->rules[widenable_rule(s)];

		bump(s);
		for (int c = 0; c < ru->nconds; c++)
			ru->conds[c].mask = attrs[ru->conds[c].attr].single ? 1u :
				(1u << attr_nvalues(ru->conds[c].attr)) - 1;
		ru->serve_on = 1;
		return "flag.rules";
	}
	case CAUSE_BROAD_RULE: {
		struct rule ru;

		bump(s);
		memset(&ru, 0, sizeof(ru));
		ru.id = s->next_rule++;
		ru.nconds = 1;
		ru.conds[0].attr = ATTR_PLAN;
		ru.conds[0].mask = (1u << attr_nvalues(ATTR_PLAN)) - 1;
		ru.serve_on = 1;
		rule_insert_front(s, &ru);
		return "flag.rules";
	}
	default:
		create_state(g, f, env);
		s->enabled = 1;
		s->rollout = 100;
		return "flag.create";
	}
}

/* A type of big change the state allows: want if it can, else the first
 * that fits. */
static int cause_type_for(const struct state *s, int want)
{
	static state_pred *const fits[] = { can_toggle_on, can_jump, can_widen, can_broad_rule };

	if (!s->exists)
		return CAUSE_CREATE;
	if (want < CAUSE_CREATE && fits[want](s))
		return want;
	for (int i = 0; i < CAUSE_CREATE; i++)
		if (fits[i](s))
			return i;
	return CAUSE_BROAD_RULE;
}

/* Settles the incident's culprit flag when its first event is written and
 * reserves it in production until the incident is resolved, so that the
 * background leaves it alone and a revert restores exactly its state. */
static void choose_cause(struct gen *g, struct incident *in, usec_t now)
{
	static state_pred *const fits[] = { can_toggle_on, can_jump, can_widen, can_broad_rule };
	struct rng *r = &g->rc;
	int f = -1;

	for (int i = 0; i < CAUSE_CREATE && f < 0; i++)
		f = pick_flag(g, r, in->svc, -1, -1, ENV_PROD, -1, now, fits[(in->preferred + i) % CAUSE_CREATE]);
	if (f < 0)
		f = pick_flag(g, r, in->svc, -1, -1, ENV_PROD, -1, now, absent_p);
	if (f < 0) {
		/* every flag of the service is reserved: share one */
		int cand[NFLAGS], n = 0;

		for (int i = 0; i < NFLAGS; i++)
			if (flag_defs[i].svc == in->svc)
				cand[n++] = i;
		f = cand[below(r, (uint64_t)n)];
	}
	in->cause_flag = f;
	in->cause_type = cause_type_for(&g->st[f][ENV_PROD], in->preferred);
	in->chosen = 1;
	if (g->locked[f][ENV_PROD] < in->resolved + 1)
		g->locked[f][ENV_PROD] = in->resolved + 1;
}

static void emit_cause(struct gen *g, struct incident *in, struct ev *e, usec_t t)
{
	int f = in->cause_flag;
	struct state *s = &g->st[f][ENV_PROD];

	begin_event(g, e, t, in->actor, f, ENV_PROD);
	in->saved = *s;
	in->cause_type = cause_type_for(s, in->cause_type);
	e->action = apply_big_change(g, f, ENV_PROD, in->cause_type);
	in->cause_action = e->action;
	context(g, e, PICK(&g->rc, r_cause[in->cause_type]), s->rollout, -1);
	set_approval(g, e, in->missing_approval ? AP_MISSING : AP_APPROVED);
	in->cause_seq = g->seq + 1;
}

static void emit_revert(struct gen *g, struct incident *in, unsigned idx, struct ev *e, usec_t t)
{
	int f = in->cause_flag;
	struct state *s = &g->st[f][ENV_PROD];

	begin_event(g, e, t, pick_person(g, &g->rc, in->svc), f, ENV_PROD);
	if (!s->exists) {
		create_state(g, f, ENV_PROD);
		e->action = "flag.create";
	} else if (!in->saved.exists) {
		bump(s);
		s->enabled = 0;
		e->action = "flag.toggle";
	} else {
		int version = s->version, next_rule = s->next_rule;

		*s = in->saved;
		s->version = version + 1;
		s->next_rule = next_rule;
		e->action = !strcmp(in->cause_action, "flag.toggle") ? "flag.toggle" : "flag.update";
	}
	context(g, e, PICK(&g->rc, r_revert), 0, (int)idx);
	buf_reset(&g->corr);
	put_incident_id(&g->corr, idx);
	set_approval(g, e, chance(&g->rc, 500) ? AP_APPROVED : AP_NOT_REQUIRED);
}

/* The same service's flag in staging, changed a lot, just before the
 * incident: tempting, but the wrong environment. */
static void emit_staging(struct gen *g, struct incident *in, struct ev *e, usec_t t)
{
	struct rng *r = &g->rc;
	int f = in->cause_flag;
	struct state *s;
	int actor = chance(r, 700) ? pick_person(g, r, in->svc) : NPEOPLE + BOT_DEPLOY;

	if (g->locked[f][ENV_STAGING] > t || !g->st[f][ENV_STAGING].exists) {
		int other = pick_flag(g, r, in->svc, -1, -1, ENV_STAGING, -1, t, exists_p);

		if (other >= 0)
			f = other;
	}
	s = &g->st[f][ENV_STAGING];
	begin_event(g, e, t, actor, f, ENV_STAGING);
	e->action = apply_big_change(g, f, ENV_STAGING, cause_type_for(s, s->exists && s->rollout < 100 ?
									 CAUSE_JUMP : CAUSE_TOGGLE_ON));
	context(g, e, PICK(r, r_staging), s->rollout, -1);
}

/* Another service's flag in production, changed closer to the start. */
static void emit_other(struct gen *g, struct incident *in, struct ev *e, usec_t t)
{
	struct rng *r = &g->rc;
	int f = pick_flag(g, r, -1, in->svc, in->svc2, ENV_PROD, -1, t, exists_p);
	struct state *s;
	const char *tpl;

	if (f < 0)
		f = pick_flag(g, r, -1, in->svc, in->svc2, ENV_PROD, -1, t, absent_p);
	if (f < 0)
		f = (in->cause_flag + NFLAGS / 2) % NFLAGS;
	s = &g->st[f][ENV_PROD];
	begin_event(g, e, t, pick_person(g, r, flag_defs[f].svc), f, ENV_PROD);
	if (!s->exists) {
		create_state(g, f, ENV_PROD);
		e->action = "flag.create";
		tpl = PICK(r, r_create);
	} else if (s->rollout < 100 && chance(r, 600)) {
		bump(s);
		s->rollout = rung_up(s->rollout);
		e->action = "flag.rollout";
		tpl = PICK(r, r_ramp_up);
	} else {
		bump(s);
		s->enabled = !s->enabled;
		e->action = "flag.toggle";
		tpl = s->enabled ? PICK(r, r_toggle_on) : PICK(r, r_toggle_off);
	}
	context(g, e, tpl, s->rollout, -1);
}

/* A small change to another flag of the same service, well before. */
static void emit_small(struct gen *g, struct incident *in, struct ev *e, usec_t t)
{
	struct rng *r = &g->rc;
	int f = pick_flag(g, r, in->svc, -1, -1, ENV_PROD, in->cause_flag, t, exists_p);
	struct state *s;
	const char *tpl;

	if (f < 0)
		f = pick_flag(g, r, in->svc, -1, -1, ENV_PROD, in->cause_flag, t, absent_p);
	if (f < 0)
		f = pick_flag(g, r, -1, -1, -1, ENV_PROD, in->cause_flag, t, exists_p);
	if (f < 0)
		f = (in->cause_flag + 1) % NFLAGS;
	s = &g->st[f][ENV_PROD];
	begin_event(g, e, t, pick_person(g, r, flag_defs[f].svc), f, ENV_PROD);
	if (!s->exists) {
		create_state(g, f, ENV_PROD);
		s->enabled = 0;
		e->action = "flag.create";
		tpl = PICK(r, r_create);
	} else if (s->enabled && s->rollout >= 1 && s->rollout < 50) {
		bump(s);
		s->rollout++;
		e->action = "flag.rollout";
		tpl = PICK(r, r_small_rollout);
	} else {
		bump(s);
		s->desc_rev++;
		e->action = "flag.update";
		tpl = PICK(r, r_small_desc);
	}
	context(g, e, tpl, s->rollout, -1);
}

static void emit_burst(struct gen *g, struct burst *bu, usec_t t)
{
	struct rng *r = &g->rc;
	struct state *s;
	struct ev e;
	int f;

	if (!bu->chosen) {
		f = pick_flag(g, r, -1, -1, -1, bu->env, -1, t, exists_p);
		if (f < 0)
			f = pick_flag(g, r, -1, -1, -1, bu->env, -1, t, absent_p);
		if (f < 0)
			f = (int)below(r, NFLAGS);
		bu->flag = f;
		bu->actor = chance(r, 800) ? pick_person(g, r, flag_defs[f].svc) : NPEOPLE + BOT_OPS;
		bu->chosen = 1;
		if (g->locked[f][bu->env] < bu->until + 1)
			g->locked[f][bu->env] = bu->until + 1;
	}
	f = bu->flag;
	s = &g->st[f][bu->env];
	begin_event(g, &e, t, bu->actor, f, bu->env);
	if (!s->exists) {
		create_state(g, f, bu->env);
		e.action = "flag.create";
		context(g, &e, PICK(r, r_create), 0, -1);
	} else {
		bump(s);
		s->enabled = !s->enabled;
		e.action = "flag.toggle";
		context(g, &e, s->enabled ? PICK(r, r_flap_on) : PICK(r, r_flap_off), 0, -1);
	}
	write_event(g, &e);
}

void emit_planned(struct gen *g, const struct planned *p)
{
	struct incident *in;
	struct ev e;

	if (p->kind == P_BURST) {
		emit_burst(g, &g->bursts[p->idx], p->t);
		return;
	}
	in = &g->inc[p->idx];
	if (!in->chosen)
		choose_cause(g, in, p->t);
	switch (p->kind) {
	case P_INC_CAUSE: emit_cause(g, in, &e, p->t); break;
	case P_INC_REVERT: emit_revert(g, in, p->idx, &e, p->t); break;
	case P_INC_STAGING: emit_staging(g, in, &e, p->t); break;
	case P_INC_OTHER: emit_other(g, in, &e, p->t); break;
	default: emit_small(g, in, &e, p->t); break;
	}
	write_event(g, &e);
}

/* ---- planning ---------------------------------------------------------- */

static void add_plan(struct gen *g, usec_t t, int kind, uint32_t idx)
{
	struct planned *p;

	ALLOC_GROW(g->plan, g->nplan + 1, g->plan_alloc);
	p = &g->plan[g->nplan];
	p->t = t;
	p->order = (uint32_t)g->nplan;
	p->idx = idx;
	p->kind = (unsigned char)kind;
	g->nplan++;
}

static int plan_cmp(const void *a, const void *b)
{
	const struct planned *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Decides how many incidents and toggle bursts to plant, draws the
 * background timeline once to learn its span, and places every planted
 * event in it. */
void plan(struct gen *g, int want_incidents)
{
	const struct gen_options *o = g->o;
	struct rng *r = &g->rp, clone;
	uint64_t n = o->events, k, m = 0, nb;
	usec_t t, span, eff, slot, base;

	k = o->incidents ? o->incidents : n / 2000;
	if (!k && want_incidents)
		k = 1;
	if (k > n / 6)
		k = n / 6;
	g->ninc = (unsigned)k;
	g->inc = xcalloc(k ? k : 1, sizeof(*g->inc));
	for (uint64_t i = 0; i < k; i++) {
		struct incident *in = &g->inc[i];
		uint64_t sev = below(r, 100);

		in->svc = (int)below(r, NSVC);
		in->svc2 = chance(r, 250) ? (in->svc + 1 + (int)below(r, NSVC - 1)) % NSVC : -1;
		in->severity = sev < 15 ? 1 : sev < 60 ? 2 : 3;
		in->title = (int)below(r, 2);
		in->revert = chance(r, 700);
		in->actor = chance(r, 250) ? NPEOPLE + (chance(r, 500) ? BOT_DEPLOY : BOT_RELEASE) :
					     pick_person(g, r, in->svc);
		in->missing_approval = chance(r, 400);
		in->preferred = (int)below(r, CAUSE_CREATE);
		m += 4 + (uint64_t)in->revert;
	}
	nb = n / 1500;
	g->bursts = xcalloc(nb ? nb : 1, sizeof(*g->bursts));
	for (g->nbursts = 0; g->nbursts < nb && m + 4 <= n / 2; g->nbursts++) {
		g->bursts[g->nbursts].steps = 3 + chance(r, 500);
		m += (uint64_t)g->bursts[g->nbursts].steps;
	}
	g->nbackground = n - m;

	clone = g->rt;
	t = o->start;
	for (uint64_t i = 1; i < g->nbackground; i++)
		t += next_gap(&clone, t);
	span = t - o->start;
	eff = span > (usec_t)k * 4 * HOUR ? span : (usec_t)k * 4 * HOUR;
	base = (floor_div(o->start + 95 * MINUTE, USEC) + 1) * USEC;
	slot = k ? eff / (usec_t)k : 0;
	for (uint64_t i = 0; i < k; i++) {
		struct incident *in = &g->inc[i];
		usec_t s = base + slot * (usec_t)i + slot / 2 + range(r, -slot / 4, slot / 4);

		s = floor_div(s, USEC) * USEC;
		if (s < base)
			s = base;
		in->started = s;
		in->detected = s + range(r, 120, 900) * USEC;
		in->resolved = in->detected + range(r, 900, 7200) * USEC;
		add_plan(g, s - range(r, 20 * MINUTE, 90 * MINUTE), P_INC_SMALL, (uint32_t)i);
		add_plan(g, s - range(r, 5 * MINUTE + USEC, 40 * MINUTE - USEC), P_INC_CAUSE, (uint32_t)i);
		add_plan(g, s - range(r, MINUTE, 8 * MINUTE), P_INC_OTHER, (uint32_t)i);
		add_plan(g, s - range(r, MINUTE, 5 * MINUTE), P_INC_STAGING, (uint32_t)i);
		if (in->revert)
			add_plan(g, range(r, in->detected, in->resolved - USEC), P_INC_REVERT, (uint32_t)i);
	}
	for (unsigned j = 0; j < g->nbursts; j++) {
		struct burst *bu = &g->bursts[j];
		t = o->start + range(r, 0, span);
		for (int s = 0; s < bu->steps; s++) {
			if (s)
				t += range(r, 40 * USEC, 180 * USEC);
			add_plan(g, t, P_BURST, j);
		}
		bu->until = t;
		bu->env = pick_env(r);
	}
	if (g->nplan)
		qsort(g->plan, g->nplan, sizeof(*g->plan), plan_cmp);
}
