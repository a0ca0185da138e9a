/*
 * attest_verify.c - checking a policy attestation (attest.h): the DSSE
 * signature by a trusted key, the statement's shape and its checkpoint,
 * and, given the data, that every listed event is in the log the subject
 * names (an inclusion proof under its root) and that the violation lists
 * are complete (every rule re-evaluated over the period). Bundles hold a
 * selection, not the log: against one, inclusion is checked, not
 * completeness, and the report says so.
 *
 * Cost with a store: its verification (O(n) hashing, as `verify`), one
 * O(log n) inclusion proof per listed event, and the rules' queries over
 * the period, as `attest` ran them.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trailscope/attest.h"
#include "trailscope/bagit.h"
#include "trailscope/bundle.h"
#include "trailscope/dsse.h"
#include "trailscope/jcs.h"
#include "trailscope/timeline.h"
#include "rows.h"

#define MAX_LISTED_FAULTS 200 /* per check; more are counted */

static void afault(struct attest_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void afault(struct attest_report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strv_vaddf(&r->faults, &r->nfaults, &r->faults_alloc, fmt, ap);
	va_end(ap);
}

static void anote(struct attest_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void anote(struct attest_report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strv_vaddf(&r->notes, &r->nnotes, &r->notes_alloc, fmt, ap);
	va_end(ap);
}

void attest_report_release(struct attest_report *r)
{
	for (size_t i = 0; i < r->nfaults; i++)
		free(r->faults[i]);
	free(r->faults);
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	json_decref(r->statement);
	free(r->signer);
	memset(r, 0, sizeof(*r));
}

/* What the checks need of a statement that has the right shape. */
struct parsed {
	const char *origin;
	uint64_t size;
	unsigned char root[HASH_LEN];
	const json_t *pred, *rules;
	const char *since, *until;
	usec_t now;
};

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int hex32(const char *s, unsigned char out[HASH_LEN])
{
	return s && strlen(s) == 2 * HASH_LEN && hex_decode(s, out, HASH_LEN) == 0;
}

/* A whole number >= 0 member (the statement's numbers decode as doubles). */
static int juint(const json_t *o, const char *key, uint64_t *out)
{
	const json_t *v = json_object_get(o, key);
	double d = json_is_number(v) ? json_number_value(v) : -1;

	if (d < 0 || d > 9007199254740992.0 || d != (double)(uint64_t)d)
		return -1;
	*out = (uint64_t)d;
	return 0;
}

/* The statement's shape; a fault names the first member that is wrong. */
static int check_shape(const json_t *st, struct parsed *ps, struct attest_report *r)
{
	const json_t *subject = json_object_get(st, "subject"), *s0, *pred, *logj, *v, *rule;
	unsigned char root[HASH_LEN];
	const char *why = NULL;
	uint64_t size2, n;
	size_t i, k;

	if (!json_is_object(st) || !jstr(st, "_type") || strcmp(jstr(st, "_type"), ATTEST_STATEMENT_TYPE))
		return afault(r, "the payload is not an in-toto Statement v1 (\"_type\" is not %s)",
			      ATTEST_STATEMENT_TYPE), -1;
	if (!jstr(st, "predicateType") || strcmp(jstr(st, "predicateType"), ATTEST_PREDICATE_TYPE))
		return afault(r, "the predicate is not a trailscope policy attestation (\"predicateType\" is not "
			      "%s)", ATTEST_PREDICATE_TYPE), -1;
	s0 = json_array_get(subject, 0);
	pred = json_object_get(st, "predicate");
	logj = json_object_get(pred, "log");
	ps->pred = pred;
	ps->rules = json_object_get(pred, "rules");
	ps->origin = jstr(s0, "name");
	ps->since = jstr(json_object_get(pred, "period"), "since");
	ps->until = jstr(json_object_get(pred, "period"), "until");
	if (json_array_size(subject) != 1 || !ps->origin)
		why = "\"subject\" is not one checkpoint with a \"name\"";
	else if (!hex32(jstr(json_object_get(s0, "digest"), "sha256"), ps->root))
		why = "the subject's digest is not a sha256 in hex";
	else if (juint(json_object_get(s0, "annotations"), "tree_size", &ps->size) || !ps->size)
		why = "the subject's annotations have no tree_size";
	else if (!json_is_object(pred) || !json_is_object(logj) || juint(logj, "tree_size", &size2) ||
		 !hex32(jstr(logj, "root_hash"), root) || !jstr(logj, "checkpoint"))
		why = "the predicate's \"log\" is not complete";
	else if (size2 != ps->size || memcmp(root, ps->root, HASH_LEN) || !jstr(logj, "origin") ||
		 strcmp(jstr(logj, "origin"), ps->origin))
		why = "the predicate's \"log\" is not the subject";
	else if (!ps->since || !ps->until || !jstr(pred, "evaluated_at") ||
		 timeline_parse_ts(jstr(pred, "evaluated_at"), &ps->now))
		why = "the predicate has no period or evaluation time";
	else if (!json_is_array(ps->rules) || !json_array_size(ps->rules))
		why = "the predicate lists no rules";
	if (why)
		return afault(r, "malformed statement: %s", why), -1;
	json_array_foreach(ps->rules, i, rule) {
		const json_t *vs = json_object_get(rule, "violations");

		if (!jstr(rule, "id") || !jstr(rule, "query") || !json_is_array(vs) ||
		    juint(rule, "violation_count", &n) || n != json_array_size(vs) || !jstr(rule, "result") ||
		    strcmp(jstr(rule, "result"), n ? "fail" : "pass"))
			return afault(r, "malformed statement: rule %zu is not complete or its counts and result "
				      "disagree with its violations", i + 1), -1;
		json_array_foreach(vs, k, v) {
			uint64_t seq;
			unsigned char h[HASH_LEN];

			if (juint(v, "seq", &seq) || !seq || seq > ps->size || !jstr(v, "event_id") ||
			    !hex32(jstr(v, "leaf_hash"), h))
				return afault(r, "malformed statement: rule '%s', violation %zu: no seq within the "
					      "checkpoint, event id or leaf hash", jstr(rule, "id"), k + 1), -1;
		}
	}
	return 0;
}

/* The checkpoint note the predicate carries: the subject, signed. */
static void check_note(const struct parsed *ps, const struct note_verifier *keys, size_t nkeys,
		       struct attest_report *r)
{
	const char *text = jstr(json_object_get(ps->pred, "log"), "checkpoint");
	struct note n = { 0 };
	struct checkpoint cp = { 0 };
	struct buf err = BUF_INIT;
	int ok = 0;

	if (note_parse(text, strlen(text), &n, &err) || checkpoint_parse(n.text, n.text_len, &cp, &err)) {
		afault(r, "the predicate's checkpoint is malformed: %s", err.buf);
		goto out;
	}
	if (strcmp(cp.origin, ps->origin) || cp.size != ps->size || memcmp(cp.root, ps->root, HASH_LEN)) {
		afault(r, "the predicate's checkpoint (%s, size %llu) is not the subject", cp.origin,
		       (unsigned long long)cp.size);
		goto out;
	}
	for (size_t k = 0; k < nkeys; k++) {
		enum note_sig_status s = note_verify(&n, &keys[k]);

		if (s == NOTE_SIG_BAD)
			afault(r, "the checkpoint's signature by '%s' does not verify", keys[k].name);
		ok |= s == NOTE_SIG_OK;
	}
	if (!ok)
		anote(r, "the checkpoint's own signature was not checked: none of its signers is a trusted key "
		      "(add the log's key with --trust)");
out:
	note_release(&n);
	checkpoint_release(&cp);
	buf_release(&err);
}

/* Envelope, signature and statement. 0 when the checks may go on. */
static int open_statement(const char *text, size_t len, const struct note_verifier *keys, size_t nkeys,
			  struct parsed *ps, struct attest_report *r)
{
	struct dsse_envelope env;
	struct buf err = BUF_INIT;
	json_error_t jerr;
	int ret = -1;

	if (dsse_open(text, len, keys, nkeys, &env, &err)) {
		r->not_envelope = 1;
		afault(r, "%s", err.buf);
		buf_release(&err);
		return -1;
	}
	if (strcmp(env.type, ATTEST_PAYLOAD_TYPE))
		afault(r, "the envelope's payloadType is '%s', not %s", env.type, ATTEST_PAYLOAD_TYPE);
	if (env.bad)
		afault(r, "a signature by a trusted key does not verify: the attestation was altered after it "
		       "was signed");
	if (env.trusted >= 0)
		r->signer = xstrdup(keys[env.trusted].name);
	else if (!env.bad)
		anote(r, "none of the envelope's %zu signature%s is by a trusted key (give the attester's key "
		      "with --trust)", env.nsigs, env.nsigs == 1 ? "" : "s");
	r->statement = json_loadb(env.body.buf, env.body.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!r->statement)
		afault(r, "the payload is not JSON: %d:%d: %s", jerr.line, jerr.column, jerr.text);
	else if (env.trusted >= 0 && !env.bad && !r->nfaults && check_shape(r->statement, ps, r) == 0)
		ret = 0;
	else if (env.trusted < 0 || env.bad)
		anote(r, "the statement's contents were not checked: no trusted signature vouches for them");
	dsse_envelope_release(&env);
	buf_release(&err);
	if (ret == 0 && nkeys)
		check_note(ps, keys, nkeys, r);
	return ret;
}

/* Every listed (rule, seq) with its row. */
struct listed {
	size_t rule;
	int64_t seq;
	const json_t *v;
};

static int cmp_listed(const void *a, const void *b)
{
	const struct listed *x = a, *y = b;

	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static struct listed *collect(const struct parsed *ps, size_t *n)
{
	struct listed *v = NULL;
	size_t alloc = 0, i, k;
	const json_t *rule, *x;

	*n = 0;
	json_array_foreach(ps->rules, i, rule) {
		json_array_foreach(json_object_get(rule, "violations"), k, x) {
			ALLOC_GROW(v, *n + 1, alloc);
			v[*n].rule = i;
			v[*n].seq = (int64_t)json_whole_or(json_object_get(x, "seq"), -1);
			v[*n].v = x;
			(*n)++;
		}
	}
	if (*n > 1)
		qsort(v, *n, sizeof(*v), cmp_listed);
	return v;
}

static const char *rule_id(const struct parsed *ps, size_t i)
{
	return jstr(json_array_get(ps->rules, i), "id");
}

/* ---- against a store ---- */

struct found {
	int64_t *v;
	size_t n, alloc;
};

static int push_seq(const struct query_row *row, void *ctx)
{
	struct found *f = ctx;

	ALLOC_GROW(f->v, f->n + 1, f->alloc);
	f->v[f->n++] = row->seq;
	return 0;
}

/* Re-evaluates every rule and compares with the lists. */
static int check_complete(const struct parsed *ps, struct store *s, const struct listed *l, size_t nl,
			  struct attest_report *r)
{
	struct query_range rg = { 0, (int64_t)ps->size, ps->since, ps->until };
	size_t i, at = 0, shown = 0;
	const json_t *rule;

	json_array_foreach(ps->rules, i, rule) {
		struct found f = { NULL, 0, 0 };
		struct query_error qe;
		struct query *q;
		size_t a = 0, b;

		if (query_compile(s, jstr(rule, "query"), ps->now, &q, &qe)) {
			afault(r, "rule '%s': its query does not compile here: col %d: %s", rule_id(ps, i), qe.col,
			       qe.msg);
			continue;
		}
		if (query_each_range(q, &rg, push_seq, &f) < 0) {
			query_free(q);
			free(f.v);
			return -1;
		}
		query_free(q);
		while (at < nl && l[at].rule < i)
			at++;
		b = at;
		/* both in seq order: a merge */
		while (a < f.n || (b < nl && l[b].rule == i)) {
			int in_list = b < nl && l[b].rule == i;

			if (in_list && a < f.n && l[b].seq == f.v[a]) {
				a++;
				b++;
				continue;
			}
			if (shown++ < MAX_LISTED_FAULTS) {
				if (!in_list || (a < f.n && f.v[a] < l[b].seq))
					afault(r, "rule '%s': seq %lld violates it in the period but is not listed: the "
					       "violation list is incomplete", rule_id(ps, i), (long long)f.v[a]);
				else
					afault(r, "rule '%s': seq %lld is listed but does not violate it", rule_id(ps, i),
					       (long long)l[b].seq);
			}
			if (!in_list || (a < f.n && f.v[a] < l[b].seq))
				a++;
			else
				b++;
		}
		free(f.v);
	}
	if (shown > MAX_LISTED_FAULTS)
		afault(r, "... and %zu more differences between the lists and the store", shown - MAX_LISTED_FAULTS);
	r->completeness_checked = 1;
	return 0;
}

/* Why the store's entry seq is not the listed event (its leaf hash want
 * and its event_id), or NULL when it is; *failed set when it cannot be
 * read (reported). */
static const char *entry_differs(struct store *s, int64_t seq, const unsigned char want[HASH_LEN],
				 const char *event_id, int *failed)
{
	const struct row_param p[] = { ROW_INT(seq) };
	struct buf err = BUF_INIT;
	struct rows *r = rows_open(s, NULL, "SELECT leaf_hash, event_id FROM entries WHERE seq = $1", p, 1,
				   "entries", &err);
	int rc = r ? rows_next(r) : -1;
	const char *why = NULL;

	if (rc < 0) {
		error("%s: cannot read an entry: %s", s->path, err.buf);
		*failed = 1;
	} else if (rc == 0) {
		why = "is not in the store";
	} else if (!rows_col(r, 0)->p || rows_col(r, 0)->n != HASH_LEN || memcmp(rows_col(r, 0)->p, want, HASH_LEN)) {
		why = "has another leaf hash in the store";
	} else if (!rows_col(r, 1)->p || strcmp(rows_col(r, 1)->p, event_id)) {
		why = "has another event id in the store";
	}
	rows_close(r);
	buf_release(&err);
	return why;
}

static int check_store(const struct parsed *ps, struct store *s, struct trust *t, struct attest_report *r)
{
	struct verify_options vo = { 0 };
	struct verify_report vr;
	struct merkle_source src;
	struct buf line = BUF_INIT;
	unsigned char root[HASH_LEN];
	struct listed *l;
	size_t nl, shown = 0;
	int64_t size;
	int ret = -1, same_log = 0;

	vo.trust = t;
	if (verify_store(s, &vo, &vr))
		return -1;
	verify_verdict_line(&vr, 0, &line);
	if (vr.verdict == VERDICT_FAILED)
		afault(r, "the store FAILED verification (%s): run 'trailscope verify'", line.buf);
	else if (vr.verdict != VERDICT_VERIFIED)
		anote(r, "the store's own verification: %s", line.buf);
	verify_report_release(&vr);
	size = store_size(s);
	if (size < 0)
		goto out;
	if ((uint64_t)size < ps->size) {
		afault(r, "the store has %lld events, the attested log %llu: events were removed", (long long)size,
		       (unsigned long long)ps->size);
	} else if (store_root(s, ps->size, root)) {
		goto out;
	} else if (memcmp(root, ps->root, HASH_LEN)) {
		afault(r, "the store's log at size %llu is not the attested one (its root differs): an event up to "
		       "seq %llu was removed, changed or reordered", (unsigned long long)ps->size,
		       (unsigned long long)ps->size);
	} else {
		same_log = 1;
	}
	store_merkle_source(s, &src);
	l = collect(ps, &nl);
	for (size_t i = 0; i < nl; i++) {
		unsigned char want[HASH_LEN];
		struct merkle_proof p = { 0 };
		const char *why;
		int failed = 0;

		hex32(jstr(l[i].v, "leaf_hash"), want);
		why = entry_differs(s, l[i].seq, want, jstr(l[i].v, "event_id"), &failed);
		if (failed) {
			free(l);
			goto out;
		}
		if (!why && same_log && (merkle_inclusion_proof(&src, (uint64_t)l[i].seq - 1, ps->size, &p) ||
				      merkle_verify_inclusion((uint64_t)l[i].seq - 1, ps->size, want, &p, ps->root)))
			why = "is not proven included under the attested root";
		merkle_proof_release(&p);
		if (why && shown++ < MAX_LISTED_FAULTS)
			afault(r, "rule '%s': listed event seq %lld (%s) %s", rule_id(ps, l[i].rule), (long long)l[i].seq,
			       jstr(l[i].v, "event_id"), why);
	}
	if (shown > MAX_LISTED_FAULTS)
		afault(r, "... and %zu more listed events not in the store as listed", shown - MAX_LISTED_FAULTS);
	r->inclusion_checked = same_log && !shown;
	if (same_log) {
		if (check_complete(ps, s, l, nl, r)) {
			free(l);
			goto out;
		}
	} else {
		anote(r, "completeness was not checked: the store does not hold the attested log");
	}
	free(l);
	ret = 0;
out:
	buf_release(&line);
	return ret;
}

/* ---- against a bundle ---- */

static void check_leaves(const struct parsed *ps, attest_leaf_hash_fn *leaf_hash, void *ctx, const struct checkpoint *cp,
			 struct attest_report *r)
{
	struct listed *l;
	size_t nl, shown = 0;

	if (strcmp(cp->origin, ps->origin) || cp->size != ps->size || memcmp(cp->root, ps->root, HASH_LEN)) {
		afault(r, "the attestation's subject (%s, size %llu) is not the bundle's checkpoint (%s, size %llu)",
		       ps->origin, (unsigned long long)ps->size, cp->origin, (unsigned long long)cp->size);
		return;
	}
	l = collect(ps, &nl);
	for (size_t i = 0; i < nl; i++) {
		unsigned char want[HASH_LEN], got[HASH_LEN];
		const char *bad = NULL;

		hex32(jstr(l[i].v, "leaf_hash"), want);
		if (leaf_hash(ctx, l[i].seq, got))
			bad = "is not in the bundle";
		else if (memcmp(got, want, HASH_LEN))
			bad = "has another leaf hash in the bundle";
		if (bad && shown++ < MAX_LISTED_FAULTS)
			afault(r, "rule '%s': listed event seq %lld (%s) %s", rule_id(ps, l[i].rule), (long long)l[i].seq,
			       jstr(l[i].v, "event_id"), bad);
	}
	if (shown > MAX_LISTED_FAULTS)
		afault(r, "... and %zu more listed events not in the bundle as listed", shown - MAX_LISTED_FAULTS);
	r->inclusion_checked = !shown;
	anote(r, "completeness was not checked: a bundle holds a selection of the log, not all of it (check "
	      "against the store with --store)");
	free(l);
}

static void decide(struct attest_report *r)
{
	if (r->nfaults) {
		r->verdict = VERDICT_FAILED;
	} else if (!r->signer) {
		r->verdict = VERDICT_UNVERIFIABLE;
	} else {
		r->verdict = VERDICT_VERIFIED;
	}
}

void attest_verify_in_bundle(const char *text, size_t len, const struct note_verifier *keys, size_t nkeys,
			     attest_leaf_hash_fn *leaf_hash, void *ctx, const struct checkpoint *cp,
			     struct attest_report *r)
{
	struct parsed ps;

	memset(r, 0, sizeof(*r));
	memset(&ps, 0, sizeof(ps));
	if (open_statement(text, len, keys, nkeys, &ps, r) == 0)
		check_leaves(&ps, leaf_hash, ctx, cp, r);
	decide(r);
}

static int bundle_checkpoint(int dfd, struct checkpoint *cp, struct attest_report *r)
{
	struct buf text = BUF_INIT, why = BUF_INIT;
	struct note n = { 0 };
	int ret = -1;

	if (bag_read(dfd, "data/checkpoint", NOTE_MAX_SIZE, &text, &why))
		afault(r, "the bundle has no readable data/checkpoint: %s", why.buf);
	else if (note_parse(text.buf, text.len, &n, &why) || checkpoint_parse(n.text, n.text_len, cp, &why))
		afault(r, "the bundle's data/checkpoint is malformed: %s", why.buf);
	else
		ret = 0;
	note_release(&n);
	buf_release(&text);
	buf_release(&why);
	return ret;
}

int attest_verify(const char *text, size_t len, const struct attest_verify_options *o, struct attest_report *r)
{
	struct parsed ps;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	memset(&ps, 0, sizeof(ps));
	if (open_statement(text, len, o->keys, o->nkeys, &ps, r) == 0) {
		if (o->store) {
			ret = check_store(&ps, o->store, o->trust, r);
		} else if (o->bundle_dir) {
			struct bundle_report br;
			struct checkpoint cp = { 0 };
			int dfd;

			if (bundle_verify(o->bundle_dir, o->keys, o->nkeys, &br))
				return -1;
			if (br.verdict != VERDICT_VERIFIED)
				afault(r, "the bundle does not verify (%s, %zu fault%s): run 'trailscope bundle verify'",
				       verdict_name(br.verdict), br.nfaults, br.nfaults == 1 ? "" : "s");
			dfd = open(o->bundle_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dfd < 0) {
				bundle_report_release(&br);
				return error("cannot open bundle '%s'", o->bundle_dir);
			}
			if (bundle_checkpoint(dfd, &cp, r) == 0)
				check_leaves(&ps, bundle_report_leaf_hash, &br, &cp, r);
			bundle_report_release(&br);
			checkpoint_release(&cp);
			close(dfd);
		} else {
			anote(r, "the events were not checked: give the store (--store) or a bundle (--bundle) to "
			      "check that every listed event is in the log and that the lists are complete");
		}
	}
	decide(r);
	return ret;
}
