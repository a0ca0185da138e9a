/*
 * test_gen.c - unit tests for the test-data generator (gen.c): same
 * options give the same bytes; every line is valid JSON in the generic
 * schema; each event's previous_state is the last new_state of its target
 * and environment; times never go back; every incident's planted cause is
 * a big production change to one of its services 5-40 minutes before it
 * started, among the promised distractors; hostile strings arrive escaped.
 * Costs a second or two: parsing ~22,000 lines with jansson dominates.
 */
#include <stdint.h>

#include <jansson.h>

#include "check.h"
#include "trailscope/buf.h"
#include "trailscope/gen.h"
#include "trailscope/util.h"

#define MIN_USEC ((usec_t)60000000)

struct out {
	char *ev, *inc;
	size_t ev_len, inc_len;
};

/* Runs the generator into memory; incidents only when with_inc. */
static int run_gen(const struct gen_options *o, int with_inc, struct out *out)
{
	FILE *ev = open_memstream(&out->ev, &out->ev_len);
	FILE *inc = with_inc ? open_memstream(&out->inc, &out->inc_len) : NULL;
	int ret;

	out->inc = NULL;
	out->inc_len = 0;
	if (!ev || (with_inc && !inc)) {
		fprintf(stderr, "  open_memstream failed\n");
		exit(2);
	}
	ret = gen_run(o, ev, inc);
	fclose(ev);
	if (inc)
		fclose(inc);
	return ret;
}

static void out_free(struct out *out)
{
	free(out->ev);
	free(out->inc);
}

/* One parsed event, with borrowed pointers into j. */
struct rec {
	json_t *j;
	usec_t ts;
	const char *id, *env, *kind, *key, *action, *reason;
	json_t *prev, *next;
};

struct parsed {
	struct rec *v;
	size_t n;
};

static const char *str_at(json_t *obj, const char *k1, const char *k2)
{
	json_t *v = json_object_get(obj, k1);

	if (k2)
		v = json_object_get(v, k2);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int one_of(const char *s, const char *const *list)
{
	for (; s && *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

/* Splits text into lines and parses each; CHECKs the schema and, when
 * numbered, that event ids count up from evt-00000001. */
static void parse_lines(const char *text, size_t len, int numbered, struct parsed *p)
{
	static const char *const envs[] = { "production", "staging", "development", NULL };
	static const char *const kinds[] = { "flag", "segment", "config", NULL };
	static const char *const actions[] = {
		"flag.create", "flag.update", "flag.toggle", "flag.rollout", "flag.rules", "flag.delete",
		"segment.create", "segment.update", "config.create", "config.update", NULL,
	};
	size_t alloc = 0;
	const char *line = text, *end = text + len;
	int bad = 0;

	p->v = NULL;
	p->n = 0;
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		json_error_t err;
		struct rec *r;
		json_t *appr;
		const char *why;

		CHECK(nl != NULL);
		if (!nl)
			break;
		ALLOC_GROW(p->v, p->n + 1, alloc);
		r = &p->v[p->n];
		memset(r, 0, sizeof(*r));
		r->j = json_loadb(line, (size_t)(nl - line), JSON_REJECT_DUPLICATES, &err);
		line = nl + 1;
		if (!r->j) {
			if (bad++ < 3)
				fprintf(stderr, "  line %zu: %s\n", p->n + 1, err.text);
			CHECK(r->j != NULL);
			continue;
		}
		p->n++;
		r->id = str_at(r->j, "event_id", NULL);
		r->env = str_at(r->j, "environment", NULL);
		r->kind = str_at(r->j, "target", "kind");
		r->key = str_at(r->j, "target", "key");
		r->action = str_at(r->j, "action", NULL);
		r->reason = str_at(r->j, "reason", NULL);
		r->prev = json_object_get(r->j, "previous_state");
		r->next = json_object_get(r->j, "new_state");
		CHECK(r->id && !strncmp(r->id, "evt-", 4) && strlen(r->id) >= 12);
		if (numbered)
			CHECK(r->id && strtoul(r->id + 4, NULL, 10) == p->n);
		CHECK(str_at(r->j, "timestamp", NULL) &&
		      !time_parse_iso(str_at(r->j, "timestamp", NULL), &r->ts, &why));
		CHECK(str_at(r->j, "actor", "id") && str_at(r->j, "actor", "display_name") &&
		      str_at(r->j, "actor", "auth_method"));
		CHECK(one_of(str_at(r->j, "actor", "type"), (const char *const[]){ "user", "service", NULL }));
		CHECK(one_of(r->action, actions));
		CHECK(one_of(r->kind, kinds) && r->key && *r->key);
		CHECK(one_of(r->env, envs));
		CHECK(r->next ? json_is_object(r->next) : !strcmp(r->action, "flag.delete"));
		CHECK(!r->prev || json_is_object(r->prev));
		appr = json_object_get(r->j, "approval");
		CHECK(json_is_boolean(json_object_get(appr, "required")));
		if (json_object_get(appr, "approved_by"))
			CHECK(json_is_true(json_object_get(appr, "required")) &&
			      str_at(appr, "approved_at", NULL));
	}
}

static void parsed_free(struct parsed *p)
{
	for (size_t i = 0; i < p->n; i++)
		json_decref(p->v[i].j);
	free(p->v);
}

static struct rec *find_event(struct parsed *p, const char *id)
{
	for (size_t i = 0; id && i < p->n; i++)
		if (!strcmp(p->v[i].id, id))
			return &p->v[i];
	return NULL;
}

static int has_tag(json_t *state, const char *tag)
{
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(state, "tags"), i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), tag))
			return 1;
	return 0;
}

/* A flag key belongs to a service when it starts with "<service>-". */
static int key_of(const char *key, const char *svc)
{
	size_t n = strlen(svc);

	return !strncmp(key, svc, n) && key[n] == '-';
}

static json_t *without_version(json_t *state)
{
	json_t *c = json_deep_copy(state);

	json_object_del(c, "version");
	return c;
}

TEST(test_deterministic)
{
	struct gen_options o;
	struct out a, b, c, d;

	gen_options_init(&o);
	o.events = 3000;
	o.seed = 42;
	o.incidents = 3;
	CHECK_INT(run_gen(&o, 1, &a), 0);
	CHECK_INT(run_gen(&o, 1, &b), 0);
	CHECK(a.ev_len > 0 && a.ev_len == b.ev_len && !memcmp(a.ev, b.ev, a.ev_len));
	CHECK(a.inc_len > 0 && a.inc_len == b.inc_len && !memcmp(a.inc, b.inc, a.inc_len));
	/* the events do not depend on whether incidents are written */
	CHECK_INT(run_gen(&o, 0, &c), 0);
	CHECK(a.ev_len == c.ev_len && !memcmp(a.ev, c.ev, a.ev_len));
	o.seed = 43;
	CHECK_INT(run_gen(&o, 1, &d), 0);
	CHECK(d.ev_len != a.ev_len || memcmp(a.ev, d.ev, a.ev_len));
	out_free(&a);
	out_free(&b);
	out_free(&c);
	out_free(&d);
}

/* previous_state of each event equals the last new_state of the same
 * target and environment; the first one (and the first after a delete)
 * is a create without previous_state. Times never go back. */
static void check_history(struct parsed *p, size_t min_targets)
{
	struct slot {
		char *key;
		json_t *state; /* borrowed; NULL when absent or deleted */
	} *slots = NULL;
	size_t nslots = 0, alloc = 0;
	struct buf key = BUF_INIT;
	int bad = 0;

	for (size_t i = 0; i < p->n; i++) {
		struct rec *r = &p->v[i];
		struct slot *s = NULL;

		if (i)
			CHECK(r->ts >= p->v[i - 1].ts);
		buf_reset(&key);
		buf_addf(&key, "%s/%s/%s", r->kind, r->key, r->env);
		for (size_t k = 0; k < nslots && !s; k++)
			if (!strcmp(slots[k].key, key.buf))
				s = &slots[k];
		if (!s) {
			ALLOC_GROW(slots, nslots + 1, alloc);
			s = &slots[nslots++];
			s->key = xstrdup(key.buf);
			s->state = NULL;
		}
		if (r->prev) {
			int ok = s->state && json_equal(r->prev, s->state);

			if (!ok && bad++ < 3)
				fprintf(stderr, "  %s: previous_state is not the last new_state of %s\n",
					r->id, key.buf);
			CHECK(ok);
		} else {
			CHECK(!s->state);
			CHECK(strstr(r->action, ".create") != NULL);
		}
		s->state = r->next;
	}
	CHECK(nslots >= min_targets);
	for (size_t k = 0; k < nslots; k++)
		free(slots[k].key);
	free(slots);
	buf_release(&key);
}

TEST(test_lines_and_history)
{
	struct gen_options o;
	struct out out;
	struct parsed p;

	gen_options_init(&o);
	o.events = 6000;
	o.seed = 7;
	CHECK_INT(run_gen(&o, 1, &out), 0);
	parse_lines(out.ev, out.ev_len, 1, &p);
	CHECK_INT(p.n, 6000);
	check_history(&p, 150); /* of ~70 flags, segments and configs in 3 environments */
	parsed_free(&p);
	out_free(&out);
}

/* Is there a change in env to a flag of service svc (or, when other, of
 * none of the incident's services) lo..hi minutes before started? */
static int change_near(struct parsed *p, json_t *inc, const char *env, int other,
		       usec_t started, int lo, int hi, const char *not_key)
{
	json_t *svcs = json_object_get(inc, "services");

	for (size_t i = 0; i < p->n; i++) {
		struct rec *r = &p->v[i];
		usec_t before = started - r->ts;
		int match = 0;
		size_t k;
		json_t *s;

		if (strcmp(r->env, env) || strcmp(r->kind, "flag") || before < lo * MIN_USEC ||
		    before > hi * MIN_USEC || (not_key && !strcmp(r->key, not_key)))
			continue;
		json_array_foreach(svcs, k, s)
			match |= key_of(r->key, json_string_value(s));
		if (other ? !match : match)
			return 1;
	}
	return 0;
}

TEST(test_incidents)
{
	struct gen_options o;
	struct out out;
	struct parsed p;
	const char *line, *end;
	int nincidents = 0, reverted = 0, missing = 0;

	gen_options_init(&o);
	o.events = 6000;
	o.seed = 11;
	o.incidents = 16;
	CHECK_INT(run_gen(&o, 1, &out), 0);
	parse_lines(out.ev, out.ev_len, 1, &p);
	CHECK_INT(p.n, 6000);
	for (line = out.inc, end = out.inc + out.inc_len; line < end; ) {
		const char *nl = memchr(line, '\n', (size_t)(end - line)), *why, *svc = NULL;
		json_t *inc, *svcs, *s, *appr;
		usec_t started = 0, detected = 0, resolved = 0;
		struct rec *cause;
		int tagged = 0, big;
		size_t k;

		CHECK(nl != NULL);
		if (!nl)
			break;
		inc = json_loadb(line, (size_t)(nl - line), JSON_REJECT_DUPLICATES, NULL);
		line = nl + 1;
		CHECK(inc != NULL);
		if (!inc)
			continue;
		nincidents++;
		CHECK(str_at(inc, "id", NULL) && !strncmp(str_at(inc, "id", NULL), "INC-", 4));
		CHECK(str_at(inc, "title", NULL) && str_at(inc, "severity", NULL));
		CHECK_STR(str_at(inc, "environment", NULL), "production");
		CHECK(!time_parse_iso(str_at(inc, "started_at", NULL), &started, &why));
		CHECK(!time_parse_iso(str_at(inc, "detected_at", NULL), &detected, &why));
		CHECK(!time_parse_iso(str_at(inc, "resolved_at", NULL), &resolved, &why));
		CHECK(detected - started >= 2 * MIN_USEC && detected - started <= 15 * MIN_USEC);
		CHECK(resolved - detected >= 15 * MIN_USEC && resolved - detected <= 120 * MIN_USEC);
		svcs = json_object_get(inc, "services");
		CHECK(json_array_size(svcs) >= 1);
		svc = json_string_value(json_array_get(svcs, 0));

		cause = find_event(&p, str_at(inc, "planted_cause", NULL));
		CHECK(cause != NULL);
		if (!cause || !svc) {
			json_decref(inc);
			continue;
		}
		CHECK_STR(cause->env, "production");
		CHECK_STR(cause->kind, "flag");
		CHECK(started - cause->ts >= 5 * MIN_USEC && started - cause->ts <= 40 * MIN_USEC);
		json_array_foreach(svcs, k, s)
			tagged |= has_tag(cause->next, json_string_value(s));
		CHECK(tagged);
		/* blast radius: off -> on, rollout <= 25 -> 100, or rules changed */
		big = cause->prev && cause->next &&
		      ((json_is_false(json_object_get(cause->prev, "enabled")) &&
			json_is_true(json_object_get(cause->next, "enabled"))) ||
		       (json_integer_value(json_object_get(cause->prev, "rollout_pct")) <= 25 &&
			json_integer_value(json_object_get(cause->next, "rollout_pct")) == 100) ||
		       !json_equal(json_object_get(cause->prev, "rules"), json_object_get(cause->next, "rules")));
		CHECK(big);
		appr = json_object_get(cause->j, "approval");
		missing += !json_object_get(appr, "approved_by");

		/* distractors */
		CHECK(change_near(&p, inc, "staging", 0, started, 1, 5, NULL));
		CHECK(change_near(&p, inc, "production", 1, started, 1, 8, NULL));
		CHECK(change_near(&p, inc, "production", 0, started, 20, 90, cause->key));

		/* a revert: the same target back to its previous state */
		for (size_t i = 0; i < p.n; i++) {
			struct rec *r = &p.v[i];
			json_t *a, *b;

			if (r->ts < started || r->ts > resolved || strcmp(r->key, cause->key) ||
			    strcmp(r->env, "production") || !r->next)
				continue;
			a = without_version(r->next);
			b = without_version(cause->prev);
			if (json_equal(a, b) && r->reason &&
			    (strcasestr(r->reason, "revert") || strcasestr(r->reason, "rollback"))) {
				CHECK(!strcmp(r->action, "flag.update") || !strcmp(r->action, "flag.toggle"));
				reverted++;
			}
			json_decref(a);
			json_decref(b);
		}
		json_decref(inc);
	}
	CHECK_INT(nincidents, 16);
	CHECK(reverted >= 6 && reverted <= 16);  /* ~70% */
	CHECK(missing >= 2 && missing <= 12);    /* ~40% */
	parsed_free(&p);
	out_free(&out);
}

TEST(test_hostile_escaped)
{
	struct gen_options o;
	struct out out;
	struct parsed p;
	struct buf hostile = BUF_INIT;
	int esc = 0, bidi = 0, tab = 0, cjk = 0, ctl = 0;

	gen_options_init(&o);
	o.events = 10000;
	o.seed = 5;
	CHECK_INT(run_gen(&o, 0, &out), 0);
	for (size_t i = 0; i < out.ev_len; i++)
		ctl += (unsigned char)out.ev[i] < 0x20 && out.ev[i] != '\n';
	CHECK_INT(ctl, 0);
	CHECK(strstr(out.ev, "\\u001b[31m") != NULL);
	CHECK(strstr(out.ev, "\\u202e") != NULL);
	/* only hostile reasons have a backslash or 変: parse just those lines */
	for (const char *line = out.ev, *nl; (nl = strchr(line, '\n')); line = nl + 1)
		if (memchr(line, '\\', (size_t)(nl - line)) || memmem(line, (size_t)(nl - line), "\xe5\xa4\x89", 3))
			buf_add(&hostile, line, (size_t)(nl - line + 1));
	parse_lines(hostile.buf, hostile.len, 0, &p);
	CHECK(p.n >= 10);
	for (size_t i = 0; i < p.n; i++) {
		const char *r = p.v[i].reason;

		if (!r)
			continue;
		esc |= strchr(r, 0x1b) != NULL;
		bidi |= strstr(r, "\xe2\x80\xae") != NULL;
		tab |= strchr(r, '\t') != NULL;
		cjk |= strstr(r, "\xe5\xa4\x89\xe6\x9b\xb4") != NULL; /* 変更 */
	}
	CHECK(esc && bidi && tab && cjk);
	parsed_free(&p);
	buf_release(&hostile);
	out_free(&out);
}

static int off_hours(usec_t t)
{
	int64_t day = t / (86400 * (usec_t)1000000), hour = t / (3600 * (usec_t)1000000) % 24;
	int dow = (int)((day + 4) % 7); /* 0 = Sunday */

	return dow == 0 || dow == 6 || hour < 9 || hour >= 18;
}

TEST(test_realistic_mix)
{
	struct gen_options o;
	struct out out;
	struct parsed p;
	size_t prod = 0, staging = 0, dev = 0, after = 0, service = 0, pp = 0, approved = 0, missing = 0;
	int rapid = 0;
	double days;

	gen_options_init(&o);
	CHECK_INT(o.events, 10000);
	CHECK_INT(run_gen(&o, 0, &out), 0);
	parse_lines(out.ev, out.ev_len, 1, &p);
	CHECK_INT(p.n, 10000);
	CHECK_STR(str_at(p.v[0].j, "timestamp", NULL), "2026-03-01T00:00:00.000000Z");
	days = (double)(p.v[p.n - 1].ts - p.v[0].ts) / 86400e6;
	CHECK(days > 24 && days < 37);
	for (size_t i = 0; i < p.n; i++) {
		struct rec *r = &p.v[i];
		int user = !strcmp(str_at(r->j, "actor", "type"), "user");

		prod += !strcmp(r->env, "production");
		staging += !strcmp(r->env, "staging");
		dev += !strcmp(r->env, "development");
		after += off_hours(r->ts);
		service += !user;
		if (user && !strcmp(r->env, "production")) {
			json_t *a = json_object_get(r->j, "approval");

			pp++;
			approved += json_object_get(a, "approved_by") != NULL;
			missing += json_is_true(json_object_get(a, "required")) && !json_object_get(a, "approved_by");
		}
		/* rapid toggling: 3 toggles of one flag in one environment within 10 min */
		if (!strcmp(r->action, "flag.toggle")) {
			int n = 1;

			for (size_t j = i + 1; j < p.n && p.v[j].ts - r->ts <= 10 * MIN_USEC; j++)
				n += !strcmp(p.v[j].action, "flag.toggle") && !strcmp(p.v[j].key, r->key) &&
				     !strcmp(p.v[j].env, r->env);
			rapid |= n >= 3;
		}
	}
	CHECK(prod > 4000 && prod < 5000);
	CHECK(staging > 3000 && staging < 4000);
	CHECK(dev > 1500 && dev < 2500);
	CHECK(after > 1000 && after < 4000);
	CHECK(service > 1000);
	CHECK(approved * 10 > pp * 6 && approved * 10 < pp * 8);
	CHECK(missing * 100 > pp * 5 && missing * 100 < pp * 15);
	CHECK(rapid);
	parsed_free(&p);
	out_free(&out);
}

TEST(test_tiny_and_start)
{
	struct gen_options o;
	struct out out;
	struct parsed p;
	usec_t start;
	const char *why;

	gen_options_init(&o);
	o.events = 1;
	CHECK_INT(run_gen(&o, 0, &out), 0);
	parse_lines(out.ev, out.ev_len, 1, &p);
	CHECK_INT(p.n, 1);
	parsed_free(&p);
	out_free(&out);

	/* six events are enough for one incident, even with no history yet */
	CHECK(!time_parse_iso("2025-12-31T23:59:59.5Z", &start, &why));
	o.events = 6;
	o.start = start;
	CHECK_INT(run_gen(&o, 1, &out), 0);
	parse_lines(out.ev, out.ev_len, 1, &p);
	CHECK_INT(p.n, 6);
	check_history(&p, 1);
	CHECK(p.n && p.v[0].ts == start);
	CHECK(out.inc_len > 0 && strstr(out.inc, "\"planted_cause\":\"evt-0000000") != NULL);
	parsed_free(&p);
	out_free(&out);
}

TEST(test_write_error)
{
	struct gen_options o;
	FILE *f = fopen("/dev/full", "w");

	if (!f)
		return;
	gen_options_init(&o);
	o.events = 5000;
	set_error_quiet(1);
	CHECK_INT(gen_run(&o, f, NULL), -1);
	set_error_quiet(0);
	fclose(f);
}

int main(void)
{
	RUN(test_deterministic);
	RUN(test_lines_and_history);
	RUN(test_incidents);
	RUN(test_hostile_escaped);
	RUN(test_realistic_mix);
	RUN(test_tiny_and_start);
	RUN(test_write_error);
	return CHECK_DONE();
}
