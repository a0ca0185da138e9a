/*
 * bundle_export.c - writes an evidence bundle (see bundle.h, docs/BUNDLE.md):
 * the selection of events, their proofs, the renderings (bundle_render.c),
 * the notes and the tag files.
 *
 * Cost: per event, one leaf read and hash, one O(log n) inclusion proof
 * from the store's cached subtrees (its upper siblings remembered from the
 * event before), one JSON parse and diff for the renderings, and its
 * lines of the six line files (leaves, proofs, records, two CSVs, the
 * report), each hashed as it is written (SHA-256 and SHA-512, never
 * re-read). The renderings and the writing run on every core (workpool.h)
 * a window of events at a time while this thread reads the next window
 * (write_events), so memory is three windows plus the selection's seq
 * list, and a bundle is a dozen files whatever the number of events.
 * Everything under data/ is a function of the store (and its verdict under
 * the trusted keys), the selection and the case file's notes only: dates
 * live in the tag files. Before anything is written the whole store is
 * verified (verify.h): O(n) hashing, the cost of 'trailscope verify'.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trailscope/attest.h"
#include "trailscope/b64.h"
#include "trailscope/bundle.h"
#include "trailscope/raw_pack.h"
#include "trailscope/json_arena.h"
#include "trailscope/casefile.h"
#include "trailscope/diff.h"
#include "trailscope/incident.h"
#include "trailscope/jcs.h"
#include "trailscope/keys.h"
#include "trailscope/leaf.h"
#include "trailscope/query.h"
#include "trailscope/store.h"
#include "trailscope/timeline.h"
#include "trailscope/tlogproof.h"
#include "trailscope/util.h"
#include "trailscope/verify.h"
#include "trailscope/version.h"
#include "trailscope/workpool.h"
#include "rows.h"
#include "store_row.h"

const char *const bundle_tag_files[] = {
	"bag-info.txt", "bagit.txt", CUSTODY_FILE, "manifest-sha256.txt", "manifest-sha512.txt",
};
const size_t bundle_ntag_files = ARRAY_SIZE(bundle_tag_files);

/* ---- selection ---- */

struct seqlist {
	int64_t *v;
	size_t n, alloc;
};

static void seq_push(struct seqlist *l, int64_t seq)
{
	ALLOC_GROW(l->v, l->n + 1, l->alloc);
	l->v[l->n++] = seq;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void seq_sort_unique(struct seqlist *l)
{
	size_t o = 0;

	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), cmp_i64);
	for (size_t i = 0; i < l->n; i++)
		if (!o || l->v[o - 1] != l->v[i])
			l->v[o++] = l->v[i];
	l->n = o;
}

/* The store's event whose id is id: 1 with *seq set, 0 when none, -1 on
 * error (reported). */
static int lookup_id(struct store *s, const char *id, int64_t *seq)
{
	const struct row_param p[] = { ROW_TEXT(id) };
	struct buf err = BUF_INIT;
	struct rows *r = rows_open(s, NULL, "SELECT seq FROM entries WHERE event_id = $1", p, 1, "entries", &err);
	int rc = r ? rows_next(r) : -1;

	if (rc == 1)
		*seq = rows_col(r, 0)->i;
	rows_close(r);
	if (rc < 0)
		error("cannot look up event: %s", err.buf);
	buf_release(&err);
	return rc;
}

/* "3,7-9,uuid-1234": seqs, inclusive ranges, event ids. */
static int select_events(struct store *s, const char *text, int64_t size, struct seqlist *out)
{
	char *copy = xstrdup(text), *tok, *save = NULL;
	int ret = 0;

	for (tok = strtok_r(copy, ",", &save); tok && !ret; tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		int64_t a, b;

		while (*tok == ' ')
			tok++;
		if (!*tok)
			continue;
		if (parse_int64(tok, 1, INT64_MAX, &a) == 0) {
			b = a;
		} else if (dash && (*dash = '\0', parse_int64(tok, 1, INT64_MAX, &a) == 0) &&
			   parse_int64(dash + 1, 1, INT64_MAX, &b) == 0) {
			if (b < a || b - a > 10000000) {
				ret = error_as(ERR_USAGE, "--events: bad range %s-%s", tok, dash + 1);
				break;
			}
		} else {
			int rc;

			if (dash)
				*dash = '-';
			rc = lookup_id(s, tok, &a);
			if (rc < 0) {
				ret = failed_as(ERR_IO);
			} else if (rc == 0) {
				ret = error_as(ERR_INPUT, "--events: no event '%s' in the store", tok);
			} else {
				seq_push(out, a);
			}
			continue;
		}
		if (b > size) {
			ret = error_as(ERR_INPUT, "--events: no event %lld in the store (it has %lld)", (long long)b,
				       (long long)size);
			break;
		}
		for (int64_t q = a; q <= b; q++)
			seq_push(out, q);
	}
	free(copy);
	return ret;
}

static int push_row(const struct query_row *row, void *ctx)
{
	seq_push(ctx, row->seq);
	return 0;
}

/* The query language (query.h); relative times are relative to now. */
static int select_query(struct store *s, const char *text, struct seqlist *out)
{
	struct query_fetch f = { NULL, 0, 0, 0 };
	struct query_error qe;
	struct query *q;
	int64_t n;

	if (query_compile(s, text, time_now(), &q, &qe)) {
		diag_at(QUERY_FILE, 1, qe.col, "%s", qe.msg);
		return failed_as(ERR_USAGE); /* a bad query is a usage error */
	}
	n = query_each(q, &f, push_row, out);
	query_free(q);
	return n < 0 ? failed_as(ERR_IO) : 0;
}

struct bundle_incident {
	json_t *obj;      /* incident.json content */
	char *from, *to;  /* its window [from, to], UTC text (incident_window) */
};

/* The incident (incident_load: its id exactly, else without case when
 * unique), its row for incident.json as stored, and the seqs of its
 * window. Returns 0, or -1 (reported, classed). */
static int load_incident(struct store *s, const char *id, struct bundle_incident *inc, struct seqlist *out)
{
	static const char *const cols[] = { "id", "title", "severity", "services", "environment",
					    "started_at", "detected_at", "resolved_at", "raw" };
	struct incident in;
	struct row_param q[2] = { ROW_TEXT(NULL), ROW_TEXT(NULL) };
	struct buf err = BUF_INIT;
	struct rows *r;
	char ts[32];
	usec_t from, to;
	int rc, ret = 0;

	rc = incident_load(s, id, &in);
	if (rc < 0)
		return failed_as(ERR_IO);
	if (rc == 0)
		return error_as(ERR_INPUT, "--incident: no incident '%s' in the store", id);
	incident_window(&in, &from, &to);
	time_format(from, ts);
	inc->from = xstrdup(ts);
	time_format(to, ts);
	inc->to = xstrdup(ts);
	q[0].s = in.id;
	r = rows_open(s, NULL, "SELECT id, title, severity, services, environment, started_at, detected_at,"
		      " resolved_at, raw FROM incidents WHERE id = $1", q, 1, "incidents", &err);
	rc = r ? rows_next(r) : -1;
	incident_release(&in);
	if (rc != 1) {
		rows_close(r);
		error("cannot read incidents: %s", rc ? err.buf : "the incident is gone");
		buf_release(&err);
		return failed_as(ERR_IO);
	}
	inc->obj = json_object();
	for (int i = 0; i < (int)ARRAY_SIZE(cols); i++) {
		const struct row_col *c = rows_col(r, i);
		json_t *j = NULL;

		if (c->p && i == 3) {
			int l, cl;
			struct buf perr = BUF_INIT;

			j = json_parse_strict(c->p, c->n, &l, &cl, &perr);
			buf_release(&perr);
		}
		json_object_set_new(inc->obj, cols[i], j ? j : c->p ? json_stringn(c->p, c->n) : json_null());
	}
	rows_close(r);
	{
		json_t *w = json_object();

		json_object_set_new(w, "from", json_string(inc->from));
		json_object_set_new(w, "to", json_string(inc->to));
		json_object_set_new(w, "rule", json_string("events with ts in [started_at - 2h, resolved_at], "
							   "or [started_at - 2h, started_at + 2h] while unresolved"));
		json_object_set_new(inc->obj, "window", w);
	}
	q[0].s = inc->from;
	q[1].s = inc->to;
	r = rows_open(s, NULL, "SELECT seq FROM entries WHERE ts >= $1 AND ts <= $2 ORDER BY seq", q, 2,
		      "entries", &err);
	while (r && (rc = rows_next(r)) == 1)
		seq_push(out, rows_col(r, 0)->i);
	if (!r || rc < 0)
		ret = (error("cannot select the incident's events: %s", err.buf), failed_as(ERR_IO));
	rows_close(r);
	buf_release(&err);
	return ret;
}

/* ---- the export ---- */

#define EVENT_BATCH 64      /* events per index of a job */
#define WINDOW_BATCHES 8    /* batches per window */
#define WINDOW (EVENT_BATCH * WINDOW_BATCHES) /* events read, rendered and written as one */

struct export {
	const struct bundle_export_options *o;
	struct store s;
	int store_open;
	struct seqlist seqs;
	struct bundle_incident inc;
	struct buf label;          /* what was selected, for bag-info and report */
	struct buf cp_note;        /* checkpoint note, verbatim, then its cosignature lines */
	struct buf cp_token;       /* its first RFC 3161 time-stamp token (may be empty) */
	struct checkpoint cp;
	struct note_signer key;
	struct bag_writer w;
	struct rows *leaves;        /* the window's leaves in seq order (read_leaf), or NULL */
	int leaf_row;              /* its last rows_next answer */
	struct buf leaf_err;
	struct raw_codec *codec;     /* unpacks entry_text.raw (raw_pack.h) */
	struct verify_report vr;   /* the store's verification before export */
	int have_vr;
	uint64_t pending_selected; /* selected seqs after the newest stored checkpoint */
	int signed_now;            /* export signed the checkpoint */
	struct buf attestation;    /* the DSSE envelope, when o->attest_policy */
	struct buf attest_report;  /* its Markdown report */
};

static int cancelled(const struct export *x)
{
	return x->o->cancel && *x->o->cancel;
}

static void progress(const struct export *x, const char *phase, uint64_t done)
{
	if (x->o->progress)
		x->o->progress(x->o->progress_ctx, phase, done, x->seqs.n);
}

/* A leaf with its hash and the raw record the store keeps beside it
 * (entry_text.raw, schema 2 and later; packed from schema 6), for the seqs from $1 to $2. */
#define LEAF_SQL "SELECT seq, leaf, leaf_hash, (SELECT raw FROM entry_text AS t WHERE t.seq = entries.seq)" \
		 " FROM entries WHERE seq >= $1 AND seq <= $2 ORDER BY seq"
#define LEAF_SQL_V1 "SELECT seq, leaf, leaf_hash, NULL FROM entries WHERE seq >= $1 AND seq <= $2 ORDER BY seq"

static struct rows *open_leaves(struct export *x, int64_t from, int64_t to)
{
	const struct row_param p[] = { ROW_INT(from), ROW_INT(to) };

	buf_reset(&x->leaf_err);
	return rows_open(&x->s, NULL, x->s.schema >= 2 ? LEAF_SQL : LEAF_SQL_V1, p, 2, "entries", &x->leaf_err);
}

static void close_leaves(struct export *x)
{
	rows_close(x->leaves);
	x->leaves = NULL;
}

/* Before reading the n selected seqs at v (sorted, distinct): when they
 * are dense (their span at most twice n), one read in seq order serves
 * them all, skipping what is not selected (on PostgreSQL, one cursor
 * instead of a round trip for each); else read_leaf reads each alone. */
static int window_leaves(struct export *x, const int64_t *v, size_t n)
{
	close_leaves(x);
	if (!n || (uint64_t)(v[n - 1] - v[0]) >= 2 * (uint64_t)n)
		return 0;
	x->leaves = open_leaves(x, v[0], v[n - 1]);
	if (!x->leaves)
		return error("%s", x->leaf_err.buf);
	x->leaf_row = rows_next(x->leaves);
	return 0;
}

/* Reads the leaf of seq into out and checks it against its stored hash,
 * and the raw record the store keeps beside it (entry_text.raw) into raw
 * (*has_raw says whether there is one). A version 3 leaf's raw record is
 * checked against its raw_sha256 where the leaf is parsed (write_batch). */
static int read_leaf(struct export *x, int64_t seq, struct buf *out, unsigned char hash[HASH_LEN],
		     struct buf *raw, int *has_raw)
{
	struct rows *one = NULL, *r = x->leaves;
	const struct row_col *c;
	int row;

	while (r && x->leaf_row == 1 && rows_col(r, 0)->i < seq)
		x->leaf_row = rows_next(r);
	if (!r || x->leaf_row != 1 || rows_col(r, 0)->i != seq) {
		if (r && x->leaf_row < 0)
			return error("%s", x->leaf_err.buf);
		r = one = open_leaves(x, seq, seq);
		row = r ? rows_next(r) : -1;
		if (row != 1) {
			rows_close(one);
			return row < 0 ? error("%s", x->leaf_err.buf)
				       : error("no entry %lld in the store", (long long)seq);
		}
	}
	c = rows_col(r, 1);
	buf_reset(out);
	buf_add(out, c->p ? c->p : "", c->n);
	merkle_leaf_hash(out->buf, out->len, hash);
	c = rows_col(r, 2);
	if (!c->p || c->n != HASH_LEN || memcmp(c->p, hash, HASH_LEN)) {
		rows_close(one);
		return error("entry %lld: the leaf does not match its stored hash (run trailscope verify)",
			     (long long)seq);
	}
	/* version 3: the raw record lives beside the leaf */
	c = rows_col(r, 3);
	buf_reset(raw);
	*has_raw = c->p != NULL;
	if (c->p && c->is_blob) {
		const char *why;

		if (raw_unpack(x->codec, c->p, c->n, out->buf, out->len, raw, &why)) {
			rows_close(one);
			return error("entry %lld: the raw record in entry_text does not unpack against its leaf"
				     " (%s; run trailscope verify)", (long long)seq, why);
		}
	} else if (c->p) {
		buf_add(raw, c->p, c->n);
	}
	rows_close(one);
	return 0;
}

static int find_checkpoint(struct export *x, int64_t max)
{
	const struct row_param p[] = { ROW_INT(max) };
	struct buf err = BUF_INIT;
	struct rows *r = rows_open(&x->s, NULL, "SELECT note FROM checkpoints WHERE size >= $1 ORDER BY size LIMIT 1",
				   p, 1, "checkpoints", &err);
	int rc = r ? rows_next(r) : -1;

	buf_reset(&x->cp_note);
	if (rc == 1)
		buf_add(&x->cp_note, rows_col(r, 0)->p ? rows_col(r, 0)->p : "", rows_col(r, 0)->n);
	rows_close(r);
	if (rc < 0)
		error("%s", err.buf);
	buf_release(&err);
	return rc;
}

/* Signs a checkpoint of the head: the one read-write open of the store. */
static int sign_head(struct export *x)
{
	struct store rw;
	int64_t size;
	int ret = -1;

	close_leaves(x);
	store_close(&x->s);
	x->store_open = 0;
	if (store_open(&rw, x->o->store_path, 0))
		return -1;
	if (store_begin(&rw) == 0) {
		size = store_size(&rw);
		if (size > 0 && store_sign_head(&rw, &x->key, (uint64_t)size, NULL) == 0 && store_commit(&rw) == 0)
			ret = 0;
		else
			store_rollback(&rw);
	}
	store_close(&rw);
	if (store_open(&x->s, x->o->store_path, STORE_READONLY))
		return -1;
	x->store_open = 1;
	return ret;
}

/* One store fault as one line of tag-safe text: "KIND seq 5: detail". */
static void store_fault_text(const struct verify_fault *f, struct buf *out)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, fault_kind_name(f->kind));
	if (f->checkpoint)
		buf_addf(&b, " checkpoint %llu", (unsigned long long)f->size);
	else if (f->seq == f->seq_end)
		buf_addf(&b, " seq %llu", (unsigned long long)f->seq);
	else
		buf_addf(&b, " seq %llu-%llu", (unsigned long long)f->seq, (unsigned long long)f->seq_end);
	buf_addf(&b, ": %s", f->detail ? f->detail : "");
	buf_add_term_safe(out, b.buf, b.len);
	buf_release(&b);
}

static void verify_progress(void *ctx, uint64_t done, uint64_t total)
{
	const struct export *x = ctx;

	x->o->progress(x->o->progress_ctx, "verifying", done, total);
}

/* Verifies the whole store against the trusted keys; a FAILED store is
 * refused (its faults reported) unless allow_failed. */
static int verify_source(struct export *x)
{
	const struct bundle_export_options *o = x->o;
	struct verify_options vo = { 0 };
	struct trust own = { 0 };
	struct buf line = BUF_INIT;
	int ret = -1;

	if (!o->trust && trust_load(&own))
		return failed_as(ERR_IO);
	vo.trust = o->trust ? o->trust : &own;
	vo.remember = 0;
	vo.cancel = o->cancel;
	if (o->progress) {
		vo.progress = verify_progress;
		vo.progress_ctx = x;
	}
	if (verify_store(&x->s, &vo, &x->vr)) {
		failed_as(ERR_IO);
		goto out;
	}
	x->have_vr = 1;
	ret = 0;
	if (x->vr.verdict == VERDICT_FAILED && !o->allow_failed) {
		for (size_t i = 0; i < x->vr.nfaults; i++) {
			buf_reset(&line);
			store_fault_text(&x->vr.faults[i], &line);
			error("store fault: %s", line.buf);
		}
		if (x->vr.faults_total > x->vr.nfaults)
			error("store fault: ... and %zu more", x->vr.faults_total - x->vr.nfaults);
		error("the store FAILED verification (%zu fault%s): export refused; pass --allow-failed "
		      "(in the TUI: type yes) to export anyway with the verdict and every fault recorded "
		      "in the bundle",
		      x->vr.faults_total, x->vr.faults_total == 1 ? "" : "s");
		ret = failed_as(ERR_FAILED);
	}
out:
	if (!o->trust)
		trust_release(&own);
	buf_release(&line);
	return ret;
}

/* How many selected seqs no stored checkpoint covers yet. */
static int count_pending(struct export *x)
{
	int64_t newest = 0;

	if (store_newest_checkpoint(&x->s, &newest) < 0)
		return -1;
	x->pending_selected = 0;
	for (size_t i = 0; i < x->seqs.n; i++)
		if (x->seqs.v[i] > newest)
			x->pending_selected++;
	return 0;
}

static int prepare_checkpoint(struct export *x, struct bundle_export_result *r)
{
	struct buf err = BUF_INIT;
	struct note n = { 0 };
	unsigned char root[HASH_LEN];
	int64_t max = x->seqs.v[x->seqs.n - 1];
	int rc = find_checkpoint(x, max), ret = -1;

	if (rc < 0 || count_pending(x))
		return failed_as(ERR_IO);
	if (rc == 0) {
		if (x->have_vr && x->vr.verdict == VERDICT_FAILED) {
			return error_as(ERR_FAILED, "the store FAILED verification: export will not sign a new "
					"checkpoint over it, and %llu selected event%s no checkpoint covers (select "
					"only checkpointed events)", (unsigned long long)x->pending_selected,
					x->pending_selected == 1 ? " is one" : "s are ones");
		}
		if (sign_head(x))
			return failed_as(ERR_IO);
		r->signed_checkpoint = 1;
		x->signed_now = 1;
		if (find_checkpoint(x, max) != 1)
			return error("cannot find the checkpoint just signed");
	}
	if (note_parse(x->cp_note.buf, x->cp_note.len, &n, &err) ||
	    checkpoint_parse(n.text, n.text_len, &x->cp, &err)) {
		error_as(ERR_FAILED, "the store's checkpoint covering seq %lld is malformed: %s", (long long)max,
			 err.buf);
		goto out;
	}
	if (bundle_anchors_load(&x->s, x->cp.size, &x->cp_note, &x->cp_token)) {
		failed_as(ERR_IO);
		goto out;
	}
	if (*x->s.origin && strcmp(x->cp.origin, x->s.origin)) {
		error_as(ERR_FAILED, "the checkpoint's origin '%s' is not the store's '%s'", x->cp.origin, x->s.origin);
		goto out;
	}
	if (store_root(&x->s, x->cp.size, root)) {
		failed_as(ERR_IO);
		goto out;
	}
	if (memcmp(root, x->cp.root, HASH_LEN)) {
		error_as(ERR_FAILED, "the store does not match its checkpoint at size %llu (run 'trailscope verify')",
			 (unsigned long long)x->cp.size);
		goto out;
	}
	ret = 0;
out:
	note_release(&n);
	buf_release(&err);
	return ret;
}

/* The selection's first and last event times, for the attestation's
 * default period. */
static int selection_span(struct export *x, usec_t *first, usec_t *last)
{
	struct buf err = BUF_INIT;
	int ret = 0;

	*first = *last = 0;
	/* a window of the selection at a time: one read of its seq range when
	 * it is dense, else one read for each seq */
	for (size_t i = 0, k; i < x->seqs.n && !ret; i = k) {
		const int64_t *v = x->seqs.v;
		size_t n = x->seqs.n - i < WINDOW ? x->seqs.n - i : WINDOW;
		int dense = (uint64_t)(v[i + n - 1] - v[i]) < 2 * (uint64_t)n;
		struct rows *r = NULL;
		int row = 0;

		for (k = i; k < i + n && !ret; k++) {
			usec_t t;

			if (!r || !dense) {
				const struct row_param p[] = { ROW_INT(v[k]), ROW_INT(dense ? v[i + n - 1] : v[k]) };

				rows_close(r);
				r = rows_open(&x->s, NULL, "SELECT seq, ts FROM entries WHERE seq >= $1 AND seq <= $2"
					      " ORDER BY seq", p, 2, "entries", &err);
				row = r ? rows_next(r) : -1;
			}
			while (row == 1 && rows_col(r, 0)->i < v[k])
				row = rows_next(r);
			if (row != 1 || rows_col(r, 0)->i != v[k] || !rows_col(r, 1)->p ||
			    timeline_parse_ts(rows_col(r, 1)->p, &t)) {
				ret = error("entry %lld: cannot read its time%s%s", (long long)v[k],
					    row < 0 ? ": " : "", row < 0 ? err.buf : "");
				break;
			}
			if ((!i && k == 0) || t < *first)
				*first = t;
			if ((!i && k == 0) || t > *last)
				*last = t;
		}
		rows_close(r);
	}
	buf_release(&err);
	return ret;
}

/*
 * --attest: the policy evaluated over the period under the bundle's own
 * checkpoint, which the store's verification must have found good; the
 * violating events join the selection, so the bundle proves each one.
 */
static int make_attestation(struct export *x, struct bundle_export_result *r)
{
	const struct bundle_export_options *o = x->o;
	struct policy p;
	enum fault_kind status;
	struct buf line = BUF_INIT;
	usec_t now = time_now(), since = o->attest_since, until = o->attest_until, first, last;
	json_t *st = NULL, *rule;
	size_t i, k, before = x->seqs.n;
	int ret;

	if (x->vr.verdict == VERDICT_FAILED)
		return error_as(ERR_FAILED, "the store FAILED verification: no attestation is made over it");
	if (x->signed_now || !verify_report_checkpoint_status(&x->vr, x->cp.size, &status) || status != FAULT_OK) {
		return error_as(ERR_UNVERIFIABLE, "--attest needs a checkpoint of the selection that a trusted key "
				"signed (the log's key: --trust, or pinned); %s", x->signed_now ?
				"selected events were after the newest checkpoint" : "the bundle's checkpoint is not one");
	}
	if (selection_span(x, &first, &last))
		return failed_as(ERR_IO);
	if (!since)
		since = first;
	if (!until)
		until = last + 1;
	if (until <= since)
		return error_as(ERR_USAGE, "--attest: the period is empty (--attest-until must be after --attest-since)");
	if (policy_load(o->attest_policy, now, &p))
		return -1; /* reported, with its class */
	verify_verdict_line(&x->vr, 0, &line);
	ret = attest_statement(&x->s, &p, x->cp_note.buf, &x->cp, since, until, now, line.buf, &st);
	policy_release(&p);
	buf_release(&line);
	if (ret)
		return -1; /* reported, with its class */
	json_array_foreach(json_object_get(json_object_get(st, "predicate"), "rules"), i, rule) {
		const json_t *v;

		json_array_foreach(json_object_get(rule, "violations"), k, v)
			seq_push(&x->seqs, (int64_t)json_integer_value(json_object_get(v, "seq")));
	}
	seq_sort_unique(&x->seqs);
	r->attest_added = x->seqs.n - before;
	if (r->attest_added)
		buf_addf(&x->label, "; and %llu event%s violating policy %s", (unsigned long long)r->attest_added,
			 r->attest_added == 1 ? "" : "s", json_string_value(json_object_get(json_object_get(
				 json_object_get(st, "predicate"), "policy"), "name")));
	r->attested = 1;
	r->attest_violations = (uint64_t)json_integer_value(json_object_get(json_object_get(st, "predicate"),
									      "violation_count"));
	r->attest_rules_failed = (size_t)json_integer_value(json_object_get(json_object_get(st, "predicate"),
									     "rules_failed"));
	attest_render(st, 1, &x->attest_report);
	ret = attest_envelope(st, &x->key, &x->attestation) ? failed_as(ERR_IO) : 0;
	json_decref(st);
	return ret;
}

static const char *store_verdict(const struct export *x)
{
	return x->have_vr ? verdict_name(x->vr.verdict) : "UNKNOWN";
}

/* The store's verdict at export, every fault, and the pending events. */
static void report_verdict(const struct export *x, struct buf *out)
{
	buf_addf(out, "store verdict  %s at export", store_verdict(x));
	if (x->vr.verdict == VERDICT_FAILED)
		buf_addf(out, ": %zu fault%s; the events below come from a store that FAILED "
			 "verification", x->vr.faults_total, x->vr.faults_total == 1 ? "" : "s");
	else if (x->vr.verdict == VERDICT_UNVERIFIABLE)
		buf_addstr(out, ": no trusted key signed the store's checkpoints");
	buf_addch(out, '\n');
	for (size_t i = 0; i < x->vr.nfaults; i++) {
		buf_addstr(out, "  fault        ");
		store_fault_text(&x->vr.faults[i], out);
		buf_addch(out, '\n');
	}
	if (x->vr.faults_total > x->vr.nfaults)
		buf_addf(out, "  fault        ... and %zu more\n", x->vr.faults_total - x->vr.nfaults);
	if (x->pending_selected)
		buf_addf(out, "pending        %llu selected event%s no stored checkpoint covered: export "
			 "signed the checkpoint above\n", (unsigned long long)x->pending_selected,
			 x->pending_selected == 1 ? "" : "s");
	else
		buf_addstr(out, "pending        none: a stored checkpoint covered every selected event\n");
}

static void report_header(struct export *x, struct buf *out)
{
	struct buf root = BUF_INIT;

	b64_encode(&root, x->cp.root, HASH_LEN);
	buf_addstr(out, "TRAILSCOPE EVIDENCE BUNDLE: TIMELINE\n\n");
	buf_addstr(out, "store origin   ");
	buf_add_term_safe(out, x->cp.origin, strlen(x->cp.origin));
	buf_addf(out, "\ncheckpoint     size %llu, root %s (data/checkpoint)\n",
		 (unsigned long long)x->cp.size, root.buf);
	buf_addstr(out, "selection      ");
	buf_add_term_safe(out, x->label.buf, x->label.len);
	buf_addf(out, "\nevents         %zu (seq %lld to %lld)\n", x->seqs.n, (long long)x->seqs.v[0],
		 (long long)x->seqs.v[x->seqs.n - 1]);
	report_verdict(x, out);
	buf_addstr(out, "\nEach event below is in data/leaves.jsonl byte for byte (one leaf a line),\n"
		   "and its line of data/proofs.jsonl proves it is in the log the checkpoint\n"
		   "signs ('trailscope bundle proof DIR SEQ' prints it as a c2sp.org/tlog-proof).\n"
		   "Verify with: trailscope bundle verify DIR --trust PUBFILE\n\n"
		   "Times are UTC, oldest first.\n\n");
	buf_release(&root);
}

/*
 * Subtree hashes for the inclusion proofs, remembered: proofs of events
 * in seq order share their upper siblings, so each level keeps the last
 * few subtrees it was asked for (the store's reads cost an SQL statement
 * each, a hash from here a compare).
 */
#define PROOF_CACHE_WAYS 4
struct proof_cache {
	struct merkle_source inner;
	struct {
		uint64_t idx;
		int used;
		unsigned char hash[HASH_LEN];
	} slot[64][PROOF_CACHE_WAYS];
	unsigned next[64];     /* the slot of each level to replace next */
};

static int cached_subtree(void *ctx, unsigned level, uint64_t idx, unsigned char out[HASH_LEN])
{
	struct proof_cache *c = ctx;
	unsigned k;

	if (level >= 64)
		return c->inner.subtree(c->inner.ctx, level, idx, out);
	for (k = 0; k < PROOF_CACHE_WAYS; k++) {
		if (c->slot[level][k].used && c->slot[level][k].idx == idx) {
			memcpy(out, c->slot[level][k].hash, HASH_LEN);
			return 0;
		}
	}
	if (c->inner.subtree(c->inner.ctx, level, idx, out))
		return -1;
	k = c->next[level];
	c->next[level] = (k + 1) % PROOF_CACHE_WAYS;
	c->slot[level][k].used = 1;
	c->slot[level][k].idx = idx;
	memcpy(c->slot[level][k].hash, out, HASH_LEN);
	return 0;
}

/*
 * The events, in one pass over the selection, a window at a time, on
 * every core, through three windows in turn. The caller's thread fills a
 * window: reads each leaf (checking its hash), computes and checks its
 * inclusion proof, formats its proof line. Meanwhile one job of the pool
 * (workpool.h) renders the window filled before, a batch of events an
 * index (each event's lines of the six streams), and writes the window
 * rendered before that to the six streams, a stream an index (each
 * stream's bytes hashed as they are written, SHA-256 and SHA-512, never
 * re-read). Each stream is written in seq order by one thread at a time,
 * so the output is the same whatever the number of threads; memory is
 * three windows. Only the caller's thread touches the bag writer or
 * reports errors.
 */
enum { R_LEAVES, R_PROOFS, R_JSONL, R_EVENTS_CSV, R_CHANGES_CSV, R_REPORT, R__COUNT };
static const char *const stream_names[R__COUNT] = {
	BUNDLE_LEAVES_FILE, BUNDLE_PROOFS_FILE, "data/events.jsonl", "data/events.csv", "data/changes.csv",
	"data/report.txt",
};

/* What fill_event reads of each event: its leaf, a version 3 leaf's raw
 * record (which travels only in its events.jsonl record), its proof line. */
enum { EV_LEAF, EV_PROOF, EV_RAW, EV__COUNT };

struct event_slot {
	int64_t seq;
	struct buf file[EV__COUNT];        /* each part's bytes */
	int has[EV__COUNT];                /* whether the event has that part */
};

struct window_batch {
	struct buf text[R__COUNT];         /* the batch rendered, in seq order */
	struct buf why;                    /* why it failed, or empty */
};

struct window {
	size_t n;                          /* events in it */
	struct event_slot ev[WINDOW];
	struct window_batch b[WINDOW_BATCHES];
};

struct event_writer {
	struct window *win[3];
	struct workpool *pool;
	struct bag_stream *out;            /* the six streams */
	struct window *render;             /* the job's window to render (or NULL) */
	size_t nrender;                    /* its batches: the job's first indexes */
	struct window *flush;              /* the job's window to write (or NULL) */
	struct buf why[R__COUNT];          /* why writing a stream failed, or empty */
};

/* One batch of a window: its events' lines of every stream. */
static void write_batch(struct window *w, size_t index)
{
	struct window_batch *b = &w->b[index];
	struct json_arena *arena = json_arena_enter();

	for (size_t i = index * EVENT_BATCH; i < (index + 1) * EVENT_BATCH && i < w->n && !b->why.len; i++) {
		struct event_slot *e = &w->ev[i];
		struct buf err = BUF_INIT;
		struct change_list cl = CHANGE_LIST_INIT;
		const char *raw_sha256;
		int line, col;
		json_t *j, *changes;

		buf_add(&b->text[R_LEAVES], e->file[EV_LEAF].buf, e->file[EV_LEAF].len);
		buf_addch(&b->text[R_LEAVES], '\n');
		buf_add(&b->text[R_PROOFS], e->file[EV_PROOF].buf, e->file[EV_PROOF].len);
		j = json_parse_strict(e->file[EV_LEAF].buf, e->file[EV_LEAF].len, &line, &col, &err);
		if (!j || !json_is_object(j)) {
			buf_addf(&b->why, "entry %lld: the leaf is not a JSON object: %s", (long long)e->seq, err.buf);
			buf_release(&err);
			json_decref(j);
			break;
		}
		buf_release(&err);
		/* version 3: its raw record, checked against raw_sha256, joins the record */
		raw_sha256 = json_string_value(json_object_get(j, "raw_sha256"));
		if (raw_sha256 && (!e->has[EV_RAW] || !leaf_raw_matches(raw_sha256, e->file[EV_RAW].buf,
									  e->file[EV_RAW].len))) {
			buf_addf(&b->why, "entry %lld: its raw record in entry_text is %s (run trailscope verify)",
				 (long long)e->seq, e->has[EV_RAW] ? "not the one the leaf's raw_sha256 names" : "missing");
			json_decref(j);
			break;
		}
		if (raw_sha256)
			bundle_record_add_raw(j, e->file[EV_RAW].buf, e->file[EV_RAW].len);
		changes = bundle_leaf_diff(j, &cl);
		bundle_record_line(j, changes, &b->text[R_JSONL]);
		bundle_events_csv_row_of(j, &cl, &b->text[R_EVENTS_CSV], EVENTS_CSV_CURRENT);
		bundle_changes_csv_rows(j, changes, &b->text[R_CHANGES_CSV]);
		bundle_report_event(j, changes, &b->text[R_REPORT]);
		change_list_release(&cl);
		json_decref(changes);
		json_decref(j);
	}
	json_arena_leave(arena);
}

/* Reads one event into its slot: the leaf (checked against its stored
 * hash) and its inclusion proof (checked against the checkpoint). */
static int fill_event(struct export *x, const struct merkle_source *src, int64_t seq, struct event_slot *e)
{
	struct merkle_proof p = { 0 };
	unsigned char hash[HASH_LEN];

	e->seq = seq;
	for (int k = 0; k < EV__COUNT; k++) {
		buf_reset(&e->file[k]);
		e->has[k] = k != EV_RAW;
	}
	if (read_leaf(x, seq, &e->file[EV_LEAF], hash, &e->file[EV_RAW], &e->has[EV_RAW]) ||
	    merkle_inclusion_proof(src, (uint64_t)seq - 1, x->cp.size, &p))
		return -1;
	if (merkle_verify_inclusion((uint64_t)seq - 1, x->cp.size, hash, &p, x->cp.root)) {
		merkle_proof_release(&p);
		return error("entry %lld: its inclusion proof does not verify against the checkpoint "
			     "(run 'trailscope verify')", (long long)seq);
	}
	bundle_proof_line(&e->file[EV_PROOF], seq, &p);
	merkle_proof_release(&p);
	return 0;
}

static size_t window_batches(const struct window *w)
{
	return (w->n + EVENT_BATCH - 1) / EVENT_BATCH;
}

/* Appends stream k's lines of a rendered window to it, in seq order. */
static void flush_stream(struct event_writer *ew, struct window *w, int k)
{
	for (size_t b = 0; b < window_batches(w); b++) {
		struct buf *t = &w->b[b].text[k];

		if (t->len && !ew->why[k].len)
			bag_stream_write_quiet(&ew->out[k], t->buf, t->len, &ew->why[k]);
		buf_reset(t);
	}
}

/* One index of a job: a batch of the window to render, then a stream of
 * the window to write. */
static void run_job(void *ctx, size_t index)
{
	struct event_writer *ew = ctx;

	if (index < ew->nrender)
		write_batch(ew->render, index);
	else
		flush_stream(ew, ew->flush, (int)(index - ew->nrender));
}

/* After a job: why rendering its window or writing the other failed. */
static int job_errors(struct export *x, struct event_writer *ew)
{
	for (size_t b = 0; ew->render && b < ew->nrender; b++)
		if (ew->render->b[b].why.len)
			return error("%s (in '%s')", ew->render->b[b].why.buf, x->w.dir);
	for (int k = 0; k < R__COUNT; k++)
		if (ew->why[k].len)
			return error("%s (in '%s')", ew->why[k].buf, x->w.dir);
	return 0;
}

static struct window *window_new(void)
{
	struct window *w = xcalloc(1, sizeof(*w));

	for (size_t i = 0; i < WINDOW; i++)
		for (int k = 0; k < EV__COUNT; k++)
			buf_init(&w->ev[i].file[k]);
	for (size_t b = 0; b < WINDOW_BATCHES; b++) {
		for (int k = 0; k < R__COUNT; k++)
			buf_init(&w->b[b].text[k]);
		buf_init(&w->b[b].why);
	}
	return w;
}

static void window_free(struct window *w)
{
	for (size_t i = 0; i < WINDOW; i++)
		for (int k = 0; k < EV__COUNT; k++)
			buf_release(&w->ev[i].file[k]);
	for (size_t b = 0; b < WINDOW_BATCHES; b++) {
		for (int k = 0; k < R__COUNT; k++)
			buf_release(&w->b[b].text[k]);
		buf_release(&w->b[b].why);
	}
	free(w);
}

static int write_events(struct export *x)
{
	struct bag_stream out[R__COUNT];
	struct proof_cache *cache = xcalloc(1, sizeof(*cache));
	struct merkle_source src = { cached_subtree, cache };
	struct event_writer ew;
	struct window *pending = NULL;     /* rendered, not yet written */
	struct buf head = BUF_INIT;
	size_t next = 0, done = 0;
	int ret = 0, cur = 0, running = 0;

	memset(&ew, 0, sizeof(ew));
	for (int i = 0; i < 3; i++)
		ew.win[i] = window_new();
	for (int i = 0; i < R__COUNT; i++) {
		out[i] = (struct bag_stream)BAG_STREAM_INIT;
		buf_init(&ew.why[i]);
	}
	ew.out = out;
	for (int i = 0; i < R__COUNT && !ret; i++)
		ret = bag_stream_open(&x->w, &out[i], stream_names[i]);
	bundle_events_csv_header(&head, EVENTS_CSV_CURRENT);
	if (!ret)
		ret = bag_stream_write(&x->w, &out[R_EVENTS_CSV], head.buf, head.len);
	buf_reset(&head);
	bundle_changes_csv_header(&head);
	if (!ret)
		ret = bag_stream_write(&x->w, &out[R_CHANGES_CSV], head.buf, head.len);
	buf_reset(&head);
	report_header(x, &head);
	if (!ret)
		ret = bag_stream_write(&x->w, &out[R_REPORT], head.buf, head.len);
	store_merkle_source(&x->s, &cache->inner);
	if (!ret)
		ew.pool = workpool_new(0);
	/* fill window cur while the pool renders the one before and writes
	 * the one before that, then turn */
	while (!ret) {
		struct window *w = ew.win[cur];

		ret = window_leaves(x, x->seqs.v + next, x->seqs.n - next < WINDOW ? x->seqs.n - next : WINDOW);
		for (w->n = 0; !ret && w->n < WINDOW && next < x->seqs.n; w->n++, next++) {
			if (cancelled(x))
				ret = error("export cancelled");
			else
				ret = fill_event(x, &src, x->seqs.v[next], &w->ev[w->n]);
		}
		if (running) {
			workpool_wait(ew.pool);
			running = 0;
			if (!ret)
				ret = job_errors(x, &ew);
			if (ew.flush) {
				done += ew.flush->n;
				ew.flush->n = 0;
				progress(x, "events", done);
			}
		}
		if (ret || (!w->n && !pending))
			break;
		ew.render = w->n ? w : NULL;
		ew.nrender = window_batches(w);
		ew.flush = pending;
		workpool_start(ew.pool, run_job, &ew, ew.nrender + (pending ? R__COUNT : 0));
		running = 1;
		pending = ew.render;
		cur = (cur + 1) % 3;
	}
	if (running)
		workpool_wait(ew.pool);
	workpool_free(ew.pool);
	close_leaves(x);
	if (!ret)
		ret = bag_stream_write(&x->w, &out[R_REPORT], "END OF TIMELINE\n", 16);
	for (int i = 0; i < R__COUNT; i++) {
		if (!ret)
			ret = bag_stream_close(&x->w, &out[i]);
		bag_stream_release(&out[i]);
		buf_release(&ew.why[i]);
	}
	for (int i = 0; i < 3; i++)
		window_free(ew.win[i]);
	free(cache);
	buf_release(&head);
	return ret;
}

/* The case file: --case-file, else STORE.case beside a store file; 0
 * with path set, or 1 for a PostgreSQL store without --case-file, which
 * has no file to put it beside (as `trailscope case` says). */
static int case_path_of(const struct bundle_export_options *o, struct buf *path)
{
	if (!o->case_path)
		return casefile_default_path(o->store_path, path);
	buf_addstr(path, o->case_path);
	return 0;
}

static int write_notes(struct export *x)
{
	struct casefile cf;
	struct case_notes notes = { 0 };
	struct buf path = BUF_INIT, md = BUF_INIT;
	size_t k = 0, count = 0;
	int ret = -1;

	if (case_path_of(x->o, &path) == 0) {
		if (casefile_open(&cf, path.buf, CASEFILE_READONLY))
			goto out;
		if (casefile_notes(&cf, 0, &notes)) {
			casefile_close(&cf);
			goto out;
		}
		casefile_close(&cf);
	}
	buf_addstr(&md, "# Case notes\n\n"
		   "The investigator's notes on the exported events, from the case file.\n"
		   "They are context, not evidence: no checkpoint covers them.\n\n");
	for (size_t i = 0; i < x->seqs.n; i++) {
		int64_t seq = x->seqs.v[i];

		while (k < notes.n && notes.v[k].seq < seq)
			k++;
		for (size_t j = k; j < notes.n && notes.v[j].seq == seq; j++) {
			const struct case_note *n = &notes.v[j];

			buf_addf(&md, "## Event %lld (", (long long)seq);
			buf_add_term_safe(&md, n->event_id, strlen(n->event_id));
			buf_addstr(&md, ")\n\n*");
			buf_add_term_safe(&md, n->author, strlen(n->author));
			buf_addf(&md, ", %s, note %lld*\n\n", n->created_at, (long long)n->id);
			for (const char *p = n->text; *p;) {
				const char *nl = strchr(p, '\n');
				size_t l = nl ? (size_t)(nl - p) : strlen(p);

				buf_addstr(&md, "> ");
				buf_add_term_safe(&md, p, l);
				buf_addch(&md, '\n');
				p += l + (nl ? 1 : 0);
			}
			buf_addch(&md, '\n');
			count++;
		}
	}
	if (!count)
		buf_addstr(&md, "(no notes on these events)\n");
	ret = bag_write_file(&x->w, "data/notes.md", md.buf, md.len);
out:
	case_notes_release(&notes);
	buf_release(&path);
	buf_release(&md);
	return ret;
}

/* bag-info.txt's elements, in order: label and tag-safe value, owned. */
struct info_list {
	char *(*v)[2];
	size_t n, alloc;
};

static void info_add(struct info_list *l, const char *label, const char *value)
{
	struct buf b = BUF_INIT;

	buf_add_term_safe(&b, value, strlen(value));
	ALLOC_GROW(l->v, l->n + 1, l->alloc);
	l->v[l->n][0] = xstrdup(label);
	l->v[l->n][1] = buf_detach(&b, NULL);
	l->n++;
}

static void info_release(struct info_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i][0]);
		free(l->v[i][1]);
	}
	free(l->v);
}

/* The custody entry 1 member "store": the verdict the bundle was made under. */
static json_t *store_json(const struct export *x)
{
	json_t *o = json_object(), *faults = json_array(), *notes = json_array();
	struct buf b = BUF_INIT;

	json_object_set_new(o, "verdict", json_string(store_verdict(x)));
	json_object_set_new(o, "entries", json_integer((json_int_t)x->vr.entries));
	json_object_set_new(o, "verified_through", json_integer((json_int_t)x->vr.verified_through));
	json_object_set_new(o, "pending", json_integer((json_int_t)x->vr.pending));
	json_object_set_new(o, "pending_selected", json_integer((json_int_t)x->pending_selected));
	json_object_set_new(o, "checkpoint_signed_at_export", json_boolean(x->signed_now));
	json_object_set_new(o, "faults_total", json_integer((json_int_t)x->vr.faults_total));
	for (size_t i = 0; i < x->vr.nfaults; i++) {
		buf_reset(&b);
		store_fault_text(&x->vr.faults[i], &b);
		json_array_append_new(faults, json_string(b.buf));
	}
	for (size_t i = 0; i < x->vr.nnotes; i++) {
		buf_reset(&b);
		buf_add_term_safe(&b, x->vr.notes[i], strlen(x->vr.notes[i]));
		json_array_append_new(notes, json_string(b.buf));
	}
	json_object_set_new(o, "faults", faults);
	json_object_set_new(o, "notes", notes);
	buf_release(&b);
	return o;
}

static int write_tags(struct export *x)
{
	struct buf root = BUF_INIT, date = BUF_INIT, hex = BUF_INIT, why = BUF_INIT, line = BUF_INIT;
	struct buf t = BUF_INIT, case_id = BUF_INIT;
	struct info_list L = { NULL, 0, 0 };
	char now[32];
	struct custody_fields f = { 0 };
	json_t *extra = json_object(), *pairs = json_array();
	int ret;

	time_format(time_now(), now);
	buf_add(&date, now, 10);
	b64_encode(&root, x->cp.root, HASH_LEN);
	info_add(&L, "Bagging-Date", date.buf);
	info_add(&L, "External-Identifier", x->o->case_id);
	info_add(&L, "Contact-Name", x->o->examiner);
	info_add(&L, "Bag-Software-Agent", "trailscope " TRAILSCOPE_VERSION);
	info_add(&L, "Trailscope-Store-Origin", x->cp.origin);
	buf_addf(&t, "%llu", (unsigned long long)x->cp.size);
	info_add(&L, "Trailscope-Checkpoint-Size", t.buf);
	info_add(&L, "Trailscope-Checkpoint-Root", root.buf);
	info_add(&L, "Trailscope-Selection", x->label.buf);
	buf_reset(&t);
	buf_addf(&t, "%zu", x->seqs.n);
	info_add(&L, "Trailscope-Event-Count", t.buf);
	info_add(&L, BUNDLE_LAYOUT_LABEL, "packed");
	info_add(&L, "Trailscope-Store-Verdict", store_verdict(x));
	for (size_t i = 0; i < x->vr.nfaults; i++) {
		buf_reset(&t);
		store_fault_text(&x->vr.faults[i], &t);
		info_add(&L, "Trailscope-Store-Fault", t.buf);
	}
	if (x->vr.faults_total > x->vr.nfaults) {
		buf_reset(&t);
		buf_addf(&t, "... and %zu more", x->vr.faults_total - x->vr.nfaults);
		info_add(&L, "Trailscope-Store-Fault", t.buf);
	}
	buf_reset(&t);
	buf_addf(&t, "%llu", (unsigned long long)x->vr.pending);
	info_add(&L, "Trailscope-Store-Pending", t.buf);
	buf_reset(&t);
	if (x->signed_now)
		buf_addf(&t, "yes (%llu selected event%s no stored checkpoint covered)",
			 (unsigned long long)x->pending_selected, x->pending_selected == 1 ? "" : "s");
	else
		buf_addstr(&t, "no");
	info_add(&L, "Trailscope-Checkpoint-Signed-At-Export", t.buf);
	ret = bag_write_manifests(&x->w, (const char *const (*)[2])L.v, L.n);
	/* bag_write_manifests ends bag-info.txt with Payload-Oxum: commit to it too */
	buf_reset(&t);
	buf_addf(&t, "%llu.%zu", (unsigned long long)x->w.octets, x->w.nfiles);
	info_add(&L, "Payload-Oxum", t.buf);
	for (size_t i = 0; i < L.n; i++) {
		json_t *pair = json_array();

		json_array_append_new(pair, json_string(L.v[i][0]));
		json_array_append_new(pair, json_string(L.v[i][1]));
		json_array_append_new(pairs, pair);
	}
	json_object_set_new(extra, "bag_info", pairs);
	json_object_set_new(extra, "store", store_json(x));
	if (!ret && bag_hash_file(x->w.dirfd, "manifest-sha256.txt", "sha256", &hex, &why))
		ret = error("cannot hash manifest-sha256.txt: %s", why.buf);
	if (!ret) {
		buf_add_term_safe(&case_id, x->o->case_id, strlen(x->o->case_id));
		f.action = "created";
		f.actor = x->o->examiner;
		f.role = x->o->role;
		f.case_id = case_id.buf;
		f.note = x->o->note;
		f.manifest_sha256 = hex.buf;
		f.tool = "trailscope " TRAILSCOPE_VERSION;
		f.time = now;
		f.extra = extra;
		ret = custody_entry(&f, 1, NULL, 0, &x->key, &line);
	}
	if (!ret)
		ret = bag_write_file(&x->w, CUSTODY_FILE, line.buf, line.len);
	if (!ret)
		ret = bag_write_tagmanifests(x->w.dirfd, bundle_tag_files, bundle_ntag_files);
	json_decref(extra);
	info_release(&L);
	buf_release(&root);
	buf_release(&date);
	buf_release(&hex);
	buf_release(&why);
	buf_release(&line);
	buf_release(&t);
	buf_release(&case_id);
	return ret;
}

static int resolve_selection(struct export *x)
{
	const struct bundle_export_options *o = x->o;
	int64_t size = store_size(&x->s);
	int ret = 0;

	if (size < 0)
		return failed_as(ERR_IO);
	switch (o->select) {
	case BUNDLE_EVENTS:
		if (o->events) {
			ret = select_events(&x->s, o->events, size, &x->seqs);
		} else {
			for (size_t i = 0; i < o->nseqs; i++) {
				if (o->seqs[i] < 1 || o->seqs[i] > size)
					return error_as(ERR_INPUT, "no event %lld in the store", (long long)o->seqs[i]);
				seq_push(&x->seqs, o->seqs[i]);
			}
		}
		break;
	case BUNDLE_INCIDENT:
		ret = load_incident(&x->s, o->incident, &x->inc, &x->seqs);
		buf_addf(&x->label, "incident %s: events from %s to %s", o->incident,
			 x->inc.from ? x->inc.from : "?", x->inc.to ? x->inc.to : "?");
		break;
	case BUNDLE_MARKED: {
		struct casefile cf;
		struct case_marks m = { 0 };
		struct buf path = BUF_INIT;

		if (case_path_of(o, &path)) {
			ret = error_as(ERR_USAGE, "--marked: a PostgreSQL store has no file beside it for the case: "
				       "name one with --case-file FILE");
		} else if (casefile_open(&cf, path.buf, CASEFILE_READONLY) == 0) {
			if (casefile_marks(&cf, &m))
				ret = failed_as(ERR_IO);
			casefile_close(&cf);
		} else {
			ret = failed_as(ERR_IO);
		}
		for (size_t i = 0; i < m.n; i++)
			if (m.v[i].seq >= 1 && m.v[i].seq <= size)
				seq_push(&x->seqs, m.v[i].seq);
		case_marks_release(&m);
		buf_release(&path);
		buf_addstr(&x->label, "events marked in the case file");
		break;
	}
	case BUNDLE_QUERY:
		ret = select_query(&x->s, o->query ? o->query : "", &x->seqs);
		buf_addf(&x->label, "query %s", o->query ? o->query : "");
		break;
	}
	if (ret)
		return ret;
	seq_sort_unique(&x->seqs);
	if (!x->seqs.n)
		return error_as(ERR_INPUT, "the selection is empty: nothing to export");
	if (o->select == BUNDLE_EVENTS) {
		/* the resolved seqs as ranges: the same selection gives the same label */
		buf_addstr(&x->label, "events ");
		for (size_t i = 0, j; i < x->seqs.n; i = j) {
			for (j = i + 1; j < x->seqs.n && x->seqs.v[j] == x->seqs.v[j - 1] + 1; j++)
				;
			buf_addf(&x->label, "%s%lld", i ? "," : "", (long long)x->seqs.v[i]);
			if (j - i > 1)
				buf_addf(&x->label, "-%lld", (long long)x->seqs.v[j - 1]);
		}
	}
	return 0;
}

void bundle_export_result_release(struct bundle_export_result *r)
{
	free(r->origin);
	memset(r, 0, sizeof(*r));
}

/* Everything the bag holds, once the selection, its checkpoint and the
 * store's verdict are known. Returns 0 or -1 (reported). */
static int write_bundle(struct export *x)
{
	if (bag_writer_open(&x->w, x->o->out_dir, x->o->force))
		return -1;
	if (write_events(x) || bag_write_file(&x->w, "data/checkpoint", x->cp_note.buf, x->cp_note.len) ||
	    write_notes(x))
		return -1;
	if (x->cp_token.len && bag_write_file(&x->w, BUNDLE_TOKEN_FILE, x->cp_token.buf, x->cp_token.len))
		return -1;
	if (x->attestation.len &&
	    (bag_write_file(&x->w, ATTEST_BUNDLE_FILE, x->attestation.buf, x->attestation.len) ||
	     bag_write_file(&x->w, ATTEST_BUNDLE_REPORT, x->attest_report.buf, x->attest_report.len)))
		return -1;
	if (x->inc.obj) {
		char *text = json_dumps(x->inc.obj, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
		struct buf b = BUF_INIT;
		int ret;

		buf_addstr(&b, text);
		buf_addch(&b, '\n');
		free(text);
		ret = bag_write_file(&x->w, "data/incident.json", b.buf, b.len);
		buf_release(&b);
		if (ret)
			return -1;
	}
	progress(x, "manifests", x->seqs.n);
	return write_tags(x);
}

int bundle_export(const struct bundle_export_options *o, struct bundle_export_result *r)
{
	struct export x;
	int ret;

	memset(r, 0, sizeof(*r));
	memset(&x, 0, sizeof(x));
	x.o = o;
	x.w.dirfd = x.w.cur.fd = -1;
	for (size_t k = 0; k < BAG_DIR_CACHE; k++)
		x.w.pdir[k].fd = -1;
	buf_init(&x.label);
	buf_init(&x.cp_note);
	buf_init(&x.cp_token);
	buf_init(&x.attestation);
	buf_init(&x.attest_report);
	buf_init(&x.leaf_err);
	if (!o->store_path || !o->out_dir || !o->case_id || !*o->case_id || !o->examiner || !*o->examiner) {
		return error_as(ERR_USAGE, "export needs a store, --out DIR, --case CASE_ID and --examiner NAME");
	}
	if (!o->keyfile) {
		/* every custody entry is signed by its actor, the first too */
		return error_as(ERR_USAGE, "export needs the examiner's signer key (--key KEYFILE): it signs the "
				"custody record, and a checkpoint when selected events are pending");
	}
	if (keyfile_load_signer(o->keyfile, &x.key))
		return failed_as(ERR_INPUT);
	ret = -1;
	x.codec = raw_codec_new();
	if (store_open(&x.s, o->store_path, STORE_READONLY)) {
		failed_as(ERR_IO);
		goto out;
	}
	x.store_open = 1;
	ret = resolve_selection(&x);
	if (ret)
		goto out;
	ret = verify_source(&x);
	if (ret)
		goto out;
	ret = prepare_checkpoint(&x, r);
	if (ret)
		goto out;
	if (o->attest_policy && (ret = make_attestation(&x, r)))
		goto out;
	if (write_bundle(&x)) {
		ret = failed_as(ERR_IO); /* the environment's failure, whatever it was */
		goto out;
	}
	r->events = x.seqs.n;
	r->checkpoint_size = x.cp.size;
	r->origin = xstrdup(x.cp.origin);
	r->store_verdict = x.vr.verdict; /* verified above: have_vr */
	r->store_faults = x.vr.faults_total;
	r->pending_selected = x.pending_selected;
	ret = 0;
out:
	close_leaves(&x);
	buf_release(&x.leaf_err);
	raw_codec_free(x.codec);
	if (x.store_open)
		store_close(&x.s);
	bag_writer_release(&x.w);
	note_signer_release(&x.key);
	checkpoint_release(&x.cp);
	if (x.have_vr)
		verify_report_release(&x.vr);
	json_decref(x.inc.obj);
	free(x.inc.from);
	free(x.inc.to);
	free(x.seqs.v);
	buf_release(&x.label);
	buf_release(&x.cp_note);
	buf_release(&x.cp_token);
	buf_release(&x.attestation);
	buf_release(&x.attest_report);
	return ret;
}
