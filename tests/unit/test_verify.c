/*
 * test_verify.c - imports small signed stores through the real import
 * path, tampers with them the ways DESIGN.md lists, and checks that
 * verify_store() reports each tamper with the right verdict, kind and
 * location.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fixtures.h"
#include "trailscope/import.h"
#include "trailscope/keys.h"
#include "trailscope/merkle.h"
#include "trailscope/store_append.h"
#include "trailscope/verify.h"
#include "trailscope/util.h"

static char tmpdir[256];
static struct note_signer key, foreign;
static struct note_verifier vkey;

static void write_events(const char *path, int from, int to)
{
	FILE *f = fopen(path, "w");

	for (int i = from; i <= to; i++)
		fprintf(f, "{\"event_id\":\"e%d\",\"timestamp\":\"2026-01-12T14:%02d:%02dZ\",\"actor\":"
			"{\"id\":\"user%d@example.com\",\"type\":\"user\"},\"action\":\"flag.update\","
			"\"flag_key\":\"flag-%d\",\"environment\":\"production\","
			"\"previous_state\":{\"enabled\":false,\"pct\":%d},"
			"\"new_state\":{\"enabled\":true,\"pct\":%d}}\n",
			i, i / 60, i % 60, i % 5, i % 7, i, i + 1);
	fclose(f);
}

/* A store with 30 entries and checkpoints at 10, 20 and 30. */
static void make_store(const char *name, struct store *s)
{
	char path[512], ev[512];
	struct import_options io = { .signer = &key };
	struct import_stats st;

	snprintf(path, sizeof(path), "%s/%s.db", tmpdir, name);
	unlink(path);
	CHECK(store_open(s, path, STORE_CREATE) == 0);
	for (int b = 0; b < 3; b++) {
		char *files[1] = { ev };

		snprintf(ev, sizeof(ev), "%s/ev%d.jsonl", tmpdir, b);
		write_events(ev, b * 10 + 1, b * 10 + 10);
		CHECK_INT(import_files(s, files, 1, &io, &st), EXIT_OK);
	}
	CHECK_INT(store_size(s), 30);
}

static void untrigger(struct store *s)
{
	fixture_sql(s, "DROP TRIGGER entries_no_update; DROP TRIGGER entries_no_delete;"
	       "DROP TRIGGER checkpoints_no_update");
}

static struct trust trust_with(int nkeys, const char *statedir)
{
	struct trust t = fixture_trust(nkeys ? &key : NULL, statedir);

	CHECK_INT(t.n, nkeys ? 1 : 0);
	return t;
}

static int run_verify(struct store *s, struct trust *t, int remember, struct verify_report *r)
{
	struct verify_options vo = { .trust = t, .remember = remember };

	return verify_store(s, &vo, r);
}

/* Finds a fault of kind covering seq (entry) or of size (checkpoint). */
static const struct verify_fault *find_fault(const struct verify_report *r, const char *kind,
					     int checkpoint, uint64_t where)
{
	for (size_t i = 0; i < r->nfaults; i++) {
		const struct verify_fault *f = &r->faults[i];

		if (strcmp(fault_kind_name(f->kind), kind) || f->checkpoint != checkpoint)
			continue;
		if (checkpoint ? f->size == where : (f->seq <= where && where <= f->seq_end))
			return f;
	}
	return NULL;
}

static void dump(const struct verify_report *r)
{
	for (size_t i = 0; i < r->nfaults; i++)
		fprintf(stderr, "    fault %s cp=%d seq=%llu-%llu size=%llu: %s\n", fault_kind_name(r->faults[i].kind),
			r->faults[i].checkpoint, (unsigned long long)r->faults[i].seq,
			(unsigned long long)r->faults[i].seq_end, (unsigned long long)r->faults[i].size,
			r->faults[i].detail);
}

static const char *statedir(const char *name)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/state-%s", tmpdir, name);
	return p;
}

/* Opens a case named name: the 30-entry store (make_store), and a trust
 * state of its own pinning the key (nkeys 1) or none (0); with tamper,
 * the append-only triggers are dropped for tampering. */
static struct trust case_open(const char *name, int nkeys, int tamper, struct store *s)
{
	make_store(name, s);
	if (tamper)
		untrigger(s);
	return trust_with(nkeys, statedir(name));
}

/* Ends a case: its last report, its trust state, its store. */
static void case_close(struct store *s, struct trust *t, struct verify_report *r)
{
	verify_report_release(r);
	trust_release(t);
	store_close(s);
}

/* A tamper case: case_open with the triggers dropped, the tampering sql
 * run, then verified (not remembered): the report must say FAILED. */
static struct trust case_tampered(const char *name, const char *sql, struct store *s, struct verify_report *r)
{
	struct trust t = case_open(name, 1, 1, s);

	CHECK_INT(fixture_sql(s, "%s", sql), 0);
	CHECK(run_verify(s, &t, 0, r) == 0);
	CHECK_STR(verdict_name(r->verdict), "FAILED");
	return t;
}

TEST(clean_store_verifies)
{
	struct store s;
	struct trust t;
	struct verify_report r;

	t = case_open("clean", 1, 0, &s);
	CHECK(run_verify(&s, &t, 1, &r) == 0);
	CHECK_STR(verdict_name(r.verdict), "VERIFIED");
	CHECK_INT(verify_report_verdict(&r), VERDICT_VERIFIED);
	CHECK_INT(r.verified_through, 30);
	CHECK_INT(r.pending, 0);
	CHECK_INT(r.ncheckpoints, 3);
	CHECK_INT(r.nfaults, 0);
	dump(&r);
	verify_report_release(&r);
	/* a second verification compares with the remembered checkpoint */
	CHECK(run_verify(&s, &t, 1, &r) == 0);
	CHECK_STR(verdict_name(r.verdict), "VERIFIED");
	case_close(&s, &t, &r);
}

TEST(no_trusted_key_is_unverifiable)
{
	struct store s;
	struct trust t;
	struct verify_report r;

	t = case_open("nokey", 0, 0, &s);
	CHECK(run_verify(&s, &t, 0, &r) == 0);
	CHECK_STR(verdict_name(r.verdict), "UNVERIFIABLE");
	CHECK_INT(verify_report_verdict(&r), VERDICT_UNVERIFIABLE);
	case_close(&s, &t, &r);
}

TEST(changed_leaf_is_modified)
{
	struct store s;
	struct trust t;
	struct verify_report r;

	t = case_tampered("leaf", "UPDATE entries SET leaf = CAST(replace(CAST(leaf AS TEXT), 'user0@', 'mallory') AS BLOB)"
		" WHERE seq = 5", &s, &r);
	CHECK_INT(verify_report_verdict(&r), VERDICT_FAILED);
	CHECK(find_fault(&r, "MODIFIED", 0, 5) != NULL);
	CHECK(find_fault(&r, "MODIFIED", 0, 4) == NULL);
	CHECK(find_fault(&r, "MODIFIED", 0, 6) == NULL);
	CHECK(find_fault(&r, "ROOT_MISMATCH", 1, 10) == NULL); /* the tree is over stored hashes */
	dump(&r);
	case_close(&s, &t, &r);
}

TEST(changed_column_is_modified)
{
	struct store s;
	struct trust t;
	struct verify_report r;
	const struct verify_fault *f;

	t = case_tampered("col", "UPDATE entries SET actor = 'someone-else' WHERE seq = 12", &s, &r);
	f = find_fault(&r, "MODIFIED", 0, 12);
	CHECK(f && strstr(f->detail, "actor"));
	CHECK(find_fault(&r, "ROOT_MISMATCH", 1, 20) == NULL);
	case_close(&s, &t, &r);
}

TEST(deleted_row_is_missing)
{
	struct store s;
	struct trust t;
	struct verify_report r;
	const struct verify_fault *f;

	t = case_tampered("del", "DELETE FROM entries WHERE seq = 15", &s, &r);
	CHECK(find_fault(&r, "MISSING", 0, 15) != NULL);
	f = find_fault(&r, "ROOT_MISMATCH", 1, 20);
	CHECK(f && strstr(f->detail, "11-20"));
	CHECK(find_fault(&r, "ROOT_MISMATCH", 1, 10) == NULL);
	dump(&r);
	case_close(&s, &t, &r);
}

TEST(inserted_row_is_caught_or_pending)
{
	struct store s;
	struct trust t;
	struct verify_report r;

	t = case_open("ins", 1, 1, &s);
	/* a row slipped into the middle: every later row renumbered */
	fixture_sql(&s, "CREATE TEMP TABLE moved AS SELECT * FROM entries WHERE seq >= 16;"
		"DELETE FROM entries WHERE seq >= 16;"
		"INSERT INTO entries(seq, leaf, leaf_hash, event_id, ts, actor, actor_type, action,"
		" target, target_kind, environment, summary, nchanges, source_file, source_line, risk) SELECT seq + 1, leaf, leaf_hash, event_id, ts, actor, actor_type, action,"
		" target, target_kind, environment, summary, nchanges, source_file, source_line, risk FROM moved;"
		"INSERT INTO entries(seq, leaf, leaf_hash, event_id, ts, actor, actor_type, action,"
		" target, target_kind, environment, summary, nchanges, source_file, source_line, risk) SELECT 16, leaf, leaf_hash, 'forged', ts, actor, actor_type, action,"
		" target, target_kind, environment, summary, nchanges, source_file, source_line, risk FROM moved"
		" WHERE seq = 16");
	CHECK(run_verify(&s, &t, 0, &r) == 0);
	CHECK_STR(verdict_name(r.verdict), "FAILED");
	const struct verify_fault *f = find_fault(&r, "MODIFIED", 0, 17);
	CHECK(f && strstr(f->detail, "leaf records seq 16"));
	CHECK(find_fault(&r, "ROOT_MISMATCH", 1, 20) != NULL);
	dump(&r);
	case_close(&s, &t, &r);

	/* appended after the last checkpoint: pending, and said so */
	make_store("ins2", &s);
	t = trust_with(1, statedir("ins2"));
	fixture_sql(&s, "INSERT INTO entries(seq, leaf, leaf_hash, event_id, ts, actor, actor_type, action,"
		" target, target_kind, environment, summary, nchanges, source_file, source_line, risk) SELECT 31, leaf, leaf_hash, 'e31', ts, actor, actor_type, action,"
		" target, target_kind, environment, summary, nchanges, source_file, source_line, risk FROM entries"
		" WHERE seq = 30");
	CHECK(run_verify(&s, &t, 0, &r) == 0);
	CHECK_INT(r.pending, 1);
	CHECK(find_fault(&r, "MODIFIED", 0, 31) != NULL); /* its leaf says seq 30 */
	int said = 0;
	for (size_t i = 0; i < r.nnotes; i++)
		said |= strstr(r.notes[i], "PENDING") != NULL;
	CHECK(said);
	case_close(&s, &t, &r);
}

TEST(swapped_rows_are_modified)
{
	const struct verify_fault *f;
	struct store s;
	struct trust t;
	struct verify_report r;

	t = case_tampered("swap", "CREATE TEMP TABLE a AS SELECT * FROM entries WHERE seq IN (5, 6);"
		"DELETE FROM entries WHERE seq IN (5, 6);"
		"INSERT INTO entries(seq, leaf, leaf_hash, event_id, ts, actor, actor_type, action,"
		" target, target_kind, environment, summary, nchanges, source_file, source_line, risk) SELECT 11 - seq, leaf, leaf_hash, event_id, ts, actor, actor_type, action,"
		" target, target_kind, environment, summary, nchanges, source_file, source_line, risk FROM a", &s, &r);
	f = find_fault(&r, "MODIFIED", 0, 5);
	CHECK(f && strstr(f->detail, "leaf records seq 6"));
	f = find_fault(&r, "MODIFIED", 0, 6);
	CHECK(f && strstr(f->detail, "leaf records seq 5"));
	CHECK(find_fault(&r, "MISSING", 0, 5) == NULL);
	CHECK(find_fault(&r, "ROOT_MISMATCH", 1, 10) != NULL);
	case_close(&s, &t, &r);
}

/* Rewrites seq's leaf with hashes recomputed and the Merkle cache dropped,
 * as a careful attacker without the key would (derived rows stay right). */
static void rewrite_leaf(struct store *s, int seq)
{
	sqlite3_stmt *st;
	struct buf leaf = BUF_INIT, old = BUF_INIT;
	unsigned char h[HASH_LEN];

	untrigger(s);
	CHECK(sqlite3_prepare_v2(s->db, "SELECT leaf FROM entries WHERE seq = ?1", -1, &st, NULL) == SQLITE_OK);
	sqlite3_bind_int(st, 1, seq);
	CHECK(sqlite3_step(st) == SQLITE_ROW);
	buf_add(&leaf, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
	buf_add(&old, leaf.buf, leaf.len);
	sqlite3_finalize(st);
	/* a member nothing is derived from, so only the tree can tell */
	char *p = strstr(leaf.buf, "\"ts_source\":\"2026");
	CHECK(p != NULL);
	if (p)
		memcpy(p, "\"ts_source\":\"2025", 17);
	merkle_leaf_hash(leaf.buf, leaf.len, h);
	CHECK(sqlite3_prepare_v2(s->db, "UPDATE entries SET leaf = ?1, leaf_hash = ?2 WHERE seq = ?3",
				 -1, &st, NULL) == SQLITE_OK);
	sqlite3_bind_blob(st, 1, leaf.buf, (int)leaf.len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, h, HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, seq);
	CHECK(sqlite3_step(st) == SQLITE_DONE);
	sqlite3_finalize(st);
	/* the raw record is packed against its leaf (raw_pack.h): a careful
	 * rewriter repacks it against the new one, so that only the tree tells */
	fixture_sql(s, "DROP TRIGGER IF EXISTS entry_text_no_update");
	CHECK(sqlite3_prepare_v2(s->db, "UPDATE entry_text SET raw = ts_raw_pack(ts_raw(raw, ?1), ?2) WHERE seq = ?3",
				 -1, &st, NULL) == SQLITE_OK);
	sqlite3_bind_blob(st, 1, old.buf, (int)old.len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, leaf.buf, (int)leaf.len, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, seq);
	CHECK(sqlite3_step(st) == SQLITE_DONE);
	CHECK(sqlite3_changes(s->db) == 1);
	sqlite3_finalize(st);
	fixture_sql(s, "DELETE FROM merkle_nodes");
	buf_release(&leaf);
	buf_release(&old);
}

TEST(rewritten_tail_is_localised)
{
	struct store s;
	struct trust t;
	struct verify_report r;
	const struct verify_fault *f;

	t = case_open("tail", 1, 0, &s);
	rewrite_leaf(&s, 25);
	CHECK(run_verify(&s, &t, 0, &r) == 0);
	CHECK_STR(verdict_name(r.verdict), "FAILED");
	f = find_fault(&r, "ROOT_MISMATCH", 1, 30);
	CHECK(f && strstr(f->detail, "21-30"));
	CHECK(find_fault(&r, "ROOT_MISMATCH", 1, 20) == NULL);
	CHECK_INT(r.verified_through, 20);
	dump(&r);
	case_close(&s, &t, &r);
}

TEST(key_holder_rewrite_needs_an_anchor)
{
	struct store s;
	struct trust t;
	struct verify_report r;

	t = case_open("resign", 1, 0, &s);
	CHECK(run_verify(&s, &t, 1, &r) == 0); /* remembers size 30 */
	CHECK_STR(verdict_name(r.verdict), "VERIFIED");
	verify_report_release(&r);
	rewrite_leaf(&s, 25);
	fixture_sql(&s, "DELETE FROM checkpoints WHERE size = 30");
	CHECK(store_sign_head(&s, &key, 30, NULL) == 0);
	/* without the remembered checkpoint this would pass; with it: a fork */
	CHECK(run_verify(&s, &t, 0, &r) == 0);
	CHECK_STR(verdict_name(r.verdict), "FAILED");
	CHECK(find_fault(&r, "FORK", 1, 30) != NULL);
	dump(&r);
	verify_report_release(&r);
	trust_release(&t);
	/* a fresh machine has no anchor: it passes, and says what it cannot see */
	t = trust_with(1, statedir("resign-fresh"));
	CHECK(run_verify(&s, &t, 0, &r) == 0);
	CHECK_STR(verdict_name(r.verdict), "VERIFIED");
	int said = 0;
	for (size_t i = 0; i < r.nnotes; i++)
		said |= strstr(r.notes[i], "cannot be detected") != NULL;
	CHECK(said);
	case_close(&s, &t, &r);
}

TEST(earlier_checkpoint_contradicting_later_is_inconsistent)
{
	struct store s;
	struct trust t;
	struct verify_report r;

	t = case_open("incons", 1, 0, &s);
	rewrite_leaf(&s, 5);
	fixture_sql(&s, "DELETE FROM checkpoints WHERE size IN (20, 30)");
	CHECK(store_sign_head(&s, &key, 20, NULL) == 0);
	CHECK(store_sign_head(&s, &key, 30, NULL) == 0);
	CHECK(run_verify(&s, &t, 0, &r) == 0);
	CHECK_STR(verdict_name(r.verdict), "FAILED");
	CHECK(find_fault(&r, "INCONSISTENT", 1, 10) != NULL);
	dump(&r);
	case_close(&s, &t, &r);
}

TEST(truncation_and_rollback)
{
	struct store s;
	struct trust t;
	struct verify_report r;

	t = case_open("trunc", 1, 0, &s);
	CHECK(run_verify(&s, &t, 1, &r) == 0);
	verify_report_release(&r);
	untrigger(&s);
	/* the store is put back as it was at size 20 */
	fixture_sql(&s, "DELETE FROM entries WHERE seq > 20; DELETE FROM checkpoints WHERE size > 20;"
		"DELETE FROM merkle_nodes");
	CHECK(run_verify(&s, &t, 0, &r) == 0);
	CHECK_STR(verdict_name(r.verdict), "FAILED");
	CHECK(find_fault(&r, "TRUNCATED", 1, 30) != NULL);
	CHECK(find_fault(&r, "ROLLBACK", 1, 30) != NULL);
	{
		const struct verify_fault *f = find_fault(&r, "ROLLBACK", 1, 30);

		/* where and when the newer checkpoint was seen */
		CHECK(f && strstr(f->detail, "(remembered in ") && strstr(f->detail, statedir("trunc")) &&
		      strstr(f->detail, " at 20"));
	}
	case_close(&s, &t, &r);

	/* entries cut but the checkpoint left in place */
	make_store("trunc2", &s);
	t = trust_with(1, statedir("trunc2"));
	untrigger(&s);
	fixture_sql(&s, "DELETE FROM entries WHERE seq > 25");
	CHECK(run_verify(&s, &t, 0, &r) == 0);
	CHECK(find_fault(&r, "TRUNCATED", 1, 30) != NULL);
	case_close(&s, &t, &r);

	/* only the newest checkpoint removed: a rollback of the checkpoints */
	make_store("rollback", &s);
	t = trust_with(1, statedir("rollback"));
	CHECK(run_verify(&s, &t, 1, &r) == 0);
	verify_report_release(&r);
	fixture_sql(&s, "DELETE FROM checkpoints WHERE size = 30");
	CHECK(run_verify(&s, &t, 0, &r) == 0);
	CHECK(find_fault(&r, "ROLLBACK", 1, 30) != NULL);
	CHECK(find_fault(&r, "TRUNCATED", 1, 30) == NULL);
	case_close(&s, &t, &r);
}

TEST(foreign_key_bad_signature_malformed_wrong_origin)
{
	struct store s;
	struct trust t;
	struct verify_report r;
	struct buf text = BUF_INIT, note = BUF_INIT, err = BUF_INIT;
	unsigned char root[HASH_LEN];

	t = case_open("sig", 1, 1, &s);
	/* re-signed with a foreign key */
	fixture_sql(&s, "DELETE FROM checkpoints WHERE size = 20");
	CHECK(store_sign_head(&s, &foreign, 20, NULL) == 0);
	/* a bad signature line on 10 */
	fixture_sql(&s, "UPDATE checkpoints SET note = substr(note, 1, length(note) - 6) || "
		"CASE substr(note, length(note) - 5, 1) WHEN 'A' THEN 'B' ELSE 'A' END || substr(note, length(note) - 4)"
		" WHERE size = 10");
	CHECK(run_verify(&s, &t, 0, &r) == 0);
	CHECK_STR(verdict_name(r.verdict), "FAILED");
	CHECK(find_fault(&r, "UNTRUSTED", 1, 20) != NULL);
	CHECK(find_fault(&r, "BAD_SIGNATURE", 1, 10) != NULL);
	dump(&r);
	verify_report_release(&r);
	/* malformed and wrong origin on 30 */
	fixture_sql(&s, "UPDATE checkpoints SET note = 'not a note' WHERE size = 30");
	CHECK(run_verify(&s, &t, 0, &r) == 0);
	CHECK(find_fault(&r, "MALFORMED", 1, 30) != NULL);
	verify_report_release(&r);
	CHECK(store_root(&s, 30, root) == 0);
	checkpoint_format("other.example/log", 30, root, &text);
	CHECK(note_sign(&key, text.buf, text.len, &note, &err) == 0);
	fixture_sql(&s, "DELETE FROM checkpoints WHERE size = 30");
	CHECK(store_add_checkpoint(&s, 30, note.buf) == 0);
	CHECK(run_verify(&s, &t, 0, &r) == 0);
	CHECK(find_fault(&r, "WRONG_ORIGIN", 1, 30) != NULL);
	verify_report_release(&r);
	buf_release(&text);
	buf_release(&note);
	buf_release(&err);
	trust_release(&t);
	store_close(&s);
}

TEST(tampered_merkle_cache_is_caught)
{
	struct store s;
	struct trust t;
	struct verify_report r;

	t = case_open("cache", 1, 0, &s);
	fixture_sql(&s, "UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 4 AND idx = 0");
	CHECK(run_verify(&s, &t, 0, &r) == 0);
	CHECK_STR(verdict_name(r.verdict), "FAILED");
	CHECK(find_fault(&r, "MODIFIED", 0, 1) != NULL);
	CHECK(find_fault(&r, "MODIFIED", 0, 16) != NULL);
	case_close(&s, &t, &r);
}

/* Reopens the store (meta.origin is read at open). */
static void reopen(const char *name, struct store *s)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s.db", tmpdir, name);
	store_close(s);
	CHECK(store_open(s, path, 0) == 0);
}

static int has_note(const struct verify_report *r, const char *needle)
{
	for (size_t i = 0; i < r->nnotes; i++)
		if (strstr(r->notes[i], needle))
			return 1;
	return 0;
}

TEST(unsigned_or_empty_store_is_never_verified)
{
	struct store s;
	struct trust t;
	struct verify_report r, forged;
	struct buf line = BUF_INIT;
	char path[512];

	t = case_open("unsigned", 1, 0, &s);
	fixture_sql(&s, "DELETE FROM checkpoints");
	CHECK(run_verify(&s, &t, 1, &r) == 0);
	CHECK_STR(verdict_name(r.verdict), "UNVERIFIABLE");
	CHECK_INT(verify_report_verdict(&r), VERDICT_UNVERIFIABLE);
	CHECK_INT(r.verified_through, 0);
	CHECK_INT(r.nfaults, 0);
	CHECK_STR(r.reason, "no checkpoint signed by a trusted key anchors the 30 entries");
	verify_verdict_line(&r, 0, &line);
	CHECK_STR(line.buf, "UNVERIFIABLE: no checkpoint signed by a trusted key anchors the 30 entries");
	buf_reset(&line);
	verify_verdict_short(&r, 0, &line);
	CHECK_STR(line.buf, "UNVERIFIABLE: no trusted checkpoint");
	CHECK(!verify_report_verified(&r));
	CHECK_INT(verify_report_cover(&r, 1), 0);
	verify_report_release(&r);
	store_close(&s);

	/* an empty store */
	snprintf(path, sizeof(path), "%s/empty.db", tmpdir);
	unlink(path);
	CHECK(store_open(&s, path, STORE_CREATE) == 0);
	CHECK(run_verify(&s, &t, 1, &r) == 0);
	CHECK_INT(verify_report_verdict(&r), VERDICT_UNVERIFIABLE);
	CHECK_STR(r.reason, "empty store, nothing to verify");
	verify_report_release(&r);
	store_close(&s);

	/* the formatting site refuses "VERIFIED through 0" whatever it is given */
	memset(&forged, 0, sizeof(forged));
	forged.verdict = VERDICT_VERIFIED;
	forged.entries = 5;
	forged.pending = 5;
	buf_reset(&line);
	verify_verdict_line(&forged, 0, &line);
	CHECK_STR(line.buf, "UNVERIFIABLE: no checkpoint signed by a trusted key anchors the 5 entries");
	CHECK(!verify_report_verified(&forged));
	CHECK_INT(verify_report_verdict(&forged), VERDICT_UNVERIFIABLE);
	buf_release(&line);
	trust_release(&t);
}

/* The names every surface prints, from the one table, and back. */
TEST(names_of_verdicts_and_faults)
{
	static const char *const faults[] = { "OK", "MODIFIED", "MALFORMED", "MISSING", "BAD_SIGNATURE",
					      "UNTRUSTED", "WRONG_ORIGIN", "ROOT_MISMATCH", "INCONSISTENT",
					      "ROLLBACK", "TRUNCATED", "FORK" };

	CHECK_STR(verdict_name(VERDICT_VERIFIED), "VERIFIED");
	CHECK_STR(verdict_name(VERDICT_FAILED), "FAILED");
	CHECK_STR(verdict_name(VERDICT_UNVERIFIABLE), "UNVERIFIABLE");
	CHECK_STR(verdict_name(VERDICT_NONE), "");
	CHECK_INT(verdict_parse("VERIFIED"), VERDICT_VERIFIED);
	CHECK_INT(verdict_parse("FAILED"), VERDICT_FAILED);
	CHECK_INT(verdict_parse("UNVERIFIABLE"), VERDICT_UNVERIFIABLE);
	CHECK_INT(verdict_parse("UNKNOWN"), VERDICT_NONE);
	CHECK_INT(verdict_parse("verified"), VERDICT_NONE);
	CHECK_INT(verdict_parse(""), VERDICT_NONE);
	CHECK_INT(verdict_parse(NULL), VERDICT_NONE);
	for (size_t i = 0; i < ARRAY_SIZE(faults); i++)
		CHECK_STR(fault_kind_name((enum fault_kind)i), faults[i]);
	CHECK_INT(FAULT_OK, 0); /* a zeroed checkpoint status is OK until a fault is found */
	CHECK_INT(FAULT_FORK, (int)ARRAY_SIZE(faults) - 1);
}

TEST(report_cover_is_the_smallest_ok_checkpoint)
{
	struct store s;
	struct trust t;
	struct verify_report r;
	struct verify_cover cv;
	enum fault_kind cs;

	t = case_open("cover", 1, 1, &s);
	fixture_sql(&s, "UPDATE checkpoints SET note = 'garbage' WHERE size = 10");
	CHECK(run_verify(&s, &t, 0, &r) == 0);
	CHECK_INT(verify_report_cover(&r, 5), 20); /* 10 is MALFORMED */
	CHECK_INT(verify_report_cover(&r, 25), 30);
	CHECK_INT(verify_report_cover(&r, 31), 0);
	CHECK(verify_report_checkpoint_status(&r, 10, &cs) && cs == FAULT_MALFORMED);
	CHECK(!verify_report_checkpoint_status(&r, 11, &cs));
	verify_report_release(&r);
	/* show's cover: the same, from the store */
	CHECK(verify_cover(&s, &t, 5, &cv) == 0);
	CHECK_INT(cv.size, 20);
	CHECK_STR(cv.signer, "example.org/audit");
	CHECK_INT(cv.rejected, 10);
	CHECK(cv.why && !strncmp(cv.why, "MALFORMED", 9));
	verify_cover_release(&cv);
	/* a foreign signature over the right root is not cover */
	fixture_sql(&s, "DELETE FROM checkpoints WHERE size = 20");
	CHECK(store_sign_head(&s, &foreign, 20, NULL) == 0);
	CHECK(verify_cover(&s, &t, 15, &cv) == 0);
	CHECK_INT(cv.size, 30);
	CHECK_INT(cv.rejected, 20);
	CHECK(cv.why && !strncmp(cv.why, "UNTRUSTED", 9));
	verify_cover_release(&cv);
	/* no key pinned: nothing is cover */
	{
		struct trust none = trust_with(0, statedir("cover-none"));

		CHECK(verify_cover(&s, &none, 25, &cv) == 0);
		CHECK_INT(cv.size, 0);
		CHECK_INT(cv.rejected, 30);
		verify_cover_release(&cv);
		trust_release(&none);
	}
	trust_release(&t);
	store_close(&s);
}

TEST(bad_second_signature_line_is_bad_signature)
{
	struct store s;
	struct trust t;
	struct verify_report r;
	struct buf note = BUF_INIT;
	sqlite3_stmt *st;
	const char *last;

	t = case_open("sig2", 1, 0, &s);
	CHECK(store_prepare(&s, "SELECT note FROM checkpoints WHERE size = 20", &st) == 0);
	CHECK(sqlite3_step(st) == SQLITE_ROW);
	buf_addstr(&note, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	/* the good line stays first; a copy with one changed signature
	 * character (past the key id) follows it */
	last = strstr(note.buf, "\n\n") + 2;
	{
		size_t off = (size_t)(last - note.buf), len = note.len - off;
		char *copy = xstrndup(last, len);
		char *b64 = strrchr(copy, ' ') + 1;

		b64[20] = b64[20] == 'A' ? 'B' : 'A';
		buf_addstr(&note, copy);
		free(copy);
	}
	fixture_sql(&s, "DELETE FROM checkpoints WHERE size = 20");
	CHECK(store_add_checkpoint(&s, 20, note.buf) == 0);
	CHECK(run_verify(&s, &t, 0, &r) == 0);
	CHECK_STR(verdict_name(r.verdict), "FAILED");
	CHECK(find_fault(&r, "BAD_SIGNATURE", 1, 20) != NULL);
	CHECK(find_fault(&r, "BAD_SIGNATURE", 1, 10) == NULL);
	verify_report_release(&r);
	buf_release(&note);
	trust_release(&t);
	store_close(&s);
}

TEST(stripped_or_renamed_store_is_still_that_log)
{
	struct store s;
	struct trust t;
	struct verify_report r;
	const struct verify_fault *f;

	/* remembered at 30, then checkpoints and origin removed */
	t = case_open("strip", 1, 0, &s);
	CHECK(run_verify(&s, &t, 1, &r) == 0);
	CHECK_STR(verdict_name(r.verdict), "VERIFIED");
	verify_report_release(&r);
	fixture_sql(&s, "DELETE FROM checkpoints; DELETE FROM meta WHERE key = 'origin'");
	reopen("strip", &s);
	CHECK_STR(s.origin, "");
	CHECK(run_verify(&s, &t, 1, &r) == 0);
	CHECK_STR(verdict_name(r.verdict), "FAILED");
	CHECK(f = find_fault(&r, "ROLLBACK", 1, 30));
	if (f) {
		CHECK(strstr(f->detail, "has no origin") != NULL);
		CHECK(strstr(f->detail, statedir("strip")) != NULL);
		CHECK(strstr(f->detail, "/seen/example.org_audit+") != NULL);
	}
	dump(&r);
	verify_report_release(&r);
	/* renamed instead */
	fixture_sql(&s, "INSERT INTO meta (key, value) VALUES ('origin', 'renamed.example/log')");
	reopen("strip", &s);
	CHECK(run_verify(&s, &t, 1, &r) == 0);
	CHECK(f = find_fault(&r, "ROLLBACK", 1, 30));
	if (f)
		CHECK(strstr(f->detail, "says origin \"renamed.example/log\"") != NULL);
	verify_report_release(&r);
	/* and cut back to 20 entries: TRUNCATED, matched on the first 16 */
	untrigger(&s);
	fixture_sql(&s, "DELETE FROM entries WHERE seq > 20; DELETE FROM merkle_nodes");
	CHECK(run_verify(&s, &t, 1, &r) == 0);
	CHECK(f = find_fault(&r, "TRUNCATED", 1, 30));
	if (f)
		CHECK(strstr(f->detail, "first 16 entries") != NULL);
	verify_report_release(&r);
	/* cut to 8: still the same first 8 */
	fixture_sql(&s, "DELETE FROM entries WHERE seq > 8");
	CHECK(run_verify(&s, &t, 1, &r) == 0);
	CHECK(find_fault(&r, "TRUNCATED", 1, 30) != NULL);
	verify_report_release(&r);
	/* another log (other entries) signed by nobody is not that log */
	fixture_sql(&s, "UPDATE entries SET leaf_hash = zeroblob(32) WHERE seq = 1");
	CHECK(run_verify(&s, &t, 1, &r) == 0);
	CHECK(find_fault(&r, "TRUNCATED", 1, 30) == NULL);
	CHECK(find_fault(&r, "ROLLBACK", 1, 30) == NULL);
	CHECK(find_fault(&r, "MODIFIED", 0, 1) != NULL);
	case_close(&s, &t, &r);
}

TEST(two_logs_signed_by_one_key_both_verify)
{
	struct store a, b;
	struct trust t = trust_with(1, statedir("twologs"));
	struct verify_report r;
	char path[512], ev[512];
	char *files[1] = { ev };
	struct import_options io = { .signer = &key };
	struct import_stats st;

	make_store("loga", &a);
	snprintf(path, sizeof(path), "%s/logb.db", tmpdir);
	unlink(path);
	CHECK(store_open(&b, path, STORE_CREATE) == 0);
	CHECK(store_set_origin(&b, "other.example/log") == 0);
	snprintf(ev, sizeof(ev), "%s/evb.jsonl", tmpdir);
	write_events(ev, 101, 140);
	CHECK_INT(import_files(&b, files, 1, &io, &st), EXIT_OK);
	for (int round = 0; round < 2; round++) {
		CHECK(run_verify(&a, &t, 1, &r) == 0);
		CHECK_STR(verdict_name(r.verdict), "VERIFIED");
		dump(&r);
		verify_report_release(&r);
		CHECK(run_verify(&b, &t, 1, &r) == 0);
		CHECK_STR(verdict_name(r.verdict), "VERIFIED");
		CHECK_INT(r.verified_through, 40);
		CHECK(has_note(&r, round ? "compared with the checkpoint of size 40" : "no checkpoint of this "
			       "origin was seen before"));
		dump(&r);
		verify_report_release(&r);
	}
	trust_release(&t);
	store_close(&a);
	store_close(&b);
}

TEST(import_is_atomic_and_idempotent)
{
	struct store s;
	char path[512], ev[512];
	char *files[1] = { ev };
	struct import_options io = { 0 };
	struct import_stats st;
	FILE *f;

	make_store("atomic", &s);
	snprintf(path, sizeof(path), "%s/bad.jsonl", tmpdir);
	f = fopen(path, "w");
	fprintf(f, "{\"event_id\":\"n1\",\"timestamp\":\"2026-01-12T15:00:00Z\",\"actor\":\"a\",\"target\":\"t\"}\n");
	fprintf(f, "{\"event_id\":\"n2\",\"timestamp\":\"2026-02-30T15:00:00Z\",\"actor\":\"a\",\"target\":\"t\"}\n");
	fclose(f);
	snprintf(ev, sizeof(ev), "%s", path);
	CHECK_INT(import_files(&s, files, 1, &io, &st), -1);
	CHECK_INT(error_class(), ERR_INPUT);
	CHECK_INT(store_size(&s), 30);
	io.skip_invalid = 1;
	CHECK_INT(import_files(&s, files, 1, &io, &st), EXIT_OK);
	CHECK_INT(st.added, 1);
	CHECK_INT(st.skipped, 1);
	CHECK_INT(store_size(&s), 31);
	snprintf(ev, sizeof(ev), "%s/ev0.jsonl", tmpdir);
	write_events(ev, 1, 10);
	CHECK_INT(import_files(&s, files, 1, &io, &st), EXIT_OK);
	CHECK_INT(st.added, 0);
	CHECK_INT(st.duplicates, 10);
	CHECK_INT(store_size(&s), 31);
	store_close(&s);
}

int main(void)
{
	if (fixture_tmpdir(tmpdir, sizeof(tmpdir), "ts-verify") ||
	    fixture_keys("example.org/audit", NOTE_KEY_ED25519, &key, &vkey) ||
	    fixture_keys("example.org/audit", NOTE_KEY_ED25519, &foreign, NULL))
		return 1;
	RUN(names_of_verdicts_and_faults);
	RUN(clean_store_verifies);
	RUN(no_trusted_key_is_unverifiable);
	RUN(changed_leaf_is_modified);
	RUN(changed_column_is_modified);
	RUN(deleted_row_is_missing);
	RUN(inserted_row_is_caught_or_pending);
	RUN(swapped_rows_are_modified);
	RUN(rewritten_tail_is_localised);
	RUN(key_holder_rewrite_needs_an_anchor);
	RUN(earlier_checkpoint_contradicting_later_is_inconsistent);
	RUN(truncation_and_rollback);
	RUN(foreign_key_bad_signature_malformed_wrong_origin);
	RUN(tampered_merkle_cache_is_caught);
	RUN(unsigned_or_empty_store_is_never_verified);
	RUN(report_cover_is_the_smallest_ok_checkpoint);
	RUN(bad_second_signature_line_is_bad_signature);
	RUN(stripped_or_renamed_store_is_still_that_log);
	RUN(two_logs_signed_by_one_key_both_verify);
	RUN(import_is_atomic_and_idempotent);
	note_signer_release(&key);
	note_signer_release(&foreign);
	note_verifier_release(&vkey);
	fixture_rmdir(tmpdir);
	return CHECK_DONE();
}
