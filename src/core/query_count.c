/*
 * query_count.c - counts a query by sets: each leaf term's matching seqs
 * (its set_sql, written by query_sql.c) go into a bitmap over 1..size,
 * and AND, OR and NOT combine bitmaps word by word; the count is the
 * number of bits set.
 *
 * Why: a count of `changed:rollout_pct` otherwise probes every row of an
 * entries index against the set of matching seqs; here it costs one read
 * of the matching changes_path range and a pass over size/64 words.
 * Used only when every leaf has an index to read (qcount_can), so no
 * leaf reads the wide entries rows.
 *
 * Memory: one bitmap of size/8 bytes per level of the tree being
 * evaluated (a 10,000,000-event store: 1.25 MB each).
 */
#include <stdlib.h>
#include <string.h>

#include "query_int.h"

struct bitmap {
	uint64_t *w;
	size_t nwords;
};

struct counter {
	sqlite3 *db;
	int64_t size;
	void (*bind)(void *ctx, sqlite3_stmt *st);
	void *ctx;
};

static int has_set_term(const struct qnode *n)
{
	switch (n->kind) {
	case QN_AND:
	case QN_OR:
		return has_set_term(n->a) || has_set_term(n->b);
	case QN_NOT:
		return has_set_term(n->a);
	case QN_CHANGED:
	case QN_VALUE:
	case QN_TEXT:
	case QN_REGEX:
		return 1;
	default:
		return 0;
	}
}

static int all_leaves_indexed(const struct qnode *n)
{
	switch (n->kind) {
	case QN_AND:
	case QN_OR:
		return all_leaves_indexed(n->a) && all_leaves_indexed(n->b);
	case QN_NOT:
		return all_leaves_indexed(n->a);
	case QN_ALL:
		return 1;
	default:
		return n->set_sql != NULL;
	}
}

int qcount_can(const struct qnode *n)
{
	return n && has_set_term(n) && all_leaves_indexed(n);
}

static void bitmap_init(struct bitmap *b, int64_t size)
{
	b->nwords = (size_t)(size / 64) + 1;
	b->w = xcalloc(b->nwords, sizeof(*b->w));
}

/* Sets bits 1..size: every entry. */
static void bitmap_fill(struct bitmap *b, int64_t size)
{
	memset(b->w, 0xff, b->nwords * sizeof(*b->w));
	b->w[0] &= ~(uint64_t)1; /* there is no seq 0 */
	b->w[b->nwords - 1] &= ((uint64_t)2 << (size % 64)) - 1;
}

/* Reads a leaf's seqs into b. Returns 0, QUERY_CANCELLED or -1. */
static int eval_leaf(struct counter *c, const struct qnode *n, struct bitmap *b)
{
	sqlite3_stmt *st;
	int rc;

	if (n->kind == QN_ALL) {
		bitmap_fill(b, c->size);
		return 0;
	}
	if (sqlite3_prepare_v2(c->db, n->set_sql, -1, &st, NULL) != SQLITE_OK)
		return error("query: cannot prepare a term: %s", sqlite3_errmsg(c->db));
	c->bind(c->ctx, st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 seq = sqlite3_column_int64(st, 0);

		if (seq >= 1 && seq <= c->size)
			b->w[seq / 64] |= (uint64_t)1 << (seq % 64);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_INTERRUPT)
		return QUERY_CANCELLED;
	if (rc != SQLITE_DONE)
		return error("query: %s", sqlite3_errmsg(c->db));
	return 0;
}

/* Evaluates n into b (zeroed by the caller). */
static int eval(struct counter *c, const struct qnode *n, struct bitmap *b)
{
	struct bitmap o;
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
		bitmap_init(&o, c->size);
		bitmap_fill(&o, c->size);
		for (size_t i = 0; i < b->nwords; i++)
			b->w[i] = ~b->w[i] & o.w[i];
		free(o.w);
		return 0;
	default:
		return eval_leaf(c, n, b);
	}
}

int64_t qcount_sets(sqlite3 *db, const struct qnode *tree, int64_t size,
		    void (*bind)(void *ctx, sqlite3_stmt *st), void *ctx)
{
	struct counter c = { db, size, bind, ctx };
	struct bitmap b;
	int64_t n = 0;
	int rc;

	bitmap_init(&b, size);
	rc = eval(&c, tree, &b);
	for (size_t i = 0; !rc && i < b.nwords; i++)
		n += __builtin_popcountll(b.w[i]);
	free(b.w);
	return rc ? rc : n;
}
