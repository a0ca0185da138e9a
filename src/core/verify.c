/*
 * verify.c - recomputes every leaf hash, cross-checks the display columns
 * against each leaf, rebuilds the Merkle tree in one streaming pass (O(log n)
 * memory), compares the root at every checkpoint, checks signatures against
 * the trusted keys, proves each checkpoint consistent with the one before,
 * and compares the store with the checkpoint remembered outside it.
 *
 * Cost: one sequential scan of the entries table; SHA-256 over every leaf
 * byte dominates.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/jcs.h"
#include "trailscope/leaf.h"
#include "trailscope/verify.h"
#include "trailscope/verify_derived.h"
#include "trailscope/util.h"

struct cp {
	uint64_t size;           /* the row's size column */
	struct note note;
	struct checkpoint body;
	int parsed;              /* note and body parsed */
	const char *status;      /* NULL until decided */
	char *signer;
	char *detail;
	int root_known, root_ok; /* the store's root at size was computed */
	char *note_text;
};

struct verifier {
	struct store *s;
	const struct verify_options *opt;
	struct verify_report *r;
	struct cp *cps;
	size_t ncps, cps_alloc;
	uint64_t want_sizes[2];  /* extra sizes whose root is wanted (remembered) */
	unsigned char want_roots[2][HASH_LEN];
	int want_known[2];
	size_t next_cp;          /* next checkpoint (by size) to compare */
	sqlite3_stmt *node_stmt;
	struct merkle_builder tree;
};

static void add_note(struct verify_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_note(struct verify_report *r, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	ALLOC_GROW(r->notes, r->nnotes + 1, r->notes_alloc);
	r->notes[r->nnotes++] = buf_detach(&b, NULL);
}

/* Records an entry fault; merges with the previous fault when it is the
 * same kind and detail and the ranges touch. */
static void entry_fault(struct verify_report *r, const char *kind, uint64_t seq, uint64_t seq_end,
			const char *detail)
{
	struct verify_fault *last = r->nfaults ? &r->faults[r->nfaults - 1] : NULL;

	if (last && !last->checkpoint && !strcmp(last->kind, kind) && !strcmp(last->detail, detail) &&
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

static void checkpoint_fault(struct verify_report *r, const char *kind, uint64_t size, const char *detail)
{
	r->faults_total++;
	if (r->nfaults >= VERIFY_MAX_FAULTS)
		return;
	ALLOC_GROW(r->faults, r->nfaults + 1, r->faults_alloc);
	r->faults[r->nfaults++] = (struct verify_fault){ kind, 1, 0, 0, size, xstrdup(detail) };
}

static int load_checkpoints(struct verifier *v)
{
	sqlite3_stmt *st;
	int rc;

	if (store_prepare(v->s, "SELECT size, note FROM checkpoints ORDER BY size", &st))
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct cp *c;
		struct buf err = BUF_INIT;

		ALLOC_GROW(v->cps, v->ncps + 1, v->cps_alloc);
		c = &v->cps[v->ncps++];
		memset(c, 0, sizeof(*c));
		c->size = (uint64_t)sqlite3_column_int64(st, 0);
		c->note_text = xstrndup((const char *)sqlite3_column_text(st, 1),
					(size_t)sqlite3_column_bytes(st, 1));
		if (sqlite3_column_int64(st, 0) < 0) {
			c->status = "MALFORMED";
			c->detail = xstrdup("negative size");
		} else if (note_parse(c->note_text, strlen(c->note_text), &c->note, &err)) {
			c->status = "MALFORMED";
			c->detail = buf_detach(&err, NULL);
		} else if (checkpoint_parse(c->note.text, c->note.text_len, &c->body, &err)) {
			note_release(&c->note);
			c->status = "MALFORMED";
			c->detail = buf_detach(&err, NULL);
		} else {
			c->parsed = 1;
			if (c->body.size != c->size) {
				c->status = "MALFORMED";
				buf_addf(&err, "the checkpoint row says size %" PRIu64 " but its note says %" PRIu64,
					 c->size, c->body.size);
				c->detail = buf_detach(&err, NULL);
			}
		}
		buf_release(&err);
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

		if (c->status)
			continue;
		if (strcmp(c->body.origin, v->s->origin)) {
			struct buf b = BUF_INIT;

			c->status = "WRONG_ORIGIN";
			buf_addf(&b, "origin \"%s\" is not the store's origin \"%s\"", c->body.origin, v->s->origin);
			c->detail = buf_detach(&b, NULL);
			continue;
		}
		for (size_t k = 0; t && k < t->n; k++) {
			enum note_sig_status st = note_verify(&c->note, &t->keys[k]);

			if (st == NOTE_SIG_OK && !ok) {
				ok = 1;
				c->signer = xstrdup(t->keys[k].name);
			} else if (st == NOTE_SIG_BAD) {
				bad = 1;
			}
		}
		if (bad) { /* a failing line from a trusted key taints the note */
			c->status = "BAD_SIGNATURE";
			c->detail = xstrdup("a signature line names a trusted key but does not verify");
		} else if (!ok) {
			struct buf b = BUF_INIT;

			c->status = "UNTRUSTED";
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

	if (level % STORE_NODE_STRIDE || !st)
		return;
	sqlite3_bind_int(st, 1, (int)level);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)idx);
	if (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != HASH_LEN || memcmp(sqlite3_column_blob(st, 0), hash, HASH_LEN)) {
			struct buf b = BUF_INIT;

			buf_addf(&b, "cached Merkle node (level %u) does not match the leaves it covers", level);
			entry_fault(v->r, "MODIFIED", (idx << level) + 1, (idx + 1) << level, b.buf);
			buf_release(&b);
		}
	}
	sqlite3_reset(st);
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
	for (int i = 0; i < 2; i++) {
		if (v->want_sizes[i] == n && !v->want_known[i]) {
			merkle_builder_root(&v->tree, v->want_roots[i]);
			v->want_known[i] = 1;
		}
	}
}

static int column_differs(sqlite3_stmt *st, int col, const struct buf *leafval)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);

	return !t || n != leafval->len || memcmp(t, leafval->buf, n);
}

/* A derived row that differs from its leaf (verify_derived.c). */
static void derived_fault(void *ctx, const char *kind, uint64_t seq, uint64_t seq_end, const char *detail)
{
	entry_fault(ctx, kind, seq, seq_end, detail);
}

static int scan_entries(struct verifier *v)
{
	static const char *const colname[] = { "event_id", "ts", "actor", "actor_type", "action",
					       "target", "target_kind", "environment" };
	struct verify_report *r = v->r;
	struct leaf_fields f;
	struct buf err = BUF_INIT, detail = BUF_INIT, canon = BUF_INIT;
	struct derived_check *derived;
	sqlite3_stmt *st;
	uint64_t expected = 1;
	int64_t total = store_size(v->s); /* for progress only */
	int rc, ret = -1;

	if (store_prepare(v->s, "SELECT seq, leaf, leaf_hash, event_id, ts, actor, actor_type, action,"
			  " target, target_kind, environment FROM entries ORDER BY seq", &st))
		return -1;
	/* the derived tables are checked alongside, on threads of their own */
	derived = derived_check_start(v->s, v->opt->cancel);
	if (sqlite3_prepare_v2(v->s->db, "SELECT hash FROM merkle_nodes WHERE level = ?1 AND idx = ?2",
			       -1, &v->node_stmt, NULL) != SQLITE_OK)
		v->node_stmt = NULL;
	leaf_fields_init(&f);
	merkle_builder_init(&v->tree);
	at_size(v);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 seq = sqlite3_column_int64(st, 0);
		const void *leaf = sqlite3_column_blob(st, 1);
		size_t len = (size_t)sqlite3_column_bytes(st, 1);
		unsigned char hash[HASH_LEN];

		if (v->opt->cancel && *v->opt->cancel)
			goto out; /* the caller asked: nothing to report */
		r->entries++;
		if (seq < 1) {
			entry_fault(r, "MALFORMED", 0, 0, "an entry has a seq below 1");
			continue;
		}
		if ((uint64_t)seq > expected)
			entry_fault(r, "MISSING", expected, (uint64_t)seq - 1, "entries are missing (seq gap)");
		expected = (uint64_t)seq + 1;
		merkle_leaf_hash(leaf ? leaf : "", len, hash);
		if (sqlite3_column_bytes(st, 2) != HASH_LEN) {
			entry_fault(r, "MALFORMED", (uint64_t)seq, (uint64_t)seq, "leaf_hash is not 32 bytes");
		} else if (memcmp(sqlite3_column_blob(st, 2), hash, HASH_LEN)) {
			entry_fault(r, "MODIFIED", (uint64_t)seq, (uint64_t)seq, "leaf does not match its leaf_hash");
			/* The tree is checked over the stored hashes, so an edited
			 * leaf is reported here, once, at its own seq. */
			memcpy(hash, sqlite3_column_blob(st, 2), HASH_LEN);
		}
		buf_reset(&err);
		leaf_fields_release(&f);
		leaf_fields_init(&f);
		if (leaf_scan(leaf ? leaf : "", len, &f, &err)) {
			buf_reset(&detail);
			buf_addf(&detail, "leaf is not a valid event: %s", err.buf);
			entry_fault(r, "MALFORMED", (uint64_t)seq, (uint64_t)seq, detail.buf);
		} else {
			const struct buf *vals[] = { &f.event_id, &f.ts, &f.actor, &f.actor_type, &f.action,
						     &f.target, &f.target_kind, &f.environment };

			if (f.seq != seq) {
				buf_reset(&detail);
				buf_addf(&detail, "leaf records seq %" PRId64 ": entry moved, inserted or renumbered",
					 f.seq);
				entry_fault(r, "MODIFIED", (uint64_t)seq, (uint64_t)seq, detail.buf);
			}
			for (int c = 0; c < 8; c++) {
				if (column_differs(st, 3 + c, vals[c])) {
					buf_reset(&detail);
					buf_addf(&detail, "column %s does not match the leaf", colname[c]);
					entry_fault(r, "MODIFIED", (uint64_t)seq, (uint64_t)seq, detail.buf);
				}
			}
			if (v->opt->deep) {
				int l, col;
				json_t *j = json_parse_strict(leaf, len, &l, &col, &err);

				buf_reset(&canon);
				if (!j || jcs_serialize(j, &canon, &err) || canon.len != len ||
				    memcmp(canon.buf, leaf, len))
					entry_fault(r, "MALFORMED", (uint64_t)seq, (uint64_t)seq,
						    "leaf is not canonical JSON (RFC 8785)");
				json_decref(j);
			}
		}
		merkle_builder_push(&v->tree, hash, check_node, v);
		at_size(v);
		if (v->opt->progress && (r->entries & 0xffff) == 0)
			v->opt->progress(v->opt->progress_ctx, r->entries, total > 0 ? (uint64_t)total : 0);
	}
	if (rc != SQLITE_DONE) {
		store_error(v->s, "cannot read entries");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	if (derived_check_finish(derived, ret ? NULL : derived_fault, r))
		ret = -1;
	sqlite3_finalize(v->node_stmt);
	v->node_stmt = NULL;
	leaf_fields_release(&f);
	buf_release(&err);
	buf_release(&detail);
	buf_release(&canon);
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

		if (c->status && strcmp(c->status, "UNTRUSTED"))
			continue;
		if (c->size > v->r->entries) {
			if (!c->status) {
				c->status = "TRUNCATED";
				buf_addf(&b, "the checkpoint covers %" PRIu64 " entries but the store has %" PRIu64,
					 c->size, v->r->entries);
				c->detail = buf_detach(&b, NULL);
			}
			continue;
		}
		if (!c->root_known || !c->root_ok) {
			int later_ok = 0;

			for (size_t k = i + 1; k < v->ncps; k++)
				if (v->cps[k].root_known && v->cps[k].root_ok && !v->cps[k].status)
					later_ok = 1;
			if (c->status) /* UNTRUSTED and wrong root: the root matters more */
				free(c->detail);
			if (later_ok && !c->status) {
				c->status = "INCONSISTENT";
				buf_addf(&b, "its root is not a prefix of a later trusted checkpoint: entries "
					 "%" PRIu64 "-%" PRIu64 " were rewritten and the log re-signed",
					 last_ok + 1, c->size);
			} else {
				c->status = "ROOT_MISMATCH";
				buf_addf(&b, "the entries do not hash to the signed root; the change lies in "
					 "entries %" PRIu64 "-%" PRIu64, last_ok + 1, c->size);
			}
			c->detail = buf_detach(&b, NULL);
			continue;
		}
		if (c->status)
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
				c->status = "INCONSISTENT";
				buf_addf(&b, "no valid consistency proof from size %" PRIu64
					 " (the Merkle cache may be damaged)", last_ok);
				c->detail = buf_detach(&b, NULL);
				continue;
			}
		}
		c->status = "OK";
		last_ok = c->size;
	}
}

static void check_remembered(struct verifier *v, const struct checkpoint *rc, uint64_t newest_cp)
{
	struct buf b = BUF_INIT;

	if (rc->size > v->r->entries) {
		buf_addf(&b, "a checkpoint of size %" PRIu64 " was seen before, but the store has only "
			 "%" PRIu64 " entries", rc->size, v->r->entries);
		checkpoint_fault(v->r, "TRUNCATED", rc->size, b.buf);
	} else if (!v->want_known[0] || memcmp(v->want_roots[0], rc->root, HASH_LEN)) {
		buf_addf(&b, "the store's tree at size %" PRIu64 " differs from the checkpoint seen "
			 "before: two histories of this log exist", rc->size);
		checkpoint_fault(v->r, "FORK", rc->size, b.buf);
	}
	buf_reset(&b);
	if (newest_cp < rc->size) {
		buf_addf(&b, "the store's newest checkpoint (size %" PRIu64 ") is older than the checkpoint "
			 "of size %" PRIu64 " seen before", newest_cp, rc->size);
		checkpoint_fault(v->r, "ROLLBACK", rc->size, b.buf);
	}
	buf_release(&b);
}

int verify_store(struct store *s, const struct verify_options *opt, struct verify_report *r)
{
	struct verifier v = { .s = s, .opt = opt, .r = r };
	struct buf rtext = BUF_INIT, err = BUF_INIT;
	struct note rnote = { 0 };
	struct checkpoint rcp = { 0 };
	int have_remembered = 0, ret = -1;
	uint64_t newest_cp = 0;
	size_t newest_ok = (size_t)-1;
	const struct trust *t = opt->trust;

	memset(r, 0, sizeof(*r));
	r->origin = xstrdup(s->origin);
	if (load_checkpoints(&v))
		goto out;
	check_signatures(&v);
	if (t && *s->origin) {
		int rc = trust_remembered(t, s->origin, &rtext);

		if (rc < 0)
			goto out;
		if (rc > 0) {
			if (note_parse(rtext.buf, rtext.len, &rnote, &err) ||
			    checkpoint_parse(rnote.text, rnote.text_len, &rcp, &err)) {
				warning("ignoring the remembered checkpoint of '%s': %s", s->origin, err.buf);
			} else {
				have_remembered = 1;
				v.want_sizes[0] = rcp.size;
			}
		}
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
			c->size, c->status, c->signer ? xstrdup(c->signer) : NULL };
		if (!strcmp(c->status, "OK"))
			newest_ok = i;
		else if (strcmp(c->status, "UNTRUSTED") || (t && t->n))
			checkpoint_fault(r, c->status, c->size, c->detail ? c->detail : "");
	}
	if (have_remembered)
		check_remembered(&v, &rcp, newest_cp);

	r->verified_through = newest_ok != (size_t)-1 ? v.cps[newest_ok].size : 0;
	r->pending = r->entries > r->verified_through ? r->entries - r->verified_through : 0;
	if (r->faults_total) {
		r->verdict = "FAILED";
		r->exit_code = EXIT_FAILED;
	} else if (!t || !t->n) {
		r->verdict = "UNVERIFIABLE";
		r->exit_code = EXIT_UNVERIFIABLE;
		add_note(r, "no trusted key: signatures prove nothing until a verifier key is pinned "
			 "(trailscope verify STORE --trust KEY.pub)");
	} else {
		r->verdict = "VERIFIED";
		r->exit_code = EXIT_OK;
	}
	if (r->pending)
		add_note(r, "entries %" PRIu64 "-%" PRIu64 " are after the last verified checkpoint "
			 "(PENDING): no signature covers them yet, so a change to them cannot be detected",
			 r->verified_through + 1, r->entries);
	if (!have_remembered)
		add_note(r, "no checkpoint of this origin was seen before on this machine: a store cut back "
			 "to an earlier checkpoint, or rewritten and re-signed by the key holder, cannot be "
			 "detected on this first verification");
	else
		add_note(r, "compared with the checkpoint of size %" PRIu64 " seen before", rcp.size);
	if (r->exit_code == EXIT_OK && opt->remember && newest_ok != (size_t)-1 &&
	    (!have_remembered || v.cps[newest_ok].size >= rcp.size) && *s->origin) {
		if (trust_remember(t, s->origin, v.cps[newest_ok].note_text))
			goto out;
	}
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
	}
	free(v.cps);
	if (have_remembered || rnote.text)
		note_release(&rnote);
	if (rcp.origin)
		checkpoint_release(&rcp);
	buf_release(&rtext);
	buf_release(&err);
	if (ret)
		verify_report_release(r);
	return ret;
}

void verify_report_release(struct verify_report *r)
{
	for (size_t i = 0; i < r->nfaults; i++)
		free(r->faults[i].detail);
	free(r->faults);
	for (size_t i = 0; i < r->ncheckpoints; i++)
		free(r->checkpoints[i].signer);
	free(r->checkpoints);
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	free(r->origin);
	memset(r, 0, sizeof(*r));
}
