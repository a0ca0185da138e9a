/*
 * test_bundle.c - the pieces of evidence bundles below the CLI:
 * c2sp.org/tlog-proof@v1 text (round trip, the extra line, every malformed
 * form with its line), the custody chain (signed entries verify; edits,
 * reordering, removal, forged signatures and a changed manifest are caught
 * at their line), the first entry's commitment to bag-info and the store
 * verdict, tag-safe text (no C1 control or line separator raw), and the
 * case file API the TUI calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fixtures.h"
#include "trailscope/bundle.h"
#include "trailscope/casefile.h"
#include "trailscope/custody.h"
#include "trailscope/tlogproof.h"
#include "trailscope/util.h"

static char tmpdir[256];

static const char cp[] = "example.org/audit\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n"
			 "\u2014 example.org/audit AAAA\n";

TEST(tlog_proof_round_trip)
{
	struct merkle_proof p = { 0 };
	struct tlog_proof q;
	struct buf text = BUF_INIT, err = BUF_INIT;
	long line;

	p.hash = xcalloc(2, HASH_LEN);
	p.n = 2;
	memset(p.hash[0], 0xab, HASH_LEN);
	memset(p.hash[1], 0x01, HASH_LEN);
	tlog_proof_format(&text, NULL, 0, 3, &p, cp, strlen(cp));
	CHECK(!strncmp(text.buf, "c2sp.org/tlog-proof@v1\nindex 3\nq6ur", 35));
	CHECK(tlog_proof_parse(text.buf, text.len, &q, &line, &err) == 0);
	CHECK_INT(q.index, 3);
	CHECK_INT(q.path.n, 2);
	CHECK(!memcmp(q.path.hash[0], p.hash[0], HASH_LEN) && !memcmp(q.path.hash[1], p.hash[1], HASH_LEN));
	CHECK_STR(q.checkpoint.buf, cp);
	CHECK(!q.has_extra);
	tlog_proof_release(&q);
	buf_reset(&text);
	tlog_proof_format(&text, "hi", 2, 0, &(struct merkle_proof){ NULL, 0 }, cp, strlen(cp));
	CHECK(!strncmp(text.buf, "c2sp.org/tlog-proof@v1\nextra aGk=\nindex 0\n\nexample.org", 53));
	CHECK(tlog_proof_parse(text.buf, text.len, &q, &line, &err) == 0);
	CHECK(q.has_extra && q.extra.len == 2 && !memcmp(q.extra.buf, "hi", 2));
	tlog_proof_release(&q);
	merkle_proof_release(&p);
	buf_release(&text);
	buf_release(&err);
}

TEST(proof_line_round_trip)
{
	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "{\"index\":3,\"path\":[],\"seq\":5}", "index 3 is not the leaf's position 4" },
		{ "{\"index\":4, \"path\":[],\"seq\":5}", "not in canonical form" },
		{ "{\"index\":4,\"path\":[],\"seq\":5,\"x\":1}", "not {\"index\":N" },
		{ "{\"index\":4,\"path\":[\"AAAA\"],\"seq\":5}", "path hash 1 is not the base64 of 32 bytes" },
		{ "{\"index\":-1,\"path\":[],\"seq\":0}", "not {\"index\":N" },
		{ "[1]", "not a JSON object" },
		/* two hashes without the comma between them (fuzz_proofline found the
		 * fast path taking it), and a trailing comma */
		{ "{\"index\":3,\"path\":[\"q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\""
		  "\"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\"],\"seq\":4}", "not a JSON object" },
		{ "{\"index\":3,\"path\":[\"q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\",],\"seq\":4}",
		  "not a JSON object" },
	};
	struct merkle_proof p = { 0 }, q;
	struct buf line = BUF_INIT, why = BUF_INIT;
	int64_t seq = 0;

	p.hash = xcalloc(2, HASH_LEN);
	p.n = 2;
	memset(p.hash[0], 0xab, HASH_LEN);
	memset(p.hash[1], 0x01, HASH_LEN);
	bundle_proof_line(&line, 4, &p);
	CHECK_STR(line.buf, "{\"index\":3,\"path\":[\"q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\","
		  "\"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\"],\"seq\":4}\n");
	CHECK(bundle_proof_line_parse(line.buf, line.len - 1, &seq, &q, &why) == 0);
	CHECK_INT(seq, 4);
	CHECK_INT(q.n, 2);
	CHECK(!memcmp(q.hash[0], p.hash[0], HASH_LEN) && !memcmp(q.hash[1], p.hash[1], HASH_LEN));
	merkle_proof_release(&q);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		buf_reset(&why);
		CHECK(bundle_proof_line_parse(bad[i].line, strlen(bad[i].line), &seq, &q, &why) == -1);
		CHECK(strstr(why.buf, bad[i].why) != NULL);
	}
	merkle_proof_release(&p);
	buf_release(&line);
	buf_release(&why);
}

TEST(tlog_proof_testdata)
{
	size_t len;
	char *text = read_file("testdata/bundle/extra.tlog-proof", 1 << 16, &len);
	struct buf err = BUF_INIT;
	struct tlog_proof q;
	long line;

	CHECK(text != NULL);
	if (!text)
		return;
	CHECK(tlog_proof_parse(text, len, &q, &line, &err) == 0);
	CHECK(q.has_extra && q.extra.len == 5 && !memcmp(q.extra.buf, "hello", 5));
	CHECK_INT(q.index, 0);
	CHECK_INT(q.path.n, 0);
	CHECK(!strncmp(q.checkpoint.buf, "example.org/audit\n1\n", 20));
	tlog_proof_release(&q);
	free(text);
	buf_release(&err);
}

TEST(tlog_proof_malformed)
{
	static const struct { const char *text; long line; const char *why; } cases[] = {
		{ "c2sp.org/tlog-proof@v2\nindex 0\n\nx\n", 1, "header" },
		{ "c2sp.org/tlog-proof@v1\nindex 01\n\nx\n", 2, "leading zeroes" },
		{ "c2sp.org/tlog-proof@v1\nindex -1\n\nx\n", 2, "bad index" },
		{ "c2sp.org/tlog-proof@v1\nindex\n\nx\n", 2, "expected 'index N'" },
		{ "c2sp.org/tlog-proof@v1\nextra !!\nindex 0\n\nx\n", 2, "extra" },
		{ "c2sp.org/tlog-proof@v1\nindex 1\nAAAA\n\nx\n", 3, "SHA-256" },
		{ "c2sp.org/tlog-proof@v1\nindex 1\n", 3, "empty line" },
		{ "c2sp.org/tlog-proof@v1\nindex 1\n\n", 4, "missing the checkpoint" },
	};
	struct buf err = BUF_INIT;
	struct tlog_proof q;
	long line;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		buf_reset(&err);
		CHECK(tlog_proof_parse(cases[i].text, strlen(cases[i].text), &q, &line, &err) == -1);
		if (line != cases[i].line || !strstr(err.buf, cases[i].why))
			fprintf(stderr, "  case %zu: line %ld: %s\n", i, line, err.buf);
		CHECK_INT(line, cases[i].line);
		CHECK(strstr(err.buf, cases[i].why) != NULL);
	}
	buf_release(&err);
}

static void make_key(const char *name, struct note_signer *s, struct note_verifier *v)
{
	CHECK_INT(fixture_keys(name, NOTE_KEY_ED25519, s, v), 0);
}

static const char mhex[] = "0000000000000000000000000000000000000000000000000000000000000001";

/* Builds a 3-entry chain into out. */
static void chain(const struct note_signer *a, const struct note_signer *b, struct buf *out)
{
	struct custody_fields f = { .actor = "alice", .case_id = "CASE-1", .manifest_sha256 = mhex,
				    .time = "2026-01-01T00:00:00Z", .host = "h", .tool = "t" };
	size_t start;

	f.action = "created";
	f.note = "export";
	CHECK(custody_entry(&f, 1, NULL, 0, a, out) == 0);
	start = 0;
	f.action = "transferred";
	f.note = NULL;
	CHECK(custody_entry(&f, 2, out->buf + start, out->len - 1 - start, a, out) == 0);
	start = (size_t)(strchr(out->buf, '\n') - out->buf) + 1;
	f.action = "received";
	f.actor = "regulator";
	CHECK(custody_entry(&f, 3, out->buf + start, out->len - 1 - start, b, out) == 0);
}

static int fault_at(const struct bag_faults *F, long line, const char *needle)
{
	for (size_t i = 0; i < F->n; i++)
		if (F->v[i].line == line && strstr(F->v[i].msg, needle))
			return 1;
	return 0;
}

static void verify_text(const char *text, const struct note_verifier *trusted, size_t n,
			struct bag_faults *F, struct custody_report *r)
{
	bag_faults_release(F);
	custody_report_release(r);
	custody_verify(text, strlen(text), mhex, trusted, n, F, r);
}

TEST(custody_chain)
{
	struct note_signer a, b, m;
	struct note_verifier va, vb, vm, trusted[2];
	struct bag_faults F = BAG_FAULTS_INIT;
	struct custody_report r = { 0 };
	struct buf text = BUF_INIT, t = BUF_INIT;
	char *p;

	make_key("example.org/audit", &a, &va);
	make_key("regulator.example", &b, &vb);
	make_key("mallory.example", &m, &vm);
	trusted[0] = va;
	trusted[1] = vb;
	chain(&a, &b, &text);
	verify_text(text.buf, trusted, 2, &F, &r);
	CHECK_INT(F.n, 0);
	CHECK_INT(r.n, 3);
	CHECK_STR(r.case_id, "CASE-1");
	CHECK(r.v[2].trusted && !strcmp(r.v[2].signer, "regulator.example"));
	CHECK_STR(r.v[1].role, "sender");
	CHECK_INT(r.untrusted_entries, 0);
	verify_text(text.buf, trusted, 1, &F, &r);
	CHECK_INT(F.n, 0);
	CHECK_INT(r.untrusted_entries, 1);

	/* an edited entry: its signature and the next link fail */
	buf_reset(&t);
	buf_addstr(&t, text.buf);
	p = strstr(t.buf, "\"export\"");
	memcpy(p, "\"EXPORT\"", 8);
	verify_text(t.buf, trusted, 2, &F, &r);
	CHECK(fault_at(&F, 1, "signature does not verify"));
	CHECK(fault_at(&F, 2, "\"prev\" does not match"));

	/* the payload manifest changed after the entries were written */
	bag_faults_release(&F);
	custody_report_release(&r);
	custody_verify(text.buf, text.len, "11", trusted, 2, &F, &r);
	CHECK(fault_at(&F, 1, "manifest_sha256") && fault_at(&F, 3, "manifest_sha256"));

	/* a removed middle entry */
	buf_reset(&t);
	buf_add(&t, text.buf, (size_t)(strchr(text.buf, '\n') - text.buf) + 1);
	buf_addstr(&t, strchr(strchr(text.buf, '\n') + 1, '\n') + 1);
	verify_text(t.buf, trusted, 2, &F, &r);
	CHECK(fault_at(&F, 2, "\"seq\" must be 2"));
	CHECK(fault_at(&F, 2, "\"prev\" does not match"));

	/* a forged signature byte */
	buf_reset(&t);
	buf_addstr(&t, text.buf);
	p = strstr(strstr(t.buf, "\"transferred\""), "\"sig\":\"") + 7;
	*p = *p == 'A' ? 'B' : 'A';
	verify_text(t.buf, trusted, 2, &F, &r);
	CHECK(fault_at(&F, 2, "signature does not verify"));

	/* an entry re-signed by another key passes its own signature, but
	 * breaks the link from the entry after it and is not trusted */
	{
		struct custody_fields f = { .action = "transferred", .actor = "alice", .case_id = "CASE-1",
					    .manifest_sha256 = mhex, .time = "2026-01-01T00:00:00Z",
					    .host = "h", .tool = "t", .note = "rewritten" };
		const char *l2 = strchr(text.buf, '\n') + 1, *l3 = strchr(l2, '\n') + 1;

		buf_reset(&t);
		buf_add(&t, text.buf, (size_t)(l2 - text.buf));
		CHECK(custody_entry(&f, 2, text.buf, (size_t)(l2 - 1 - text.buf), &m, &t) == 0);
		buf_addstr(&t, l3);
		verify_text(t.buf, trusted, 2, &F, &r);
		CHECK(fault_at(&F, 3, "\"prev\" does not match"));
		CHECK(!r.v[1].trusted);
	}

	/* not canonical, not JSON, truncated */
	verify_text("{\"seq\": 1}\n", trusted, 2, &F, &r);
	CHECK(fault_at(&F, 1, "canonical"));
	verify_text("nope\n", trusted, 2, &F, &r);
	CHECK(fault_at(&F, 1, "not a JSON object"));
	buf_reset(&t);
	buf_add(&t, text.buf, text.len - 1);
	verify_text(t.buf, trusted, 2, &F, &r);
	CHECK(fault_at(&F, 3, "no newline"));

	/* every entry needs its actor's key, the first too; an unsigned line is a fault */
	{
		struct custody_fields f = { .action = "created", .actor = "alice", .case_id = "C",
					    .manifest_sha256 = mhex };

		buf_reset(&t);
		CHECK(custody_entry(&f, 1, NULL, 0, NULL, &t) == -1);
		buf_reset(&t);
		buf_addf(&t, "{\"action\":\"created\",\"actor\":\"alice\",\"case_id\":\"C\","
			 "\"key\":null,\"manifest_sha256\":\"%s\",\"prev\":null,\"seq\":1,\"sig\":null}\n", mhex);
		verify_text(t.buf, trusted, 2, &F, &r);
		CHECK(fault_at(&F, 1, "must be signed"));
		CHECK_INT(r.unsigned_entries, 1);
		f.action = "stolen";
		CHECK(custody_entry(&f, 2, t.buf, t.len - 1, &a, &t) == -1);
	}
	bag_faults_release(&F);
	custody_report_release(&r);
	buf_release(&text);
	buf_release(&t);
	note_signer_release(&a);
	note_signer_release(&b);
	note_signer_release(&m);
	note_verifier_release(&va);
	note_verifier_release(&vb);
	note_verifier_release(&vm);
}

/* Entry 1 signs "bag_info" and "store"; only a verified entry 1 is kept. */
TEST(custody_commitment)
{
	struct note_signer a;
	struct note_verifier va;
	struct bag_faults F = BAG_FAULTS_INIT;
	struct custody_report r = { 0 };
	struct buf t = BUF_INIT;
	json_t *extra = json_pack("{s:[[s,s],[s,s]],s:{s:s,s:[s]}}", "bag_info", "External-Identifier", "C",
				  "Trailscope-Event-Count", "3", "store", "verdict", "FAILED", "faults",
				  "MODIFIED seq 2: x");
	struct custody_fields f = { .action = "created", .actor = "alice", .case_id = "C",
				    .manifest_sha256 = mhex, .time = "2026-01-01T00:00:00Z", .host = "h",
				    .tool = "t", .extra = extra };
	char *p;

	make_key("example.org/audit", &a, &va);
	CHECK(custody_entry(&f, 1, NULL, 0, &a, &t) == 0);
	CHECK(strstr(t.buf, "\"bag_info\":[[\"External-Identifier\",\"C\"],") != NULL);
	verify_text(t.buf, &va, 1, &F, &r);
	CHECK_INT(F.n, 0);
	CHECK(r.created != NULL);
	CHECK_INT(json_array_size(json_object_get(r.created, "bag_info")), 2);
	CHECK_STR(json_string_value(json_object_get(json_object_get(r.created, "store"), "verdict")), "FAILED");

	/* an edited commitment breaks the signature, and is not kept */
	p = strstr(t.buf, "\"3\"");
	p[1] = '9';
	verify_text(t.buf, &va, 1, &F, &r);
	CHECK(fault_at(&F, 1, "signature does not verify"));
	CHECK(r.created == NULL);

	/* a malformed commitment is a fault even when signed */
	json_object_set_new(extra, "bag_info", json_pack("[s]", "x"));
	buf_reset(&t);
	CHECK(custody_entry(&f, 1, NULL, 0, &a, &t) == 0);
	verify_text(t.buf, &va, 1, &F, &r);
	CHECK(fault_at(&F, 1, "\"bag_info\" must be an array of [label, value]"));
	/* later entries carry no commitment */
	f.action = "note";
	buf_reset(&t);
	CHECK(custody_entry(&f, 2, "x", 1, &a, &t) == 0);
	CHECK(strstr(t.buf, "bag_info") == NULL);
	bag_faults_release(&F);
	custody_report_release(&r);
	json_decref(extra);
	buf_release(&t);
	note_signer_release(&a);
	note_verifier_release(&va);
}

/* C0, C1, U+2028/U+2029 and bidi controls in actor, role, note never reach the file raw */
TEST(custody_text_is_tag_safe)
{
	struct note_signer a;
	struct note_verifier va;
	struct bag_faults F = BAG_FAULTS_INIT;
	struct custody_report r = { 0 };
	struct buf t = BUF_INIT;
	struct custody_fields f = { .action = "created", .actor = "Eve\xc2\x85\xe2\x80\xa8x", .case_id = "C",
				    .role = "r\xe2\x80\xa9\x1b", .note = "n\xc2\x9b[2J\xe2\x80\xae",
				    .manifest_sha256 = mhex, .time = "2026-01-01T00:00:00Z", .host = "h\x07",
				    .tool = "t" };

	make_key("example.org/audit", &a, &va);
	CHECK(custody_entry(&f, 1, NULL, 0, &a, &t) == 0);
	CHECK(strstr(t.buf, "\xc2\x85") == NULL && strstr(t.buf, "\xc2\x9b") == NULL);
	CHECK(strstr(t.buf, "\xe2\x80\xa8") == NULL && strstr(t.buf, "\xe2\x80\xa9") == NULL);
	CHECK(strstr(t.buf, "\xe2\x80\xae") == NULL);
	for (size_t i = 0; i < t.len - 1; i++)
		CHECK((unsigned char)t.buf[i] >= 0x20 && t.buf[i] != 0x7f);
	CHECK(strstr(t.buf, "\"actor\":\"Eve\\\\x85\\\\u2028x\"") != NULL);
	CHECK(strstr(t.buf, "\"role\":\"r\\\\u2029\\\\x1b\"") != NULL);
	verify_text(t.buf, &va, 1, &F, &r);
	CHECK_INT(F.n, 0);
	bag_faults_release(&F);
	custody_report_release(&r);
	buf_release(&t);
	note_signer_release(&a);
	note_verifier_release(&va);
}

static int count_query(void *ctx, const char *name, const char *query)
{
	(void)name;
	(void)query;
	(*(int *)ctx)++;
	return 0;
}

TEST(casefile_api)
{
	struct casefile c;
	struct case_marks m = { 0 };
	struct case_notes n = { 0 };
	struct buf path = BUF_INIT, q = BUF_INIT;
	int nq = 0;

	buf_addf(&path, "%s/s.db", tmpdir);
	casefile_default_path(path.buf, &q);
	CHECK(!strcmp(q.buf + q.len - 10, "/s.db.case"));
	buf_reset(&path);
	buf_addstr(&path, q.buf);
	/* a missing file reads as an empty case */
	CHECK(casefile_open(&c, path.buf, CASEFILE_READONLY) == 0);
	CHECK(casefile_is_marked(&c, 1) == 0);
	CHECK(casefile_marks(&c, &m) == 0 && m.n == 0);
	CHECK(casefile_mark(&c, 1, "x") == -1);
	casefile_close(&c);
	CHECK(access(path.buf, F_OK) == -1);

	CHECK(casefile_open(&c, path.buf, 0) == 0);
	CHECK(casefile_mark(&c, 7, "evt-7") == 0);
	CHECK(casefile_mark(&c, 7, "evt-7") == 0);
	CHECK(casefile_toggle_mark(&c, 3, "evt-3") == 1);
	CHECK(casefile_toggle_mark(&c, 7, "evt-7") == 0);
	CHECK(casefile_toggle_mark(&c, 9, "evt-9") == 1);
	CHECK(casefile_unmark(&c, 9) == 0);
	CHECK(casefile_marks(&c, &m) == 0);
	CHECK_INT(m.n, 1);
	CHECK(m.n == 1 && m.v[0].seq == 3 && !strcmp(m.v[0].event_id, "evt-3"));
	CHECK(casefile_add_note(&c, 3, "evt-3", "alice", "first\nsecond line") > 0);
	CHECK(casefile_add_note(&c, 1, "evt-1", "bob", "earlier event") > 0);
	CHECK(casefile_add_note(&c, 3, "evt-3", NULL, "") == -1);
	CHECK(casefile_add_note(&c, 3, "evt-3", NULL, "bad\033[2J") == -1);
	CHECK(casefile_add_note(&c, 3, "evt-3", NULL, "bad \xff") == -1);
	CHECK(casefile_notes(&c, 0, &n) == 0);
	CHECK_INT(n.n, 2);
	CHECK(n.n == 2 && n.v[0].seq == 1 && !strcmp(n.v[1].text, "first\nsecond line"));
	case_notes_release(&n);
	CHECK(casefile_notes(&c, 3, &n) == 0 && n.n == 1 && !strcmp(n.v[0].author, "alice"));
	CHECK(casefile_delete_note(&c, n.v[0].id) == 0);
	CHECK(casefile_delete_note(&c, 999) == -1);
	CHECK(casefile_save_query(&c, "prod", "env:production") == 0);
	CHECK(casefile_save_query(&c, "prod", "env:production AND risk:after-hours") == 0);
	buf_reset(&q);
	CHECK(casefile_get_query(&c, "prod", &q) == 1);
	CHECK_STR(q.buf, "env:production AND risk:after-hours");
	CHECK(casefile_each_query(&c, count_query, &nq) == 0 && nq == 1);
	casefile_close(&c);
	case_marks_release(&m);
	case_notes_release(&n);

	/* read-only reopen sees it; a foreign SQLite file is refused */
	CHECK(casefile_open(&c, path.buf, CASEFILE_READONLY) == 0);
	CHECK(casefile_is_marked(&c, 3) == 1);
	casefile_close(&c);
	buf_reset(&q);
	buf_addf(&q, "%s/foreign.db", tmpdir);
	{
		sqlite3 *db;

		CHECK(sqlite3_open(q.buf, &db) == SQLITE_OK);
		sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL);
		sqlite3_close(db);
	}
	CHECK(casefile_open(&c, q.buf, 0) == -1);
	buf_release(&path);
	buf_release(&q);
}

TEST(bundle_fault_names)
{
	CHECK_STR(bundle_fault_kind_name(BUNDLE_FAULT_BAG), "BAG");
	CHECK_STR(bundle_fault_kind_name(BUNDLE_FAULT_CHECKPOINT), "CHECKPOINT");
	CHECK_STR(bundle_fault_kind_name(BUNDLE_FAULT_PROOF), "PROOF");
	CHECK_STR(bundle_fault_kind_name(BUNDLE_FAULT_LEAF), "LEAF");
	CHECK_STR(bundle_fault_kind_name(BUNDLE_FAULT_RECORD), "RECORD");
	CHECK_STR(bundle_fault_kind_name(BUNDLE_FAULT_CUSTODY), "CUSTODY");
	CHECK_STR(bundle_fault_kind_name(BUNDLE_FAULT_MISSING), "MISSING");
}

int main(void)
{
	if (fixture_tmpdir(tmpdir, sizeof(tmpdir), "test_bundle"))
		return 1;
	RUN(bundle_fault_names);
	RUN(tlog_proof_round_trip);
	RUN(proof_line_round_trip);
	RUN(tlog_proof_testdata);
	RUN(tlog_proof_malformed);
	RUN(custody_chain);
	RUN(custody_commitment);
	RUN(custody_text_is_tag_safe);
	RUN(casefile_api);
	fixture_rmdir(tmpdir);
	return CHECK_DONE();
}
