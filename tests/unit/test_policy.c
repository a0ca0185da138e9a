/*
 * test_policy.c - policy files and DSSE: the PAE of the DSSE spec's
 * example, a signature that verifies and one that does not, a bad query
 * located through the JSON string's escapes (\", \u00e9, a surrogate
 * pair), and policy_each_hit's order (seq, then rule).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fixtures.h"
#include "trailscope/dsse.h"
#include "trailscope/import.h"
#include "trailscope/policy.h"
#include "trailscope/util.h"

static char dir[256];

static const char *write_policy(const char *name, const char *text)
{
	static char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		die("write %s", path);
	fputs(text, f);
	fclose(f);
	return path;
}

TEST(pae_as_the_spec_shows)
{
	struct buf b = BUF_INIT;

	dsse_pae("http://example.com/HelloWorld", "hello world", 11, &b);
	CHECK_STR(b.buf, "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
	buf_reset(&b);
	dsse_pae("t", "", 0, &b);
	CHECK_STR(b.buf, "DSSEv1 1 t 0 ");
	buf_release(&b);
}

TEST(sign_and_open)
{
	struct buf env = BUF_INIT, err = BUF_INIT;
	struct note_signer s;
	struct note_verifier v, other;
	struct dsse_envelope e;
	char *p;

	CHECK_INT(fixture_keys("a.example/k", NOTE_KEY_ED25519, &s, &v), 0);
	CHECK_INT(fixture_keys("b.example/k", NOTE_KEY_ED25519, NULL, &other), 0);
	CHECK(dsse_sign(&s, "application/vnd.in-toto+json", "{\"a\":1}", 7, &env) == 0);
	CHECK(dsse_open(env.buf, env.len, &v, 1, &e, &err) == 0);
	CHECK_INT(e.trusted, 0);
	CHECK_INT(e.bad, 0);
	CHECK_STR(e.body.buf, "{\"a\":1}");
	dsse_envelope_release(&e);
	/* another key: not trusted, not bad */
	CHECK(dsse_open(env.buf, env.len, &other, 1, &e, &err) == 0);
	CHECK_INT(e.trusted, -1);
	CHECK_INT(e.bad, 0);
	dsse_envelope_release(&e);
	/* the payload changed ("{"a":1}" is eyJhIjoxfQ; "{"a":2}" eyJhIjoyfQ) */
	p = strstr(env.buf, "eyJhIjoxfQ");
	CHECK(p != NULL);
	if (p)
		p[8] = 'y';
	CHECK(dsse_open(env.buf, env.len, &v, 1, &e, &err) == 0);
	CHECK_INT(e.trusted, -1);
	CHECK_INT(e.bad, 1);
	dsse_envelope_release(&e);
	CHECK(dsse_open("{\"payload\":1}", 13, &v, 1, &e, &err) == -1);
	{
		/* an envelope larger than one event record may be (4 MiB) */
		size_t n = 5u << 20;
		char *big = xmalloc(n);

		memset(big, 'a', n);
		buf_reset(&env);
		CHECK(dsse_sign(&s, "t", big, n, &env) == 0);
		CHECK(dsse_open(env.buf, env.len, &v, 1, &e, &err) == 0);
		CHECK_INT(e.trusted, 0);
		CHECK_INT(e.body.len, n);
		dsse_envelope_release(&e);
		free(big);
	}
	note_signer_release(&s);
	note_verifier_release(&v);
	note_verifier_release(&other);
	buf_release(&env);
	buf_release(&err);
}

TEST(errors_through_escapes)
{
	struct policy p;
	const char *path;

	set_error_quiet(1);
	/* the query decodes to: target:"é 😀" risk:x; the bad value "x" is
	 * at col 70 of the line: the query starts at col 34 and escapes
	 * count as written (\" 2 columns, \u00e9 6, the pair 12) */
	path = write_policy("e.json", "{\"rules\": [{\"id\": \"r\", \"query\": \"target:\\\"\\u00e9 \\ud83d\\ude00\\\" risk:x\", "
			    "\"severity\": \"low\", \"description\": \"d\"}]}");
	CHECK_INT(policy_load(path, 0, &p), -1);
	CHECK_INT(error_class(), ERR_INPUT);
	CHECK(strstr(last_error(), "e.json:1:70: rule 'r': query: unknown risk") != NULL);
	if (!strstr(last_error(), "e.json:1:70:"))
		fprintf(stderr, "  got: %s\n", last_error());
	/* an unreadable file is the environment's failure, not bad input */
	CHECK_INT(policy_load("/nonexistent/policy.json", 0, &p), -1);
	CHECK_INT(error_class(), ERR_IO);
	path = write_policy("ok.json", "{\"name\": \"n\", \"rules\": [{\"id\": \"r\", \"query\": \"env:x\", "
			    "\"severity\": \"critical\", \"description\": \"d\", \"controls\": [\"C1\"]}]}");
	CHECK_INT(policy_load(path, 0, &p), 0);
	CHECK_STR(p.name, "n");
	CHECK_INT(p.n, 1);
	CHECK_INT(p.rules[0].severity, SEVERITY_CRITICAL);
	CHECK_STR(p.rules[0].controls[0], "C1");
	policy_release(&p);
	set_error_quiet(0);
}

struct seen {
	int64_t seq[64];
	size_t rule[64];
	size_t n;
};

static int seen_hit(void *ctx, size_t rule, const struct query_row *row)
{
	struct seen *s = ctx;

	if (s->n < 64) {
		s->seq[s->n] = row->seq;
		s->rule[s->n++] = rule;
	}
	return 0;
}

TEST(hits_in_seq_then_rule_order)
{
	static const char events[] =
		"{\"event_id\":\"a\",\"timestamp\":\"2026-03-02T10:00:00Z\",\"actor\":\"x\",\"flag_key\":\"f\",\"environment\":\"production\",\"previous_state\":\"off\",\"new_state\":\"on\"}\n"
		"{\"event_id\":\"b\",\"timestamp\":\"2026-03-01T10:00:00Z\",\"actor\":\"y\",\"flag_key\":\"g\",\"environment\":\"production\",\"previous_state\":\"off\",\"new_state\":\"on\"}\n"
		"{\"event_id\":\"c\",\"timestamp\":\"2026-03-03T10:00:00Z\",\"actor\":\"x\",\"flag_key\":\"h\",\"environment\":\"staging\",\"previous_state\":\"off\",\"new_state\":\"on\"}\n";
	struct import_options io;
	struct import_stats st;
	struct store s;
	struct policy p;
	struct query **qs;
	struct query_range rg = { 0, 0, NULL, NULL };
	struct seen seen = { { 0 }, { 0 }, 0 };
	char db[300], *files[1];
	const char *path;

	files[0] = (char *)write_policy("ev.jsonl", events);
	snprintf(db, sizeof(db), "%s/s.db", dir);
	memset(&io, 0, sizeof(io));
	CHECK(store_open(&s, db, STORE_CREATE) == 0);
	CHECK(import_files(&s, files, 1, &io, &st) == EXIT_OK);
	path = write_policy("p.json", "{\"rules\": ["
			    "{\"id\": \"by-x\", \"query\": \"actor:x\", \"severity\": \"low\", \"description\": \"d\"},"
			    "{\"id\": \"prod\", \"query\": \"env:production\", \"severity\": \"high\", \"description\": \"d\"}]}");
	CHECK_INT(policy_load(path, 0, &p), 0);
	CHECK_INT(policy_compile(&p, &s, 0, &qs), 0);
	CHECK_INT(policy_each_hit(&p, qs, &rg, seen_hit, &seen), 4);
	CHECK_INT(seen.n, 4);
	/* seq 1 by-x, seq 1 prod, seq 2 prod, seq 3 by-x */
	CHECK(seen.seq[0] == 1 && seen.rule[0] == 0 && seen.seq[1] == 1 && seen.rule[1] == 1);
	CHECK(seen.seq[2] == 2 && seen.rule[2] == 1 && seen.seq[3] == 3 && seen.rule[3] == 0);
	/* a seq range: only what comes after seq 1 */
	rg.seq_after = 1;
	seen.n = 0;
	CHECK_INT(policy_each_hit(&p, qs, &rg, seen_hit, &seen), 2);
	policy_queries_free(qs, p.n);
	policy_release(&p);
	store_close(&s);
}

int main(void)
{
	char cmd[300];

	snprintf(dir, sizeof(dir), "%s/tspol.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		die("mkdtemp");
	RUN(pae_as_the_spec_shows);
	RUN(sign_and_open);
	RUN(errors_through_escapes);
	RUN(hits_in_seq_then_rule_order);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
	return CHECK_DONE();
}
