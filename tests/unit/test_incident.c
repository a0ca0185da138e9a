/*
 * test_incident.c - incident records (both shapes), hostile incident
 * files (rejected with their location, nothing written), --skip-invalid,
 * replacement on re-import, listing and lookup.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "trailscope/incident.h"
#include "trailscope/jcs.h"

static json_t *J(const char *text)
{
	json_error_t e;

	return json_loads(text, JSON_ALLOW_NUL, &e);
}

/* Parses text as one record; returns 0 ok (in filled) or -1 with err. */
static int parse(const char *text, struct incident *in, struct buf *err)
{
	json_t *rec = J(text);
	int rc;

	buf_reset(err);
	rc = rec ? incident_from_json(rec, in, err) : -1;
	json_decref(rec);
	return rc;
}

TEST(test_record_generic)
{
	struct buf err = BUF_INIT;
	struct incident in;
	char ts[32];

	CHECK(parse("{\"id\":\"INC-42\",\"title\":\"Checkout down\",\"severity\":\"SEV1\",\"services\":[\"checkout\","
		    "\"payments\",\"checkout\"],\"environment\":\"production\",\"started_at\":\"2026-03-05T13:39:17Z\","
		    "\"detected_at\":\"2026-03-05T13:42:19Z\",\"resolved_at\":\"2026-03-05T14:46:39+01:00\","
		    "\"extra\":{\"ignored\":true}}", &in, &err) == 0);
	CHECK_STR(in.id, "INC-42");
	CHECK_STR(in.title, "Checkout down");
	CHECK_STR(in.severity, "SEV1");
	CHECK_INT(in.nservices, 2); /* duplicates folded */
	CHECK_STR(in.services[1], "payments");
	CHECK_STR(in.environment, "production");
	time_format(in.started, ts);
	CHECK_STR(ts, "2026-03-05T13:39:17.000000Z");
	time_format(in.resolved, ts);
	CHECK_STR(ts, "2026-03-05T13:46:39.000000Z");
	{
		usec_t from, to;

		incident_window(&in, &from, &to);
		CHECK(from == in.started - INCIDENT_LOOKBACK && to == in.resolved);
	}
	incident_release(&in);
	/* the minimum: id and impact start */
	CHECK(parse("{\"id\":7,\"started_at\":\"2026-03-05\"}", &in, &err) == 0);
	CHECK_STR(in.id, "7");
	CHECK_STR(in.title, "");
	CHECK(in.detected == INCIDENT_NO_TIME && in.resolved == INCIDENT_NO_TIME);
	{
		usec_t from, to;

		incident_window(&in, &from, &to); /* unresolved: 2 h either side of the start */
		CHECK(from == in.started - INCIDENT_LOOKBACK && to == in.started + INCIDENT_LOOKBACK);
	}
	incident_release(&in);
	buf_release(&err);
}

TEST(test_record_pagerduty)
{
	struct buf err = BUF_INIT;
	struct incident in;

	CHECK(parse("{\"id\":\"PT4KHLK\",\"summary\":\"[#1234] fire\",\"title\":\"The server is on fire.\","
		    "\"created_at\":\"2026-03-06T21:30:42Z\",\"status\":\"resolved\",\"urgency\":\"high\","
		    "\"service\":{\"id\":\"P1\",\"summary\":\"My Mail Service\"},\"priority\":{\"summary\":\"P1\"},"
		    "\"last_status_change_at\":\"2026-03-06T21:38:23Z\"}", &in, &err) == 0);
	CHECK_STR(in.title, "The server is on fire.");
	CHECK_STR(in.severity, "P1"); /* priority before urgency */
	CHECK_INT(in.nservices, 1);
	CHECK_STR(in.services[0], "My Mail Service");
	CHECK(in.detected == in.started);
	CHECK(in.resolved == in.started + (7 * 60 + 41) * 1000000LL);
	incident_release(&in);
	CHECK(parse("{\"id\":\"P2\",\"summary\":\"slow\",\"created_at\":\"2026-03-06T21:30:42Z\",\"urgency\":\"low\","
		    "\"service\":\"payments\",\"status\":\"triggered\"}", &in, &err) == 0);
	CHECK_STR(in.title, "slow");
	CHECK_STR(in.severity, "low");
	CHECK(in.resolved == INCIDENT_NO_TIME);
	incident_release(&in);
	buf_release(&err);
}

TEST(test_record_bad)
{
	static const struct {
		const char *rec, *why;
	} cases[] = {
		{ "[1]", "expected a JSON object" },
		{ "{\"started_at\":\"2026-03-05\"}", "missing \"id\"" },
		{ "{\"id\":\"\",\"started_at\":\"2026-03-05\"}", "empty \"id\"" },
		{ "{\"id\":1.5,\"started_at\":\"2026-03-05\"}", "whole number" },
		{ "{\"id\":\"a\\u001bb\",\"started_at\":\"2026-03-05\"}", "control characters" },
		{ "{\"id\":\"a\\u0000b\",\"started_at\":\"2026-03-05\"}", "NUL" },
		{ "{\"id\":\"x\"}", "missing \"started_at\"" },
		{ "{\"id\":\"x\",\"started_at\":\"2026-02-30\"}", "impossible date" },
		{ "{\"id\":\"x\",\"started_at\":12}", "expected a time string" },
		{ "{\"id\":\"x\",\"started_at\":\"2026-03-05T10:00Z\",\"detected_at\":\"2026-03-05T09:00Z\"}",
		  "detected_at is before started_at" },
		{ "{\"id\":\"x\",\"started_at\":\"2026-03-05T10:00Z\",\"resolved_at\":\"2026-03-04\"}",
		  "resolved_at is before started_at" },
		{ "{\"id\":\"x\",\"started_at\":\"2026-03-05\",\"services\":{\"a\":1}}", "list of strings" },
		{ "{\"id\":\"x\",\"started_at\":\"2026-03-05\",\"services\":[\"\"]}", "empty service" },
		{ "{\"id\":\"x\",\"started_at\":\"2026-03-05\",\"service\":{\"x\":1}}", "no \"summary\"" },
		{ "{\"id\":\"x\",\"started_at\":\"2026-03-05\",\"title\":[\"t\"]}", "expected a string for \"title\"" },
		{ "{\"id\":\"x\",\"started_at\":\"2026-03-05\",\"environment\":1}", "\"environment\"" },
	};
	struct buf err = BUF_INIT;
	struct incident in;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = parse(cases[i].rec, &in, &err);

		CHECK(rc == -1);
		if (!strstr(err.buf, cases[i].why)) {
			fprintf(stderr, "  case %zu: got \"%s\", want \"%s\"\n", i, err.buf, cases[i].why);
			check_case_failed = 1;
		}
		if (rc == 0)
			incident_release(&in);
	}
	/* too many services */
	{
		struct buf rec = BUF_INIT;

		buf_addstr(&rec, "{\"id\":\"x\",\"started_at\":\"2026-03-05\",\"services\":[");
		for (int k = 0; k <= INCIDENT_MAX_SERVICES; k++)
			buf_addf(&rec, "%s\"s%d\"", k ? "," : "", k);
		buf_addstr(&rec, "]}");
		CHECK(parse(rec.buf, &in, &err) == -1 && strstr(err.buf, "more than"));
		buf_release(&rec);
	}
	buf_release(&err);
}

struct tmpstore {
	char dir[32], db[64];
	struct store s;
};

static int tmp_open(struct tmpstore *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/tstinc.XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	snprintf(t->db, sizeof(t->db), "%s/s.db", t->dir);
	return store_open(&t->s, t->db, STORE_CREATE);
}

static void tmp_close(struct tmpstore *t)
{
	char p[96];

	store_close(&t->s);
	unlink(t->db);
	snprintf(p, sizeof(p), "%s-wal", t->db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", t->db);
	unlink(p);
	rmdir(t->dir);
}

static int import1(struct store *s, const char *file, int skip, struct incident_import_stats *st)
{
	struct incident_import_options o = { skip };
	char path[256];
	char *files[1] = { path };

	int saved, null, rc;

	snprintf(path, sizeof(path), "testdata/incidents/%s", file);
	/* the diagnostics are tested by tests/cli/incidents.sh; keep this quiet */
	fflush(stderr);
	saved = dup(2);
	null = open("/dev/null", O_WRONLY);
	if (null >= 0) {
		dup2(null, 2);
		close(null);
	}
	rc = incident_import(s, files, 1, &o, st);
	fflush(stderr);
	if (saved >= 0) {
		dup2(saved, 2);
		close(saved);
	}
	return rc;
}

static size_t count(struct store *s)
{
	struct incident_list l;
	size_t n;

	if (incident_list_load(s, &l))
		return (size_t)-1;
	n = l.n;
	incident_list_release(&l);
	return n;
}

TEST(test_import_files)
{
	static const char *const bad[] = {
		"bad-syntax.jsonl", "bad-missing.jsonl", "bad-time.jsonl", "bad-order.jsonl",
		"bad-services.jsonl", "bad-dup.jsonl", "bad-utf8.jsonl", "bad-deep.jsonl", "bad-id.jsonl",
		"bad-shape.jsonl", "bad-pagerduty.json",
	};
	struct incident_import_stats st;
	struct tmpstore t;
	struct incident in;

	CHECK(tmp_open(&t) == 0);
	CHECK(import1(&t.s, "good.jsonl", 0, &st) == EXIT_OK);
	CHECK_INT(st.added, 3);
	CHECK(import1(&t.s, "pagerduty.json", 0, &st) == EXIT_OK);
	CHECK_INT(st.added, 2);
	CHECK_INT(count(&t.s), 5);
	/* every bad file stops with nothing written */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = import1(&t.s, bad[i], 0, &st);

		if (rc != EXIT_BADINPUT) {
			fprintf(stderr, "  %s: exit %d\n", bad[i], rc);
			check_case_failed = 1;
		}
	}
	CHECK_INT(count(&t.s), 5);
	/* INC-1 from the bad files was never written over */
	CHECK(incident_load(&t.s, "INC-1", &in) == 1);
	CHECK_INT(in.source_line, 1);
	CHECK(strstr(in.source_file, "good.jsonl") != NULL);
	incident_release(&in);
	/* re-import: unchanged; --skip-invalid keeps the good records */
	CHECK(import1(&t.s, "good.jsonl", 0, &st) == EXIT_OK);
	CHECK_INT(st.unchanged, 3);
	CHECK(import1(&t.s, "bad-missing.jsonl", 1, &st) == EXIT_OK);
	CHECK_INT(st.skipped, 2);
	CHECK_INT(st.unchanged + st.updated, 1);
	CHECK(import1(&t.s, "bad-pagerduty.json", 1, &st) == EXIT_OK);
	CHECK_INT(st.skipped, 1);
	CHECK_INT(st.unchanged, 1);
	/* the PagerDuty record is kept verbatim, with its line */
	CHECK(incident_load(&t.s, "pt4khlk", &in) == 1); /* case-insensitive when unique */
	CHECK_STR(in.id, "PT4KHLK");
	CHECK_INT(in.source_line, 3);
	CHECK(in.raw[0] == '{' && strstr(in.raw, "\"incident_number\": 1234"));
	incident_release(&in);
	CHECK(incident_load(&t.s, "INC-404", &in) == 0);
	tmp_close(&t);
}

TEST(test_hostile_kept_verbatim)
{
	struct incident_import_stats st;
	struct tmpstore t;
	struct incident in;
	json_t *j;

	CHECK(tmp_open(&t) == 0);
	CHECK(import1(&t.s, "hostile.jsonl", 0, &st) == EXIT_OK);
	CHECK(incident_load(&t.s, "INC-666", &in) == 1);
	CHECK(strstr(in.title, "\x1b[31m") != NULL); /* stored as given; escaped only on output */
	j = incident_to_json(&in);
	CHECK_STR(json_string_value(json_object_get(j, "id")), "INC-666");
	CHECK(json_is_null(json_object_get(j, "resolved_at")));
	json_decref(j);
	incident_release(&in);
	tmp_close(&t);
}

int main(void)
{
	RUN(test_record_generic);
	RUN(test_record_pagerduty);
	RUN(test_record_bad);
	RUN(test_import_files);
	RUN(test_hostile_kept_verbatim);
	return CHECK_DONE();
}
