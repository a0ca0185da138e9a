/*
 * correlate.c - the incident correlation model (see correlate.h and
 * docs/CORRELATION.md): a candidate's score is the sum of weighted,
 * explained signals. The weights are the one table below.
 *
 * Cost: one range read of the window on entries_ts (at most max_changes
 * rows, each leaf parsed once and diffed once), for each change made by a
 * service account one read of at most 500 rows of its target's history on
 * entries_target, and a revert check against at most 64 later changes to
 * the same target. Memory: the window's states, nothing else.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trailscope/correlate.h"
#include "trailscope/diff.h"
#include "trailscope/jcs.h"
#include "trailscope/risk.h"
#include "row_read.h"

#define MINUTE ((usec_t)60 * 1000000)
#define HISTORY_ROWS 500      /* a target's recent changes read for the service-account signal */
#define UNDO_SCAN 64          /* later changes to the same target checked for a revert */

const struct correlate_signal_def correlate_signals[NSIGNALS] = {
	[SIG_TIME] = { "time", 0.30 },
	[SIG_DURING] = { "during", -0.20 },
	[SIG_ENVIRONMENT] = { "environment", 0.30 },
	[SIG_OTHER_ENV] = { "other-environment", -0.40 },
	[SIG_SERVICE] = { "service", 0.35 },
	[SIG_EXPOSURE] = { "exposure", 0.30 },
	[SIG_MASS_ROLLOUT] = { "mass-rollout", 0.10 },
	[SIG_WIDENED] = { "targeting", 0.25 },
	[SIG_DELETE] = { "delete", 0.25 },
	[SIG_NO_APPROVAL] = { "no-approval", 0.10 },
	[SIG_AFTER_HOURS] = { "after-hours", 0.05 },
	[SIG_SERVICE_ACCOUNT] = { "service-account", 0.10 },
	[SIG_RAPID_TOGGLE] = { "rapid-toggle", 0.10 },
	[SIG_REVERTED] = { "reverted", 0.50 },
	[SIG_UNDONE_BEFORE] = { "undone-before", -0.30 },
	[SIG_IS_REVERT] = { "is-revert", -0.20 },
	[SIG_FAILED] = { "failed", -1.00 },
	[SIG_NO_CHANGE] = { "no-change", -0.50 },
	[SIG_GAP] = { "gap", 0 },
};

const char *correlate_tier_name(int tier)
{
	return tier == TIER_FAILED ? "failed" : tier == TIER_NO_OP ? "no-op" : "change";
}

int correlate_signal_lookup(const char *name)
{
	for (int i = 0; i < NSIGNALS; i++)
		if (!strcmp(correlate_signals[i].name, name))
			return i;
	return -1;
}

void correlate_options_init(struct correlate_options *o)
{
	memset(o, 0, sizeof(*o));
	o->lookback = INCIDENT_LOOKBACK;
	o->time_scale = 60 * MINUTE;
	o->biz_from = 9;
	o->biz_to = 18;
	o->utc_offset_min = 0;
	o->max_changes = 20000;
	for (int i = 0; i < NSIGNALS; i++)
		o->weight[i] = correlate_signals[i].weight;
}

void correlate_facts_init(struct correlate_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->environment = f->target = f->actor = f->actor_type = f->action = "";
	f->before_known = 1;
	f->people_share = -1;
	f->reverted_at = INCIDENT_NO_TIME;
}

/* ---- option values ------------------------------------------------------ */

int correlate_parse_duration(const char *s, usec_t *out, const char **why)
{
	usec_t d;
	int rc = time_parse_duration(s, (usec_t)3660 * 86400 * 1000000, &d);

	*why = rc == -2 ? "duration longer than ten years" : "expected a duration like 2h, 90m, 1d or 1h30m";
	if (rc)
		return -1;
	if (d <= 0) {
		*why = "duration must be positive";
		return -1;
	}
	*out = d;
	return 0;
}

static int parse_small(const char **p, int max, int *out)
{
	int n = 0, digits = 0;

	while (**p >= '0' && **p <= '9' && digits < 2) {
		n = n * 10 + (*(*p)++ - '0');
		digits++;
	}
	if (!digits || n > max)
		return -1;
	*out = n;
	return 0;
}

int correlate_parse_hours(const char *s, int *from, int *to, const char **why)
{
	const char *p = s;
	int a, b;

	*why = "expected business hours like 09-18 (whole hours, local time)";
	if (parse_small(&p, 24, &a) || *p++ != '-' || parse_small(&p, 24, &b) || *p)
		return -1;
	if (a >= b) {
		*why = "business hours must start before they end (09-18)";
		return -1;
	}
	*from = a;
	*to = b;
	return 0;
}

int correlate_parse_tz(const char *s, int *offset_min, const char **why)
{
	const char *p = s;
	int sign, h, m = 0;

	*why = "expected a UTC offset like +02:00, -0530 or UTC";
	if (!strcasecmp(s, "utc") || !strcmp(s, "Z") || !strcasecmp(s, "gmt")) {
		*offset_min = 0;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if (parse_small(&p, 14, &h))
		return -1;
	if (*p == ':')
		p++;
	if (*p && parse_small(&p, 59, &m))
		return -1;
	if (*p)
		return -1;
	*offset_min = sign * (h * 60 + m);
	return 0;
}

int correlate_parse_weight(struct correlate_options *o, const char *s, const char **why)
{
	const char *eq = strchr(s, '=');
	char name[32], *end;
	double w;
	int sig;

	*why = "expected NAME=WEIGHT, e.g. reverted=0.6";
	if (!eq || eq == s || (size_t)(eq - s) >= sizeof(name))
		return -1;
	memcpy(name, s, (size_t)(eq - s));
	name[eq - s] = '\0';
	sig = correlate_signal_lookup(name);
	if (sig < 0) {
		*why = "unknown signal name (see docs/CORRELATION.md)";
		return -1;
	}
	w = strtod(eq + 1, &end);
	if (end == eq + 1 || *end || !isfinite(w) || fabs(w) > 100) {
		*why = "the weight must be a number between -100 and 100";
		return -1;
	}
	o->weight[sig] = w;
	return 0;
}

/* ---- facts derived from states ------------------------------------------- */

static int is_production(const char *env)
{
	return !strncasecmp(env, "prod", 4) || !strcasecmp(env, "prd") || !strcasecmp(env, "live");
}

/* 1 on, 0 off, -1 not a switch value. */
static int switch_value(const json_t *v)
{
	static const char *const on[] = { "on", "true", "enabled", "active" };
	static const char *const off[] = { "off", "false", "disabled", "inactive" };

	if (json_is_boolean(v))
		return json_is_true(v);
	if (!json_is_string(v))
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(on); i++) {
		if (!strcasecmp(json_string_value(v), on[i]))
			return 1;
		if (!strcasecmp(json_string_value(v), off[i]))
			return 0;
	}
	return -1;
}

static int is_pct_key(const char *key)
{
	return strcasestr(key, "pct") || strcasestr(key, "percent") || !strcasecmp(key, "rollout");
}

/* The state's top-level rollout percentage, or -1. */
static double rollout_of(const json_t *state)
{
	const char *key;
	json_t *v;

	if (!json_is_object(state))
		return -1;
	json_object_foreach((json_t *)state, key, v)
		if (is_pct_key(key) && json_is_number(v))
			return json_number_value(v) < 0 ? 0 : json_number_value(v) > 100 ? 100 :
			       json_number_value(v);
	return -1;
}

double correlate_exposure(const json_t *state)
{
	static const char *const keys[] = { "enabled", "on", "state", "active" };
	int sw = -1;

	if (!state || json_is_null(state))
		return 0;
	if (!json_is_object(state)) {
		sw = switch_value(state);
		return sw < 0 ? -1 : sw * 100.0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(keys) && sw < 0; i++)
		sw = switch_value(json_object_get(state, keys[i]));
	if (sw < 0)
		return -1;
	if (!sw)
		return 0;
	return rollout_of(state) >= 0 ? rollout_of(state) : 100;
}

/* Does path name the member key anywhere ("rules[0].conditions" has
 * "conditions")? */
static int path_has_key(const char *path, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = strstr(path, key); p; p = strstr(p + 1, key)) {
		int before_ok = p == path || p[-1] == '.' || p[-1] == '"';
		char after = p[n];

		if (before_ok && (after == '\0' || after == '.' || after == '[' || after == '"'))
			return 1;
	}
	return 0;
}

static int is_targeting_path(const char *path)
{
	static const char *const keys[] = {
		"rules", "conditions", "clauses", "targets", "segments", "included", "includes",
		"values", "audience", "audiences", "constraints", "strategies", "userIds", "groups",
	};

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (path_has_key(path, keys[i]))
			return 1;
	return 0;
}

static const char *last_key(const char *path)
{
	const char *dot = strrchr(path, '.');

	return dot ? dot + 1 : path;
}

/* Members that change with every write and say nothing about behaviour. */
static int is_bookkeeping(const char *path)
{
	static const char *const keys[] = {
		"version", "_version", "revision", "resourceVersion", "generation", "etag", "_etag",
		"updated_at", "updatedAt", "modified_at", "modifiedAt", "last_modified", "lastModified",
		"_lastModified", "managedFields",
	};

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (path_has_key(path, keys[i]))
			return 1;
	return 0;
}

/* The same state, bookkeeping members aside (both absent counts as the same). */
static int same_state(const json_t *a, const json_t *b)
{
	struct change_list l = CHANGE_LIST_INIT;
	int same = 1;

	if (!a || !b)
		return !a && !b;
	diff_json(a, b, 1, &l);
	for (size_t i = 0; i < l.n && same; i++)
		same = is_bookkeeping(l.v[i].path);
	change_list_release(&l);
	return same;
}

int correlate_is_undo(const json_t *before, int before_known, const json_t *after,
		      const json_t *later_before, int later_before_known, const json_t *later_after)
{
	if (!before_known || !later_before_known)
		return 0;
	return !same_state(before, after) && same_state(later_before, after) && same_state(later_after, before);
}

/* Lower-case words of s joined by '-' ("My Mail Service" -> "my-mail-service"). */
static void normalise(const char *s, struct buf *out)
{
	int dash = 0;

	buf_reset(out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80) {
			if (dash && out->len)
				buf_addch(out, '-');
			buf_addch(out, c);
			dash = 0;
		} else if (c >= 'A' && c <= 'Z') {
			if (dash && out->len)
				buf_addch(out, '-');
			buf_addch(out, c - 'A' + 'a');
			dash = 0;
		} else {
			dash = 1;
		}
	}
}

/* Equal words, a trailing "s" aside ("payment" is "payments"). */
static int word_eq(const char *a, size_t la, const char *b, size_t lb)
{
	if (la > 3 && a[la - 1] == 's')
		la--;
	if (lb > 3 && b[lb - 1] == 's')
		lb--;
	return la == lb && !memcmp(a, b, la);
}

/* Do the words of svc appear, in order and next to each other, among the
 * words of text (both normalised: words joined by '-')? */
static int words_match(const char *text, const char *svc)
{
	for (const char *t = text; *t; ) {
		const char *a = t, *b = svc;

		for (;;) {
			size_t la = strcspn(a, "-"), lb = strcspn(b, "-");

			if (!word_eq(a, la, b, lb))
				break;
			if (!b[lb])
				return 1;
			if (!a[la])
				return 0;
			a += la + 1;
			b += lb + 1;
		}
		t += strcspn(t, "-");
		if (*t)
			t++;
	}
	return 0;
}

static int value_matches(const json_t *v, const char *svc, struct buf *tmp)
{
	if (!json_is_string(v))
		return 0;
	normalise(json_string_value(v), tmp);
	return !strcmp(tmp->buf, svc) || words_match(tmp->buf, svc);
}

int correlate_service_match(const char *service, const char *target, const json_t *state, struct buf *why)
{
	static const char *const single[] = { "service", "app", "application", "component", "team", "owner" };
	struct buf svc = BUF_INIT, tmp = BUF_INIT;
	const json_t *labels;
	int ret = 0;
	size_t i;
	json_t *v;

	normalise(service, &svc);
	if (!svc.len)
		goto out;
	normalise(target, &tmp);
	if (words_match(tmp.buf, svc.buf)) {
		buf_addstr(why, "key");
		ret = 1;
		goto out;
	}
	if (!json_is_object(state))
		goto out;
	json_array_foreach(json_object_get(state, "tags"), i, v) {
		if (value_matches(v, svc.buf, &tmp)) {
			buf_addstr(why, "tag");
			ret = 1;
			goto out;
		}
	}
	json_array_foreach(json_object_get(state, "services"), i, v) {
		if (value_matches(v, svc.buf, &tmp)) {
			buf_addstr(why, "services");
			ret = 1;
			goto out;
		}
	}
	for (i = 0; i < ARRAY_SIZE(single); i++) {
		if (value_matches(json_object_get(state, single[i]), svc.buf, &tmp)) {
			buf_addf(why, "%s", single[i]);
			ret = 1;
			goto out;
		}
	}
	labels = json_object_get(state, "labels");
	if (!labels)
		labels = json_object_get(json_object_get(state, "metadata"), "labels");
	if (json_is_object(labels)) {
		const char *key;

		json_object_foreach((json_t *)labels, key, v) {
			if (value_matches(v, svc.buf, &tmp)) {
				buf_addstr(why, "label ");
				buf_add_term_safe(why, key, strlen(key) > 64 ? 64 : strlen(key));
				ret = 1;
				goto out;
			}
		}
	}
out:
	buf_release(&svc);
	buf_release(&tmp);
	return ret;
}

/* ---- scoring -------------------------------------------------------------- */

static void add_reason(struct correlate_candidate *c, enum correlate_signal sig, double w,
		       const struct buf *text)
{
	struct correlate_reason *r;

	if (w == 0 && sig != SIG_GAP) /* a gap is said even when it weighs nothing */
		return;
	ALLOC_GROW(c->reasons, c->nreasons + 1, c->alloc);
	r = &c->reasons[c->nreasons++];
	r->signal = sig;
	r->weight = w;
	r->text = xstrdup(text->buf);
	c->score += w;
}

static int reason_cmp(const void *a, const void *b)
{
	const struct correlate_reason *x = a, *y = b;

	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return (int)x->signal - (int)y->signal;
}

/* The targeting widened: the first path that gained a rule, a value, a
 * target or switched a rule to serve. Appends it to out; returns the
 * number of such changes. */
static int widened(const struct change_list *l, struct buf *out)
{
	int n = 0;

	for (size_t i = 0; i < l->n; i++) {
		const struct change *c = &l->v[i];
		int grew = 0;

		if (c->before_unknown || !is_targeting_path(c->path))
			continue;
		if (c->kind == CHANGE_ADDED)
			grew = 1;
		else if (c->kind == CHANGE_CHANGED && (!strcmp(last_key(c->path), "serve") ||
						       !strcmp(last_key(c->path), "enabled")) &&
			 switch_value(c->after) == 1 && switch_value(c->before) == 0)
			grew = 1;
		if (grew && !n++)
			buf_add_term_safe(out, c->path, strlen(c->path) > 80 ? 80 : strlen(c->path));
	}
	return n;
}

/* The known state after is the state before, exactly (both absent counts). */
static int same_known_state(const struct correlate_facts *f)
{
	if (!f->before_known)
		return 0;
	if (!f->before || !f->after)
		return !f->before && !f->after;
	return json_equal(f->before, f->after);
}

static const char *const weekdays[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };

void correlate_score(const struct incident *in, const struct correlate_options *o,
		     const struct correlate_facts *f, struct correlate_candidate *c)
{
	const double *w = o->weight;
	struct buf t = BUF_INIT, tmp = BUF_INIT;
	usec_t dt = in->started - f->t;
	const char *ienv = *in->environment ? in->environment : "production";
	const json_t *state = f->after ? f->after : f->before;
	double eb, ea;

	c->score = 0;
	/* time */
	buf_addstr(&t, "made ");
	time_format_duration(dt, &t);
	if (dt >= 0) {
		buf_addstr(&t, " before impact start");
		add_reason(c, SIG_TIME, w[SIG_TIME] * exp(-(double)dt / (double)o->time_scale), &t);
	} else {
		buf_addstr(&t, " after impact start");
		add_reason(c, SIG_DURING, w[SIG_DURING], &t);
	}
	/* environment */
	if (*f->environment) {
		int same = (is_production(ienv) && is_production(f->environment)) ||
			   !strcasecmp(ienv, f->environment);

		buf_reset(&t);
		buf_addstr(&t, "in ");
		buf_add_term_safe(&t, f->environment, strlen(f->environment) > 40 ? 40 : strlen(f->environment));
		if (same) {
			buf_addstr(&t, *in->environment ? ", the incident's environment" :
				   " (the incident gives none: production assumed)");
			add_reason(c, SIG_ENVIRONMENT, w[SIG_ENVIRONMENT], &t);
		} else {
			buf_addstr(&t, ", not ");
			buf_add_term_safe(&t, ienv, strlen(ienv) > 40 ? 40 : strlen(ienv));
			add_reason(c, SIG_OTHER_ENV, w[SIG_OTHER_ENV], &t);
		}
	}
	/* service */
	for (size_t i = 0; i < in->nservices; i++) {
		buf_reset(&tmp);
		if (correlate_service_match(in->services[i], f->target, state, &tmp)) {
			buf_reset(&t);
			buf_addstr(&t, "belongs to ");
			buf_add_term_safe(&t, in->services[i], strlen(in->services[i]) > 40 ? 40 :
					  strlen(in->services[i]));
			buf_addf(&t, " (%s)", tmp.buf);
			add_reason(c, SIG_SERVICE, w[SIG_SERVICE], &t);
			break;
		}
	}
	/* a failed request, or a change to the same state, changed nothing */
	c->tier = f->failed ? TIER_FAILED : same_known_state(f) ? TIER_NO_OP : TIER_CHANGE;
	if (c->tier == TIER_FAILED) {
		buf_reset(&t);
		buf_addstr(&t, "the request failed");
		if (f->failure) {
			buf_addstr(&t, " (");
			buf_add_term_safe(&t, f->failure, strlen(f->failure) > 80 ? 80 : strlen(f->failure));
			buf_addstr(&t, ")");
		}
		buf_addstr(&t, ": it changed nothing, so it ranks below every change that succeeded");
		add_reason(c, SIG_FAILED, w[SIG_FAILED], &t);
	} else if (c->tier == TIER_NO_OP) {
		buf_reset(&t);
		buf_addstr(&t, "its state after equals its state before: it changed nothing, so it ranks "
			   "below every change that did");
		add_reason(c, SIG_NO_CHANGE, w[SIG_NO_CHANGE], &t);
	}
	if (f->gap_before) {
		buf_reset(&t);
		buf_addf(&t, "history gap: its state before is not the state after #%lld (something unrecorded "
			 "happened between them)", (long long)f->gap_before);
		add_reason(c, SIG_GAP, w[SIG_GAP], &t);
	}
	if (f->gap_after) {
		buf_reset(&t);
		buf_addf(&t, "history gap: the next change, #%lld, did not start from its state after "
			 "(whether it was undone is not recorded)", (long long)f->gap_after);
		add_reason(c, SIG_GAP, w[SIG_GAP], &t);
	}
	if (c->tier != TIER_CHANGE)
		goto risks; /* no blast radius: nothing changed */
	/* blast radius */
	eb = f->before_known ? correlate_exposure(f->before) : -1;
	ea = correlate_exposure(f->after);
	if (eb >= 0 && ea > eb) {
		buf_reset(&t);
		buf_addf(&t, "exposure %g%% \u2192 %g%%", eb, ea);
		if (!f->before)
			buf_addstr(&t, " (created on)");
		else if (correlate_exposure(f->before) == 0)
			buf_addstr(&t, " (switched on)");
		add_reason(c, SIG_EXPOSURE, w[SIG_EXPOSURE] * (ea - eb) / 100.0, &t);
	}
	if (f->before_known) {
		double rb = f->before ? rollout_of(f->before) : 0, ra = rollout_of(f->after);

		if (rb >= 0 && ra >= 0 && ((ra >= 100 && rb < 100) || ra - rb >= 50)) {
			buf_reset(&t);
			buf_addf(&t, "rollout %g%% \u2192 %g%%", rb, ra);
			add_reason(c, SIG_MASS_ROLLOUT, w[SIG_MASS_ROLLOUT], &t);
		}
	}
	if (f->before_known && f->before && f->after) {
		struct change_list l = CHANGE_LIST_INIT;
		int n;

		diff_json(f->before, f->after, 1, &l);
		buf_reset(&tmp);
		n = widened(&l, &tmp);
		if (n) {
			buf_reset(&t);
			buf_addf(&t, "targeting widened at %s", tmp.buf);
			if (n > 1)
				buf_addf(&t, " (+%d more)", n - 1);
			add_reason(c, SIG_WIDENED, w[SIG_WIDENED], &t);
		}
		change_list_release(&l);
	}
	if ((f->before && !f->after && f->before_known) || strstr(f->action, "delete")) {
		buf_reset(&t);
		buf_addstr(&t, "deleted");
		add_reason(c, SIG_DELETE, w[SIG_DELETE], &t);
	}
risks:
	/* risk signals */
	if (f->risk & RISK_NO_APPROVAL) {
		buf_reset(&t);
		buf_addstr(&t, "approval required, nobody approved");
		add_reason(c, SIG_NO_APPROVAL, w[SIG_NO_APPROVAL], &t);
	}
	{
		int wday, hour, minute;
		int off = o->utc_offset_min < 0 ? -o->utc_offset_min : o->utc_offset_min;

		time_local_clock(f->t, o->utc_offset_min, &wday, &hour, &minute);
		if (wday >= 5 || hour < o->biz_from || hour >= o->biz_to) {
			buf_reset(&t);
			buf_addf(&t, "outside business hours (%s %02d:%02d at UTC%c%02d:%02d; hours %02d-%02d Mon-Fri)",
				 weekdays[wday], hour, minute,
				 o->utc_offset_min < 0 ? '-' : '+', off / 60, off % 60, o->biz_from, o->biz_to);
			add_reason(c, SIG_AFTER_HOURS, w[SIG_AFTER_HOURS], &t);
		}
	}
	if (!strcmp(f->actor_type, "service") && f->people_share >= 0.75 && f->people_sample >= 5) {
		buf_reset(&t);
		buf_addstr(&t, "service account ");
		buf_add_term_safe(&t, f->actor, strlen(f->actor) > 40 ? 40 : strlen(f->actor));
		buf_addf(&t, " made a change people make (%.0f%% of %d recent ", 100 * f->people_share,
			 f->people_sample);
		buf_add_term_safe(&t, f->action, strlen(f->action) > 40 ? 40 : strlen(f->action));
		buf_addstr(&t, " changes to this target)");
		add_reason(c, SIG_SERVICE_ACCOUNT, w[SIG_SERVICE_ACCOUNT], &t);
	}
	if (f->risk & RISK_RAPID_TOGGLE) {
		buf_reset(&t);
		buf_addstr(&t, "toggled again within 30 min of other toggles");
		add_reason(c, SIG_RAPID_TOGGLE, w[SIG_RAPID_TOGGLE], &t);
	}
	/* reverts */
	if (f->reverted_at != INCIDENT_NO_TIME && c->tier == TIER_CHANGE) {
		buf_reset(&t);
		if (f->reverted_at >= in->started) {
			/* responders revert once they know: before detection it may be chance */
			int known = in->detected == INCIDENT_NO_TIME || f->reverted_at >= in->detected;

			buf_addstr(&t, "reverted ");
			time_format_duration(f->reverted_at - in->started, &t);
			buf_addf(&t, " after impact start%s (by seq %lld)", known ? "" : ", before detection",
				 (long long)f->reverted_by);
			add_reason(c, SIG_REVERTED, w[SIG_REVERTED] * (known ? 1.0 : 0.5), &t);
		} else {
			buf_addf(&t, "undone before impact start (by seq %lld)", (long long)f->reverted_by);
			add_reason(c, SIG_UNDONE_BEFORE, w[SIG_UNDONE_BEFORE], &t);
		}
	}
	if (f->reverts && dt < 0 && c->tier == TIER_CHANGE) {
		buf_reset(&t);
		buf_addf(&t, "undoes #%lld", (long long)f->reverts);
		add_reason(c, SIG_IS_REVERT, w[SIG_IS_REVERT], &t);
	}
	if (c->nreasons > 1)
		qsort(c->reasons, c->nreasons, sizeof(*c->reasons), reason_cmp);
	buf_release(&t);
	buf_release(&tmp);
}

void correlate_reason_format(const struct correlate_reason *r, struct buf *out)
{
	buf_addf(out, "%+.2f %s", r->weight, r->text);
}

/* ---- over the store ------------------------------------------------------ */

struct window_row {
	struct correlate_candidate c;
	json_t *before, *after, *context; /* own references */
	int before_known;
	int failed;                        /* the leaf's outcome is "failure" */
	char *failure;                     /* its code and message, or NULL; owned */
};

/* Does later start from the state after r? Unknown on either side: yes
 * (nothing to tell). */
static int chains(const struct window_row *r, const struct window_row *later)
{
	if (!later->before_known || (!r->before_known && !r->after))
		return 1;
	return r->after ? later->before && json_equal(r->after, later->before) : !later->before;
}

/* Share of the target's recent changes (of this action when there are
 * enough) made by people. Returns 0 or -1. */
static int people_share(struct store *s, const struct correlate_candidate *c, double *share, int *sample)
{
	/* seq breaks ties in ts, so both backends take the same 500 */
	const struct row_param p[] = { ROW_TEXT(c->target), ROW_TEXT(c->ts) };
	struct buf err = BUF_INIT;
	struct rows *r = row_open(s, "SELECT actor_type, action FROM entries WHERE target = $1 AND ts < $2"
				  " ORDER BY ts DESC, seq DESC LIMIT 500", p, 2, "the target's history", &err);
	int rc = -1, same = 0, same_people = 0, all = 0, all_people = 0;

	while (r && (rc = rows_next(r)) == 1) {
		const char *type = rows_col(r, 0)->p;
		const char *action = rows_col(r, 1)->p;
		int person = type && !strcmp(type, "user");

		all++;
		all_people += person;
		if (action && !strcmp(action, c->action)) {
			same++;
			same_people += person;
		}
	}
	if (r && rc < 0)
		row_fail(s, &err);
	rows_close(r);
	buf_release(&err);
	if (rc != 0)
		return -1;
	if (same >= 5) {
		*share = (double)same_people / same;
		*sample = same;
	} else {
		*share = all ? (double)all_people / all : -1;
		*sample = all;
	}
	return 0;
}

static int candidate_cmp(const void *a, const void *b)
{
	const struct correlate_candidate *x = a, *y = b;

	if (x->tier != y->tier)
		return x->tier < y->tier ? -1 : 1;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0; /* later (closer) first */
}

void correlate_candidate_release(struct correlate_candidate *c)
{
	free(c->event_id);
	free(c->actor);
	free(c->actor_type);
	free(c->action);
	free(c->target);
	free(c->target_kind);
	free(c->environment);
	free(c->summary);
	for (size_t i = 0; i < c->nreasons; i++)
		free(c->reasons[i].text);
	free(c->reasons);
}

int correlate_run(struct store *s, const struct incident *in, const struct correlate_options *o,
		  struct correlation *out)
{
	struct window_row *rows = NULL;
	size_t n = 0, alloc = 0;
	struct rows *st;
	char from[32], to[32];
	struct buf err = BUF_INIT;
	int rc = -1, ret = -1;

	memset(out, 0, sizeof(*out));
	incident_window_lookback(in, o->lookback, &out->from, &out->to);
	time_format(out->from, from);
	time_format(out->to, to);
	{
		const struct row_param p[] = { ROW_TEXT(from), ROW_TEXT(to), ROW_INT((int64_t)o->max_changes + 1) };

		st = row_open(s, "SELECT seq, event_id, ts, actor, actor_type, action, target, target_kind,"
			      " environment, summary, risk, leaf FROM entries WHERE ts >= $1 AND ts <= $2"
			      " ORDER BY ts, seq LIMIT $3", p, 3, "the incident's window", &err);
	}
	while (st && (rc = rows_next(st)) == 1) {
		struct window_row *r;
		const char *ts = rows_col(st, 2)->p, *why;
		json_t *leaf;

		if (n == o->max_changes) {
			out->truncated = 1;
			break;
		}
		ALLOC_GROW(rows, n + 1, alloc);
		r = &rows[n++];
		memset(r, 0, sizeof(*r));
		r->c.seq = rows_col(st, 0)->i;
		r->c.event_id = row_dup(st, 1);
		snprintf(r->c.ts, sizeof(r->c.ts), "%s", ts ? ts : "");
		if (!ts || time_parse_iso(ts, &r->c.t, &why))
			r->c.t = in->started;
		r->c.actor = row_dup(st, 3);
		r->c.actor_type = row_dup(st, 4);
		r->c.action = row_dup(st, 5);
		r->c.target = row_dup(st, 6);
		r->c.target_kind = row_dup(st, 7);
		r->c.environment = row_dup(st, 8);
		r->c.summary = row_dup(st, 9);
		r->c.risk = (unsigned)rows_col(st, 10)->i;
		leaf = row_json(st, 11);
		r->before_known = json_is_true(json_object_get(leaf, "before_known"));
		r->before = json_incref(json_object_get(leaf, "before"));
		r->after = json_incref(json_object_get(leaf, "after"));
		r->context = json_incref(json_object_get(leaf, "context"));
		{
			/* a version 1 leaf has no outcome: taken as a success */
			json_t *oc = json_object_get(leaf, "outcome");
			const char *status = json_string_value(json_object_get(oc, "status"));
			const char *code = json_string_value(json_object_get(oc, "code"));
			const char *msg = json_string_value(json_object_get(oc, "message"));

			r->failed = outcome_parse(status) == OUTCOME_FAILURE;
			if (r->failed && (code || msg)) {
				struct buf fb = BUF_INIT;

				buf_addf(&fb, "%s%s%s", code ? code : "", code && msg ? ": " : "", msg ? msg : "");
				r->failure = buf_detach(&fb, NULL);
			}
		}
		if (json_is_null(r->before)) {
			json_decref(r->before);
			r->before = NULL;
		}
		if (json_is_null(r->after)) {
			json_decref(r->after);
			r->after = NULL;
		}
		json_decref(leaf);
	}
	if (st && rc < 0)
		row_fail(s, &err);
	rows_close(st);
	if (rc < 0)
		goto out;
	out->changes = n;
	for (size_t i = 0; i < n; i++) {
		struct window_row *r = &rows[i];
		struct correlate_facts f;
		int scanned = 0;

		correlate_facts_init(&f);
		f.t = r->c.t;
		f.environment = r->c.environment;
		f.target = r->c.target;
		f.actor = r->c.actor;
		f.actor_type = r->c.actor_type;
		f.action = r->c.action;
		f.before = r->before;
		f.after = r->after;
		f.before_known = r->before_known;
		f.context = r->context;
		f.risk = r->c.risk;
		if (!strcmp(r->c.actor_type, "service") &&
		    people_share(s, &r->c, &f.people_share, &f.people_sample))
			goto out;
		f.failed = r->failed;
		f.failure = r->failure;
		/* a failed request changed nothing: it neither reverts, is
		 * reverted, nor breaks the chain; nor do the ones around it */
		for (size_t k = i + 1; !r->failed && k < n && scanned < UNDO_SCAN; k++) {
			struct window_row *q = &rows[k];

			if (q->failed || strcmp(q->c.target, r->c.target) || strcmp(q->c.environment, r->c.environment))
				continue;
			if (!scanned++ && !chains(r, q))
				f.gap_after = q->c.seq;
			/* the first later change to the same target that really restores its state before */
			if (correlate_is_undo(r->before, r->before_known, r->after, q->before, q->before_known,
					      q->after)) {
				f.reverted_at = q->c.t;
				f.reverted_by = q->c.seq;
				r->c.reverted_by = q->c.t >= in->started ? q->c.seq : 0;
				break;
			}
		}
		/* the nearest earlier change: does this one chain from it, undo it? */
		for (size_t k = i; !r->failed && k-- > 0;) {
			struct window_row *q = &rows[k];

			if (q->failed || strcmp(q->c.target, r->c.target) || strcmp(q->c.environment, r->c.environment))
				continue;
			if (!chains(q, r))
				f.gap_before = q->c.seq;
			if (correlate_is_undo(q->before, q->before_known, q->after, r->before, r->before_known, r->after))
				f.reverts = q->c.seq;
			break;
		}
		correlate_score(in, o, &f, &r->c);
	}
	for (size_t i = 0; i < n; i++) {
		ALLOC_GROW(out->v, out->n + 1, out->alloc);
		out->v[out->n++] = rows[i].c;
		memset(&rows[i].c, 0, sizeof(rows[i].c));
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), candidate_cmp);
	for (size_t i = 0; i < out->n; i++)
		out->v[i].rank = (int)i + 1;
	ret = 0;
out:
	for (size_t i = 0; i < n; i++) {
		correlate_candidate_release(&rows[i].c);
		json_decref(rows[i].before);
		json_decref(rows[i].after);
		json_decref(rows[i].context);
		free(rows[i].failure);
	}
	free(rows);
	buf_release(&err);
	if (ret)
		correlation_release(out);
	return ret;
}

void correlation_release(struct correlation *c)
{
	for (size_t i = 0; i < c->n; i++)
		correlate_candidate_release(&c->v[i]);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

json_t *correlation_to_json(const struct incident *in, const struct correlation *c, size_t limit)
{
	json_t *o = json_object(), *cands = json_array();
	char from[32], to[32];
	struct buf b = BUF_INIT;

	time_format(c->from, from);
	time_format(c->to, to);
	json_object_set_new(o, "incident", incident_to_json(in));
	json_object_set_new(o, "window", json_pack("{s:s, s:s, s:I, s:b}", "from", from, "to", to,
						   "changes", (json_int_t)c->changes, "truncated", c->truncated));
	for (size_t i = 0; i < c->n && (!limit || i < limit); i++) {
		const struct correlate_candidate *k = &c->v[i];
		json_t *j = json_object(), *reasons = json_array(), *signals = json_array();

		json_object_set_new(j, "rank", json_integer(k->rank));
		json_object_set_new(j, "seq", json_integer((json_int_t)k->seq));
		json_object_set_new(j, "event_id", json_string(k->event_id));
		json_object_set_new(j, "score", json_real(round(k->score * 1000) / 1000));
		json_object_set_new(j, "ts", json_string(k->ts));
		json_object_set_new(j, "actor", json_string(k->actor));
		json_object_set_new(j, "actor_type", json_string(k->actor_type));
		json_object_set_new(j, "action", json_string(k->action));
		json_object_set_new(j, "target", json_string(k->target));
		json_object_set_new(j, "target_kind", json_string(k->target_kind));
		json_object_set_new(j, "environment", json_string(k->environment));
		json_object_set_new(j, "summary", json_string(k->summary));
		json_object_set_new(j, "tier", json_string(correlate_tier_name(k->tier)));
		for (size_t r = 0; r < k->nreasons; r++) {
			buf_reset(&b);
			correlate_reason_format(&k->reasons[r], &b);
			json_array_append_new(reasons, json_string(b.buf));
			json_array_append_new(signals, json_pack("{s:s, s:f, s:s}",
				"signal", correlate_signals[k->reasons[r].signal].name,
				"weight", round(k->reasons[r].weight * 1000) / 1000,
				"detail", k->reasons[r].text));
		}
		json_object_set_new(j, "reasons", reasons);
		json_object_set_new(j, "signals", signals);
		if (k->reverted_by)
			json_object_set_new(j, "reverted_by", json_integer((json_int_t)k->reverted_by));
		json_array_append_new(cands, j);
	}
	json_object_set_new(o, "candidates", cands);
	buf_release(&b);
	return o;
}
