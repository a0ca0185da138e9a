/*
 * test_incident_window.c - one incident window: incident_window() for a
 * resolved and an unresolved incident, and the query's around:ID and
 * correlate_run selecting exactly the events of that window on a store
 * with events on and just past each edge (export --incident and the TUI
 * are checked by tests/cli/incident_window.sh).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "trailscope/correlate.h"
#include "trailscope/import.h"
#include "trailscope/incident.h"
#include "trailscope/query.h"

#define SEC ((usec_t)1000000)

/* Events (seq = line) and which incident's window each falls in: R is
 * resolved (12:00 to 13:00 on March 4th), U unresolved (started 12:00,
 * detected 12:10 on March 5th). */
static const struct {
	const char *ts;
	char in;      /* 'R', 'U' or '-' */
} events[] = {
	{ "2026-03-04T09:59:59Z", '-' }, /* 1 s before R's window */
	{ "2026-03-04T10:00:00Z", 'R' }, /* R's start - 2 h: included */
	{ "2026-03-04T12:30:00Z", 'R' },
	{ "2026-03-04T13:00:00Z", 'R' }, /* R's resolved_at: included */
	{ "2026-03-04T13:00:01Z", '-' }, /* 1 s after R's resolution */
	{ "2026-03-05T09:59:59Z", '-' },
	{ "2026-03-05T10:00:00Z", 'U' }, /* U's start - 2 h */
	{ "2026-03-05T13:59:59Z", 'U' },
	{ "2026-03-05T14:00:00Z", 'U' }, /* U's start + 2 h: included */
	{ "2026-03-05T14:05:00Z", '-' }, /* before detected_at + 2 h: not in the window */
	{ "2026-03-06T12:00:00Z", '-' }, /* a day later: an unresolved window is not open-ended */
};
#define NEVENTS (sizeof(events) / sizeof(events[0]))

struct world {
	char dir[32], ev[64], inc[64], db[64];
	struct store s;
};

static int world_make(struct world *w)
{
	struct import_options io;
	struct import_stats ist;
	struct incident_import_options iio = { 0 };
	struct incident_import_stats iis;
	char *files[1];
	FILE *f;

	memset(w, 0, sizeof(*w));
	snprintf(w->dir, sizeof(w->dir), "/tmp/tstwin.XXXXXX");
	if (!mkdtemp(w->dir))
		return -1;
	snprintf(w->ev, sizeof(w->ev), "%s/ev.jsonl", w->dir);
	snprintf(w->inc, sizeof(w->inc), "%s/inc.jsonl", w->dir);
	snprintf(w->db, sizeof(w->db), "%s/s.db", w->dir);
	if (!(f = fopen(w->ev, "w")))
		return -1;
	for (size_t i = 0; i < NEVENTS; i++)
		fprintf(f, "{\"event_id\":\"e%zu\",\"timestamp\":\"%s\",\"actor_id\":\"alice\","
			"\"flag_id\":\"flag-%zu\",\"environment\":\"production\",\"previous_state\":\"off\","
			"\"new_state\":\"on\"}\n", i + 1, events[i].ts, i + 1);
	fclose(f);
	if (!(f = fopen(w->inc, "w")))
		return -1;
	fputs("{\"id\":\"INC-R\",\"started_at\":\"2026-03-04T12:00:00Z\",\"detected_at\":\"2026-03-04T12:10:00Z\","
	      "\"resolved_at\":\"2026-03-04T13:00:00Z\"}\n"
	      "{\"id\":\"INC-U\",\"started_at\":\"2026-03-05T12:00:00Z\",\"detected_at\":\"2026-03-05T12:10:00Z\"}\n",
	      f);
	fclose(f);
	if (store_open(&w->s, w->db, STORE_CREATE))
		return -1;
	memset(&io, 0, sizeof(io));
	files[0] = w->ev;
	if (import_files(&w->s, files, 1, &io, &ist) != EXIT_OK || ist.added != NEVENTS)
		return -1;
	files[0] = w->inc;
	return incident_import(&w->s, files, 1, &iio, &iis) == EXIT_OK && iis.added == 2 ? 0 : -1;
}

static void world_free(struct world *w)
{
	char p[96];

	if (w->s.db)
		store_close(&w->s);
	unlink(w->ev);
	unlink(w->inc);
	unlink(w->db);
	snprintf(p, sizeof(p), "%s-wal", w->db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", w->db);
	unlink(p);
	rmdir(w->dir);
}

/* The seqs as a string "2 3 4" (ascending). */
static void seqs_text(int64_t *v, size_t n, char *out, size_t cap)
{
	size_t at = 0;

	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k > 0 && v[k - 1] > v[k]; k--) {
			int64_t t = v[k];

			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	out[0] = '\0';
	for (size_t i = 0; i < n && at < cap; i++)
		at += (size_t)snprintf(out + at, cap - at, "%s%lld", i ? " " : "", (long long)v[i]);
}

static void expected(char which, char *out, size_t cap)
{
	int64_t v[NEVENTS];
	size_t n = 0;

	for (size_t i = 0; i < NEVENTS; i++)
		if (events[i].in == which)
			v[n++] = (int64_t)i + 1;
	seqs_text(v, n, out, cap);
}

struct collect {
	int64_t v[NEVENTS + 1];
	size_t n;
};

static int collect_row(const struct query_row *row, void *ctx)
{
	struct collect *c = ctx;

	if (c->n <= NEVENTS)
		c->v[c->n++] = row->seq;
	return 0;
}

static void around(struct store *s, const char *id, char *out, size_t cap)
{
	struct query_fetch f = { NULL, 0, 0, 0 };
	struct query_error qe;
	struct query *q;
	struct collect c = { .n = 0 };
	char text[64];

	snprintf(text, sizeof(text), "around:%s", id);
	out[0] = '\0';
	if (query_compile(s, text, 0, &q, &qe)) {
		snprintf(out, cap, "error: %.200s", qe.msg);
		return;
	}
	if (query_each(q, &f, collect_row, &c) < 0)
		snprintf(out, cap, "error");
	else
		seqs_text(c.v, c.n, out, cap);
	query_free(q);
}

static void correlated(struct store *s, const struct incident *in, char *out, size_t cap)
{
	struct correlate_options o;
	struct correlation c;
	int64_t v[NEVENTS + 1];
	size_t n = 0;

	correlate_options_init(&o);
	if (correlate_run(s, in, &o, &c)) {
		snprintf(out, cap, "error");
		return;
	}
	for (size_t i = 0; i < c.n && n <= NEVENTS; i++)
		v[n++] = c.v[i].seq;
	seqs_text(v, n, out, cap);
	correlation_release(&c);
}

TEST(test_window_definition)
{
	struct incident in;
	usec_t from, to;

	memset(&in, 0, sizeof(in));
	in.started = 1000 * SEC;
	in.detected = 1100 * SEC;
	in.resolved = 4000 * SEC;
	incident_window(&in, &from, &to);
	CHECK(from == in.started - INCIDENT_LOOKBACK && to == in.resolved);
	incident_window_lookback(&in, 60 * SEC, &from, &to);
	CHECK(from == 940 * SEC && to == in.resolved);
	/* unresolved: the look-back after the start, whatever detected_at says */
	in.resolved = INCIDENT_NO_TIME;
	incident_window(&in, &from, &to);
	CHECK(from == in.started - INCIDENT_LOOKBACK && to == in.started + INCIDENT_LOOKBACK);
	incident_window_lookback(&in, 60 * SEC, &from, &to);
	CHECK(from == 940 * SEC && to == 1060 * SEC);
	/* a resolution before the start (a damaged row) counts as unresolved */
	in.resolved = 900 * SEC;
	incident_window(&in, &from, &to);
	CHECK(to == in.started + INCIDENT_LOOKBACK);
}

TEST(test_query_and_correlate_agree)
{
	static const char *const ids[] = { "INC-R", "INC-U" };
	struct world w;

	CHECK(world_make(&w) == 0);
	for (size_t k = 0; k < 2 && w.s.db; k++) {
		struct incident in;
		char want[256], got_q[256], got_c[256];

		expected(ids[k][4], want, sizeof(want));
		around(&w.s, ids[k], got_q, sizeof(got_q));
		CHECK_STR(got_q, want);
		CHECK(incident_load(&w.s, ids[k], &in) == 1);
		correlated(&w.s, &in, got_c, sizeof(got_c));
		CHECK_STR(got_c, want);
		incident_release(&in);
	}
	/* around: finds an id as incident show does: without case when unique */
	if (w.s.db) {
		char want[256], got[256];

		expected('U', want, sizeof(want));
		around(&w.s, "inc-u", got, sizeof(got));
		CHECK_STR(got, want);
		around(&w.s, "INC-404", got, sizeof(got));
		CHECK(strstr(got, "no incident 'INC-404'") != NULL);
	}
	world_free(&w);
}

int main(void)
{
	RUN(test_window_definition);
	RUN(test_query_and_correlate_agree);
	return CHECK_DONE();
}
