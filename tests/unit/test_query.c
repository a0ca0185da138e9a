/*
 * test_query.c - the query language: the parser (valid queries, invalid
 * ones with their error columns), equivalence of compiled queries with a
 * brute-force scan of the same generated events for hundreds of random
 * queries (the brute force here is written independently: POSIX globs
 * and regexes, flattened JSON leaves), injection-shaped values, invalid
 * and catastrophic regexes, keyset paging, cancelling, completion and the
 * read-only sql surface.
 */
#include <ctype.h>
#include <fnmatch.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "trailscope/entry.h"
#include "trailscope/gen.h"
#include "trailscope/import.h"
#include "trailscope/query.h"
#include "trailscope/risk.h"
#include "trailscope/store_copy.h"
#include "trailscope/util.h"

static char tmpdir[256], store_path[300];
static struct store S;
/* TS_PG_URI (tests/cli/pg_query.sh): an empty PostgreSQL store the test
 * store is copied to; then every query test runs there, against the
 * brute-force answers read from the SQLite original. */
static const char *pg_uri;
static usec_t NOW;     /* 2026-04-01T00:00:00Z */

/* Every event, loaded once for the brute force. */
struct ev {
	struct entry e;
	char *raw, *reason, *ticket, *actor_name;
	unsigned risk;
	const char *outcome;   /* the leaf's outcome.status (leaves here are all version 2) */
};
static struct ev *evs;
static size_t nevs;

static const char extra_records[] =
	"{\"event_id\":\"inj-1\",\"timestamp\":\"2026-03-02T10:00:00Z\",\"actor\":{\"id\":\"o'brien\\\"; DROP TABLE entries; --\",\"type\":\"user\"},"
	"\"action\":\"flag.update\",\"flag_key\":\"x' OR '1'='1\",\"environment\":\"production\","
	"\"previous_state\":{\"enabled\":false},\"new_state\":{\"enabled\":true},"
	"\"reason\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\"}\n"
	"{\"event_id\":\"q-1\",\"timestamp\":\"2026-03-03T11:00:00Z\",\"actor\":{\"id\":\"kube-bot\",\"type\":\"service\"},"
	"\"action\":\"config.update\",\"flag_key\":\"star*key?[x]\",\"environment\":\"staging\","
	"\"previous_state\":{\"labels\":{\"app.kubernetes.io/name\":\"a\"}},"
	"\"new_state\":{\"labels\":{\"app.kubernetes.io/name\":\"b\"}},\"reason\":\"relabel (quoted) key\"}\n"
	/* failed requests, in each accepted form */
	"{\"event_id\":\"f-1\",\"timestamp\":\"2026-03-04T09:00:00Z\",\"actor\":\"terraform-ci\",\"flag_key\":\"payments-f\","
	"\"environment\":\"production\",\"previous_state\":{\"enabled\":false},\"new_state\":{\"enabled\":true},"
	"\"outcome\":{\"status\":\"failure\",\"code\":403,\"message\":\"forbidden\"}}\n"
	"{\"event_id\":\"f-2\",\"timestamp\":\"2026-03-06T10:00:00Z\",\"actor\":\"zoe@example.com\",\"flag_key\":\"checkout-f\","
	"\"environment\":\"staging\",\"previous_state\":{\"rollout_pct\":10},\"new_state\":{\"rollout_pct\":100},"
	"\"outcome\":\"failed\"}\n"
	"{\"event_id\":\"f-3\",\"timestamp\":\"2026-03-12T23:00:00Z\",\"actor\":{\"id\":\"flag-sync\",\"type\":\"service\"},"
	"\"action\":\"flag.delete\",\"flag_key\":\"payments-g\",\"environment\":\"production\",\"previous_state\":\"on\","
	"\"new_state\":null,\"outcome\":\"error\"}\n"
	/* a CloudTrail-shaped action: action:TerminateInstances matches its last component */
	"{\"event_id\":\"ct-1\",\"timestamp\":\"2026-03-08T10:00:00Z\",\"actor\":\"ops-admin\","
	"\"action\":\"ec2.amazonaws.com:TerminateInstances\",\"flag_key\":\"i-0abc\",\"environment\":\"production\","
	"\"previous_state\":\"running\",\"new_state\":\"terminated\"}\n"
	/* paths that share a prefix with others (rules and rules_next, enabled
	 * and enabled-x), a quoted name with an index after it, a quoted name
	 * holding '[', a name differing only in case */
	"{\"event_id\":\"p-1\",\"timestamp\":\"2026-03-09T10:00:00Z\",\"actor\":\"zoe@example.com\",\"flag_key\":\"paths-f\","
	"\"environment\":\"staging\",\"previous_state\":{\"rules_next\":1,\"Enabled\":false,\"enabled-x\":1,"
	"\"labels\":{\"a.b\":[1]},\"x[0]\":1},\"new_state\":{\"rules_next\":2,\"Enabled\":true,\"enabled-x\":2,"
	"\"labels\":{\"a.b\":[2]},\"x[0]\":2}}\n"
	"{\"event_id\":\"s-1\",\"timestamp\":\"2026-03-07T10:00:00Z\",\"actor\":\"zoe@example.com\",\"flag_key\":\"checkout-s\","
	"\"environment\":\"production\",\"previous_state\":\"off\",\"new_state\":\"on\",\"outcome\":{\"status\":\"success\"}}\n";

static void setup(void)
{
	struct gen_options go;
	struct import_options io;
	struct import_stats st;
	char evpath[300], *files[1];
	FILE *f;
	const char *why;

	snprintf(tmpdir, sizeof(tmpdir), "%s/tsq.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmpdir))
		die("mkdtemp");
	snprintf(evpath, sizeof(evpath), "%s/ev.jsonl", tmpdir);
	snprintf(store_path, sizeof(store_path), "%s/s.db", tmpdir);
	gen_options_init(&go);
	go.events = 1000;
	go.seed = 11;
	f = fopen(evpath, "w");
	if (!f || gen_run(&go, f, NULL))
		die("gen");
	fputs(extra_records, f);
	fclose(f);
	memset(&io, 0, sizeof(io));
	files[0] = evpath;
	if (store_open(&S, store_path, STORE_CREATE) || import_files(&S, files, 1, &io, &st) != EXIT_OK)
		die("import");
	store_close(&S);
	if (store_open(&S, store_path, STORE_READONLY))
		die("reopen");
	if (time_parse_iso("2026-04-01T00:00:00Z", &NOW, &why))
		die("time");

	nevs = (size_t)store_size(&S);
	evs = xcalloc(nevs, sizeof(*evs));
	for (size_t i = 0; i < nevs; i++) {
		struct ev *v = &evs[i];
		sqlite3_stmt *q;
		json_t *ctx, *actor;

		if (entry_load_seq(&S, (int64_t)i + 1, &v->e) != 1)
			die("load %zu", i + 1);
		{
			size_t n;
			const char *raw = entry_raw(&v->e, &n); /* v3: entry_text, checked by SHA-256 */

			if (!raw)
				die("no raw record for %zu: %s", i + 1, entry_raw_problem(&v->e));
			v->raw = xstrndup(raw, n);
		}
		ctx = json_object_get(v->e.leaf, "context");
		actor = json_object_get(v->e.leaf, "actor");
		v->reason = xstrdup(json_is_string(json_object_get(ctx, "reason")) ?
				    json_string_value(json_object_get(ctx, "reason")) : "");
		v->ticket = xstrdup(json_is_string(json_object_get(ctx, "ticket")) ?
				    json_string_value(json_object_get(ctx, "ticket")) : "");
		v->actor_name = xstrdup(json_is_string(json_object_get(actor, "name")) ?
					json_string_value(json_object_get(actor, "name")) : "");
		v->outcome = json_string_value(json_object_get(json_object_get(v->e.leaf, "outcome"), "status"));
		if (!v->outcome)
			die("leaf %zu has no outcome", i + 1);
		store_prepare(&S, "SELECT risk FROM entries WHERE seq = ?1", &q);
		sqlite3_bind_int64(q, 1, (int64_t)i + 1);
		sqlite3_step(q);
		v->risk = (unsigned)sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
	}
	if ((pg_uri = getenv("TS_PG_URI")) && *pg_uri) {
		struct copy_stats cs;
		struct store P;

		if (store_open(&P, pg_uri, 0) || store_copy(&S, &P, &cs))
			die("cannot copy the test store to %s", pg_uri);
		store_close(&P);
		store_close(&S);
		if (store_open(&S, pg_uri, STORE_READONLY))
			die("cannot open %s", pg_uri);
		printf("test_query: on PostgreSQL: %lld entries copied\n", (long long)cs.entries);
	} else {
		pg_uri = NULL;
	}
}

static void free_pool_res(void);

static void teardown(void)
{
	char cmd[400];

	for (size_t i = 0; i < nevs; i++) {
		entry_release(&evs[i].e);
		free(evs[i].raw);
		free(evs[i].reason);
		free(evs[i].ticket);
		free(evs[i].actor_name);
	}
	free(evs);
	free_pool_res();
	store_close(&S);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

/* --- running a query ------------------------------------------------ */

struct seqs {
	int64_t *v;
	size_t n, alloc;
};

static int collect(const struct query_row *r, void *ctx)
{
	struct seqs *s = ctx;

	ALLOC_GROW(s->v, s->n + 1, s->alloc);
	s->v[s->n++] = r->seq;
	return 0;
}

/* Runs text; returns the matching seqs sorted by seq, or -1 on error.
 * The count (by sets or by SQL, query_count.c) must agree with the rows. */
static int run(const char *text, struct seqs *out, struct query_error *err)
{
	struct query *q;
	struct query_fetch f = { NULL, 0, 0, 0 };
	int64_t n, count;

	out->n = 0;
	if (query_compile(&S, text, NOW, &q, err))
		return -1;
	n = query_each(q, &f, collect, out);
	count = query_count(q);
	query_free(q);
	if (n >= 0 && count != n) {
		snprintf(err->msg, sizeof(err->msg), "count %lld but %lld rows", (long long)count, (long long)n);
		err->col = 0;
		return -1;
	}
	return n < 0 ? -1 : 0;
}

/* --- parser --------------------------------------------------------- */

TEST(test_valid_queries)
{
	static const char *const ok[] = {
		"", "   ", "actor:alice@example.com", "actor:*-bot", "target:checkout-*", "env:production",
		"action:delete", "actor-type:service", "changed:rollout_pct",
		"changed:rules[*].conditions[*].values", "after.enabled:true", "before.rollout_pct<50",
		"after.rules[*].conditions[*].values:pro", "since:-2h", "since:-7d", "until:2026-03-05",
		"since:2026-03-01T14:00:00Z", "checkout", "\"payment integration\"", "/roll+out/",
		"/ROLLOUT/i", "actor:a AND target:b", "actor:a OR target:b", "NOT actor:a", "-actor:a",
		"(actor:a OR actor:b) env:production", "target:\"with space\"", "risk:no-approval",
		"risk:after-hours risk:mass-rollout risk:rapid-toggle risk:service-account",
		"changed:labels[\"app.kubernetes.io/name\"]", "after.rollout_pct>=50 after.rollout_pct<=100",
		"-(env:staging OR env:dev)", "after:on", "before:off", "JIRA*", "kind:flag", "id:evt-00000001",
		"after.rules[*].serve:\"off\"", "changed:values.*",
		"hour:9-18", "hour:18-9@+02:00", "hour:0,12-13", "weekday:mon-fri", "weekday:sat,sun@-05:30",
		"NOT (hour:9-17@+01:00 weekday:monday-friday@+01:00)",
		/* keys in any case */
		"Actor:alice", "ENV:production", "Actor-Type:service", "AFTER.enabled:true", "Changed:rollout_pct",
		/* words that are not keys stay text: a '.' or a leading digit */
		"example.com", "14:00", "v1.2:x",
	};
	struct query_error err;
	struct query *q;

	/* the three failed requests of extra_records, each form of "outcome" */
	CHECK(query_compile(&S, "outcome:failure", NOW, &q, &err) == 0);
	CHECK_INT(query_count(q), 3);
	query_free(q);
	CHECK(query_compile(&S, "outcome:failure env:staging actor:zoe*", NOW, &q, &err) == 0);
	CHECK_INT(query_count(q), 1);
	query_free(q);
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		if (query_compile(&S, ok[i], NOW, &q, &err)) {
			fprintf(stderr, "  valid query refused: %s: col %d: %s\n", ok[i], err.col, err.msg);
			CHECK(0);
			continue;
		}
		CHECK(query_count(q) >= 0);
		query_free(q);
	}
}

/* query_zero_hints: one note per value no event has, the nearest value */
static void check_hints(const char *text, int want_n, const char *want0)
{
	struct query_strings notes = QUERY_STRINGS_INIT;
	struct query_error err;
	struct query *q;
	int n;

	CHECK(query_compile(&S, text, NOW, &q, &err) == 0);
	if (!q)
		return;
	n = query_zero_hints(q, &notes);
	if (n != want_n || (want0 && (!notes.n || !strstr(notes.v[0], want0)))) {
		fprintf(stderr, "  %s: %d notes (%s), want %d (%s)\n", text, n, notes.n ? notes.v[0] : "-", want_n,
			want0 ? want0 : "-");
		CHECK(0);
	}
	query_strings_release(&notes);
	query_free(q);
}

TEST(test_zero_hints)
{
	check_hints("env:prodution", 1, "no event has environment 'prodution'; did you mean 'production'?");
	check_hints("env:PRODUCTION", 1, "did you mean 'production'?");
	check_hints("actor:terraform-cj", 1, "no event has actor 'terraform-cj'; did you mean 'terraform-ci'?");
	check_hints("actor-type:servce", 1, "no event has actor type 'servce'; did you mean 'service'?");
	check_hints("action:TerminateInstance", 1, "did you mean 'TerminateInstances'?");
	check_hints("target:zzzz-nothing-like-it", 1, "no event has target 'zzzz-nothing-like-it'");
	check_hints("env:prod*x", 1, "no event has environment matching 'prod*x'");
	check_hints("id:no-such-id", 1, "no event has event id 'no-such-id'");
	/* values that exist, negated ones and other terms say nothing */
	check_hints("env:production", 0, NULL);
	check_hints("action:TerminateInstances", 0, NULL);
	check_hints("action:update", 0, NULL);
	check_hints("-env:prodution changed:rollout_pct checkout", 0, NULL);
	check_hints("env:prodution OR actor:nobody-at-all", 2, "prodution");
}

/* query_describe and query_text_terms: a line per term, in words */
TEST(test_describe)
{
	struct query_error err;
	struct query *q;
	struct buf b = BUF_INIT;

	CHECK(query_compile(&S, "env:production checkout \"a b\" -actor:x action:update", NOW, &q, &err) == 0);
	query_describe(q, &b);
	CHECK(strstr(b.buf, "col 1    env:production  environment is 'production'\n") != NULL);
	CHECK(strstr(b.buf, "col 16   checkout        free text: the word 'checkout' in reason") != NULL);
	CHECK(strstr(b.buf, "free text: the phrase 'a b'") != NULL);
	CHECK(strstr(b.buf, "not: actor is 'x'") != NULL);
	CHECK(strstr(b.buf, "action is 'update', or its last component") != NULL);
	buf_reset(&b);
	CHECK_INT(query_text_terms(q, &b), 2);
	CHECK(!strcmp(b.buf, "'checkout', '\"a b\"'"));
	query_free(q);
	buf_release(&b);
}

TEST(test_invalid_queries)
{
	static const struct {
		const char *q;
		int col;
		const char *msg;
	} bad[] = {
		{ "(actor:alice OR target:x", 25, "expected ')'" },
		{ "(actor:a target:b", 18, "expected ')'" },
		{ "actor:", 7, "expected a value" },
		{ "foo:bar", 1, "unknown key 'foo'" },
		{ "since:yesterday", 7, "bad time" },
		{ "risk:spicy", 6, "unknown risk" },
		{ "outcome:maybe", 9, "unknown outcome" },
		{ "actor:a AND", 12, "expected a term after AND" },
		{ "actor:a OR ", 12, "expected a term after OR" },
		{ "/(/", 3, "bad regex" },
		{ "/abc", 1, "unterminated regex" },
		{ "/abc/q", 6, "unknown regex flag" },
		{ "after.rules[x]:1", 12, "bad path" },
		{ ")", 1, "unexpected ')'" },
		{ "actor:a )", 9, "unexpected ')'" },
		{ "actor<5", 6, "takes ':'" },
		{ "\"unterminated", 1, "unterminated" },
		{ "-", 1, "expected a term after '-'" },
		{ "changed:", 9, "expected a path" },
		{ "after.enabled", 14, "expected ':'" },
		{ "()", 2, "expected a term inside" },
		{ "target:\"é\" (", 13, "expected a term" },
		{ "around:INC-nope", 8, "no incident" },
		{ "actor:a\x01", 8, "control character" },
		{ "hour:24", 6, "expected an hour from 0 to 23" },
		{ "hour:9-25", 8, "expected an hour from 1 to 24" },
		{ "hour:9-9", 8, "empty hour range" },
		{ "hour:9-18@02:00", 10, "expected a UTC offset" },
		{ "hour:9-18@+15:00", 10, "expected a UTC offset" },
		{ "hour:9;", 7, "expected ','" },
		{ "weekday:mo", 9, "expected a weekday" },
		{ "weekday:mon-xyz", 13, "expected a weekday after '-'" },
		{ "rule:nope", 6, "no policy is loaded" },
		/* unknown keys, each with the suggestion that fits */
		{ "actor_type:service", 1, "unknown key 'actor_type'; did you mean 'actor-type:'?" },
		{ "env:x Target_Kind:flag", 7, "did you mean 'target-kind:'?" },
		{ "acter:bob", 1, "unknown key 'acter'; did you mean 'actor:'?" },
		{ "approved_by:alice", 1, "did you mean 'risk:no-approval'?" },
		{ "approved_by:", 1, "did you mean 'risk:no-approval'?" },
		{ "user:\"a b\"", 1, "did you mean 'actor:\"a b\"'?" },
		{ "reason:rollback", 1, "did you mean 'rollback'?" },
		{ "rollout_pct:100", 1, "unknown key 'rollout_pct'; did you mean 'after.rollout_pct:100'?" },
		{ "env:x rollout_pct<50", 7, "did you mean 'after.rollout_pct<50'?" },
		{ "(enabled:true)", 2, "did you mean 'after.enabled:true'?" },
		{ "nosuchfield:1", 1, "unknown key 'nosuchfield' (keys: " },
		{ "JIRA-1:", 1, "quote text that contains ':'" },
	};
	struct query_error err;
	struct query *q;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int rc = query_compile(&S, bad[i].q, NOW, &q, &err);

		if (rc == 0) {
			fprintf(stderr, "  invalid query accepted: %s\n", bad[i].q);
			query_free(q);
			CHECK(0);
			continue;
		}
		CHECK(q == NULL);
		if (err.col != bad[i].col || !strstr(err.msg, bad[i].msg)) {
			fprintf(stderr, "  %s: got col %d: %s; want col %d: %s\n", bad[i].q, err.col, err.msg,
				bad[i].col, bad[i].msg);
			CHECK(0);
		}
	}
	{
		/* too long, too deep */
		char *big = xmalloc(QUERY_MAX_LEN + 10);

		memset(big, 'a', QUERY_MAX_LEN + 9);
		big[QUERY_MAX_LEN + 9] = 0;
		CHECK(query_compile(&S, big, NOW, &q, &err) == -1);
		CHECK(strstr(err.msg, "too long") != NULL);
		memset(big, '(', 200);
		big[200] = 0;
		CHECK(query_compile(&S, big, NOW, &q, &err) == -1);
		CHECK(strstr(err.msg, "nested too deeply") != NULL);
		free(big);
	}
}

/* --- the brute force ------------------------------------------------ */

enum bkind { B_FIELD, B_CHANGED, B_VALUE, B_SINCE, B_UNTIL, B_RISK, B_TEXT, B_REGEX, B_OUTCOME, B_CLOCK };

struct bterm {
	enum bkind kind;
	const char *key;     /* field key or "before"/"after" */
	const char *path;    /* path pattern */
	const char *op;      /* ":", "<", ... */
	const char *value;
	int icase;
};

static const struct bterm pool[] = {
	{ B_FIELD, "actor", 0, 0, "terraform-ci", 0 },
	{ B_FIELD, "actor", 0, 0, "*-ci", 0 },
	{ B_FIELD, "actor", 0, 0, "*@example.com", 0 },
	{ B_FIELD, "actor", 0, 0, "zoe*", 0 },
	{ B_FIELD, "actor", 0, 0, "flag-sync", 0 },
	{ B_FIELD, "actor", 0, 0, "o'brien\"; DROP TABLE entries; --", 0 },
	{ B_FIELD, "target", 0, 0, "checkout-*", 0 },
	{ B_FIELD, "target", 0, 0, "*-v2", 0 },
	{ B_FIELD, "target", 0, 0, "payments-*", 0 },
	{ B_FIELD, "target", 0, 0, "x' OR '1'='1", 0 },
	{ B_FIELD, "env", 0, 0, "production", 0 },
	{ B_FIELD, "env", 0, 0, "staging", 0 },
	{ B_FIELD, "env", 0, 0, "prod*", 0 },
	{ B_FIELD, "action", 0, 0, "flag.update", 0 },
	{ B_FIELD, "action", 0, 0, "flag.*", 0 },
	{ B_FIELD, "action", 0, 0, "*.create", 0 },
	{ B_FIELD, "action", 0, 0, "update", 0 },
	{ B_FIELD, "action", 0, 0, "TerminateInstances", 0 },
	{ B_FIELD, "action", 0, 0, "Terminate*", 0 },
	{ B_FIELD, "action", 0, 0, "*ate", 0 },
	{ B_FIELD, "action", 0, 0, "amazonaws.com:TerminateInstances", 0 },
	{ B_FIELD, "actor-type", 0, 0, "service", 0 },
	{ B_FIELD, "actor-type", 0, 0, "user", 0 },
	{ B_CHANGED, 0, "rollout_pct", 0, 0, 0 },
	{ B_CHANGED, 0, "enabled", 0, 0, 0 },
	{ B_CHANGED, 0, "rules[*].conditions[*].values", 0, 0, 0 },
	{ B_CHANGED, 0, "rules[*]", 0, 0, 0 },
	{ B_CHANGED, 0, "rules[0].serve", 0, 0, 0 },
	{ B_CHANGED, 0, "targets", 0, 0, 0 },
	{ B_CHANGED, 0, "values.*", 0, 0, 0 },
	{ B_CHANGED, 0, "ru*[*].serve", 0, 0, 0 },
	{ B_CHANGED, 0, "description", 0, 0, 0 },
	{ B_CHANGED, 0, "labels[\"app.kubernetes.io/name\"]", 0, 0, 0 },
	{ B_CHANGED, 0, "rules", 0, 0, 0 },
	{ B_CHANGED, 0, "rules_next", 0, 0, 0 },
	{ B_CHANGED, 0, "rules[0]", 0, 0, 0 },
	{ B_CHANGED, 0, "enabled-x", 0, 0, 0 },
	{ B_CHANGED, 0, "Enabled", 0, 0, 0 },
	{ B_CHANGED, 0, "labels", 0, 0, 0 },
	{ B_CHANGED, 0, "labels[\"a.b\"]", 0, 0, 0 },
	{ B_CHANGED, 0, "labels[\"a.b\"][0]", 0, 0, 0 },
	{ B_CHANGED, 0, "[\"x[0]\"]", 0, 0, 0 },
	{ B_VALUE, "after", "enabled", ":", "true", 0 },
	{ B_VALUE, "before", "enabled", ":", "true", 0 },
	{ B_VALUE, "after", "rollout_pct", ">=", "50", 0 },
	{ B_VALUE, "before", "rollout_pct", "<", "50", 0 },
	{ B_VALUE, "after", "rollout_pct", ":", "100", 0 },
	{ B_VALUE, "after", "rules[*].conditions[*].values", ":", "ios", 0 },
	{ B_VALUE, "after", "rules[*].serve", ":", "off", 0 },
	{ B_VALUE, "after", "tags", ":", "checkout", 0 },
	{ B_VALUE, "after", "", ":", "on", 0 },
	{ B_VALUE, "before", "", ":", "off", 0 },
	{ B_VALUE, "after", "description", ":", "*checkout*", 0 },
	{ B_VALUE, "after", "version", ">", "3", 0 },
	{ B_VALUE, "after", "values.*", "<=", "100", 0 },
	{ B_VALUE, "after", "rules[*].conditions[*].attribute", ":", "platform", 0 },
	{ B_VALUE, "after", "labels[\"app.kubernetes.io/name\"]", ":", "b", 0 },
	{ B_SINCE, 0, 0, 0, "2026-03-05", 0 },
	{ B_SINCE, 0, 0, 0, "-30d", 0 },
	{ B_UNTIL, 0, 0, 0, "2026-03-10T12:00:00Z", 0 },
	{ B_UNTIL, 0, 0, 0, "-25d", 0 },
	{ B_RISK, 0, 0, 0, "no-approval", 0 },
	{ B_RISK, 0, 0, 0, "after-hours", 0 },
	{ B_RISK, 0, 0, 0, "mass-rollout", 0 },
	{ B_RISK, 0, 0, 0, "rapid-toggle", 0 },
	{ B_RISK, 0, 0, 0, "service-account", 0 },
	{ B_RISK, 0, 0, 0, "delete", 0 },
	{ B_CLOCK, "hour", 0, 0, "9-18", 0 },
	{ B_CLOCK, "hour", 0, 0, "22-6@+02:00", 0 },
	{ B_CLOCK, "hour", 0, 0, "0,12-13,23", 0 },
	{ B_CLOCK, "weekday", 0, 0, "sat,sun", 0 },
	{ B_CLOCK, "weekday", 0, 0, "fri-mon@-05:30", 0 },
	{ B_CLOCK, "weekday", 0, 0, "wednesday", 0 },
	{ B_OUTCOME, 0, 0, 0, "failure", 0 },
	{ B_OUTCOME, 0, 0, 0, "success", 0 },
	{ B_OUTCOME, 0, 0, 0, "unknown", 0 },
	{ B_TEXT, 0, 0, 0, "checkout", 0 },
	{ B_TEXT, 0, 0, 0, "rollout", 0 },
	{ B_TEXT, 0, 0, 0, "payments", 0 },
	{ B_TEXT, 0, 0, 0, "JIRA*", 0 },
	{ B_TEXT, 0, 0, 0, "terraform", 0 },
	{ B_REGEX, 0, 0, 0, "rollout_pct\":100", 0 },
	{ B_REGEX, 0, 0, 0, "ENABLED", 1 },
	{ B_REGEX, 0, 0, 0, "\"type\":\"service\"", 0 },
	{ B_REGEX, 0, 0, 0, "kill-switch|ios", 0 },
	{ B_REGEX, 0, 0, 0, "[0-9]{3}-[0-9]", 0 },
};

/* A glob with '*' only, through fnmatch (pool values avoid ? and [). */
static int glob_ok(const char *pat, const char *s)
{
	return fnmatch(pat, s, 0) == 0;
}

/* POSIX ERE for "path at or below pattern". */
static void path_regex(const char *pat, regex_t *re)
{
	struct buf b = BUF_INIT;

	buf_addch(&b, '^');
	for (const char *p = pat; *p; p++) {
		if (!strncmp(p, "[*]", 3)) {
			buf_addstr(&b, "\\[[0-9]+\\]");
			p += 2;
		} else if (*p == '*') {
			buf_addstr(&b, "[^.[]*");
		} else if (strchr(".[]()\\^$|+?{}\"", *p)) {
			buf_addch(&b, '\\');
			buf_addch(&b, *p);
		} else {
			buf_addch(&b, *p);
		}
	}
	buf_addstr(&b, *pat ? "([.[].*)?$" : ".*$");
	if (regcomp(re, b.buf, REG_EXTENDED | REG_NOSUB))
		die("bad test regex %s", b.buf);
	buf_release(&b);
}

static int is_number(const char *s)
{
	char *end;

	if (!*s)
		return 0;
	strtod(s, &end);
	return !*end;
}

static int scalar_ok(const json_t *v, const char *op, const char *val)
{
	int num = is_number(val), c;

	if (json_is_string(v)) {
		if (!strcmp(op, ":"))
			return glob_ok(val, json_string_value(v));
		if (num)
			return 0;
		c = strcmp(json_string_value(v), val);
	} else if (json_is_number(v)) {
		double d = json_number_value(v), w = strtod(val, NULL);

		if (!num)
			return 0;
		c = d < w ? -1 : d > w;
	} else {
		if (strcmp(op, ":"))
			return 0;
		return (json_is_true(v) && !strcmp(val, "true")) || (json_is_false(v) && !strcmp(val, "false")) ||
		       (json_is_null(v) && !strcmp(val, "null"));
	}
	if (!strcmp(op, "<")) return c < 0;
	if (!strcmp(op, "<=")) return c <= 0;
	if (!strcmp(op, ">")) return c > 0;
	if (!strcmp(op, ">=")) return c >= 0;
	return c == 0;
}

/* Does any scalar leaf under v (at path) sit at or below the pattern and match? */
static int leaves_ok(const json_t *v, struct buf *path, const regex_t *re, const char *op, const char *val)
{
	size_t len = path->len, i;
	const char *k;
	json_t *e;
	int ok = 0;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, e) {
			path_append_key(path, k, strlen(k));
			ok = leaves_ok(e, path, re, op, val);
			buf_setlen(path, len);
			if (ok)
				return 1;
		}
		return 0;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			path_append_index(path, i);
			ok = leaves_ok(e, path, re, op, val);
			buf_setlen(path, len);
			if (ok)
				return 1;
		}
		return 0;
	}
	return !regexec(re, path->buf, 0, NULL, 0) && scalar_ok(v, op, val);
}

/* unicode61-ish tokens, ASCII folded: does text hold the word (or a
 * token starting with it when prefix)? */
static int has_token(const char *text, const char *word, int prefix)
{
	size_t wl = strlen(word);

	for (const char *p = text; *p;) {
		const char *s;

		while (*p && !isalnum((unsigned char)*p) && !((unsigned char)*p & 0x80))
			p++;
		s = p;
		while (*p && (isalnum((unsigned char)*p) || ((unsigned char)*p & 0x80)))
			p++;
		if ((size_t)(p - s) >= wl && !strncasecmp(s, word, wl) && (prefix || (size_t)(p - s) == wl))
			return 1;
	}
	return 0;
}

/* hour:/weekday: by struct tm: the event's clock at the spec's offset,
 * then each comma-separated item (a value or a range that may wrap). */
static int clock_ok(const struct bterm *t, const char *ts)
{
	static const char *const days[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };
	int weekday = t->key[0] == 'w', off = 0, v;
	char spec[64], *at, *item, *save = NULL;
	struct tm tm = { 0 };
	time_t secs;

	snprintf(spec, sizeof(spec), "%s", t->value);
	if ((at = strchr(spec, '@'))) {
		int hh = 0, mm = 0;

		sscanf(at + 2, "%d:%d", &hh, &mm);
		off = (at[1] == '-' ? -1 : 1) * (hh * 60 + mm);
		*at = 0;
	}
	if (sscanf(ts, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
		   &tm.tm_sec) != 6)
		die("bad ts %s", ts);
	tm.tm_year -= 1900;
	tm.tm_mon--;
	secs = timegm(&tm) + off * 60;
	gmtime_r(&secs, &tm);
	v = weekday ? tm.tm_wday : tm.tm_hour;
	for (item = strtok_r(spec, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(item, '-');
		int a = -1, b;

		if (dash)
			*dash = 0;
		for (int d = 0; weekday && d < 7; d++)
			if (!strncmp(item, days[d], 3))
				a = d;
		if (!weekday)
			a = atoi(item);
		b = weekday ? a : a + 1;
		if (dash) {
			for (int d = 0; weekday && d < 7; d++)
				if (!strncmp(dash + 1, days[d], 3))
					b = d;
			if (!weekday)
				b = atoi(dash + 1);
		}
		if (weekday ? (a <= b ? v >= a && v <= b : v >= a || v <= b) :
		    (a < b ? v >= a && v < b : v >= a || v < b))
			return 1;
	}
	return 0;
}

static regex_t pool_re[ARRAY_SIZE(pool)];
static int pool_re_ok[ARRAY_SIZE(pool)];

static void free_pool_res(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(pool); i++)
		if (pool_re_ok[i])
			regfree(&pool_re[i]);
}

/* The compiled regex of a pool term (path or regex terms), kept. */
static const regex_t *term_re(const struct bterm *t)
{
	size_t i = (size_t)(t - pool);

	if (!pool_re_ok[i]) {
		if (t->kind == B_REGEX) {
			if (regcomp(&pool_re[i], t->value, REG_EXTENDED | REG_NOSUB | (t->icase ? REG_ICASE : 0)))
				die("bad test regex");
		} else {
			path_regex(t->path, &pool_re[i]);
		}
		pool_re_ok[i] = 1;
	}
	return &pool_re[i];
}

static int term_ok(const struct bterm *t, const struct ev *v)
{
	const struct entry *e = &v->e;

	switch (t->kind) {
	case B_FIELD: {
		const char *col = !strcmp(t->key, "actor") ? e->actor : !strcmp(t->key, "target") ? e->target :
				  !strcmp(t->key, "env") ? e->environment : !strcmp(t->key, "action") ? e->action :
				  e->actor_type;
		const char *tail = NULL;

		/* action:V with neither ':' nor '.' in V: also the action's
		 * last component, after its last ':' or '.' */
		if (!strcmp(t->key, "action") && !strchr(t->value, ':') && !strchr(t->value, '.'))
			for (const char *c = col; *c; c++)
				if (*c == ':' || *c == '.')
					tail = c + 1;
		return glob_ok(t->value, col) || (tail && glob_ok(t->value, tail));
	}
	case B_CHANGED: {
		const regex_t *re = term_re(t);
		int ok = 0;

		for (size_t i = 0; i < e->changes.n && !ok; i++)
			ok = !regexec(re, e->changes.v[i].path, 0, NULL, 0);
		return ok;
	}
	case B_VALUE: {
		const regex_t *re = term_re(t);
		int ok = 0, after = t->key[0] == 'a';
		struct buf path = BUF_INIT;

		for (size_t i = 0; i < e->changes.n && !ok; i++) {
			const json_t *val = after ? e->changes.v[i].after : e->changes.v[i].before;

			if (!val)
				continue;
			buf_reset(&path);
			buf_addstr(&path, e->changes.v[i].path);
			ok = leaves_ok(val, &path, re, t->op, t->value);
		}
		buf_release(&path);
		return ok;
	}
	case B_SINCE:
	case B_UNTIL: {
		usec_t at;
		char ts[32];
		const char *why;

		if (t->value[0] == '-')
			at = NOW - (usec_t)atoi(t->value + 1) * 86400 * 1000000;
		else
			time_parse_iso(t->value, &at, &why);
		time_format(at, ts);
		return t->kind == B_SINCE ? strcmp(e->ts, ts) >= 0 : strcmp(e->ts, ts) < 0;
	}
	case B_RISK:
		return (v->risk & risk_lookup(t->value)) != 0;
	case B_OUTCOME:
		return !strcmp(v->outcome, t->value);
	case B_CLOCK:
		return clock_ok(t, e->ts);
	case B_TEXT: {
		size_t n = strlen(t->value);
		char w[64];
		int prefix = t->value[n - 1] == '*';

		snprintf(w, sizeof(w), "%.*s", (int)(n - prefix), t->value);
		return has_token(v->reason, w, prefix) || has_token(e->target, w, prefix) ||
		       has_token(e->actor, w, prefix) || has_token(v->actor_name, w, prefix) ||
		       has_token(v->ticket, w, prefix);
	}
	case B_REGEX: {
		const regex_t *re = term_re(t);

		return !regexec(re, e->summary, 0, NULL, 0) || !regexec(re, v->raw, 0, NULL, 0);
	}
	}
	return 0;
}

static void render_term(const struct bterm *t, struct buf *q)
{
	switch (t->kind) {
	case B_FIELD:
		buf_addf(q, "%s:", t->key);
		if (strpbrk(t->value, " \"'()")) {
			buf_addch(q, '"');
			for (const char *p = t->value; *p; p++) {
				if (*p == '"' || *p == '\\')
					buf_addch(q, '\\');
				buf_addch(q, *p);
			}
			buf_addch(q, '"');
		} else {
			buf_addstr(q, t->value);
		}
		break;
	case B_CHANGED: buf_addf(q, "changed:%s", t->path); break;
	case B_VALUE:
		if (*t->path)
			buf_addf(q, "%s.%s%s%s", t->key, t->path, t->op, t->value);
		else
			buf_addf(q, "%s%s%s", t->key, t->op, t->value);
		break;
	case B_SINCE: buf_addf(q, "since:%s", t->value); break;
	case B_UNTIL: buf_addf(q, "until:%s", t->value); break;
	case B_RISK: buf_addf(q, "risk:%s", t->value); break;
	case B_OUTCOME: buf_addf(q, "outcome:%s", t->value); break;
	case B_CLOCK: buf_addf(q, "%s:%s", t->key, t->value); break;
	case B_TEXT: buf_addstr(q, t->value); break;
	case B_REGEX: buf_addf(q, "/%s/%s", t->value, t->icase ? "i" : ""); break;
	}
}

/* A random boolean tree over the pool: its text and, for every event,
 * whether it matches. */
static uint64_t rng = 88172645463325252ull;
static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void random_query(int depth, struct buf *q, unsigned char *m)
{
	unsigned r = depth > 2 ? 9 : rnd(12);

	if (r < 5) {
		unsigned char *m2 = xmalloc(nevs);
		int or = r < 2;

		buf_addch(q, '(');
		random_query(depth + 1, q, m);
		buf_addstr(q, or ? " OR " : rnd(2) ? " AND " : " ");
		random_query(depth + 1, q, m2);
		buf_addch(q, ')');
		for (size_t i = 0; i < nevs; i++)
			m[i] = or ? (m[i] | m2[i]) : (m[i] & m2[i]);
		free(m2);
	} else if (r < 6) {
		int dash = rnd(2);

		buf_addstr(q, dash ? "-(" : "NOT ");
		random_query(depth + 1, q, m);
		if (dash)
			buf_addch(q, ')');
		for (size_t i = 0; i < nevs; i++)
			m[i] = !m[i];
	} else {
		const struct bterm *t = &pool[rnd(ARRAY_SIZE(pool))];

		render_term(t, q);
		for (size_t i = 0; i < nevs; i++)
			m[i] = (unsigned char)term_ok(t, &evs[i]);
	}
}

static int compare(const char *text, const unsigned char *m)
{
	struct seqs got = { NULL, 0, 0 };
	struct query_error err;
	size_t want = 0, j = 0;
	int ok = 1;

	if (run(text, &got, &err)) {
		fprintf(stderr, "  query failed: %s: col %d: %s\n", text, err.col, err.msg);
		free(got.v);
		return 0;
	}
	for (size_t i = 0; i < nevs; i++)
		want += m[i];
	if (got.n != want)
		ok = 0;
	for (size_t i = 0; i < got.n && ok; i++)
		if (got.v[i] < 1 || (size_t)got.v[i] > nevs || !m[got.v[i] - 1])
			ok = 0;
	if (!ok) {
		fprintf(stderr, "  mismatch: %s: got %zu, brute force %zu\n", text, got.n, want);
		for (size_t i = 0; i < nevs && j < 5; i++) {
			int in = 0;

			for (size_t k = 0; k < got.n; k++)
				in |= got.v[k] == (int64_t)i + 1;
			if (in != m[i]) {
				fprintf(stderr, "    seq %zu: query %d, brute force %d\n", i + 1, in, m[i]);
				j++;
			}
		}
	}
	free(got.v);
	return ok;
}

/* rule:ID is its rule's query in parentheses; errors point at the term. */
TEST(test_named_rules)
{
	static const struct query_rule rules[] = {
		{ "prod-unapproved", "env:production risk:no-approval" },
		{ "either", "actor:terraform-ci OR actor:flag-sync" },
		{ "nested", "rule:either" },
		{ "bad-incident", "around:INC-nope" },
	};
	struct query_error err;
	struct query *q, *r;

	query_set_rules(rules, ARRAY_SIZE(rules));
	CHECK(query_compile(&S, "rule:prod-unapproved", NOW, &q, &err) == 0);
	CHECK(query_compile(&S, "env:production risk:no-approval", NOW, &r, &err) == 0);
	CHECK(query_count(q) > 0);
	CHECK_INT(query_count(q), query_count(r));
	query_free(q);
	query_free(r);
	/* precedence: the rule is one operand, as if in parentheses */
	CHECK(query_compile(&S, "rule:either env:staging", NOW, &q, &err) == 0);
	CHECK(query_compile(&S, "(actor:terraform-ci OR actor:flag-sync) env:staging", NOW, &r, &err) == 0);
	CHECK_INT(query_count(q), query_count(r));
	query_free(q);
	query_free(r);
	CHECK(query_compile(&S, "actor:a rule:nested", NOW, &q, &err) == -1);
	CHECK_INT(err.col, 9);
	CHECK(strstr(err.msg, "cannot be used inside a rule") != NULL);
	CHECK(query_compile(&S, "rule:bad-incident", NOW, &q, &err) == -1);
	CHECK_INT(err.col, 1);
	CHECK(strstr(err.msg, "no incident") != NULL);
	CHECK(query_compile(&S, "rule:missing", NOW, &q, &err) == -1);
	CHECK_INT(err.col, 6);
	CHECK(strstr(err.msg, "rules: prod-unapproved, either") != NULL);
	query_set_rules(NULL, 0);
	CHECK(query_compile(&S, "rule:either", NOW, &q, &err) == -1);
}

/* query_each_range: seq and time bounds, in seq order. */
TEST(test_each_range)
{
	struct query_range rg = { 10, 500, "2026-03-01T00:00:00.000000Z", "2026-03-20T00:00:00.000000Z" };
	struct seqs got = { NULL, 0, 0 };
	struct query_error err;
	struct query *q;
	size_t want = 0;
	int64_t n;

	CHECK(query_compile(&S, "risk:production", NOW, &q, &err) == 0);
	n = query_each_range(q, &rg, collect, &got);
	for (size_t i = 0; i < nevs; i++)
		want += i + 1 > 10 && i + 1 <= 500 && strcmp(evs[i].e.ts, rg.ts_from) >= 0 &&
			strcmp(evs[i].e.ts, rg.ts_until) < 0 && (evs[i].risk & RISK_PRODUCTION);
	CHECK(want > 0);
	CHECK_INT(n, (int64_t)want);
	CHECK_INT(got.n, want);
	for (size_t i = 1; i < got.n; i++)
		CHECK(got.v[i] > got.v[i - 1]);
	query_free(q);
	free(got.v);
}

TEST(test_each_term_matches_brute_force)
{
	unsigned char *m = xmalloc(nevs);
	struct buf q = BUF_INIT;
	int nonempty = 0;

	for (size_t t = 0; t < ARRAY_SIZE(pool); t++) {
		size_t hits = 0;

		buf_reset(&q);
		render_term(&pool[t], &q);
		for (size_t i = 0; i < nevs; i++)
			hits += m[i] = (unsigned char)term_ok(&pool[t], &evs[i]);
		nonempty += hits > 0;
		CHECK(compare(q.buf, m));
	}
	/* the pool is meant to exercise real matches, not empty sets */
	CHECK(nonempty >= (int)ARRAY_SIZE(pool) - 4);
	buf_release(&q);
	free(m);
}

TEST(test_random_queries_match_brute_force)
{
	unsigned char *m = xmalloc(nevs);
	struct buf q = BUF_INIT;
	int bad = 0;

	for (int n = 0; n < 250 && bad < 5; n++) {
		buf_reset(&q);
		random_query(0, &q, m);
		if (!compare(q.buf, m))
			bad++;
	}
	CHECK(bad == 0);
	buf_release(&q);
	free(m);
}

/* --- safety --------------------------------------------------------- */

TEST(test_injection_shaped_values)
{
	static const char *const q[] = {
		"actor:\"x' OR 1=1 --\"", "target:\"'; DROP TABLE entries; --\"", "env:\"\\\"); DELETE FROM changes; --\"",
		"\"') UNION SELECT 1 --\"", "changed:\"a'];DROP TABLE x;--\"", "after.enabled:\"1' OR '1'='1\"",
		"\"NEAR(a b) OR x\"", "actor:?1", "target:%", "id:\"'||(SELECT leaf FROM entries)||'\"",
	};
	struct seqs got = { NULL, 0, 0 };
	struct query_error err;
	int64_t before = store_size(&S);

	for (size_t i = 0; i < ARRAY_SIZE(q); i++) {
		int rc = run(q[i], &got, &err);

		if (rc == 0 && got.n != 0)
			fprintf(stderr, "  %s matched %zu\n", q[i], got.n);
		CHECK(rc == 0 || strstr(err.msg, "bad path"));
		CHECK(got.n == 0);
	}
	CHECK_INT(store_size(&S), before);
	/* the hostile-looking actor is data like any other: found exactly */
	CHECK(run("actor:\"o'brien\\\"; DROP TABLE entries; --\"", &got, &err) == 0);
	CHECK_INT(got.n, 1);
	CHECK(run("target:\"x' OR '1'='1\"", &got, &err) == 0);
	CHECK_INT(got.n, 1);
	/* glob characters of SQLite that are literals in the language */
	CHECK(run("target:star*key?[x]", &got, &err) == 0);
	CHECK_INT(got.n, 1);
	CHECK(run("target:star\\*key?[x]", &got, &err) == 0);
	CHECK_INT(got.n, 1);
	CHECK(run("target:sta?*", &got, &err) == 0);
	CHECK_INT(got.n, 0);
	CHECK(run("target:star\\*", &got, &err) == 0);
	CHECK_INT(got.n, 0);
	free(got.v);
}

TEST(test_regex_invalid_and_catastrophic)
{
	struct query_error err;
	struct query *q;
	struct timespec a, b;
	int64_t n;

	CHECK(query_compile(&S, "/a{2,1}/", NOW, &q, &err) == -1);
	CHECK(strstr(err.msg, "bad regex") != NULL);
	CHECK(query_compile(&S, "/[z-a]/", NOW, &q, &err) == -1);
	CHECK(query_compile(&S, "env:production /(?<n/", NOW, &q, &err) == -1);
	CHECK(err.col >= 17);
	/* exponential backtracking on the 48 a's of inj-1's reason */
	CHECK(query_compile(&S, "/(a|aa)+$/", NOW, &q, &err) == 0);
	set_error_quiet(1);
	clock_gettime(CLOCK_MONOTONIC, &a);
	n = query_count(q);
	clock_gettime(CLOCK_MONOTONIC, &b);
	set_error_quiet(0);
	CHECK_INT(n, -1);
	CHECK(strstr(last_error(), "match limit") != NULL);
	CHECK((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < 5000);
	query_free(q);
	/* and the same text with a sane pattern */
	CHECK(query_compile(&S, "/a{40}!/", NOW, &q, &err) == 0);
	CHECK_INT(query_count(q), 1);
	query_free(q);
}

/* --- paging, single tests, cancel ---------------------------------- */

struct pager {
	struct query_key last;
	int64_t n;
	struct seqs all;
};

static int page_row(const struct query_row *r, void *ctx)
{
	struct pager *p = ctx;

	snprintf(p->last.ts, sizeof(p->last.ts), "%s", r->ts);
	p->last.seq = r->seq;
	ALLOC_GROW(p->all.v, p->all.n + 1, p->all.alloc);
	p->all.v[p->all.n++] = r->seq;
	return 0;
}

TEST(test_keyset_paging)
{
	struct query_error err;
	struct query *q;
	struct pager p = { { "", 0 }, 0, { NULL, 0, 0 } }, whole = { { "", 0 }, 0, { NULL, 0, 0 } };
	struct query_fetch f = { NULL, 0, 0, 0 };
	int64_t n, total;

	CHECK(query_compile(&S, "env:production OR changed:rollout_pct", NOW, &q, &err) == 0);
	total = query_count(q);
	CHECK(total > 100);
	CHECK_INT(query_each(q, &f, page_row, &whole), total);
	for (int desc = 0; desc < 2; desc++) {
		p.all.n = 0;
		f.from = NULL;
		f.desc = desc;
		f.limit = 37;
		while ((n = query_each(q, &f, page_row, &p)) > 0)
			f.from = &p.last;
		CHECK_INT(n, 0);
		CHECK_INT(p.all.n, total);
		for (size_t i = 0; i < p.all.n && i < (size_t)total; i++)
			CHECK(p.all.v[i] == whole.all.v[desc ? total - 1 - (int64_t)i : (int64_t)i]);
	}
	/* inclusive starts at the key itself */
	f.desc = 0;
	f.limit = 1;
	f.inclusive = 1;
	snprintf(p.last.ts, sizeof(p.last.ts), "%s", evs[whole.all.v[5] - 1].e.ts);
	p.last.seq = whole.all.v[5];
	f.from = &p.last;
	p.all.n = 0;
	CHECK_INT(query_each(q, &f, page_row, &p), 1);
	CHECK(p.all.n == 1 && p.all.v[0] == whole.all.v[5]);
	/* single-event tests agree */
	for (size_t i = 0; i < 50; i++) {
		int64_t seq = (int64_t)i * 29 + 1;
		int in = 0;

		for (size_t k = 0; k < whole.all.n; k++)
			in |= whole.all.v[k] == seq;
		CHECK_INT(query_matches(q, seq), in);
	}
	query_free(q);
	free(p.all.v);
	free(whole.all.v);
}

TEST(test_cancel)
{
	struct query_error err;
	struct query *q;
	volatile int flag = 1;

	CHECK(query_compile(&S, "/zzz-never/ OR changed:*", NOW, &q, &err) == 0);
	query_set_cancel(q, &flag);
	CHECK_INT(query_count(q), QUERY_CANCELLED);
	flag = 0;
	CHECK(query_count(q) >= 0);
	query_set_cancel(q, NULL);
	/* an interrupt with nothing running leaves the next call (and, on
	 * PostgreSQL, the reader's transaction) unharmed */
	query_interrupt(q);
	CHECK(query_count(q) >= 0);
	CHECK(query_matches(q, 1) >= 0);
	query_free(q);
}

/* --- completion ----------------------------------------------------- */

static int has(const struct query_strings *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return 1;
	return 0;
}

TEST(test_completion)
{
	struct query_strings l = QUERY_STRINGS_INIT;
	size_t start;
	const char *t;

	t = "env:production act";
	CHECK_INT(query_complete_context(t, strlen(t), &start), QC_KEY);
	CHECK_INT(start, 15);
	CHECK(query_complete(&S, QC_KEY, "act", 10, &l) == 3);
	CHECK(has(&l, "actor:") && has(&l, "action:") && has(&l, "actor-type:"));
	query_strings_release(&l);

	t = "(changed:rules[0].con";
	CHECK_INT(query_complete_context(t, strlen(t), &start), QC_PATH);
	CHECK_INT(start, 9);
	t = "-after.rollout";
	CHECK_INT(query_complete_context(t, strlen(t), &start), QC_PATH);
	CHECK_INT(start, 7);
	t = "actor:terr";
	CHECK_INT(query_complete_context(t, strlen(t), &start), QC_ACTOR);
	CHECK_INT(start, 6);
	t = "risk:a";
	CHECK_INT(query_complete_context(t, strlen(t), &start), QC_RISK);
	t = "outcome:f";
	CHECK_INT(query_complete_context(t, strlen(t), &start), QC_OUTCOME);

	CHECK(query_complete(&S, QC_PATH, "rules", 50, &l) > 0);
	CHECK(has(&l, "rules[*]"));
	CHECK(has(&l, "rules[*].conditions[*].values[*]"));
	for (size_t i = 0; i < l.n; i++)
		CHECK(!strncmp(l.v[i], "rules", 5) && !strpbrk(l.v[i], "0123456789"));
	query_strings_release(&l);
	CHECK(query_complete(&S, QC_ACTOR, "terr", 10, &l) == 1);
	CHECK(has(&l, "terraform-ci"));
	query_strings_release(&l);
	CHECK(query_complete(&S, QC_TARGET, "checkout-", 3, &l) == 3);
	query_strings_release(&l);
	CHECK(query_complete(&S, QC_RISK, "r", 10, &l) == 1);
	CHECK(has(&l, "rapid-toggle"));
	query_strings_release(&l);
	CHECK(query_complete(&S, QC_OUTCOME, "f", 10, &l) == 1);
	CHECK(has(&l, "failure"));
	query_strings_release(&l);
	CHECK(query_complete(&S, QC_KEY, "out", 10, &l) == 1);
	CHECK(has(&l, "outcome:"));
	query_strings_release(&l);
	CHECK(query_complete(&S, QC_ENV, "", 10, &l) >= 2);
	CHECK(has(&l, "production") && has(&l, "staging"));
	query_strings_release(&l);
}

/* --- sql surface ---------------------------------------------------- */

TEST(test_sqlview_read_only)
{
	static const char *const denied[] = {
		"DELETE FROM entries", "INSERT INTO meta VALUES('a','b')", "UPDATE entries SET actor='x'",
		"DROP TABLE entries", "ATTACH DATABASE '/tmp/x.db' AS x", "PRAGMA user_version = 7",
		"PRAGMA query_only = 0", "CREATE TABLE t(x)", "CREATE TEMP TABLE t(x)", "BEGIN",
		"SELECT 1; DELETE FROM entries", "VACUUM", "PRAGMA writable_schema = 1",
		"SELECT load_extension('x')", "REINDEX", "ANALYZE",
	};
	struct store s;
	struct buf err = BUF_INIT;
	sqlite3_stmt *st;

	CHECK(store_open(&s, store_path, STORE_READONLY) == 0);
	CHECK(sqlview_open(&s) == 0);
	for (size_t i = 0; i < ARRAY_SIZE(denied); i++) {
		buf_reset(&err);
		if (sqlview_prepare(&s, denied[i], &st, &err) == 0) {
			fprintf(stderr, "  allowed: %s\n", denied[i]);
			sqlite3_finalize(st);
			CHECK(0);
		}
	}
	buf_reset(&err);
	CHECK(sqlview_prepare(&s, "SELECT count(*) FROM events WHERE ts_regexp('rollout', '', raw)", &st, &err) == 0);
	CHECK(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0);
	sqlite3_finalize(st);
	CHECK(sqlview_prepare(&s, "SELECT raw FROM events WHERE seq = 1", &st, &err) == 0);
	CHECK(sqlite3_step(st) == SQLITE_ROW);
	CHECK_STR((const char *)sqlite3_column_text(st, 0), evs[0].raw);
	sqlite3_finalize(st);
	CHECK(sqlview_prepare(&s, "PRAGMA table_info(entries)", &st, &err) == 0);
	sqlite3_finalize(st);
	CHECK(sqlview_prepare(&s, "SELECT count(*) FROM event_changes WHERE ts_path_match('rules[*]', path)",
			      &st, &err) == 0);
	sqlite3_finalize(st);
	buf_release(&err);
	store_close(&s);
}

/* --- the documented limits: 256 terms, nesting 64 ------------------- */

/* A pool term of at most maxlen bytes, appended to q, its matches in m;
 * negated (written "-term") half the time when neg is set. */
static void short_term(struct buf *q, unsigned char *m, size_t maxlen, int neg)
{
	struct buf b = BUF_INIT;
	const struct bterm *t;
	int not = neg && rnd(2);

	do {
		t = &pool[rnd(ARRAY_SIZE(pool))];
		buf_reset(&b);
		render_term(t, &b);
	} while (b.len > maxlen);
	if (not)
		buf_addch(q, '-');
	buf_add(q, b.buf, b.len);
	for (size_t i = 0; i < nevs; i++)
		m[i] = (unsigned char)(term_ok(t, &evs[i]) != not);
	buf_release(&b);
}

/* 256 terms: an OR chain of AND groups of 1-4 short terms, some negated. */
static void wide_query(struct buf *q, unsigned char *m)
{
	unsigned char *g = xmalloc(nevs), *t = xmalloc(nevs);
	int terms = 0;

	memset(m, 0, nevs);
	while (terms < QUERY_MAX_TERMS) {
		int n = 1 + (int)rnd(4);

		if (n > QUERY_MAX_TERMS - terms)
			n = QUERY_MAX_TERMS - terms;
		if (terms)
			buf_addstr(q, " OR ");
		memset(g, 1, nevs);
		for (int k = 0; k < n; k++, terms++) {
			if (k)
				buf_addch(q, ' ');
			short_term(q, t, 9, 1);
			for (size_t i = 0; i < nevs; i++)
				g[i] &= t[i];
		}
		for (size_t i = 0; i < nevs; i++)
			m[i] |= g[i];
	}
	free(g);
	free(t);
}

/* Nesting exactly `depth` (parentheses and NOT) with one term beside each
 * level, the deeper part first or last, under (, NOT (, -( and NOT NOT. */
static void deep_query(int depth, struct buf *q, unsigned char *m)
{
	unsigned char *a = xmalloc(nevs);
	struct buf inner = BUF_INIT, t = BUF_INIT;
	unsigned shape = depth >= 2 ? rnd(5) : 0;
	int or = rnd(2), last = rnd(2);

	if (depth == 0) {
		short_term(q, m, 20, 0);
		free(a);
		return;
	}
	if (shape == 4) { /* NOT NOT x */
		buf_addstr(q, "NOT NOT ");
		deep_query(depth - 2, q, m);
		free(a);
		return;
	}
	deep_query(depth - (shape == 0 ? 1 : 2), &inner, m);
	short_term(&t, a, 20, 0);
	buf_addstr(q, shape == 0 ? "(" : shape == 1 || shape == 3 ? "NOT (" : "-(");
	if (shape == 3) { /* NOT (x) - one level of NOT, one of parentheses, no operator */
		buf_add(q, inner.buf, inner.len);
		buf_addch(q, ')');
		for (size_t i = 0; i < nevs; i++)
			m[i] = !m[i];
		goto out;
	}
	buf_addf(q, "%s%s%s", last ? t.buf : inner.buf, or ? " OR " : " ", last ? inner.buf : t.buf);
	buf_addch(q, ')');
	for (size_t i = 0; i < nevs; i++) {
		m[i] = or ? (m[i] | a[i]) : (m[i] & a[i]);
		if (shape)
			m[i] = !m[i];
	}
out:
	buf_release(&inner);
	buf_release(&t);
	free(a);
}

/* Rows in descending order agree with ascending ones (the other paging
 * statement). */
static int64_t count_desc(const char *text)
{
	struct query_fetch f = { .desc = 1 };
	struct query_error err;
	struct query *q;
	int64_t n;

	if (query_compile(&S, text, NOW, &q, &err))
		return -1;
	n = query_each(q, &f, NULL, NULL);
	query_free(q);
	return n;
}

TEST(test_limits_match_brute_force)
{
	static const char *const same[] = { "rollout", "env:staging", "risk:delete", "JIRA*",
					    "actor:zoe*", "since:-30d" };
	unsigned char *m = xmalloc(nevs);
	struct buf q = BUF_INIT, r = BUF_INIT;
	struct seqs got = { NULL, 0, 0 };
	struct query_error err;
	int bad = 0, found = 0;

	/* 256 times one term (words, field, time, risk), ANDed and ORed:
	 * the matches of the term alone */
	for (size_t k = 0; k < ARRAY_SIZE(same); k++) {
		for (size_t p = 0; p < ARRAY_SIZE(pool); p++) {
			buf_reset(&r);
			render_term(&pool[p], &r);
			if (strcmp(r.buf, same[k]))
				continue;
			found++;
			for (size_t i = 0; i < nevs; i++)
				m[i] = (unsigned char)term_ok(&pool[p], &evs[i]);
			for (int or = 0; or < 2; or++) {
				buf_reset(&q);
				for (int i = 0; i < QUERY_MAX_TERMS; i++)
					buf_addf(&q, "%s%s", i ? (or ? " OR " : " ") : "", same[k]);
				CHECK(q.len <= QUERY_MAX_LEN);
				bad += !compare(q.buf, m);
			}
		}
	}
	CHECK(found == (int)ARRAY_SIZE(same));
	/* 256 mixed terms: OR of AND groups, some negated; both orders */
	for (int n = 0; n < 4 && bad < 3; n++) {
		size_t want = 0;

		buf_reset(&q);
		wide_query(&q, m);
		CHECK(q.len <= QUERY_MAX_LEN);
		bad += !compare(q.buf, m);
		for (size_t i = 0; i < nevs; i++)
			want += m[i];
		CHECK(count_desc(q.buf) == (int64_t)want);
	}
	/* nesting to the limit under every shape, the deep part first or last */
	for (int n = 0; n < 10 && bad < 3; n++) {
		size_t want = 0;

		buf_reset(&q);
		deep_query(QUERY_MAX_DEPTH, &q, m);
		bad += !compare(q.buf, m);
		for (size_t i = 0; i < nevs; i++)
			want += m[i];
		CHECK(count_desc(q.buf) == (int64_t)want);
	}
	CHECK(bad == 0);
	/* one past each limit: an error at the column where it is passed */
	buf_reset(&q);
	for (int i = 0; i <= QUERY_MAX_TERMS; i++)
		buf_addf(&q, "%sw%d", i ? " " : "", i);
	CHECK(run(q.buf, &got, &err) == -1);
	CHECK(strstr(err.msg, "too many terms (at most 256)") != NULL);
	CHECK((size_t)err.col == q.len - strlen("w256") + 1);
	buf_reset(&q);
	for (int i = 0; i <= QUERY_MAX_DEPTH; i++)
		buf_addch(&q, '(');
	buf_addstr(&q, "env:staging");
	for (int i = 0; i <= QUERY_MAX_DEPTH; i++)
		buf_addch(&q, ')');
	CHECK(run(q.buf, &got, &err) == -1);
	CHECK(strstr(err.msg, "nested too deeply (at most 64)") != NULL);
	CHECK(err.col == QUERY_MAX_DEPTH + 1);
	buf_release(&q);
	buf_release(&r);
	free(got.v);
	free(m);
}

/* The generated SQL is flat: a chain is one level of parentheses at most,
 * NOT is pushed down to the terms, the deepest operand comes first. */
TEST(test_flat_sql)
{
	static const struct {
		const char *query, *where;
	} cases[] = {
		{ "env:a env:b env:c env:d", "WHERE e.environment = ?1 AND e.environment = ?2 AND "
		  "e.environment = ?3 AND e.environment = ?4\n" },
		{ "env:a OR (env:b OR env:c) OR env:d", "WHERE e.environment = ?1 OR e.environment = ?2 OR "
		  "e.environment = ?3 OR e.environment = ?4\n" },
		{ "env:a env:b OR env:c env:d", "WHERE e.environment = ?1 AND e.environment = ?2 OR "
		  "e.environment = ?3 AND e.environment = ?4\n" },
		{ "NOT (env:a OR env:b) env:c", "WHERE NOT (e.environment = ?1) AND NOT (e.environment = ?2) AND "
		  "e.environment = ?3\n" },
		{ "NOT NOT NOT NOT env:a", "WHERE e.environment = ?1\n" },
		{ "-(env:a -(env:b OR env:c))", "WHERE NOT (e.environment = ?1) OR e.environment = ?2 OR "
		  "e.environment = ?3\n" },
		/* deepest first: d OR e, then c, then b, then a */
		{ "env:a (env:b OR env:c (env:d OR env:e))", "WHERE ((e.environment = ?1 OR "
		  "e.environment = ?2) AND e.environment = ?3 OR e.environment = ?4) AND e.environment = ?5\n" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct query_error err;
		struct query *q;
		struct buf b = BUF_INIT;

		CHECK(query_compile(&S, cases[i].query, NOW, &q, &err) == 0);
		if (!q)
			continue;
		query_explain(q, &b);
		buf_setlen(&b, strchr(b.buf, '\n') - b.buf + 1);
		if (pg_uri) {
			/* the same SQL, in PostgreSQL's $N */
			char *w = xstrdup(cases[i].where);

			for (char *c = w; *c; c++)
				if (*c == '?')
					*c = '$';
			CHECK_STR(b.buf, w);
			free(w);
		} else {
			CHECK_STR(b.buf, cases[i].where);
		}
		buf_release(&b);
		query_free(q);
	}
}

int main(void)
{
	setup();
	RUN(test_valid_queries);
	RUN(test_invalid_queries);
	RUN(test_named_rules);
	RUN(test_each_range);
	RUN(test_zero_hints);
	RUN(test_describe);
	RUN(test_each_term_matches_brute_force);
	RUN(test_random_queries_match_brute_force);
	RUN(test_injection_shaped_values);
	RUN(test_regex_invalid_and_catastrophic);
	RUN(test_keyset_paging);
	RUN(test_cancel);
	RUN(test_completion);
	RUN(test_sqlview_read_only);
	RUN(test_limits_match_brute_force);
	RUN(test_flat_sql);
	teardown();
	return CHECK_DONE();
}
