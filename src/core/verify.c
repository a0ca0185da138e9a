/*
 * verify.c - recomputes every leaf hash, cross-checks the display columns
 * against each leaf, rebuilds the Merkle tree in one streaming pass (O(log n)
 * memory), compares the root at every checkpoint, checks signatures against
 * the trusted keys, proves each checkpoint consistent with the one before,
 * and compares the store with the checkpoints remembered outside it (per
 * trusted key, docs/STORE.md "What is outside the store"). Also the one
 * verdict line every surface prints, and what proves one entry for `show`.
 *
 * Cost: one sequential scan of the entries table; SHA-256 over every leaf
 * byte dominates. Roots at remembered and power-of-two sizes cost O(log n)
 * each, O(log^2 n) in all.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/jcs.h"
#include "trailscope/leaf.h"
#include "trailscope/pg_store.h"
#include "trailscope/textout.h"
#include "trailscope/verify.h"
#include "trailscope/verify_anchors.h"
#include "trailscope/verify_derived.h"
#include "trailscope/util.h"
#include "rows.h"
#include "store_row.h"

#define NAME_OF(name, str) str,
static const char *const verdict_names[] = { "", VERDICT_INFO(NAME_OF) };
static const char *const fault_names[] = { FAULT_INFO(NAME_OF) };
#undef NAME_OF

const char *verdict_name(enum verdict v)
{
	return (size_t)v < ARRAY_SIZE(verdict_names) ? verdict_names[v] : "";
}

enum verdict verdict_parse(const char *name)
{
	int i = name_index(verdict_names, ARRAY_SIZE(verdict_names), name);

	return i > 0 ? (enum verdict)i : VERDICT_NONE; /* "" (0) is no verdict */
}

const char *fault_kind_name(enum fault_kind k)
{
	return (size_t)k < ARRAY_SIZE(fault_names) ? fault_names[k] : "";
}

struct cp {
	uint64_t size;           /* the row's size column */
	struct note note;
	struct checkpoint body;
	int parsed;              /* note and body parsed */
	enum fault_kind status;  /* FAULT_OK until a fault is found */
	char *signer;
	char *detail;
	int root_known, root_ok; /* the store's root at size was computed */
	char *note_text;
	unsigned char *by;       /* per trusted key: 1 when its line verifies, owned */
};

/* A root of the store's tree wanted at one size (a remembered checkpoint's). */
struct want {
	uint64_t size;
	unsigned char root[HASH_LEN];
	int known;
};

/* A remembered checkpoint, parsed. */
struct memory {
	const struct trust_memory *m;
	struct checkpoint cp;
};

struct verifier {
	struct store *s;
	const struct verify_options *opt;
	struct verify_report *r;
	struct cp *cps;
	size_t ncps, cps_alloc;
	struct want *want;       /* sorted by size, unique */
	size_t nwant, want_alloc, next_want;
	struct trust_root pow[64]; /* the store's roots at sizes 2^i, i < npow */
	unsigned npow;
	size_t next_cp;          /* next checkpoint (by size) to compare */
	sqlite3_stmt *node_stmt;
	struct merkle_builder tree;
	/* scan_entries' state, for scan_row */
	uint64_t expected;       /* the next seq */
	int64_t total;           /* the store's size, for progress */
	struct leaf_fields f;
	struct buf err, detail, canon;
};

static void add_note(struct verify_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_note(struct verify_report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strv_vaddf(&r->notes, &r->nnotes, &r->notes_alloc, fmt, ap);
	va_end(ap);
}

/* Records an entry fault; merges with the previous fault when it is the
 * same kind and detail and the ranges touch. */
static void entry_fault(struct verify_report *r, enum fault_kind kind, uint64_t seq, uint64_t seq_end,
			const char *detail)
{
	struct verify_fault *last = r->nfaults ? &r->faults[r->nfaults - 1] : NULL;

	if (last && !last->checkpoint && last->kind == kind && !strcmp(last->detail, detail) &&
	    last->seq_end + 1 >= seq && seq >= last->seq) {
		if (seq_end > last->seq_end)
			last->seq_end = seq_end;
		return;
	}
	r->faults_total++;
	if (r->nfaults >= VERIFY_MAX_FAULTS)
		return;
	ALLOC_GROW(r->faults, r->nfaults + 1, r->faults_alloc);
	r->faults[r->nfaults++] = (struct verify_fault){ kind, 0, seq, seq_end, 0, xstrdup(detail) };
}

static void checkpoint_fault(struct verify_report *r, enum fault_kind kind, uint64_t size, const char *detail)
{
	r->faults_total++;
	if (r->nfaults >= VERIFY_MAX_FAULTS)
		return;
	ALLOC_GROW(r->faults, r->nfaults + 1, r->faults_alloc);
	r->faults[r->nfaults++] = (struct verify_fault){ kind, 1, 0, 0, size, xstrdup(detail) };
}

void verify_report_checkpoint_fault(struct verify_report *r, enum fault_kind kind, uint64_t size,
				    const char *detail)
{
	checkpoint_fault(r, kind, size, detail);
}

void verify_report_note(struct verify_report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strv_vaddf(&r->notes, &r->nnotes, &r->notes_alloc, fmt, ap);
	va_end(ap);
}

/* One checkpoint row: parsed, or MALFORMED saying why. */
static void add_checkpoint_row(void *ctx, int64_t size, const char *note)
{
	struct verifier *v = ctx;
	struct cp *c;
	struct buf err = BUF_INIT;

	ALLOC_GROW(v->cps, v->ncps + 1, v->cps_alloc);
	c = &v->cps[v->ncps++];
	memset(c, 0, sizeof(*c));
	c->size = (uint64_t)size;
	c->note_text = xstrdup(note);
	if (size < 0) {
		c->status = FAULT_MALFORMED;
		c->detail = xstrdup("negative size");
	} else if (note_parse(c->note_text, strlen(c->note_text), &c->note, &err)) {
		c->status = FAULT_MALFORMED;
		c->detail = buf_detach(&err, NULL);
	} else if (checkpoint_parse(c->note.text, c->note.text_len, &c->body, &err)) {
		note_release(&c->note);
		c->status = FAULT_MALFORMED;
		c->detail = buf_detach(&err, NULL);
	} else {
		c->parsed = 1;
		if (c->body.size != c->size) {
			c->status = FAULT_MALFORMED;
			buf_addf(&err, "the checkpoint row says size %" PRIu64 " but its note says %" PRIu64,
				 c->size, c->body.size);
			c->detail = buf_detach(&err, NULL);
		}
	}
	buf_release(&err);
}

static int load_checkpoints(struct verifier *v)
{
	sqlite3_stmt *st;
	int rc;

	if (v->s->pg)
		return pg_read_checkpoints(v->s, add_checkpoint_row, v);
	if (store_prepare(v->s, "SELECT size, note FROM checkpoints ORDER BY size", &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char *note = store_col_dup(st, 1);

		add_checkpoint_row(v, sqlite3_column_int64(st, 0), note);
		free(note);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_error(v->s, "cannot read checkpoints");
	return 0;
}

/* Signature and origin checks, which need no entries. */
static void check_signatures(struct verifier *v)
{
	const struct trust *t = v->opt->trust;

	for (size_t i = 0; i < v->ncps; i++) {
		struct cp *c = &v->cps[i];
		int ok = 0, bad = 0;

		c->by = xcalloc(t && t->n ? t->n : 1, 1);
		if (c->status != FAULT_OK)
			continue;
		if (strcmp(c->body.origin, v->s->origin)) {
			struct buf b = BUF_INIT;

			c->status = FAULT_WRONG_ORIGIN;
			buf_addf(&b, "origin \"%s\" is not the store's origin \"%s\"", c->body.origin, v->s->origin);
			c->detail = buf_detach(&b, NULL);
			continue;
		}
		for (size_t k = 0; t && k < t->n; k++) {
			enum note_sig_status st = note_verify(&c->note, &t->keys[k]);

			if (st == NOTE_SIG_OK)
				c->by[k] = 1;
			if (st == NOTE_SIG_OK && !ok) {
				ok = 1;
				c->signer = xstrdup(t->keys[k].name);
			} else if (st == NOTE_SIG_BAD) {
				bad = 1;
			}
		}
		if (bad) { /* a failing line from a trusted key taints the note */
			c->status = FAULT_BAD_SIGNATURE;
			c->detail = xstrdup("a signature line names a trusted key but does not verify");
		} else if (!ok) {
			struct buf b = BUF_INIT;

			c->status = FAULT_UNTRUSTED;
			buf_addstr(&b, "not signed by a trusted key; signed by:");
			for (size_t k = 0; k < c->note.nsigs; k++)
				buf_addf(&b, " %s+%08x", c->note.sigs[k].name, (unsigned)c->note.sigs[k].keyid);
			c->detail = buf_detach(&b, NULL);
		}
	}
}

static void check_node(void *ctx, unsigned level, uint64_t idx, const unsigned char hash[HASH_LEN])
{
	struct verifier *v = ctx;
	sqlite3_stmt *st = v->node_stmt;
	unsigned char stored[HASH_LEN];
	int found = 0; /* 1: stored is the cached hash; 2: a cached hash of another length */

	if (level % STORE_NODE_STRIDE || (!st && !v->s->pg))
		return;
	if (v->s->pg) {
		found = pg_read_node(v->s, level, idx, stored);
	} else {
		sqlite3_bind_int(st, 1, (int)level);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)idx);
		if (sqlite3_step(st) == SQLITE_ROW) {
			found = sqlite3_column_bytes(st, 0) == HASH_LEN ? 1 : 2;
			if (found == 1)
				memcpy(stored, sqlite3_column_blob(st, 0), HASH_LEN);
		}
		sqlite3_reset(st);
	}
	if (found == 2 || (found == 1 && memcmp(stored, hash, HASH_LEN))) {
		struct buf b = BUF_INIT;

		buf_addf(&b, "cached Merkle node (level %u) does not match the leaves it covers", level);
		entry_fault(v->r, FAULT_MODIFIED, (idx << level) + 1, (idx + 1) << level, b.buf);
		buf_release(&b);
	}
}

/* After pushing a leaf: compare roots at checkpoint and remembered sizes. */
static void at_size(struct verifier *v)
{
	uint64_t n = v->tree.size;
	unsigned char root[HASH_LEN];
	int have = 0;

	while (v->next_cp < v->ncps && v->cps[v->next_cp].size <= n) {
		struct cp *c = &v->cps[v->next_cp++];

		if (c->size != n || !c->parsed)
			continue;
		if (!have) {
			merkle_builder_root(&v->tree, root);
			have = 1;
		}
		c->root_known = 1;
		c->root_ok = !memcmp(root, c->body.root, HASH_LEN);
	}
	while (v->next_want < v->nwant && v->want[v->next_want].size <= n) {
		struct want *w = &v->want[v->next_want++];

		if (w->size == n) {
			merkle_builder_root(&v->tree, w->root);
			w->known = 1;
		}
	}
	if (n && !(n & (n - 1)) && v->npow < 64) { /* a power of two */
		v->pow[v->npow].size = n;
		merkle_builder_root(&v->tree, v->pow[v->npow++].root);
	}
}

static int want_cmp(const void *a, const void *b)
{
	const struct want *x = a, *y = b;

	return x->size < y->size ? -1 : x->size > y->size;
}

static void want_size(struct verifier *v, uint64_t size)
{
	ALLOC_GROW(v->want, v->nwant + 1, v->want_alloc);
	v->want[v->nwant++] = (struct want){ .size = size };
}

/* Sorts the wanted sizes and drops repeats; before the scan. */
static void want_done(struct verifier *v)
{
	size_t o = 0;

	if (v->nwant)
		qsort(v->want, v->nwant, sizeof(*v->want), want_cmp);
	for (size_t i = 0; i < v->nwant; i++)
		if (!o || v->want[o - 1].size != v->want[i].size)
			v->want[o++] = v->want[i];
	v->nwant = o;
}

/* The store's root at size, when the scan computed it; NULL otherwise. */
static const unsigned char *root_at(const struct verifier *v, uint64_t size)
{
	for (size_t i = 0; i < v->nwant; i++)
		if (v->want[i].size == size)
			return v->want[i].known ? v->want[i].root : NULL;
	for (unsigned i = 0; i < v->npow; i++)
		if (v->pow[i].size == size)
			return v->pow[i].root;
	return NULL;
}

static int column_differs(const char *t, size_t n, const struct buf *leafval)
{
	return !t || n != leafval->len || memcmp(t, leafval->buf, n);
}

/* A derived row that differs from its leaf (verify_derived.c). */
static void derived_fault(void *ctx, enum fault_kind kind, uint64_t seq, uint64_t seq_end, const char *detail)
{
	entry_fault(ctx, kind, seq, seq_end, detail);
}

static const char *const colname[] = { "event_id", "ts", "actor", "actor_type", "action",
				       "target", "target_kind", "environment", "outcome" };

/* Checks one entry against its leaf and pushes it into the tree. Returns
 * 0, or 1 when the caller cancelled. */
static int scan_row(void *ctx, const struct store_leaf_row *row)
{
	struct verifier *v = ctx;
	struct verify_report *r = v->r;
	struct leaf_fields *f = &v->f;
	struct buf *err = &v->err, *detail = &v->detail, *canon = &v->canon;
	int64_t seq = row->seq;
	const void *leaf = row->leaf;
	size_t len = row->leaf_len;
	unsigned char hash[HASH_LEN];

	if (v->opt->cancel && *v->opt->cancel)
		return 1; /* the caller asked: nothing to report */
	r->entries++;
	if (seq < 1) {
		entry_fault(r, FAULT_MALFORMED, 0, 0, "an entry has a seq below 1");
		return 0;
	}
	if ((uint64_t)seq > v->expected)
		entry_fault(r, FAULT_MISSING, v->expected, (uint64_t)seq - 1, "entries are missing (seq gap)");
	v->expected = (uint64_t)seq + 1;
	merkle_leaf_hash(leaf ? leaf : "", len, hash);
	if (row->hash_len != HASH_LEN) {
		entry_fault(r, FAULT_MALFORMED, (uint64_t)seq, (uint64_t)seq, "leaf_hash is not 32 bytes");
	} else if (memcmp(row->leaf_hash, hash, HASH_LEN)) {
		entry_fault(r, FAULT_MODIFIED, (uint64_t)seq, (uint64_t)seq, "leaf does not match its leaf_hash");
		/* The tree is checked over the stored hashes, so an edited
		 * leaf is reported here, once, at its own seq. */
		memcpy(hash, row->leaf_hash, HASH_LEN);
	}
	buf_reset(err);
	leaf_fields_reset(f);
	if (leaf_scan(leaf ? leaf : "", len, f, err)) {
		buf_reset(detail);
		buf_addf(detail, "leaf is not a valid event: %s", err->buf);
		entry_fault(r, FAULT_MALFORMED, (uint64_t)seq, (uint64_t)seq, detail->buf);
	} else {
		const struct buf *vals[] = { &f->event_id, &f->ts, &f->actor, &f->actor_type, &f->action,
					     &f->target, &f->target_kind, &f->environment, &f->outcome };

		if (f->seq != seq) {
			buf_reset(detail);
			buf_addf(detail, "leaf records seq %" PRId64 ": entry moved, inserted or renumbered",
				 f->seq);
			entry_fault(r, FAULT_MODIFIED, (uint64_t)seq, (uint64_t)seq, detail->buf);
		}
		for (int c = 0; c < 9; c++) {
			if (column_differs(row->col[c], row->len[c], vals[c])) {
				buf_reset(detail);
				buf_addf(detail, "column %s does not match the leaf", colname[c]);
				entry_fault(r, FAULT_MODIFIED, (uint64_t)seq, (uint64_t)seq, detail->buf);
			}
		}
		if (v->opt->deep) {
			int l, col;
			json_t *j = json_parse_strict(leaf, len, &l, &col, err);

			buf_reset(canon);
			if (!j || jcs_serialize(j, canon, err) || canon->len != len ||
			    memcmp(canon->buf, leaf, len))
				entry_fault(r, FAULT_MALFORMED, (uint64_t)seq, (uint64_t)seq,
					    "leaf is not canonical JSON (RFC 8785)");
			json_decref(j);
		}
	}
	merkle_builder_push(&v->tree, hash, check_node, v);
	at_size(v);
	if (v->opt->progress && (r->entries & 0xffff) == 0)
		v->opt->progress(v->opt->progress_ctx, r->entries, v->total > 0 ? (uint64_t)v->total : 0);
	return 0;
}

/* The SQLite store's entries, row by row, through scan_row. */
static int scan_sqlite(struct verifier *v)
{
	sqlite3_stmt *st;
	struct buf sql = BUF_INIT;
	int rc, stop = 0;

	buf_addf(&sql, "SELECT seq, leaf, leaf_hash, event_id, ts, actor, actor_type, action,"
		 " target, target_kind, environment, %s FROM entries ORDER BY seq", store_outcome_sql(v->s));
	rc = store_prepare(v->s, sql.buf, &st);
	buf_release(&sql);
	if (rc)
		return -1;
	if (sqlite3_prepare_v2(v->s->db, "SELECT hash FROM merkle_nodes WHERE level = ?1 AND idx = ?2",
			       -1, &v->node_stmt, NULL) != SQLITE_OK)
		v->node_stmt = NULL;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_leaf_row row = {
			.seq = sqlite3_column_int64(st, 0),
			.leaf = sqlite3_column_blob(st, 1),
			.leaf_len = (size_t)sqlite3_column_bytes(st, 1),
			.leaf_hash = sqlite3_column_blob(st, 2),
			.hash_len = (size_t)sqlite3_column_bytes(st, 2),
		};

		for (int c = 0; c < 9; c++)
			row.col[c] = store_col_text_len(st, 3 + c, &row.len[c]);
		stop = scan_row(v, &row);
	}
	if (!stop && rc != SQLITE_DONE)
		store_error(v->s, "cannot read entries");
	sqlite3_finalize(st);
	sqlite3_finalize(v->node_stmt);
	v->node_stmt = NULL;
	return stop ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int scan_entries(struct verifier *v)
{
	struct derived_check *derived = NULL;
	int ret;

	v->expected = 1;
	v->total = store_size(v->s); /* for progress only */
	leaf_fields_init(&v->f);
	buf_init(&v->err);
	buf_init(&v->detail);
	buf_init(&v->canon);
	merkle_builder_init(&v->tree);
	at_size(v);
	/* the derived tables are checked alongside, on threads of their own
	 * with connections of their own (on PostgreSQL in this reader's
	 * snapshot), or after the scan on this connection when those cannot
	 * be had */
	derived = derived_check_start(v->s, v->opt->cancel);
	ret = v->s->pg ? pg_read_entries(v->s, scan_row, v) : scan_sqlite(v);
	if (ret > 0)
		ret = -1; /* cancelled: nothing to report */
	if (derived && derived_check_finish(derived, ret ? NULL : derived_fault, v->r))
		ret = -1;
	leaf_fields_release(&v->f);
	buf_release(&v->err);
	buf_release(&v->detail);
	buf_release(&v->canon);
	return ret;
}

/* Decides root statuses, localises mismatches, proves consistency. */
static void decide_roots(struct verifier *v)
{
	uint64_t last_ok = 0;
	struct merkle_source src;

	store_merkle_source(v->s, &src);
	for (size_t i = 0; i < v->ncps; i++) {
		struct cp *c = &v->cps[i];
		struct buf b = BUF_INIT;

		if (c->status != FAULT_OK && c->status != FAULT_UNTRUSTED)
			continue;
		if (c->size > v->r->entries) {
			if (c->status == FAULT_OK) {
				c->status = FAULT_TRUNCATED;
				buf_addf(&b, "the checkpoint covers %" PRIu64 " entries but the store has %" PRIu64,
					 c->size, v->r->entries);
				c->detail = buf_detach(&b, NULL);
			}
			continue;
		}
		if (!c->root_known || !c->root_ok) {
			int later_ok = 0;

			for (size_t k = i + 1; k < v->ncps; k++)
				if (v->cps[k].root_known && v->cps[k].root_ok && v->cps[k].status == FAULT_OK)
					later_ok = 1;
			if (c->status != FAULT_OK) /* UNTRUSTED and wrong root: the root matters more */
				free(c->detail);
			if (later_ok && c->status == FAULT_OK) {
				c->status = FAULT_INCONSISTENT;
				buf_addf(&b, "its root is not a prefix of a later trusted checkpoint: entries "
					 "%" PRIu64 "-%" PRIu64 " were rewritten and the log re-signed",
					 last_ok + 1, c->size);
			} else {
				c->status = FAULT_ROOT_MISMATCH;
				buf_addf(&b, "the entries do not hash to the signed root; the change lies in "
					 "entries %" PRIu64 "-%" PRIu64, last_ok + 1, c->size);
			}
			c->detail = buf_detach(&b, NULL);
			continue;
		}
		if (c->status != FAULT_OK)
			continue;
		/* prove it consistent with the previous good checkpoint */
		if (last_ok > 0) {
			struct merkle_proof p = { NULL, 0 };
			unsigned char prev_root[HASH_LEN];
			int good = 0;

			for (size_t k = 0; k < i; k++)
				if (v->cps[k].size == last_ok)
					memcpy(prev_root, v->cps[k].body.root, HASH_LEN);
			if (!merkle_consistency_proof(&src, last_ok, c->size, &p))
				good = !merkle_verify_consistency(last_ok, c->size, prev_root, c->body.root, &p);
			merkle_proof_release(&p);
			if (!good) {
				c->status = FAULT_INCONSISTENT;
				buf_addf(&b, "no valid consistency proof from size %" PRIu64
					 " (the Merkle cache may be damaged)", last_ok);
				c->detail = buf_detach(&b, NULL);
				continue;
			}
		}
		last_ok = c->size; /* its status stays FAULT_OK */
	}
}

/* " (remembered in PATH at WHEN)": where and when the checkpoint was seen. */
static void seen_where(struct buf *b, const struct trust_memory *m)
{
	buf_addf(b, " (remembered in %s at %s)", m->path, m->when);
}

static void store_origin_words(struct buf *b, const char *origin)
{
	if (*origin)
		buf_addf(b, "says origin \"%s\"", origin);
	else
		buf_addstr(b, "has no origin");
}

/* A remembered checkpoint of the store's own origin. */
static void check_remembered(struct verifier *v, const struct memory *mem, uint64_t newest_cp)
{
	const struct checkpoint *rc = &mem->cp;
	const unsigned char *root = root_at(v, rc->size);
	struct buf b = BUF_INIT;

	if (rc->size > v->r->entries) {
		buf_addf(&b, "a checkpoint of size %" PRIu64 " was seen before, but the store has only "
			 "%" PRIu64 " entries", rc->size, v->r->entries);
		seen_where(&b, mem->m);
		checkpoint_fault(v->r, FAULT_TRUNCATED, rc->size, b.buf);
	} else if (!root || memcmp(root, rc->root, HASH_LEN)) {
		buf_addf(&b, "the store's tree at size %" PRIu64 " differs from the checkpoint seen "
			 "before: two histories of this log exist", rc->size);
		seen_where(&b, mem->m);
		checkpoint_fault(v->r, FAULT_FORK, rc->size, b.buf);
	}
	buf_reset(&b);
	if (newest_cp < rc->size) {
		if (newest_cp)
			buf_addf(&b, "the store's newest checkpoint (size %" PRIu64 ") is older than the "
				 "checkpoint of size %" PRIu64 " seen before", newest_cp, rc->size);
		else
			buf_addf(&b, "the store has no checkpoint, but one of size %" PRIu64 " was seen "
				 "before", rc->size);
		seen_where(&b, mem->m);
		checkpoint_fault(v->r, FAULT_ROLLBACK, rc->size, b.buf);
	}
	buf_release(&b);
}

/* 1 when a checkpoint of the store with status OK is signed by key k. */
static int store_signed_by(const struct verifier *v, long k)
{
	for (size_t i = 0; i < v->ncps; i++)
		if (v->cps[i].status == FAULT_OK && v->cps[i].by && v->cps[i].by[k])
			return 1;
	return 0;
}

/*
 * A checkpoint remembered under a trusted key for another origin, checked
 * against a store that key has not signed: is the store that log, renamed
 * or stripped of its origin and checkpoints? It is when the store's tree
 * at the remembered size has the remembered root (ROLLBACK: it keeps the
 * entries but lost the checkpoints), or, for a store shorter than that,
 * when its tree at the largest remembered power-of-two size it still
 * holds (more than half of it) has that size's remembered root
 * (TRUNCATED). Another log signed by the same key differs there.
 * Returns 1 when a fault was reported.
 */
static int check_other_origin(struct verifier *v, const struct memory *mem)
{
	const struct checkpoint *rc = &mem->cp;
	const char *key = v->opt->trust->keys[mem->m->key].name;
	const unsigned char *root;
	struct buf b = BUF_INIT;
	uint64_t n = v->r->entries;

	if (n >= rc->size) {
		root = root_at(v, rc->size);
		if (!rc->size || !root || memcmp(root, rc->root, HASH_LEN))
			return 0;
		buf_addf(&b, "the store's first %" PRIu64 " entries are the log that %s signed as origin "
			 "\"%s\"", rc->size, key, rc->origin);
		seen_where(&b, mem->m);
		buf_addstr(&b, ", but the store ");
		store_origin_words(&b, v->s->origin);
		buf_addstr(&b, " and no checkpoint by that key: its checkpoints were removed or its "
			   "origin changed");
		checkpoint_fault(v->r, FAULT_ROLLBACK, rc->size, b.buf);
	} else {
		const struct trust_root *best = NULL;

		for (size_t i = 0; i < mem->m->nroots; i++) {
			const struct trust_root *p = &mem->m->roots[i];

			if (p->size <= n && p->size < rc->size && !(p->size & (p->size - 1)) &&
			    (!best || p->size > best->size))
				best = p;
		}
		if (!best || !(root = root_at(v, best->size)) || memcmp(root, best->root, HASH_LEN))
			return 0;
		buf_addf(&b, "the store's first %" PRIu64 " entries are the log that %s signed as origin "
			 "\"%s\" up to size %" PRIu64, best->size, key, rc->origin, rc->size);
		seen_where(&b, mem->m);
		buf_addf(&b, ", but the store has only %" PRIu64 " entries, ", n);
		store_origin_words(&b, v->s->origin);
		buf_addstr(&b, " and no checkpoint by that key: it was cut back and its checkpoints "
			   "removed or its origin changed");
		checkpoint_fault(v->r, FAULT_TRUNCATED, rc->size, b.buf);
	}
	buf_release(&b);
	return 1;
}

/* Parses the remembered checkpoints; drops those that do not parse. */
static struct memory *parse_memories(const struct trust_memory *m, size_t n, size_t *nout)
{
	struct memory *mem = xcalloc(n ? n : 1, sizeof(*mem));
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		struct buf err = BUF_INIT;
		struct note note;

		if (note_parse(m[i].note, strlen(m[i].note), &note, &err)) {
			warning("ignoring the remembered checkpoint '%s': %s", m[i].path, err.buf);
		} else {
			if (checkpoint_parse(note.text, note.text_len, &mem[o].cp, &err))
				warning("ignoring the remembered checkpoint '%s': %s", m[i].path, err.buf);
			else
				mem[o++].m = &m[i];
			note_release(&note);
		}
		buf_release(&err);
	}
	*nout = o;
	return mem;
}

/* The remembered checkpoint of origin under key k, or NULL. */
static const struct memory *memory_of(const struct memory *mem, size_t n, long k, const char *origin)
{
	for (size_t i = 0; i < n; i++)
		if (mem[i].m->key == k && !strcmp(mem[i].cp.origin, origin))
			return &mem[i];
	return NULL;
}

/* Compares the store with everything remembered; adds the notes. */
static void check_memories(struct verifier *v, const struct memory *mem, size_t nmem, uint64_t newest_cp)
{
	const char *origin = v->s->origin;
	size_t same = 0;

	for (size_t i = 0; i < nmem; i++) {
		const struct memory *m = &mem[i];

		if (*origin && !strcmp(m->cp.origin, origin)) {
			int newer_elsewhere = 0;

			/* an old-layout file that a per-key one has superseded */
			for (size_t k = 0; m->m->key < 0 && k < nmem; k++)
				if (mem[k].m->key >= 0 && !strcmp(mem[k].cp.origin, origin) &&
				    mem[k].cp.size >= m->cp.size)
					newer_elsewhere = 1;
			if (newer_elsewhere)
				continue;
			check_remembered(v, m, newest_cp);
			add_note(v->r, "compared with the checkpoint of size %" PRIu64 " seen before",
				 m->cp.size);
			same++;
		} else if (m->m->key >= 0 && !store_signed_by(v, m->m->key)) {
			check_other_origin(v, m);
		}
	}
	if (!same)
		add_note(v->r, "no checkpoint of this origin was seen before on this machine: a store cut back "
			 "to an earlier checkpoint, or rewritten and re-signed by the key holder, cannot be "
			 "detected on this first verification");
}

/* Remembers the newest verified checkpoint under every trusted key that
 * signed it, unless as large a one of this origin is remembered. */
static int remember_newest(struct verifier *v, const struct cp *c, const struct memory *mem, size_t nmem)
{
	const struct trust *t = v->opt->trust;
	struct trust_root roots[64];
	size_t nroots = 0;

	for (unsigned i = 0; i < v->npow; i++)
		if (v->pow[i].size < c->size)
			roots[nroots++] = v->pow[i];
	for (size_t k = 0; k < t->n; k++) {
		const struct memory *m;

		if (!c->by[k])
			continue;
		m = memory_of(mem, nmem, (long)k, v->s->origin);
		if (m && m->cp.size >= c->size)
			continue;
		if (trust_remember(t, k, v->s->origin, c->note_text, roots, nroots))
			return -1;
	}
	return 0;
}

int verify_store(struct store *s, const struct verify_options *opt, struct verify_report *r)
{
	struct verifier v = { .s = s, .opt = opt, .r = r };
	struct trust_memory *tm = NULL;
	struct memory *mem = NULL;
	size_t ntm = 0, nmem = 0;
	int ret = -1;
	uint64_t newest_cp = 0;
	size_t newest_ok = (size_t)-1;
	const struct trust *t = opt->trust;
	struct buf b = BUF_INIT;
	char a[32];

	memset(r, 0, sizeof(*r));
	r->origin = xstrdup(s->origin);
	if (load_checkpoints(&v))
		goto out;
	check_signatures(&v);
	if (t) { /* with no key pinned, only an old-layout file of this origin */
		if (trust_memories_load(t, s->origin, &tm, &ntm))
			goto out;
		mem = parse_memories(tm, ntm, &nmem);
		for (size_t i = 0; i < nmem; i++)
			want_size(&v, mem[i].cp.size);
		want_done(&v);
	}
	if (scan_entries(&v))
		goto out;
	decide_roots(&v);
	for (size_t i = 0; i < v.ncps; i++) {
		struct cp *c = &v.cps[i];

		if (c->size > newest_cp)
			newest_cp = c->size;
		ALLOC_GROW(r->checkpoints, r->ncheckpoints + 1, r->checkpoints_alloc);
		r->checkpoints[r->ncheckpoints++] = (struct verify_checkpoint){
			c->size, c->status, c->signer ? xstrdup(c->signer) : NULL, NULL, 0 };
		if (c->status == FAULT_OK)
			newest_ok = i;
		else if (c->status != FAULT_UNTRUSTED || (t && t->n))
			checkpoint_fault(r, c->status, c->size, c->detail ? c->detail : "");
	}
	if (t)
		check_memories(&v, mem, nmem, newest_cp);

	r->verified_through = newest_ok != (size_t)-1 ? v.cps[newest_ok].size : 0;
	r->pending = r->entries > r->verified_through ? r->entries - r->verified_through : 0;
	/* time-stamps and cosignatures (verify_anchors.c) */
	if (verify_anchors(s, opt->anchors, r))
		goto out;
	/* VERIFIED needs entries anchored by a trusted checkpoint: an
	 * unsigned store is never VERIFIED, whatever keys are pinned */
	if (r->faults_total) {
		r->verdict = VERDICT_FAILED;
	} else if (!t || !t->n || !r->entries || !r->verified_through) {
		r->verdict = VERDICT_UNVERIFIABLE;
		if (!t || !t->n) {
			r->reason = xstrdup("no trusted key");
			add_note(r, "no trusted key: signatures prove nothing until a verifier key is pinned "
				 "(trailscope verify STORE --trust KEY.pub)");
		} else if (!r->entries) {
			r->reason = xstrdup("empty store, nothing to verify");
		} else {
			buf_addf(&b, "no checkpoint signed by a trusted key anchors the %s entr%s",
				 text_thousands(r->entries, a), r->entries == 1 ? "y" : "ies");
			r->reason = buf_detach(&b, NULL);
		}
	} else {
		r->verdict = VERDICT_VERIFIED;
	}
	if (r->pending && r->entries)
		add_note(r, "entries %" PRIu64 "-%" PRIu64 " are after the last verified checkpoint "
			 "(PENDING): no signature covers them yet, so a change to them cannot be detected",
			 r->verified_through + 1, r->entries);
	if (!t)
		add_note(r, "no checkpoint of this origin was seen before on this machine: a store cut back "
			 "to an earlier checkpoint, or rewritten and re-signed by the key holder, cannot be "
			 "detected on this first verification");
	if (r->verdict == VERDICT_VERIFIED && opt->remember && *s->origin &&
	    remember_newest(&v, &v.cps[newest_ok], mem, nmem))
		goto out;
	ret = 0;
out:
	for (size_t i = 0; i < v.ncps; i++) {
		if (v.cps[i].parsed) {
			note_release(&v.cps[i].note);
			checkpoint_release(&v.cps[i].body);
		}
		free(v.cps[i].signer);
		free(v.cps[i].detail);
		free(v.cps[i].note_text);
		free(v.cps[i].by);
	}
	free(v.cps);
	free(v.want);
	for (size_t i = 0; i < nmem; i++)
		checkpoint_release(&mem[i].cp);
	free(mem);
	trust_memories_free(tm, ntm);
	buf_release(&b);
	if (ret)
		verify_report_release(r);
	return ret;
}

void verify_report_release(struct verify_report *r)
{
	for (size_t i = 0; i < r->nfaults; i++)
		free(r->faults[i].detail);
	free(r->faults);
	for (size_t i = 0; i < r->ncheckpoints; i++) {
		free(r->checkpoints[i].signer);
		for (size_t k = 0; k < r->checkpoints[i].ncosigners; k++)
			free(r->checkpoints[i].cosigners[k].name);
		free(r->checkpoints[i].cosigners);
	}
	free(r->checkpoints);
	for (size_t i = 0; i < r->ntimestamps; i++)
		free(r->timestamps[i].tsa);
	free(r->timestamps);
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	free(r->origin);
	free(r->reason);
	memset(r, 0, sizeof(*r));
}

int verify_report_verified(const struct verify_report *r)
{
	return r->verdict == VERDICT_VERIFIED && r->verified_through > 0;
}

enum verdict verify_report_verdict(const struct verify_report *r)
{
	if (verify_report_verified(r))
		return VERDICT_VERIFIED;
	return r->verdict == VERDICT_FAILED ? VERDICT_FAILED : VERDICT_UNVERIFIABLE;
}

static void verdict_line(const struct verify_report *r, uint64_t entries, int compact, struct buf *out)
{
	char a[32], b[32];

	if (!entries)
		entries = r->entries;
	if (verify_report_verified(r)) {
		buf_addf(out, "VERIFIED through %s (+%s pending)", text_thousands(r->verified_through, a),
			 text_thousands(entries > r->verified_through ? entries - r->verified_through : 0, b));
	} else if (r->verdict == VERDICT_FAILED) {
		buf_addf(out, "FAILED: %s fault%s", text_thousands(r->faults_total, a),
			 r->faults_total == 1 ? "" : "s");
	} else {
		/* also a report claiming VERIFIED through 0: nothing is anchored */
		buf_addstr(out, "UNVERIFIABLE: ");
		if (compact && r->reason && !strcmp(r->reason, "empty store, nothing to verify"))
			buf_addstr(out, "empty store");
		else if (compact && (!r->reason || strcmp(r->reason, "no trusted key")))
			buf_addstr(out, "no trusted checkpoint");
		else if (r->reason)
			buf_addstr(out, r->reason);
		else
			buf_addf(out, "no checkpoint signed by a trusted key anchors the %s entries",
				 text_thousands(entries, a));
	}
}

void verify_verdict_line(const struct verify_report *r, uint64_t entries, struct buf *out)
{
	verdict_line(r, entries, 0, out);
}

void verify_verdict_short(const struct verify_report *r, uint64_t entries, struct buf *out)
{
	verdict_line(r, entries, 1, out);
}

uint64_t verify_report_cover(const struct verify_report *r, uint64_t seq)
{
	uint64_t best = 0;

	for (size_t i = 0; i < r->ncheckpoints; i++) {
		const struct verify_checkpoint *c = &r->checkpoints[i];

		if (c->status == FAULT_OK && c->size >= seq && seq > 0 &&
		    (!best || c->size < best))
			best = c->size;
	}
	return best;
}

int verify_report_checkpoint_status(const struct verify_report *r, uint64_t size, enum fault_kind *status)
{
	for (size_t i = 0; i < r->ncheckpoints; i++) {
		if (r->checkpoints[i].size == size) {
			*status = r->checkpoints[i].status;
			return 1;
		}
	}
	return 0;
}

/* Why one checkpoint row does not prove entry seq; NULL when it does. */
static char *cover_check(struct store *s, const struct trust *t, uint64_t seq, uint64_t size,
			 const char *text, char **signer)
{
	struct note note;
	struct checkpoint body;
	struct buf why = BUF_INIT, err = BUF_INIT;
	struct merkle_source src;
	struct merkle_proof p = { NULL, 0 };
	unsigned char root[HASH_LEN], hash[HASH_LEN];
	const struct row_param leaf_seq[] = { ROW_INT((int64_t)seq) };
	struct rows *st = NULL;
	int parsed = 0, ok = 0, bad = 0;

	if (note_parse(text, strlen(text), &note, &err)) {
		buf_addf(&why, "MALFORMED: %s", err.buf);
		goto out;
	}
	if (checkpoint_parse(note.text, note.text_len, &body, &err)) {
		note_release(&note);
		buf_addf(&why, "MALFORMED: %s", err.buf);
		goto out;
	}
	parsed = 1;
	if (body.size != size) {
		buf_addf(&why, "MALFORMED: the row says size %" PRIu64 " but its note says %" PRIu64,
			 size, body.size);
		goto out;
	}
	if (strcmp(body.origin, s->origin)) {
		buf_addstr(&why, "WRONG_ORIGIN: not the store's origin");
		goto out;
	}
	for (size_t k = 0; t && k < t->n; k++) {
		enum note_sig_status sst = note_verify(&note, &t->keys[k]);

		if (sst == NOTE_SIG_BAD)
			bad = 1;
		if (sst == NOTE_SIG_OK && !ok) {
			ok = 1;
			*signer = xstrdup(t->keys[k].name);
		}
	}
	if (bad) {
		buf_addstr(&why, "BAD_SIGNATURE: a signature line names a trusted key but does not verify");
		goto out;
	}
	if (!ok) {
		buf_addstr(&why, !t || !t->n ? "UNTRUSTED: no trusted key is pinned"
					     : "UNTRUSTED: not signed by a trusted key");
		goto out;
	}
	if (store_size(s) < (int64_t)size) {
		buf_addstr(&why, "TRUNCATED: the store is smaller than the checkpoint");
		goto out;
	}
	if (store_root(s, size, root) || memcmp(root, body.root, HASH_LEN)) {
		buf_addstr(&why, "ROOT_MISMATCH: the store's tree at its size does not have its root");
		goto out;
	}
	store_merkle_source(s, &src);
	buf_reset(&err);
	st = rows_open(s, NULL, "SELECT leaf FROM entries WHERE seq = $1", leaf_seq, 1, "the entry", &err);
	if (!st || rows_next(st) != 1) {
		buf_addstr(&why, "the entry cannot be read");
		goto out;
	}
	merkle_leaf_hash(rows_col(st, 0)->p ? rows_col(st, 0)->p : "", rows_col(st, 0)->n, hash);
	if (merkle_inclusion_proof(&src, seq - 1, size, &p) ||
	    merkle_verify_inclusion(seq - 1, size, hash, &p, body.root))
		buf_addstr(&why, "MODIFIED: the entry's leaf is not included under its root");
out:
	rows_close(st);
	merkle_proof_release(&p);
	if (parsed) {
		note_release(&note);
		checkpoint_release(&body);
	}
	buf_release(&err);
	if (why.len) {
		free(*signer);
		*signer = NULL;
		return buf_detach(&why, NULL);
	}
	buf_release(&why);
	return NULL;
}

int verify_cover(struct store *s, const struct trust *t, uint64_t seq, struct verify_cover *out)
{
	const struct row_param p[] = { ROW_INT((int64_t)seq) };
	struct buf err = BUF_INIT;
	struct rows *r;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (seq == 0)
		return 0;
	r = rows_open(s, NULL, "SELECT size, note FROM checkpoints WHERE size >= $1 ORDER BY size", p, 1,
		      "checkpoints", &err);
	while (r && (rc = rows_next(r)) == 1) {
		uint64_t size = (uint64_t)rows_col(r, 0)->i;
		const char *text = rows_col(r, 1)->p;
		char *signer = NULL, *why = cover_check(s, t, seq, size, text ? text : "", &signer);

		if (!why) {
			out->size = size;
			out->signer = signer;
			break;
		}
		if (!out->rejected) {
			out->rejected = size;
			out->why = why;
		} else {
			free(why);
		}
	}
	rows_close(r);
	if (!r || rc < 0) {
		error("%s: %s", s->path, err.buf);
		buf_release(&err);
		verify_cover_release(out);
		return -1;
	}
	buf_release(&err);
	return 0;
}

void verify_cover_release(struct verify_cover *c)
{
	free(c->signer);
	free(c->why);
	memset(c, 0, sizeof(*c));
}
