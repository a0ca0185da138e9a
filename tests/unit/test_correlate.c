/*
 * test_correlate.c - the correlation model: option parsing, each scoring
 * signal on its own, exposure, service matching, revert detection, and
 * the ranking of planted causes on generated incidents; plus state
 * reconstruction against the replayed generated events.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "trailscope/correlate.h"
#include "trailscope/gen.h"
#include "trailscope/history.h"
#include "trailscope/import.h"
#include "trailscope/jcs.h"
#include "trailscope/risk.h"
#include "trailscope/state.h"

static json_t *J(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &e);

	if (!v)
		fprintf(stderr, "bad test JSON: %s\n", text);
	return v;
}

static usec_t T(const char *s)
{
	usec_t t = 0;
	const char *why;

	if (time_parse_iso(s, &t, &why))
		fprintf(stderr, "bad test time %s\n", s);
	return t;
}

/* Wednesday 2026-03-04, 12:00 UTC; detected 10 min later, resolved after an hour. */
static void make_incident(struct incident *in)
{
	memset(in, 0, sizeof(*in));
	in->id = xstrdup("INC-1");
	in->title = xstrdup("Payments failing");
	in->severity = xstrdup("SEV1");
	in->environment = xstrdup("production");
	in->services = xmalloc(sizeof(char *));
	in->services[0] = xstrdup("payments");
	in->nservices = 1;
	in->started = T("2026-03-04T12:00:00Z");
	in->detected = T("2026-03-04T12:10:00Z");
	in->resolved = T("2026-03-04T13:00:00Z");
}

struct fixture {
	struct incident in;
	struct correlate_options o;
	struct correlate_facts f;
	struct correlate_candidate c;
	json_t *before, *after;
};

/* A user's harmless description edit to a payments flag, 10 min before. */
static void setup(struct fixture *x)
{
	make_incident(&x->in);
	correlate_options_init(&x->o);
	correlate_facts_init(&x->f);
	memset(&x->c, 0, sizeof(x->c));
	x->before = J("{\"enabled\": true, \"rollout_pct\": 100, \"description\": \"a\"}");
	x->after = J("{\"enabled\": true, \"rollout_pct\": 100, \"description\": \"b\"}");
	x->f.t = x->in.started - 10 * 60 * 1000000LL;
	x->f.environment = "production";
	x->f.target = "payments-new-flow";
	x->f.actor = "alice@example.com";
	x->f.actor_type = "user";
	x->f.action = "flag.update";
	x->f.before = x->before;
	x->f.after = x->after;
}

static void set_states(struct fixture *x, const char *before, const char *after)
{
	json_decref(x->before);
	json_decref(x->after);
	x->before = before ? J(before) : NULL;
	x->after = after ? J(after) : NULL;
	x->f.before = x->before;
	x->f.after = x->after;
}

static void score(struct fixture *x)
{
	correlate_candidate_release(&x->c);
	memset(&x->c, 0, sizeof(x->c));
	correlate_score(&x->in, &x->o, &x->f, &x->c);
}

static void teardown(struct fixture *x)
{
	correlate_candidate_release(&x->c);
	incident_release(&x->in);
	json_decref(x->before);
	json_decref(x->after);
}

static const struct correlate_reason *reason(const struct fixture *x, enum correlate_signal s)
{
	for (size_t i = 0; i < x->c.nreasons; i++)
		if (x->c.reasons[i].signal == s)
			return &x->c.reasons[i];
	return NULL;
}

static int near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

static double total(const struct fixture *x)
{
	double s = 0;

	for (size_t i = 0; i < x->c.nreasons; i++)
		s += x->c.reasons[i].weight;
	return s;
}

/* ---- option values ---------------------------------------------------- */

TEST(test_parse_duration)
{
	usec_t d;
	const char *why;

	CHECK(!correlate_parse_duration("2h", &d, &why) && d == 7200LL * 1000000);
	CHECK(!correlate_parse_duration("90m", &d, &why) && d == 5400LL * 1000000);
	CHECK(!correlate_parse_duration("1d", &d, &why) && d == 86400LL * 1000000);
	CHECK(!correlate_parse_duration("1h30m", &d, &why) && d == 5400LL * 1000000);
	CHECK(!correlate_parse_duration("45s", &d, &why) && d == 45LL * 1000000);
	CHECK(correlate_parse_duration("", &d, &why));
	CHECK(correlate_parse_duration("2", &d, &why));
	CHECK(correlate_parse_duration("h", &d, &why));
	CHECK(correlate_parse_duration("-1h", &d, &why));
	CHECK(correlate_parse_duration("0m", &d, &why));
	CHECK(correlate_parse_duration("2x", &d, &why));
	CHECK(correlate_parse_duration("99999999999h", &d, &why));
	CHECK(correlate_parse_duration("99999999w", &d, &why));
	CHECK(correlate_parse_duration("3000d3000d", &d, &why));
}

TEST(test_parse_hours_tz_weight)
{
	struct correlate_options o;
	int a, b, off;
	const char *why;

	CHECK(!correlate_parse_hours("09-18", &a, &b, &why) && a == 9 && b == 18);
	CHECK(!correlate_parse_hours("0-24", &a, &b, &why) && a == 0 && b == 24);
	CHECK(correlate_parse_hours("18-09", &a, &b, &why));
	CHECK(correlate_parse_hours("9-25", &a, &b, &why));
	CHECK(correlate_parse_hours("9", &a, &b, &why));
	CHECK(correlate_parse_hours("09-18x", &a, &b, &why));
	CHECK(!correlate_parse_tz("+02:00", &off, &why) && off == 120);
	CHECK(!correlate_parse_tz("-0530", &off, &why) && off == -330);
	CHECK(!correlate_parse_tz("+2", &off, &why) && off == 120);
	CHECK(!correlate_parse_tz("UTC", &off, &why) && off == 0);
	CHECK(correlate_parse_tz("2:00", &off, &why));
	CHECK(correlate_parse_tz("+02:99", &off, &why));
	CHECK(correlate_parse_tz("+15", &off, &why));
	correlate_options_init(&o);
	CHECK(!correlate_parse_weight(&o, "reverted=0.75", &why) && near(o.weight[SIG_REVERTED], 0.75));
	CHECK(!correlate_parse_weight(&o, "time=-0.5", &why) && near(o.weight[SIG_TIME], -0.5));
	CHECK(correlate_parse_weight(&o, "nope=1", &why));
	CHECK(correlate_parse_weight(&o, "reverted=", &why));
	CHECK(correlate_parse_weight(&o, "reverted=1e9", &why));
	CHECK(correlate_parse_weight(&o, "=1", &why));
	CHECK_INT(correlate_signal_lookup("service-account"), SIG_SERVICE_ACCOUNT);
	CHECK_INT(correlate_signal_lookup("bogus"), -1);
}

/* ---- facts ---------------------------------------------------------------- */

TEST(test_exposure)
{
	json_t *v;

	CHECK(near(correlate_exposure(NULL), 0));
	CHECK(near(correlate_exposure(v = J("{\"enabled\": false, \"rollout_pct\": 50}")), 0));
	json_decref(v);
	CHECK(near(correlate_exposure(v = J("{\"enabled\": true, \"rollout_pct\": 25}")), 25));
	json_decref(v);
	CHECK(near(correlate_exposure(v = J("{\"enabled\": true}")), 100));
	json_decref(v);
	CHECK(near(correlate_exposure(v = J("{\"on\": \"on\", \"percent\": 300}")), 100));
	json_decref(v);
	CHECK(near(correlate_exposure(v = J("\"off\"")), 0));
	json_decref(v);
	CHECK(near(correlate_exposure(v = J("\"on\"")), 100));
	json_decref(v);
	CHECK(correlate_exposure(v = J("{\"values\": {\"a\": 1}}")) < 0);
	json_decref(v);
}

TEST(test_service_match)
{
	struct buf why = BUF_INIT;
	json_t *st = J("{\"tags\": [\"Checkout\", \"ui\"], \"labels\": {\"app.kubernetes.io/name\": \"search-api\"}}");

	CHECK(correlate_service_match("payments", "payments-retry-v2", NULL, &why));
	CHECK_STR(why.buf, "key");
	CHECK(correlate_service_match("payment", "payments-retry-v2", NULL, &why));
	CHECK(correlate_service_match("Payments", "flags/payments_retry", NULL, &why));
	CHECK(!correlate_service_match("pay", "payments-retry-v2", NULL, &why));
	CHECK(!correlate_service_match("payments", "checkout-express-pay", NULL, &why));
	CHECK(correlate_service_match("My Mail Service", "my-mail-service-timeouts", NULL, &why));
	CHECK(!correlate_service_match("My Mail Service", "mail-service-timeouts", NULL, &why));
	buf_reset(&why);
	CHECK(correlate_service_match("checkout", "gift-cards", st, &why));
	CHECK_STR(why.buf, "tag");
	buf_reset(&why);
	CHECK(correlate_service_match("search-api", "ranking-weights", st, &why));
	CHECK_STR(why.buf, "label app.kubernetes.io/name");
	CHECK(!correlate_service_match("inventory", "ranking-weights", st, &why));
	CHECK(!correlate_service_match("", "payments", st, &why));
	json_decref(st);
	buf_release(&why);
}

TEST(test_undo)
{
	json_t *b = J("{\"enabled\": false, \"rollout_pct\": 10, \"version\": 1}");
	json_t *a = J("{\"enabled\": true, \"rollout_pct\": 10, \"version\": 2}");
	json_t *a2 = J("{\"enabled\": true, \"rollout_pct\": 10, \"version\": 7}");
	json_t *undo = J("{\"enabled\": false, \"rollout_pct\": 10, \"version\": 3}");
	json_t *other = J("{\"enabled\": true, \"rollout_pct\": 10, \"version\": 3, \"description\": \"x\"}");
	json_t *partial = J("{\"enabled\": false, \"rollout_pct\": 25, \"version\": 3}");
	json_t *same = J("{\"enabled\": true, \"rollout_pct\": 10, \"version\": 3}");

	CHECK(correlate_is_undo(b, 1, a, a, 1, undo));
	CHECK(correlate_is_undo(b, 1, a, a2, 1, undo)); /* bookkeeping aside */
	CHECK(!correlate_is_undo(b, 1, a, a, 1, other));
	/* the later change did not restore the state before: not a revert */
	CHECK(!correlate_is_undo(b, 1, a, a, 1, partial));
	/* a fake revert: it lands on the earlier state, but did not start from
	 * this change's state after (something unrecorded came between) */
	CHECK(!correlate_is_undo(b, 1, a, other, 1, undo));
	CHECK(!correlate_is_undo(b, 1, a, NULL, 0, undo)); /* its state before was never recorded */
	CHECK(!correlate_is_undo(b, 0, a, a, 1, undo));    /* nor this one's */
	CHECK(!correlate_is_undo(b, 1, a, a, 1, same));
	CHECK(!correlate_is_undo(b, 1, a, a, 1, NULL));    /* deleted is not undone */
	CHECK(correlate_is_undo(NULL, 1, a, a, 1, NULL));  /* created, then deleted */
	CHECK(!correlate_is_undo(a, 1, same, same, 1, a)); /* only bookkeeping changed: nothing to undo */
	CHECK(!correlate_is_undo(a, 1, a, a, 1, a));       /* a no-op is never reverted */
	json_decref(b);
	json_decref(a);
	json_decref(a2);
	json_decref(undo);
	json_decref(other);
	json_decref(partial);
	json_decref(same);
}

/* ---- each signal -------------------------------------------------------- */

TEST(test_signal_time_env_service)
{
	struct fixture x;
	const struct correlate_reason *r;

	setup(&x);
	score(&x);
	r = reason(&x, SIG_TIME);
	CHECK(r && near(r->weight, 0.30 * exp(-10.0 / 60)));
	CHECK(r && !strcmp(r->text, "made 10 min before impact start"));
	CHECK(reason(&x, SIG_ENVIRONMENT) && near(reason(&x, SIG_ENVIRONMENT)->weight, 0.30));
	CHECK(reason(&x, SIG_SERVICE) && !strcmp(reason(&x, SIG_SERVICE)->text, "belongs to payments (key)"));
	CHECK(!reason(&x, SIG_EXPOSURE) && !reason(&x, SIG_DURING) && !reason(&x, SIG_AFTER_HOURS));
	CHECK(near(x.c.score, total(&x)));
	/* closer scores higher */
	{
		double far = reason(&x, SIG_TIME)->weight;

		x.f.t = x.in.started - 60 * 1000000LL;
		score(&x);
		CHECK(reason(&x, SIG_TIME)->weight > far);
	}
	/* after impact start */
	x.f.t = x.in.started + 5 * 60 * 1000000LL;
	score(&x);
	CHECK(!reason(&x, SIG_TIME));
	CHECK(reason(&x, SIG_DURING) && reason(&x, SIG_DURING)->weight < 0);
	CHECK(reason(&x, SIG_DURING) && !strcmp(reason(&x, SIG_DURING)->text, "made 5 min after impact start"));
	/* another environment */
	x.f.environment = "staging";
	score(&x);
	CHECK(!reason(&x, SIG_ENVIRONMENT) && reason(&x, SIG_OTHER_ENV) && reason(&x, SIG_OTHER_ENV)->weight < 0);
	/* "prod" is production */
	x.f.environment = "prod-eu";
	score(&x);
	CHECK(reason(&x, SIG_ENVIRONMENT) != NULL);
	/* an incident without an environment assumes production */
	free(x.in.environment);
	x.in.environment = xstrdup("");
	x.f.environment = "production";
	score(&x);
	CHECK(reason(&x, SIG_ENVIRONMENT) && strstr(reason(&x, SIG_ENVIRONMENT)->text, "production assumed"));
	/* another service */
	x.f.target = "search-typo-tolerance";
	score(&x);
	CHECK(!reason(&x, SIG_SERVICE));
	teardown(&x);
}

TEST(test_signal_blast_radius)
{
	struct fixture x;

	setup(&x);
	/* off -> on */
	set_states(&x, "{\"enabled\": false, \"rollout_pct\": 100}", "{\"enabled\": true, \"rollout_pct\": 100}");
	score(&x);
	CHECK(reason(&x, SIG_EXPOSURE) && near(reason(&x, SIG_EXPOSURE)->weight, 0.30));
	CHECK(reason(&x, SIG_EXPOSURE) && strstr(reason(&x, SIG_EXPOSURE)->text, "switched on"));
	CHECK(!reason(&x, SIG_MASS_ROLLOUT));
	/* rollout 10 -> 100 */
	set_states(&x, "{\"enabled\": true, \"rollout_pct\": 10}", "{\"enabled\": true, \"rollout_pct\": 100}");
	score(&x);
	CHECK(reason(&x, SIG_EXPOSURE) && near(reason(&x, SIG_EXPOSURE)->weight, 0.30 * 0.9));
	CHECK(reason(&x, SIG_MASS_ROLLOUT) && !strcmp(reason(&x, SIG_MASS_ROLLOUT)->text, "rollout 10% \u2192 100%"));
	/* rollout down: neither */
	set_states(&x, "{\"enabled\": true, \"rollout_pct\": 50}", "{\"enabled\": true, \"rollout_pct\": 25}");
	score(&x);
	CHECK(!reason(&x, SIG_EXPOSURE) && !reason(&x, SIG_MASS_ROLLOUT));
	/* targeting widened: values added, a rule added */
	set_states(&x, "{\"enabled\": true, \"rules\": [{\"id\": \"r1\", \"values\": [\"pro\"]}]}",
		   "{\"enabled\": true, \"rules\": [{\"id\": \"r1\", \"values\": [\"pro\", \"free\", \"team\"]}]}");
	score(&x);
	CHECK(reason(&x, SIG_WIDENED) && strstr(reason(&x, SIG_WIDENED)->text, "rules[0].values[1]"));
	CHECK(reason(&x, SIG_WIDENED) && strstr(reason(&x, SIG_WIDENED)->text, "(+1 more)"));
	set_states(&x, "{\"enabled\": true, \"rules\": []}",
		   "{\"enabled\": true, \"rules\": [{\"id\": \"all\", \"serve\": \"on\"}]}");
	score(&x);
	CHECK(reason(&x, SIG_WIDENED) != NULL);
	/* narrowed is not widened */
	set_states(&x, "{\"enabled\": true, \"rules\": [{\"id\": \"r1\", \"values\": [\"pro\", \"free\"]}]}",
		   "{\"enabled\": true, \"rules\": [{\"id\": \"r1\", \"values\": [\"pro\"]}]}");
	score(&x);
	CHECK(!reason(&x, SIG_WIDENED));
	/* a delete */
	set_states(&x, "{\"enabled\": true}", NULL);
	score(&x);
	CHECK(reason(&x, SIG_DELETE) != NULL);
	/* created already on */
	set_states(&x, NULL, "{\"enabled\": true, \"rollout_pct\": 100}");
	score(&x);
	CHECK(reason(&x, SIG_EXPOSURE) && strstr(reason(&x, SIG_EXPOSURE)->text, "created on"));
	CHECK(reason(&x, SIG_MASS_ROLLOUT) != NULL);
	/* the state before was never recorded: no blast radius claimed */
	set_states(&x, NULL, "{\"enabled\": true, \"rollout_pct\": 100}");
	x.f.before_known = 0;
	score(&x);
	CHECK(!reason(&x, SIG_EXPOSURE) && !reason(&x, SIG_MASS_ROLLOUT) && !reason(&x, SIG_DELETE));
	teardown(&x);
}

TEST(test_signal_risks)
{
	struct fixture x;

	setup(&x);
	x.f.risk = RISK_NO_APPROVAL | RISK_RAPID_TOGGLE;
	score(&x);
	CHECK(reason(&x, SIG_NO_APPROVAL) && near(reason(&x, SIG_NO_APPROVAL)->weight, 0.10));
	CHECK(reason(&x, SIG_RAPID_TOGGLE) != NULL);
	x.f.risk = 0;
	/* business hours: Wednesday 11:50 UTC is inside 09-18 UTC */
	score(&x);
	CHECK(!reason(&x, SIG_AFTER_HOURS));
	/* ... but 21:50 at +10:00 */
	x.o.utc_offset_min = 600;
	score(&x);
	CHECK(reason(&x, SIG_AFTER_HOURS) && strstr(reason(&x, SIG_AFTER_HOURS)->text, "Wed 21:50 at UTC+10:00"));
	/* ... and inside 09-23 at +10:00 */
	x.o.biz_to = 23;
	score(&x);
	CHECK(!reason(&x, SIG_AFTER_HOURS));
	x.o.utc_offset_min = 0;
	x.o.biz_to = 18;
	/* Saturday and Sunday noon are after hours, Friday noon is not */
	x.f.t = T("2026-03-07T12:00:00Z");
	score(&x);
	CHECK(reason(&x, SIG_AFTER_HOURS) && strstr(reason(&x, SIG_AFTER_HOURS)->text, "Sat 12:00"));
	x.f.t = T("2026-03-08T12:00:00Z");
	score(&x);
	CHECK(reason(&x, SIG_AFTER_HOURS) && strstr(reason(&x, SIG_AFTER_HOURS)->text, "Sun 12:00"));
	x.f.t = T("2026-03-06T12:00:00Z");
	score(&x);
	CHECK(!reason(&x, SIG_AFTER_HOURS));
	x.f.t = T("2026-03-06T18:00:00Z");
	score(&x);
	CHECK(reason(&x, SIG_AFTER_HOURS) != NULL);
	x.f.t = x.in.started - 10 * 60 * 1000000LL;
	/* a service account doing what people do here */
	x.f.actor_type = "service";
	x.f.actor = "deploy-bot";
	x.f.people_share = 0.92;
	x.f.people_sample = 25;
	score(&x);
	CHECK(reason(&x, SIG_SERVICE_ACCOUNT) && strstr(reason(&x, SIG_SERVICE_ACCOUNT)->text, "92% of 25"));
	x.f.people_share = 0.4; /* bots usually do this */
	score(&x);
	CHECK(!reason(&x, SIG_SERVICE_ACCOUNT));
	x.f.people_share = 1;
	x.f.people_sample = 2; /* too little history to say */
	score(&x);
	CHECK(!reason(&x, SIG_SERVICE_ACCOUNT));
	x.f.actor_type = "user";
	x.f.people_sample = 25;
	score(&x);
	CHECK(!reason(&x, SIG_SERVICE_ACCOUNT));
	teardown(&x);
}

TEST(test_signal_reverts)
{
	struct fixture x;
	struct buf b = BUF_INIT;
	const struct correlate_reason *r;

	setup(&x);
	x.f.reverted_at = x.in.started + 20 * 60 * 1000000LL; /* after detection */
	x.f.reverted_by = 7;
	score(&x);
	r = reason(&x, SIG_REVERTED);
	CHECK(r && near(r->weight, 0.50));
	CHECK(x.c.reasons[0].signal == SIG_REVERTED); /* strongest first */
	if (r) {
		correlate_reason_format(r, &b);
		CHECK_STR(b.buf, "+0.50 reverted 20 min after impact start (by seq 7)");
	}
	x.f.reverted_at = x.in.started + 5 * 60 * 1000000LL; /* before detection: half */
	score(&x);
	CHECK(reason(&x, SIG_REVERTED) && near(reason(&x, SIG_REVERTED)->weight, 0.25));
	x.f.reverted_at = x.in.started - 5 * 60 * 1000000LL; /* undone before the impact */
	score(&x);
	CHECK(!reason(&x, SIG_REVERTED) && reason(&x, SIG_UNDONE_BEFORE) && reason(&x, SIG_UNDONE_BEFORE)->weight < 0);
	x.f.reverted_at = INCIDENT_NO_TIME;
	x.f.reverts = 3; /* this change is itself a rollback */
	score(&x);
	CHECK(!reason(&x, SIG_IS_REVERT)); /* before impact start: no opinion */
	x.f.t = x.in.started + 15 * 60 * 1000000LL;
	score(&x);
	CHECK(reason(&x, SIG_IS_REVERT) && !strcmp(reason(&x, SIG_IS_REVERT)->text, "undoes #3"));
	/* weights come from the options */
	x.o.weight[SIG_IS_REVERT] = -1.5;
	score(&x);
	CHECK(reason(&x, SIG_IS_REVERT) && near(reason(&x, SIG_IS_REVERT)->weight, -1.5));
	x.o.weight[SIG_IS_REVERT] = 0; /* a zero weight drops the reason */
	score(&x);
	CHECK(!reason(&x, SIG_IS_REVERT));
	buf_release(&b);
	teardown(&x);
}

/* ---- on generated data ---------------------------------------------- */

struct world {
	char dir[64], events[96], incidents[96], db[96];
	struct store s;
	int ok;
};

static void world_make(struct world *w, uint64_t nevents, unsigned nincidents, uint64_t seed)
{
	struct gen_options go;
	struct import_options io;
	struct import_stats ist;
	struct incident_import_options iio = { 0 };
	struct incident_import_stats iis;
	char *files[1];
	FILE *ev, *inc;

	memset(w, 0, sizeof(*w));
	snprintf(w->dir, sizeof(w->dir), "/tmp/tstcorr.XXXXXX");
	if (!mkdtemp(w->dir))
		return;
	snprintf(w->events, sizeof(w->events), "%s/ev.jsonl", w->dir);
	snprintf(w->incidents, sizeof(w->incidents), "%s/inc.jsonl", w->dir);
	snprintf(w->db, sizeof(w->db), "%s/s.db", w->dir);
	gen_options_init(&go);
	go.events = nevents;
	go.seed = seed;
	go.incidents = nincidents;
	ev = fopen(w->events, "w");
	inc = fopen(w->incidents, "w");
	if (!ev || !inc || gen_run(&go, ev, inc)) {
		if (ev)
			fclose(ev);
		if (inc)
			fclose(inc);
		return;
	}
	fclose(ev);
	fclose(inc);
	if (store_open(&w->s, w->db, STORE_CREATE))
		return;
	memset(&io, 0, sizeof(io));
	files[0] = w->events;
	if (import_files(&w->s, files, 1, &io, &ist) != EXIT_OK)
		return;
	files[0] = w->incidents;
	if (incident_import(&w->s, files, 1, &iio, &iis) != EXIT_OK)
		return;
	w->ok = 1;
}

static void world_free(struct world *w)
{
	char path[128];

	if (w->s.db)
		store_close(&w->s);
	unlink(w->events);
	unlink(w->incidents);
	unlink(w->db);
	snprintf(path, sizeof(path), "%s-wal", w->db);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", w->db);
	unlink(path);
	rmdir(w->dir);
}

TEST(test_generated_incidents)
{
	struct world w;
	struct incident_list l;
	struct correlate_options o;
	FILE *f;
	char line[4096];
	int first = 0, top3 = 0, n = 0, ordered = 1;
	int64_t size;

	world_make(&w, 8000, 12, 11);
	CHECK(w.ok);
	if (!w.ok) {
		world_free(&w);
		return;
	}
	size = store_size(&w.s);
	correlate_options_init(&o);
	CHECK(incident_list_load(&w.s, &l) == 0);
	f = fopen(w.incidents, "r");
	while (f && fgets(line, sizeof(line), f)) {
		json_t *rec = J(line);
		const char *id = json_string_value(json_object_get(rec, "id"));
		const char *cause = json_string_value(json_object_get(rec, "planted_cause"));
		struct incident in;
		struct correlation c;

		n++;
		if (incident_load(&w.s, id, &in) == 1 && correlate_run(&w.s, &in, &o, &c) == 0) {
			CHECK(c.changes > 0 && (int64_t)c.changes < size / 10); /* only the window was read */
			for (size_t i = 0; i < c.n; i++) {
				if (i && c.v[i].score > c.v[i - 1].score)
					ordered = 0;
				if (!strcmp(c.v[i].event_id, cause)) {
					first += c.v[i].rank == 1;
					top3 += c.v[i].rank <= 3;
				}
			}
			correlation_release(&c);
			incident_release(&in);
		} else {
			CHECK(!"incident not found or correlation failed");
		}
		json_decref(rec);
	}
	if (f)
		fclose(f);
	CHECK_INT(n, 12);
	CHECK_INT(l.n, 12);
	CHECK(ordered);
	CHECK(first * 100 >= n * 75); /* bench/correlate.sh measures this on 250 incidents */
	CHECK(top3 * 100 >= n * 90);
	fprintf(stderr, "  planted cause first in %d/%d, top 3 in %d/%d\n", first, n, top3, n);
	incident_list_release(&l);
	world_free(&w);
}

/* The state rebuilt from the store equals the state replayed from the
 * generated events, after every sampled event. */
TEST(test_state_replay)
{
	struct world w;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0, checked = 0, mismatched = 0;

	world_make(&w, 3000, 0, 5);
	CHECK(w.ok);
	f = w.ok ? fopen(w.events, "r") : NULL;
	while (f && getline(&line, &cap, f) > 0) {
		json_t *rec = J(line);
		const char *target = json_string_value(json_object_get(json_object_get(rec, "target"), "key"));
		const char *env = json_string_value(json_object_get(rec, "environment"));
		json_t *want = json_object_get(rec, "new_state");
		struct state_point p;
		usec_t t = T(json_string_value(json_object_get(rec, "timestamp")));

		if (++lineno % 7 == 0 && target && env) {
			int want_kind = want ? HISTORY_PRESENT : HISTORY_ABSENT;

			checked++;
			if (state_at(&w.s, target, env, t, &p) == 0) {
				if (p.kind != want_kind || (want && !json_equal_canonical(want, p.value))) {
					if (!mismatched++)
						fprintf(stderr, "  line %ld: state of %s in %s differs\n", lineno, target, env);
				}
				state_point_release(&p);
			} else {
				mismatched++;
			}
			/* one microsecond before the change, the state was its previous_state */
			if (json_object_get(rec, "previous_state") &&
			    state_at(&w.s, target, env, t - 1, &p) == 0) {
				if (p.kind != HISTORY_PRESENT ||
				    !json_equal_canonical(json_object_get(rec, "previous_state"), p.value))
					mismatched++;
				state_point_release(&p);
			}
		}
		json_decref(rec);
	}
	free(line);
	if (f)
		fclose(f);
	CHECK(checked > 300);
	CHECK_INT(mismatched, 0);
	world_free(&w);
}

/* A source that never recorded the state before: unknown, never guessed. */
TEST(test_state_unknown)
{
	char dir[] = "/tmp/tstunk.XXXXXX", ev[64], db[64], path[80];
	struct import_options io;
	struct import_stats ist;
	struct state_point p;
	struct store s;
	char *files[1];
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(ev, sizeof(ev), "%s/ev.jsonl", dir);
	snprintf(db, sizeof(db), "%s/s.db", dir);
	f = fopen(ev, "w");
	fputs("{\"event_id\":\"e1\",\"timestamp\":\"2026-01-01T10:00:00Z\",\"actor\":\"a\",\"action\":\"flag.update\","
	      "\"flag_key\":\"k\",\"environment\":\"prod\",\"new_state\":{\"on\":true}}\n"
	      "{\"event_id\":\"e2\",\"timestamp\":\"2026-01-01T11:00:00Z\",\"actor\":\"a\",\"action\":\"flag.delete\","
	      "\"flag_key\":\"k\",\"environment\":\"prod\",\"previous_state\":{\"on\":true},\"new_state\":null}\n", f);
	fclose(f);
	memset(&io, 0, sizeof(io));
	files[0] = ev;
	CHECK(store_open(&s, db, STORE_CREATE) == 0);
	CHECK(import_files(&s, files, 1, &io, &ist) == EXIT_OK);
	CHECK(state_at(&s, "k", "prod", T("2026-01-01T09:00:00Z"), &p) == 0);
	CHECK(p.kind == HISTORY_UNKNOWN && p.before_first && p.seq == 1 && !p.value);
	state_point_release(&p);
	CHECK(state_at(&s, "k", "prod", T("2026-01-01T10:30:00Z"), &p) == 0);
	CHECK(p.kind == HISTORY_PRESENT && p.seq == 1 && !p.before_first);
	state_point_release(&p);
	CHECK(state_at(&s, "k", "prod", T("2026-01-01T12:00:00Z"), &p) == 0);
	CHECK(p.kind == HISTORY_ABSENT && p.seq == 2);
	state_point_release(&p);
	CHECK(state_at(&s, "k", "staging", T("2026-01-01T12:00:00Z"), &p) == 0);
	CHECK(p.kind == HISTORY_UNKNOWN && p.seq == 0);
	state_point_release(&p);
	store_close(&s);
	unlink(ev);
	unlink(db);
	snprintf(path, sizeof(path), "%s-wal", db);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", db);
	unlink(path);
	rmdir(dir);
}

/* ---- what did not change: crafted events -------------------------------- */

static const char truth_events[] =
	/* a big switch-on minutes before impact, but the request failed */
	"{\"event_id\":\"failed\",\"timestamp\":\"2026-03-04T11:55:00Z\",\"actor\":\"a@x\",\"flag_key\":\"payments-big\","
	"\"environment\":\"production\",\"previous_state\":{\"enabled\":false},\"new_state\":{\"enabled\":true,\"rollout_pct\":100},"
	"\"outcome\":{\"status\":\"failure\",\"code\":\"403\",\"message\":\"forbidden\"}}\n"
	/* a small edit long before: it succeeded */
	"{\"event_id\":\"small\",\"timestamp\":\"2026-03-04T10:05:00Z\",\"actor\":\"b@x\",\"flag_key\":\"payments-text\","
	"\"environment\":\"production\",\"previous_state\":{\"description\":\"a\"},\"new_state\":{\"description\":\"b\"},"
	"\"outcome\":\"success\"}\n"
	/* close to impact, same state before and after */
	"{\"event_id\":\"noop\",\"timestamp\":\"2026-03-04T11:58:00Z\",\"actor\":\"c@x\",\"flag_key\":\"payments-same\","
	"\"environment\":\"production\",\"previous_state\":{\"enabled\":true,\"rollout_pct\":100},"
	"\"new_state\":{\"enabled\":true,\"rollout_pct\":100}}\n"
	/* switched on; later switched off from a state it never left it in */
	"{\"event_id\":\"fake-a\",\"timestamp\":\"2026-03-04T11:50:00Z\",\"actor\":\"d@x\",\"flag_key\":\"payments-gap\","
	"\"environment\":\"production\",\"previous_state\":{\"enabled\":false},\"new_state\":{\"enabled\":true}}\n"
	"{\"event_id\":\"fake-b\",\"timestamp\":\"2026-03-04T12:20:00Z\",\"actor\":\"d@x\",\"flag_key\":\"payments-gap\","
	"\"environment\":\"production\",\"previous_state\":{\"enabled\":true,\"rollout_pct\":50},\"new_state\":{\"enabled\":false}}\n"
	/* a real revert */
	"{\"event_id\":\"real-c\",\"timestamp\":\"2026-03-04T11:40:00Z\",\"actor\":\"e@x\",\"flag_key\":\"payments-real\","
	"\"environment\":\"production\",\"previous_state\":{\"enabled\":false},\"new_state\":{\"enabled\":true}}\n"
	"{\"event_id\":\"real-d\",\"timestamp\":\"2026-03-04T12:15:00Z\",\"actor\":\"e@x\",\"flag_key\":\"payments-real\","
	"\"environment\":\"production\",\"previous_state\":{\"enabled\":true},\"new_state\":{\"enabled\":false}}\n"
	/* a revert attempt that failed undoes nothing */
	"{\"event_id\":\"try-f\",\"timestamp\":\"2026-03-04T11:45:00Z\",\"actor\":\"g@x\",\"flag_key\":\"payments-try\","
	"\"environment\":\"production\",\"previous_state\":{\"enabled\":false},\"new_state\":{\"enabled\":true}}\n"
	"{\"event_id\":\"try-e\",\"timestamp\":\"2026-03-04T12:12:00Z\",\"actor\":\"g@x\",\"flag_key\":\"payments-try\","
	"\"environment\":\"production\",\"previous_state\":{\"enabled\":true},\"new_state\":{\"enabled\":false},"
	"\"outcome\":\"failed\"}\n";

static const struct correlate_candidate *cand(const struct correlation *c, const char *id)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].event_id, id))
			return &c->v[i];
	return NULL;
}

static const struct correlate_reason *cand_reason(const struct correlate_candidate *k, enum correlate_signal s)
{
	for (size_t i = 0; k && i < k->nreasons; i++)
		if (k->reasons[i].signal == s)
			return &k->reasons[i];
	return NULL;
}

TEST(test_what_did_not_change)
{
	char dir[] = "/tmp/tsttruth.XXXXXX", ev[64], db[64], path[80];
	struct import_options io;
	struct import_stats ist;
	struct correlate_options o;
	struct correlation c;
	struct incident in;
	struct history h;
	struct store s;
	char *files[1];
	FILE *f;
	const struct correlate_candidate *failed, *small, *noop, *fa, *fb, *rc, *tf, *te;
	int64_t fa_seq = -1;

	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	snprintf(ev, sizeof(ev), "%s/ev.jsonl", dir);
	snprintf(db, sizeof(db), "%s/s.db", dir);
	f = fopen(ev, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(truth_events, f);
	fclose(f);
	memset(&io, 0, sizeof(io));
	files[0] = ev;
	CHECK(store_open(&s, db, STORE_CREATE) == 0);
	CHECK(import_files(&s, files, 1, &io, &ist) == EXIT_OK);
	make_incident(&in);
	correlate_options_init(&o);
	CHECK(correlate_run(&s, &in, &o, &c) == 0);
	failed = cand(&c, "failed");
	small = cand(&c, "small");
	noop = cand(&c, "noop");
	fa = cand(&c, "fake-a");
	fb = cand(&c, "fake-b");
	rc = cand(&c, "real-c");
	tf = cand(&c, "try-f");
	te = cand(&c, "try-e");
	CHECK(failed && small && noop && fa && fb && rc && tf && te);
	if (failed && small && noop && fa && fb && rc && tf && te) {
		/* B: a failed request never ranks above a change that succeeded, and says why */
		CHECK(failed->tier == TIER_FAILED && small->tier == TIER_CHANGE);
		CHECK(small->rank < failed->rank);
		CHECK(failed->rank == (int)c.n || te->rank == (int)c.n);
		CHECK(cand_reason(failed, SIG_FAILED) && strstr(cand_reason(failed, SIG_FAILED)->text, "403: forbidden"));
		CHECK(!cand_reason(failed, SIG_EXPOSURE) && !cand_reason(failed, SIG_MASS_ROLLOUT));
		/* D: a change to the same state never ranks above one that changed something */
		CHECK(noop->tier == TIER_NO_OP && small->rank < noop->rank && noop->rank < failed->rank);
		CHECK(cand_reason(noop, SIG_NO_CHANGE) != NULL);
		/* D: a fake revert is no revert, and the gap is said on both sides */
		CHECK(fa->reverted_by == 0 && !cand_reason(fa, SIG_REVERTED));
		CHECK(!cand_reason(fb, SIG_IS_REVERT));
		CHECK(cand_reason(fa, SIG_GAP) && strstr(cand_reason(fa, SIG_GAP)->text, "history gap"));
		CHECK(cand_reason(fb, SIG_GAP) && strstr(cand_reason(fb, SIG_GAP)->text, "history gap"));
		CHECK(cand_reason(fa, SIG_GAP) && cand_reason(fa, SIG_GAP)->weight == 0);
		/* a real revert is still found */
		CHECK(rc->reverted_by == (int64_t)cand(&c, "real-d")->seq && cand_reason(rc, SIG_REVERTED));
		CHECK(!cand_reason(rc, SIG_GAP));
		/* a failed revert attempt undoes nothing */
		CHECK(tf->reverted_by == 0 && !cand_reason(tf, SIG_REVERTED) && !cand_reason(tf, SIG_GAP));
	}
	fa_seq = fa ? fa->seq : -1;
	correlation_release(&c);
	/* the history says gap rather than guess, and marks the failure */
	CHECK(history_load(&s, "payments-gap", "production", &h) == 0);
	CHECK(h.n == 2 && h.v[0].gap_after == 0 && h.v[1].gap_after == fa_seq);
	history_release(&h);
	CHECK(history_load(&s, "payments-try", "production", &h) == 0);
	CHECK(h.n == 2 && !strcmp(h.v[1].outcome, "failure") && h.v[1].gap_after == 0);
	{
		json_t *st = NULL;
		int64_t how;

		/* after the failed request the state is still the one before it */
		CHECK(history_state_at(&s, &h, 1, &st, &how) == HISTORY_PRESENT && how == h.v[0].seq &&
		      json_is_true(json_object_get(st, "enabled")));
		json_decref(st);
	}
	history_release(&h);
	incident_release(&in);
	store_close(&s);
	unlink(ev);
	unlink(db);
	snprintf(path, sizeof(path), "%s-wal", db);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", db);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	RUN(test_parse_duration);
	RUN(test_parse_hours_tz_weight);
	RUN(test_exposure);
	RUN(test_service_match);
	RUN(test_undo);
	RUN(test_signal_time_env_service);
	RUN(test_signal_blast_radius);
	RUN(test_signal_risks);
	RUN(test_signal_reverts);
	RUN(test_generated_incidents);
	RUN(test_state_replay);
	RUN(test_state_unknown);
	RUN(test_what_did_not_change);
	return CHECK_DONE();
}
