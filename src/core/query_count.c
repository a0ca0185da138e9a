/*
 * query_count.c - counts by sets: each set term's matching seqs (its
 * set_sql, written by query_sql.c: changed:, after./before., free text,
 * regex) go into a bitmap over 1..size. A tree of set terms only is
 * evaluated here, AND, OR and NOT word by word, the count being the bits
 * set; a tree that mixes in field and time terms is counted by SQLite
 * over their indexes with each set term replaced by a test of its bitmap
 * (ts_inset, query_sql.c).
 *
 * Why: a count of `changed:rollout_pct` otherwise probes every row of an
 * entries index against an ephemeral index of matching seqs; here it
 * costs one read of the matching changes_path range and a pass over
 * size/64 words, and a bit test replaces each probe.
 *
 * A leaf that scans a whole table (a regex over entry_text) is read in two
 * seq halves at once: this thread takes the first, a helper thread with
 * its own read-only connection the second, each setting bits in its own
 * words (the halves are split on a 64-seq boundary). Cancelling stops
 * both.
 *
 * On PostgreSQL (query_pg.c) the leaves' seqs come from the server
 * through qcounter.leaf, and the tree is combined and counted here the
 * same way.
 *
 * Memory: one bitmap of size/8 bytes per level of the tree being
 * evaluated (a 10,000,000-event store: 1.25 MB each).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_int.h"

/* One range of a leaf's seqs, read on one connection into b. */
struct scan {
	struct qcounter *c;
	sqlite3 *db;
	const struct qnode *n;
	struct seqset *b;
	int64_t lo, hi;          /* lo <= seq < hi */
	atomic_int *stop;        /* set when the other half failed */
	int rc;
	char msg[256];           /* when rc is -1; reported by this thread */
};

int qnode_is_set_term(const struct qnode *n)
{
	return n->kind == QN_CHANGED || n->kind == QN_VALUE || n->kind == QN_TEXT || n->kind == QN_REGEX;
}

int qcount_has_set_term(const struct qnode *n)
{
	if (n->kind == QN_AND || n->kind == QN_OR)
		return qcount_has_set_term(n->a) || qcount_has_set_term(n->b);
	if (n->kind == QN_NOT)
		return qcount_has_set_term(n->a);
	return qnode_is_set_term(n);
}

int qcount_only_set_terms(const struct qnode *n)
{
	if (n->kind == QN_AND || n->kind == QN_OR)
		return qcount_only_set_terms(n->a) && qcount_only_set_terms(n->b);
	if (n->kind == QN_NOT)
		return qcount_only_set_terms(n->a);
	return qnode_is_set_term(n) || n->kind == QN_ALL;
}

int seqset_has(const struct seqset *s, int64_t seq)
{
	return seq >= 0 && (size_t)(seq / 64) < s->nwords && (s->w[seq / 64] >> (seq % 64)) & 1;
}

void seqset_release(struct seqset *s)
{
	free(s->w);
	s->w = NULL;
	s->nwords = 0;
}

static void bitmap_init(struct seqset *b, int64_t size)
{
	b->nwords = (size_t)(size / 64) + 1;
	b->w = xcalloc(b->nwords, sizeof(*b->w));
}

/* Clears the bits that are no seq: 0 and those above size. */
static void bitmap_clip(struct seqset *b, int64_t size)
{
	b->w[0] &= ~(uint64_t)1;
	b->w[b->nwords - 1] &= ((uint64_t)2 << (size % 64)) - 1;
}

/* Sets bits 1..size: every entry. */
static void bitmap_fill(struct seqset *b, int64_t size)
{
	memset(b->w, 0xff, b->nwords * sizeof(*b->w));
	bitmap_clip(b, size);
}

/* Reads the seqs of sc->n in [lo, hi) into sc->b. Sets sc->rc to 0,
 * QUERY_CANCELLED or -1 (with sc->msg; any thread may run it, so it does
 * not report). */
static void scan_range(struct scan *sc)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(sc->db, sc->n->set_sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(sc->msg, sizeof(sc->msg), "cannot prepare a term: %s", sqlite3_errmsg(sc->db));
		sc->rc = -1;
		return;
	}
	sc->c->bind(sc->c->ctx, st);
	if (sc->n->set_scan) {
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":lo"), sc->lo);
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":hi"), sc->hi);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 seq = sqlite3_column_int64(st, 0);

		if (seq >= sc->lo && seq < sc->hi)
			sc->b->w[seq / 64] |= (uint64_t)1 << (seq % 64);
	}
	if (rc == SQLITE_INTERRUPT)
		sc->rc = QUERY_CANCELLED;
	else if (rc != SQLITE_DONE) {
		snprintf(sc->msg, sizeof(sc->msg), "%s", sqlite3_errmsg(sc->db));
		sc->rc = -1;
	} else
		sc->rc = 0;
	sqlite3_finalize(st);
}

static int scan_result(const struct scan *sc)
{
	if (sc->rc == -1)
		return error("query: %s", sc->msg);
	return sc->rc;
}

static int helper_progress(void *arg)
{
	struct scan *sc = arg;

	return atomic_load(sc->stop) || (sc->c->cancel && *sc->c->cancel);
}

static void *helper_main(void *arg)
{
	struct scan *sc = arg;

	sqlite3_progress_handler(sc->db, 1000, helper_progress, sc);
	scan_range(sc);
	return NULL;
}

/* A second read-only connection to the same store, or NULL; immutable
 * like the first when the store is on read-only media. */
static sqlite3 *open_helper(sqlite3 *db)
{
	const char *path = sqlite3_db_filename(db, "main");
	sqlite3 *h = NULL;

	if (!path || !*path ||
	    store_sqlite_open_ro(path, sqlite3_uri_boolean(path, "immutable", 0), &h) != SQLITE_OK ||
	    sqlfuncs_register(h)) {
		sqlite3_close(h);
		return NULL;
	}
	return h;
}

/* Reads a leaf's seqs into b. Returns 0, QUERY_CANCELLED or -1. */
static int eval_leaf(struct qcounter *c, const struct qnode *n, struct seqset *b)
{
	atomic_int stop = 0;
	struct scan first = { .c = c, .db = c->db, .n = n, .b = b, .lo = 1, .hi = c->size + 1, .stop = &stop },
		second;
	int64_t mid = (c->size / 2) & ~(int64_t)63;
	pthread_t tid;
	sqlite3 *h;

	if (n->kind == QN_ALL) {
		bitmap_fill(b, c->size);
		return 0;
	}
	if (c->leaf) {
		int rc = c->leaf(c->ctx, n, b);

		if (!rc)
			bitmap_clip(b, c->size);
		return rc;
	}
	if (!n->set_scan || mid < 64 || !(h = open_helper(c->db))) {
		scan_range(&first);
		return scan_result(&first);
	}
	second = first;
	second.db = h;
	second.lo = first.hi = mid;
	if (pthread_create(&tid, NULL, helper_main, &second)) {
		sqlite3_close(h);
		scan_range(&first);
		return scan_result(&first);
	}
	scan_range(&first);
	if (first.rc)
		atomic_store(&stop, 1);
	pthread_join(tid, NULL);
	sqlite3_close(h);
	return scan_result(first.rc ? &first : &second);
}

/* Evaluates n into b (zeroed by the caller). */
static int eval(struct qcounter *c, const struct qnode *n, struct seqset *b)
{
	struct seqset o;
	int rc;

	switch (n->kind) {
	case QN_AND:
	case QN_OR:
		if ((rc = eval(c, n->a, b)))
			return rc;
		bitmap_init(&o, c->size);
		rc = eval(c, n->b, &o);
		if (!rc) {
			for (size_t i = 0; i < b->nwords; i++)
				b->w[i] = n->kind == QN_AND ? b->w[i] & o.w[i] : b->w[i] | o.w[i];
		}
		free(o.w);
		return rc;
	case QN_NOT:
		if ((rc = eval(c, n->a, b)))
			return rc;
		for (size_t i = 0; i < b->nwords; i++)
			b->w[i] = ~b->w[i];
		bitmap_clip(b, c->size);
		return 0;
	default:
		return eval_leaf(c, n, b);
	}
}

int qcount_fill(struct qcounter *c, const struct qnode *leaf, struct seqset *out)
{
	int rc;

	bitmap_init(out, c->size);
	rc = eval_leaf(c, leaf, out);
	if (rc)
		seqset_release(out);
	return rc;
}

int64_t qcount_sets(struct qcounter *c, const struct qnode *tree)
{
	struct seqset b;
	int64_t n = 0;
	int rc;

	bitmap_init(&b, c->size);
	rc = eval(c, tree, &b);
	for (size_t i = 0; !rc && i < b.nwords; i++)
		n += __builtin_popcountll(b.w[i]);
	seqset_release(&b);
	return rc ? rc : n;
}
