/*
 * test_verify_derived.c - forges each derived table and column (changes,
 * entries.summary/nchanges/risk/source_*, entry_text) in a signed store
 * whose leaves are untouched, and checks that verify_store() fails with
 * MODIFIED naming the table and the seq; that honest stores, including
 * ones with rapid toggles imported out of time order and schema 1 stores,
 * still verify; and that the leaf-derived view of one entry ignores the
 * forged rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "fixtures.h"
#include "trailscope/import.h"
#include "trailscope/keys.h"
#include "trailscope/verify.h"
#include "trailscope/verify_derived.h"
#include "trailscope/util.h"

static char tmpdir[256];
static struct note_signer key;

static void flag_update(FILE *f, int i)
{
	fprintf(f, "{\"event_id\":\"e%d\",\"timestamp\":\"2026-01-12T14:00:%02dZ\",\"actor\":"
		"{\"id\":\"user%d@example.com\",\"type\":\"user\"},\"action\":\"flag.update\","
		"\"flag_key\":\"flag-%d\",\"environment\":\"production\",\"reason\":\"tab\\there\","
		"\"previous_state\":{\"enabled\":false,\"pct\":%d,\"rules\":[{\"id\":\"r1\",\"value\":\"pro\"}]},"
		"\"new_state\":{\"enabled\":true,\"pct\":%d,\"rules\":[{\"id\":\"r1\",\"value\":\"enterprise\"}]}}\n",
		i, i, i % 5, i, i, i * 10);
}

/* Ten flag updates (seq 1-10), then toggles of one flag: "pay" in
 * production at 15:00, 15:05, 15:10, 14:50 (imported late), 15:20, 16:30
 * (seq 11-16) and once in staging at 15:21 (seq 17), then six more flag
 * updates (seq 18-23), then two updates that need approval, the first
 * without it (seq 24, no-approval), the second approved (seq 25). verify
 * checks seq 1-12 and 13-25 on two threads, so the toggles straddle them. */
static void write_events(const char *path)
{
	static const char *const toggles[][3] = {
		{ "15:00", "production", "true" }, { "15:05", "production", "false" },
		{ "15:10", "production", "true" }, { "14:50", "production", "false" },
		{ "15:20", "production", "true" }, { "16:30", "production", "false" },
		{ "15:21", "staging", "true" },
	};
	FILE *f = fopen(path, "w");

	for (int i = 1; i <= 10; i++)
		flag_update(f, i);
	for (size_t i = 0; i < ARRAY_SIZE(toggles); i++)
		fprintf(f, "{\"event_id\":\"t%zu\",\"timestamp\":\"2026-01-12T%s:00Z\",\"actor\":\"ops\","
			"\"action\":\"flag.toggle\",\"flag_key\":\"pay\",\"environment\":\"%s\","
			"\"previous_state\":{\"enabled\":%s},\"new_state\":{\"enabled\":%s}}\n",
			i, toggles[i][0], toggles[i][1], strcmp(toggles[i][2], "true") ? "true" : "false",
			toggles[i][2]);
	for (int i = 11; i <= 16; i++)
		flag_update(f, i);
	for (int i = 0; i < 2; i++)
		fprintf(f, "{\"event_id\":\"a%d\",\"timestamp\":\"2026-01-12T16:00:00Z\",\"actor\":\"dev\","
			"\"action\":\"flag.update\",\"flag_key\":\"gated\",\"environment\":\"staging\","
			"\"previous_state\":{\"v\":%d},\"new_state\":{\"v\":%d},"
			"\"approval\":{\"required\":true%s}}\n", i, i, i + 1,
			i ? ",\"approved_by\":\"boss\",\"approved_at\":\"2026-01-12T15:59:00Z\"" : "");
	fclose(f);
}

#define NENTRIES 25

static void make_store(const char *name, struct store *s)
{
	char path[512], ev[512];
	char *files[1] = { ev };
	struct import_options io = { .signer = &key };
	struct import_stats st;

	snprintf(path, sizeof(path), "%s/%s.db", tmpdir, name);
	unlink(path);
	snprintf(ev, sizeof(ev), "%s/ev.jsonl", tmpdir);
	write_events(ev);
	CHECK(store_open(s, path, STORE_CREATE) == 0);
	CHECK_INT(import_files(s, files, 1, &io, &st), EXIT_OK);
	CHECK_INT(store_size(s), NENTRIES);
}

static struct trust trust_of(const char *name)
{
	struct trust t;
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/state-%s", tmpdir, name);
	t = fixture_trust(&key, dir);
	CHECK_INT(t.n, 1);
	return t;
}

static void verify(struct store *s, const char *name, struct verify_report *r)
{
	struct trust t = trust_of(name);
	struct verify_options vo = { .trust = &t };

	CHECK(verify_store(s, &vo, r) == 0);
	trust_release(&t);
}

static void dump(const struct verify_report *r)
{
	for (size_t i = 0; i < r->nfaults; i++)
		fprintf(stderr, "    fault %s seq=%llu-%llu: %s\n", fault_kind_name(r->faults[i].kind),
			(unsigned long long)r->faults[i].seq, (unsigned long long)r->faults[i].seq_end,
			r->faults[i].detail);
}

/* The one MODIFIED fault at seq whose detail holds want. */
static int has_fault(const struct verify_report *r, uint64_t seq, const char *want)
{
	for (size_t i = 0; i < r->nfaults; i++)
		if (!r->faults[i].checkpoint && r->faults[i].kind == FAULT_MODIFIED &&
		    r->faults[i].seq == seq && strstr(r->faults[i].detail, want))
			return 1;
	return 0;
}

static int64_t count(struct store *s, const char *q)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	if (sqlite3_prepare_v2(s->db, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static const char untrigger[] =
	"DROP TRIGGER entries_no_update; DROP TRIGGER changes_no_update; DROP TRIGGER entry_text_no_update;"
	" DROP TRIGGER entry_text_no_delete;";

TEST(honest_store_verifies)
{
	struct store s;
	struct verify_report r;

	make_store("honest", &s);
	/* import's look-up gives rapid-toggle to 15:10 (seq 13: 15:00 and
	 * 15:05 before it) and 15:20 (seq 15: 14:50 to 15:10 before it), not
	 * to 14:50 (imported after later toggles), 16:30 or staging */
	CHECK_INT(count(&s, "SELECT count(*) FROM entries WHERE risk & 8"), 2);
	CHECK_INT(count(&s, "SELECT group_concat(seq) FROM entries WHERE risk & 1"), 24);
	{
		sqlite3_stmt *st;

		CHECK(sqlite3_prepare_v2(s.db, "SELECT group_concat(seq) FROM (SELECT seq FROM entries"
					 " WHERE risk & 8 ORDER BY seq)", -1, &st, NULL) == SQLITE_OK);
		CHECK(sqlite3_step(st) == SQLITE_ROW);
		CHECK_STR((const char *)sqlite3_column_text(st, 0), "13,15");
		sqlite3_finalize(st);
	}
	verify(&s, "honest", &r);
	dump(&r);
	CHECK_STR(verdict_name(r.verdict), "VERIFIED");
	CHECK_INT(r.nfaults, 0);
	verify_report_release(&r);
	store_close(&s);
}

struct forgery {
	const char *name;
	const char *sql;
	uint64_t seq;
	const char *detail;   /* in the fault's detail */
};

static const struct forgery forgeries[] = {
	{ "changes after", "UPDATE changes SET after = '\"free\"' WHERE seq = 4 AND idx = 2", 4,
	  "changes of seq 4 differ from the leaf: rules[0].value: after \"free\" in the table, "
	  "\"enterprise\" in the leaf" },
	{ "changes before", "UPDATE changes SET before = '3' WHERE seq = 4 AND idx = 1", 4,
	  "changes of seq 4 differ from the leaf: pct: before 3 in the table, 4 in the leaf" },
	{ "changes before NULL", "UPDATE changes SET before = NULL WHERE seq = 4 AND idx = 1", 4,
	  "pct: before (absent) in the table" },
	{ "changes path", "UPDATE changes SET path = 'rollout' WHERE seq = 5 AND idx = 1", 5,
	  "changes of seq 5 differ from the leaf: path \"rollout\" in the table, \"pct\" in the leaf" },
	{ "changes kind", "UPDATE changes SET kind = 'added' WHERE seq = 6 AND idx = 0", 6,
	  "changes of seq 6 differ from the leaf: enabled: kind \"added\"" },
	{ "changes before_unknown", "UPDATE changes SET before_unknown = 1 WHERE seq = 6 AND idx = 0", 6,
	  "enabled: before_unknown 1 in the table, 0 in the leaf" },
	{ "changes extra row", "INSERT INTO changes VALUES(7, 3, 'owner', 'added', NULL, '\"eve\"', 0)", 7,
	  "changes of seq 7 differ from the leaf: extra row 3 (\"owner\"): the leaf has 3 changes" },
	{ "changes missing row", "DELETE FROM changes WHERE seq = 8 AND idx = 2", 8,
	  "changes of seq 8 differ from the leaf: row 2 (rules[0].value) is missing" },
	{ "changes renumbered row", "DELETE FROM changes WHERE seq = 8 AND idx = 0", 8,
	  "changes of seq 8 differ from the leaf: row 0 is missing" },
	{ "changes row of no entry", "INSERT INTO changes VALUES(99, 0, 'x', 'added', NULL, '1', 0)", 99,
	  "changes of seq 99 differ from the leaf: rows for an entry the store does not have" },
	{ "changes row of seq 0", "INSERT INTO changes VALUES(0, 0, 'x', 'added', NULL, '1', 0)", 0,
	  "rows for an entry the store does not have" },
	{ "entries.summary", "UPDATE entries SET summary = 'enabled: true → true' WHERE seq = 9", 9,
	  "entries.summary of seq 9 differs from the leaf: summary \"enabled: true → true\" in the table" },
	{ "entries.nchanges", "UPDATE entries SET nchanges = 2 WHERE seq = 9", 9,
	  "entries.nchanges of seq 9 differs from the leaf: nchanges 2 in the table, 3 in the leaf" },
	{ "entries.risk cleared", "UPDATE entries SET risk = risk & ~64 WHERE seq = 10", 10,
	  "entries.risk of seq 10 differs from the leaf: risk mass-rollout,production in the table, "
	  "mass-rollout,production,enabled in the leaf" },
	{ "entries.risk rapid-toggle cleared", "UPDATE entries SET risk = risk & ~8 WHERE seq = 15", 15,
	  "risk production,enabled in the table, rapid-toggle,production,enabled in the leaf" },
	{ "entries.risk rapid-toggle added", "UPDATE entries SET risk = risk | 8 WHERE seq = 14", 14,
	  "entries.risk of seq 14 differs" },
	{ "entries.risk no-approval cleared", "UPDATE entries SET risk = 0 WHERE seq = 24", 24,
	  "entries.risk of seq 24 differs from the leaf: risk none in the table, no-approval in the leaf" },
	{ "entries.risk no-approval added", "UPDATE entries SET risk = 1 WHERE seq = 25", 25,
	  "entries.risk of seq 25 differs from the leaf: risk no-approval in the table, none in the leaf" },
	{ "entries.source_line", "UPDATE entries SET source_line = 1 WHERE seq = 3", 3,
	  "entries.source_line of seq 3 differs from the leaf: source_line 1 in the table, 3 in the leaf" },
	{ "entries.source_file", "UPDATE entries SET source_file = 'other.jsonl' WHERE seq = 3", 3,
	  "entries.source_file of seq 3 differs" },
	{ "entry_text summary", "UPDATE entry_text SET summary = 'x' WHERE seq = 2", 2,
	  "entry_text of seq 2 differs from the leaf: summary \"x\" in the table" },
	/* version 3 leaves: the raw record is evidence, checked by its SHA-256 */
	{ "entry_text raw", "UPDATE entry_text SET raw = replace(raw, 'enterprise', 'pro') WHERE seq = 2", 2,
	  "entry_text of seq 2 differs from the leaf: raw record: SHA-256 " },
	{ "entry_text raw one escape", "UPDATE entry_text SET raw = replace(raw, 'tab\\there', 'tab here') WHERE seq = 2", 2,
	  "entry_text of seq 2 differs from the leaf: raw record: SHA-256 " },
	{ "entry_text raw and summary", "UPDATE entry_text SET raw = raw || ' ', summary = 'x' WHERE seq = 2", 2,
	  "in the table, raw_sha256 " },
	{ "entry_text missing row", "DELETE FROM entry_text WHERE seq = 2", 2,
	  "entry_text of seq 2 differs from the leaf: the row is missing, and with it the raw record" },
	{ "entry_text extra row", "INSERT INTO entry_text VALUES(40, 'x', 'y')", 40,
	  "entry_text of seq 40 differs from the leaf: rows for an entry the store does not have" },
};

TEST(each_forged_derived_row_fails)
{
	for (size_t i = 0; i < ARRAY_SIZE(forgeries); i++) {
		const struct forgery *f = &forgeries[i];
		struct store s;
		struct verify_report r;

		make_store("forged", &s);
		fixture_sql(&s, "%s", untrigger);
		fixture_sql(&s, "%s", f->sql);
		verify(&s, "forged", &r);
		if (r.verdict != VERDICT_FAILED || !has_fault(&r, f->seq, f->detail) || r.faults_total != 1) {
			fprintf(stderr, "  forgery \"%s\": verdict %s, %zu faults, want seq %llu \"%s\"\n", f->name,
				verdict_name(r.verdict), r.faults_total, (unsigned long long)f->seq, f->detail);
			dump(&r);
			check_case_failed = 1;
		}
		verify_report_release(&r);
		store_close(&s);
	}
}

/* Many forged rows: all counted, each at its own seq. */
TEST(every_forged_row_is_counted)
{
	struct store s;
	struct verify_report r;

	make_store("many", &s);
	fixture_sql(&s, "%s", untrigger);
	fixture_sql(&s, "UPDATE changes SET after = '0' WHERE path = 'pct'");
	verify(&s, "many", &r);
	CHECK_STR(verdict_name(r.verdict), "FAILED");
	CHECK_INT(r.faults_total, 16);
	for (uint64_t seq = 1; seq <= NENTRIES; seq++)
		CHECK(has_fault(&r, seq, "pct: after 0 in the table") == (seq <= 10 || (seq >= 18 && seq <= 23)));
	verify_report_release(&r);
	store_close(&s);
}

/* A schema 1 store as earlier versions wrote it: testdata/old-schema2.sql
 * (version 1 leaves, no outcome column), signed by the test key, then
 * taken back to schema 1 (no entry_text). extra runs on it last. */
static void make_old_store(const char *name, const char *extra)
{
	char path[512], *dump;
	struct store s;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/%s.db", tmpdir, name);
	unlink(path);
	dump = read_file("testdata/old-schema2.sql", 1 << 24, NULL);
	CHECK(dump != NULL);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, dump ? dump : "", NULL, NULL, NULL) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "PRAGMA application_id = 1953657699; PRAGMA user_version = 2; "
			   "PRAGMA journal_mode = WAL", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	free(dump);
	/* sign it as it is (a write open upgrades it; its rows stay as they were) */
	CHECK(store_open(&s, path, 0) == 0);
	CHECK(store_sign_head(&s, &key, store_size(&s), NULL) == 0);
	store_close(&s);
	CHECK(sqlite3_open(path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "DROP INDEX IF EXISTS entries_outcome; ALTER TABLE entries DROP COLUMN outcome;"
			   "DROP TRIGGER entry_text_no_update; DROP TABLE entry_text;"
			   "UPDATE meta SET value = '1' WHERE key = 'schema'; PRAGMA user_version = 1",
			   NULL, NULL, NULL) == SQLITE_OK);
	if (extra)
		CHECK(sqlite3_exec(db, extra, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
}

TEST(schema1_store_verifies_and_checks_changes)
{
	struct store s;
	struct verify_report r;
	char path[512];

	make_old_store("v1", NULL);
	snprintf(path, sizeof(path), "%s/v1.db", tmpdir);
	CHECK(store_open(&s, path, STORE_READONLY) == 0);
	CHECK_INT(s.schema, 1);
	verify(&s, "v1", &r);
	dump(&r);
	CHECK_STR(verdict_name(r.verdict), "VERIFIED");
	verify_report_release(&r);
	store_close(&s);
	CHECK(store_open(&s, path, 0) == 0); /* upgrades, filling entry_text: still verifies */
	CHECK(s.schema >= 2);
	verify(&s, "v1", &r);
	CHECK_STR(verdict_name(r.verdict), "VERIFIED");
	verify_report_release(&r);
	store_close(&s);
	/* a forged changes row in a version 1 store */
	make_old_store("v1f", "DROP TRIGGER changes_no_update;"
			      "UPDATE changes SET path = 'x' WHERE seq = 2 AND idx = 0;");
	snprintf(path, sizeof(path), "%s/v1f.db", tmpdir);
	CHECK(store_open(&s, path, STORE_READONLY) == 0);
	verify(&s, "v1f", &r);
	CHECK_STR(verdict_name(r.verdict), "FAILED");
	CHECK(has_fault(&r, 2, "changes of seq 2 differ from the leaf: path \"x\" in the table"));
	CHECK_INT(r.faults_total, 1);
	verify_report_release(&r);
	store_close(&s);
}

/* With no second connection possible (the file renamed away under the
 * open store) the check runs on the caller's connection, to the same end. */
TEST(check_without_a_second_connection)
{
	struct store s;
	struct verify_report r;
	char from[512], to[512];

	make_store("alone", &s);
	fixture_sql(&s, "%s", untrigger);
	fixture_sql(&s, "UPDATE changes SET after = '7' WHERE seq = 3 AND idx = 1");
	snprintf(from, sizeof(from), "%s/alone.db", tmpdir);
	snprintf(to, sizeof(to), "%s/alone-moved.db", tmpdir);
	CHECK(rename(from, to) == 0);
	verify(&s, "alone", &r);
	CHECK_STR(verdict_name(r.verdict), "FAILED");
	CHECK(has_fault(&r, 3, "pct: after 7 in the table, 30 in the leaf"));
	verify_report_release(&r);
	store_close(&s);
}

/* A leaf verify's scan accepts but the strict parser does not (a repeated
 * member): its derived rows cannot be checked, and verify says so. */
TEST(leaf_nothing_derives_from_is_malformed)
{
	struct store s;
	struct verify_report r;
	int said = 0;

	make_store("dup", &s);
	fixture_sql(&s, "%s", untrigger);
	fixture_sql(&s, "UPDATE entries SET leaf = CAST(replace(CAST(leaf AS TEXT), '\"before_known\":true',"
		" '\"before_known\":true,\"before_known\":true') AS BLOB) WHERE seq = 3");
	verify(&s, "dup", &r);
	CHECK_STR(verdict_name(r.verdict), "FAILED");
	for (size_t i = 0; i < r.nfaults; i++)
		said |= r.faults[i].kind == FAULT_MALFORMED && r.faults[i].seq == 3 &&
			strstr(r.faults[i].detail, "leaf is not a valid event, so its derived rows cannot be checked: ") &&
			strstr(r.faults[i].detail, "duplicate");
	CHECK(said);
	if (!said)
		dump(&r);
	verify_report_release(&r);
	store_close(&s);
}

/* Edits past the listed faults are merged into ranges (bounded memory). */
TEST(mass_forgery_is_counted_in_ranges)
{
	struct store s;
	struct verify_report r;
	char path[512], ev[512];
	char *files[1] = { ev };
	struct import_options io = { .signer = &key };
	struct import_stats st;
	FILE *f;
	int ranged = 0;

	snprintf(path, sizeof(path), "%s/mass.db", tmpdir);
	snprintf(ev, sizeof(ev), "%s/mass.jsonl", tmpdir);
	f = fopen(ev, "w");
	for (int i = 1; i <= 10000; i++)
		fprintf(f, "{\"event_id\":\"m%d\",\"timestamp\":\"2026-01-12T10:00:00Z\",\"actor\":\"a\","
			"\"action\":\"flag.update\",\"flag_key\":\"f%d\",\"previous_state\":{\"n\":%d},"
			"\"new_state\":{\"n\":%d}}\n", i, i, i, i + 1);
	fclose(f);
	CHECK(store_open(&s, path, STORE_CREATE) == 0);
	CHECK_INT(import_files(&s, files, 1, &io, &st), EXIT_OK);
	fixture_sql(&s, "%s", untrigger);
	fixture_sql(&s, "UPDATE entries SET summary = 'x', nchanges = 9; UPDATE entry_text SET summary = 'x'");
	verify(&s, "mass", &r);
	CHECK_STR(verdict_name(r.verdict), "FAILED");
	CHECK(has_fault(&r, 1, "entries.summary of seq 1 differs"));
	/* 3 edits in each of 10,000 entries, checked in two halves: each half
	 * details its first VERIFY_MAX_FAULTS and merges the rest into one
	 * range (which verify counts but no longer lists) */
	CHECK_INT(r.nfaults, VERIFY_MAX_FAULTS);
	ranged = r.faults_total == 2 * VERIFY_MAX_FAULTS + 2;
	CHECK(ranged);
	if (!ranged)
		fprintf(stderr, "  faults_total %zu\n", r.faults_total);
	verify_report_release(&r);
	store_close(&s);
}

/* What `show` and the event view display comes from the leaf. */
TEST(entry_view_ignores_forged_rows)
{
	struct store s;
	struct entry e;

	make_store("view", &s);
	fixture_sql(&s, "%s", untrigger);
	fixture_sql(&s, "UPDATE changes SET after = '0' WHERE seq = 4 AND idx = 1;"
		"UPDATE entries SET summary = 'nothing' WHERE seq = 4");
	CHECK(entry_load_seq(&s, 4, &e) == 1);
	CHECK_STR(e.summary, "nothing"); /* as stored */
	derived_entry_from_leaf(&e);
	CHECK_STR(e.summary, "enabled: false \xe2\x86\x92 true +2 more");
	CHECK_INT(e.changes.n, 3);
	if (e.changes.n == 3) {
		CHECK_STR(e.changes.v[1].path, "pct");
		CHECK(json_number_value(e.changes.v[1].after) == 40);
	}
	entry_release(&e);
	store_close(&s);
}

int main(void)
{
	if (fixture_tmpdir(tmpdir, sizeof(tmpdir), "ts-derived") ||
	    fixture_keys("example.org/audit", NOTE_KEY_ED25519, &key, NULL))
		return 1;
	RUN(honest_store_verifies);
	RUN(each_forged_derived_row_fails);
	RUN(every_forged_row_is_counted);
	RUN(schema1_store_verifies_and_checks_changes);
	RUN(check_without_a_second_connection);
	RUN(leaf_nothing_derives_from_is_malformed);
	RUN(mass_forgery_is_counted_in_ranges);
	RUN(entry_view_ignores_forged_rows);
	note_signer_release(&key);
	fixture_rmdir(tmpdir);
	return CHECK_DONE();
}
