/*
 * test_risk.c - the per-event risk signals stored at import.
 */
#include "check.h"
#include "trailscope/risk.h"
#include "trailscope/util.h"

static usec_t at(const char *iso)
{
	usec_t t;
	const char *why;

	if (time_parse_iso(iso, &t, &why))
		return -1;
	return t;
}

TEST(after_hours_weekdays)
{
	CHECK(!risk_after_hours(at("2026-03-02T10:00:00Z"), 9, 18, 0)); /* Monday */
	CHECK(!risk_after_hours(at("2026-03-06T17:59:00Z"), 9, 18, 0)); /* Friday */
	CHECK(risk_after_hours(at("2026-03-06T18:00:00Z"), 9, 18, 0));  /* Friday evening */
	CHECK(risk_after_hours(at("2026-03-07T12:00:00Z"), 9, 18, 0));  /* Saturday */
	CHECK(risk_after_hours(at("2026-03-08T12:00:00Z"), 9, 18, 0));  /* Sunday */
	CHECK(risk_after_hours(at("2026-03-02T08:59:00Z"), 9, 18, 0));  /* Monday early */
	/* 23:30 UTC Sunday is 09:30 Monday at +10:00 */
	CHECK(!risk_after_hours(at("2026-03-08T23:30:00Z"), 9, 18, 600));
	CHECK(!risk_after_hours(at("1970-01-01T12:00:00Z"), 9, 18, 0)); /* a Thursday */
}

static unsigned risk_of(const char *before, const char *after, const char *approval, const char *env,
			const char *actor_type)
{
	struct event ev = { 0 };
	struct change_list cl = CHANGE_LIST_INIT;
	unsigned r;

	ev.ts = at("2026-03-02T10:00:00Z");
	ev.actor_type = (char *)actor_type;
	ev.environment = (char *)env;
	ev.action = (char *)"flag.update";
	ev.before = before ? json_loads(before, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL) : NULL;
	ev.after = after ? json_loads(after, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL) : NULL;
	ev.before_known = 1;
	ev.context = json_object();
	if (approval)
		json_object_set_new(ev.context, "approval", json_loads(approval, 0, NULL));
	diff_json(ev.before, ev.after, 1, &cl);
	r = risk_of_event(&ev, &cl);
	change_list_release(&cl);
	json_decref(ev.before);
	json_decref(ev.after);
	json_decref(ev.context);
	return r;
}

TEST(signals)
{
	CHECK(risk_of("{\"enabled\":false}", "{\"enabled\":true}", "{\"required\":true}", "production", "user") ==
	      (RISK_NO_APPROVAL | RISK_PRODUCTION | RISK_ENABLED));
	CHECK(risk_of("{\"rollout_pct\":10}", "{\"rollout_pct\":100}",
		      "{\"required\":true,\"approved_by\":\"x\"}", "staging", "service") ==
	      (RISK_MASS_ROLLOUT | RISK_SERVICE_ACCOUNT));
	CHECK(risk_of("{\"rollout_pct\":100,\"d\":\"a\"}", "{\"rollout_pct\":100,\"d\":\"b\"}", NULL, "dev", "user") == 0);
	CHECK(risk_of("\"off\"", "\"on\"", NULL, "prod-eu", "user") == (RISK_ENABLED | RISK_PRODUCTION));
}

int main(void)
{
	RUN(after_hours_weekdays);
	RUN(signals);
	return CHECK_DONE();
}
