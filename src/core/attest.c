/*
 * attest.c - building and signing policy attestations (attest.h,
 * docs/POLICY.md): the store verified first, every rule evaluated over the
 * period under the newest verified checkpoint, the in-toto statement
 * built, canonicalised (RFC 8785) and signed in a DSSE envelope.
 *
 * Cost: the store's verification (O(n) hashing, as `verify`), then per
 * rule one query over the period's time range (query_each_range), and
 * one indexed read per violation for its leaf hash. The statement holds
 * every violation, so its size grows with them.
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/attest.h"
#include "trailscope/dsse.h"
#include "trailscope/jcs.h"
#include "trailscope/version.h"
#include "rows.h"

void attest_result_release(struct attest_result *r)
{
	json_decref(r->statement);
	memset(r, 0, sizeof(*r));
}

static void add_hex(json_t *obj, const char *key, const unsigned char *data, size_t len)
{
	struct buf hex = BUF_INIT;

	buf_addhex(&hex, data, len);
	json_object_set_new(obj, key, json_string(hex.buf));
	buf_release(&hex);
}

static json_t *ts_json(usec_t t)
{
	char ts[32];

	time_format(t, ts);
	return json_string(ts);
}

struct eval {
	struct store *s;
	json_t **lists;          /* per rule: its violations */
	struct merkle_source leaves; /* the store's leaf hashes (level 0) */
	int failed;
};

static int add_violation(void *ctx, size_t rule, const struct query_row *row)
{
	struct eval *e = ctx;
	json_t *v = json_object();
	unsigned char hash[HASH_LEN];

	json_object_set_new(v, "seq", json_integer((json_int_t)row->seq));
	json_object_set_new(v, "event_id", json_string(row->event_id));
	if (row->seq < 1 || e->leaves.subtree(e->leaves.ctx, 0, (uint64_t)row->seq - 1, hash)) {
		error("%s: cannot read the leaf hash of entry %lld", e->s->path, (long long)row->seq);
		e->failed = 1;
		json_decref(v);
		return 1;
	}
	add_hex(v, "leaf_hash", hash, HASH_LEN);
	json_object_set_new(v, "ts", json_string(row->ts));
	json_object_set_new(v, "actor", json_string(row->actor));
	json_object_set_new(v, "action", json_string(row->action));
	json_object_set_new(v, "target", json_string(row->target));
	json_object_set_new(v, "environment", json_string(row->environment));
	json_object_set_new(v, "summary", json_string(row->summary));
	json_array_append_new(e->lists[rule], v);
	return 0;
}

/* Events with ts in the period: under the checkpoint, and after it. */
static int count_period(struct store *s, const char *from, const char *to, uint64_t size, int64_t *in,
			int64_t *after)
{
	/* rows.h numbers the parameters as they first appear in the text */
	const struct row_param p[] = { ROW_INT((int64_t)size), ROW_TEXT(from), ROW_TEXT(to) };
	struct buf err = BUF_INIT;
	struct rows *r = rows_open(s, NULL, "SELECT count(*) FILTER (WHERE seq <= $1), count(*) FILTER (WHERE seq > $1)"
				   " FROM entries WHERE ts >= $2 AND ts < $3", p, 3, "entries", &err);
	int rc = r ? rows_next(r) : -1;

	if (rc == 1) {
		*in = rows_col(r, 0)->i;
		*after = rows_col(r, 1)->i;
	}
	rows_close(r);
	if (rc != 1)
		error("%s: cannot count the period's events: %s", s->path, rc ? err.buf : "no row");
	buf_release(&err);
	return rc == 1 ? 0 : -1;
}

int attest_statement(struct store *s, const struct policy *p, const char *cp_note, const struct checkpoint *cp,
		     usec_t since, usec_t until, usec_t now, const char *verdict_line, json_t **out)
{
	char from[32], to[32];
	struct query **qs = NULL;
	struct eval e = { s, NULL, { NULL, NULL }, 0 };
	struct query_range rg;
	json_t *st = NULL, *subject, *sub, *digest, *ann, *pred, *pol, *period, *logj, *cov, *rules;
	int64_t in = 0, after = 0, total = 0, nfail = 0;
	int ret;

	*out = NULL;
	time_format(since, from);
	time_format(until, to);
	if (policy_compile(p, s, now, &qs))
		return -1;
	ret = -1;
	store_merkle_source(s, &e.leaves);
	if (count_period(s, from, to, cp->size, &in, &after))
		goto out;
	e.lists = xcalloc(p->n, sizeof(*e.lists));
	for (size_t i = 0; i < p->n; i++)
		e.lists[i] = json_array();
	rg.seq_after = 0;
	rg.seq_through = (int64_t)cp->size;
	rg.ts_from = from;
	rg.ts_until = to;
	if (policy_each_hit(p, qs, &rg, add_violation, &e) < 0 || e.failed)
		goto out;

	st = json_object();
	json_object_set_new(st, "_type", json_string(ATTEST_STATEMENT_TYPE));
	subject = json_array();
	sub = json_object();
	json_object_set_new(sub, "name", json_string(cp->origin));
	digest = json_object();
	add_hex(digest, "sha256", cp->root, HASH_LEN);
	json_object_set_new(sub, "digest", digest);
	ann = json_object();
	json_object_set_new(ann, "tree_size", json_integer((json_int_t)cp->size));
	json_object_set_new(sub, "annotations", ann);
	json_array_append_new(subject, sub);
	json_object_set_new(st, "subject", subject);
	json_object_set_new(st, "predicateType", json_string(ATTEST_PREDICATE_TYPE));

	pred = json_object();
	pol = json_object();
	json_object_set_new(pol, "name", json_string(p->name));
	if (p->version)
		json_object_set_new(pol, "version", json_string(p->version));
	digest = json_object();
	add_hex(digest, "sha256", p->sha256, HASH_LEN);
	json_object_set_new(pol, "digest", digest);
	json_object_set_new(pred, "policy", pol);
	period = json_object();
	json_object_set_new(period, "since", json_string(from));
	json_object_set_new(period, "until", json_string(to));
	json_object_set_new(pred, "period", period);
	json_object_set_new(pred, "evaluated_at", ts_json(now));
	logj = json_object();
	json_object_set_new(logj, "origin", json_string(cp->origin));
	json_object_set_new(logj, "tree_size", json_integer((json_int_t)cp->size));
	add_hex(logj, "root_hash", cp->root, HASH_LEN);
	json_object_set_new(logj, "checkpoint", json_string(cp_note));
	json_object_set_new(logj, "store_verdict", json_string(verdict_line));
	json_object_set_new(pred, "log", logj);
	cov = json_object();
	json_object_set_new(cov, "events_in_period", json_integer((json_int_t)in));
	json_object_set_new(cov, "unverified_events_in_period", json_integer((json_int_t)after));
	json_object_set_new(pred, "coverage", cov);
	rules = json_array();
	for (size_t i = 0; i < p->n; i++) {
		const struct policy_rule *r = &p->rules[i];
		json_t *rj = json_object();
		size_t nv = json_array_size(e.lists[i]);

		json_object_set_new(rj, "id", json_string(r->id));
		json_object_set_new(rj, "severity", json_string(policy_severity_name(r->severity)));
		json_object_set_new(rj, "description", json_string(r->description));
		json_object_set_new(rj, "query", json_string(r->query));
		if (r->ncontrols) {
			json_t *c = json_array();

			for (size_t k = 0; k < r->ncontrols; k++)
				json_array_append_new(c, json_string(r->controls[k]));
			json_object_set_new(rj, "controls", c);
		}
		json_object_set_new(rj, "result", json_string(nv ? "fail" : "pass"));
		json_object_set_new(rj, "violation_count", json_integer((json_int_t)nv));
		json_object_set_new(rj, "violations", json_incref(e.lists[i]));
		json_array_append_new(rules, rj);
		total += (int64_t)nv;
		nfail += nv > 0;
	}
	json_object_set_new(pred, "result", json_string(nfail ? "fail" : "pass"));
	json_object_set_new(pred, "rules_failed", json_integer((json_int_t)nfail));
	json_object_set_new(pred, "violation_count", json_integer((json_int_t)total));
	json_object_set_new(pred, "rules", rules);
	json_object_set_new(pred, "tool", json_string("trailscope " TRAILSCOPE_VERSION));
	json_object_set_new(st, "predicate", pred);
	*out = st;
	ret = 0;
out:
	if (e.lists)
		for (size_t i = 0; i < p->n; i++)
			json_decref(e.lists[i]);
	free(e.lists);
	policy_queries_free(qs, p->n);
	return ret;
}

int attest_envelope(const json_t *statement, const struct note_signer *key, struct buf *out)
{
	struct buf body = BUF_INIT, err = BUF_INIT;
	int ret;

	if (jcs_serialize(statement, &body, &err)) {
		ret = error("cannot canonicalise the statement: %s", err.buf);
	} else {
		ret = dsse_sign(key, ATTEST_PAYLOAD_TYPE, body.buf, body.len, out);
	}
	buf_release(&body);
	buf_release(&err);
	return ret;
}

/* The signed note of the newest checkpoint the report verified. */
static int newest_verified(struct store *s, const struct verify_report *vr, struct buf *note_text,
			   struct checkpoint *cp)
{
	uint64_t best = 0;
	struct rows *r;
	struct note n = { 0 };
	struct buf err = BUF_INIT, rerr = BUF_INIT;
	int rc = 0, ret = -1;

	for (size_t i = 0; i < vr->ncheckpoints; i++)
		if (vr->checkpoints[i].status == FAULT_OK && vr->checkpoints[i].size > best)
			best = vr->checkpoints[i].size;
	if (!best)
		return error_as(ERR_UNVERIFIABLE, "no checkpoint of the store is signed by a trusted key: nothing "
				"is verified to attest (give the log's key with --trust)");
	{
		const struct row_param p[] = { ROW_INT((int64_t)best) };

		r = rows_open(s, NULL, "SELECT note FROM checkpoints WHERE size = $1", p, 1, "checkpoints", &rerr);
	}
	/* several rows may share the size: the first that parses as this checkpoint */
	while (r && (rc = rows_next(r)) == 1) {
		const struct row_col *c = rows_col(r, 0);

		buf_reset(note_text);
		buf_add(note_text, c->p ? c->p : "", c->n);
		buf_reset(&err);
		note_release(&n);
		checkpoint_release(cp);
		if (note_parse(note_text->buf, note_text->len, &n, &err) == 0 &&
		    checkpoint_parse(n.text, n.text_len, cp, &err) == 0 && cp->size == best) {
			ret = 0;
			break;
		}
	}
	if (ret)
		error("%s: cannot read the verified checkpoint of size %llu%s%s", s->path, (unsigned long long)best,
		      rc < 0 || !r ? ": " : "", rerr.buf);
	rows_close(r);
	buf_release(&rerr);
	note_release(&n);
	buf_release(&err);
	return ret;
}

int attest_create(const struct attest_options *o, struct attest_result *r)
{
	struct store s;
	struct policy p;
	struct note_signer key = { 0 };
	struct verify_options vo = { 0 };
	struct verify_report vr;
	struct checkpoint cp = { 0 };
	struct buf note_text = BUF_INIT, line = BUF_INIT, env = BUF_INIT;
	int ret, have_store = 0, have_vr = 0, have_key = 0;

	memset(r, 0, sizeof(*r));
	if (o->until <= o->since)
		return error_as(ERR_USAGE, "the period is empty: --until must be after --since");
	if (policy_load(o->policy_path, o->now, &p))
		return -1;
	ret = -1;
	if (keyfile_load_signer(o->keyfile, &key)) {
		failed_as(ERR_INPUT);
		goto out;
	}
	have_key = 1;
	if (store_open(&s, o->store_path, STORE_READONLY))
		goto out;
	have_store = 1;
	vo.trust = o->trust;
	if (verify_store(&s, &vo, &vr))
		goto out;
	have_vr = 1;
	verify_verdict_line(&vr, 0, &line);
	if (vr.verdict == VERDICT_FAILED) {
		error_as(ERR_FAILED, "the store FAILED verification (%zu fault%s): no attestation is made over it; "
			 "run 'trailscope verify' for the faults", vr.faults_total, vr.faults_total == 1 ? "" : "s");
		goto out;
	}
	if (newest_verified(&s, &vr, &note_text, &cp) ||
	    attest_statement(&s, &p, note_text.buf, &cp, o->since, o->until, o->now, line.buf, &r->statement))
		goto out;
	if (attest_envelope(r->statement, &key, &env))
		goto out;
	if (write_file_atomic(o->out_path, env.buf, env.len, 0644)) {
		error("cannot write '%s'", o->out_path);
		goto out;
	}
	{
		const json_t *pred = json_object_get(r->statement, "predicate");

		r->violations = (uint64_t)json_integer_value(json_object_get(pred, "violation_count"));
		r->rules_failed = (size_t)json_integer_value(json_object_get(pred, "rules_failed"));
		r->unverified_in_period = (uint64_t)json_integer_value(
			json_object_get(json_object_get(pred, "coverage"), "unverified_events_in_period"));
		r->checkpoint_size = cp.size;
	}
	ret = 0;
out:
	if (ret)
		attest_result_release(r);
	if (have_vr)
		verify_report_release(&vr);
	if (have_store)
		store_close(&s);
	if (have_key)
		note_signer_release(&key);
	checkpoint_release(&cp);
	policy_release(&p);
	buf_release(&note_text);
	buf_release(&line);
	buf_release(&env);
	return ret;
}
