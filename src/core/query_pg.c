/*
 * query_pg.c - the query language on a PostgreSQL store (query.h): the
 * calls of query_sql.c run against the server.
 *
 * Design. There is one compiler of the tree (query_sql.c); on a
 * PostgreSQL store it writes the condition in that dialect where the two
 * differ: LIKE (escape '\') instead of GLOB, a text[] parameter
 * instead of json_each, extract() instead of strftime(), TRUE, and ?N
 * sent as $N (qpg_dialect). Text compares COLLATE "C" in the schema, so
 * the field terms' equalities, LIKE prefixes and the (ts, seq) keyset
 * ranges use the same indexes, in the same byte order, as on SQLite.
 * The condition holds no subquery: with 256 terms, each `IN (SELECT ..)`
 * would be a semi-join for the planner to order, which it cannot do in
 * bounded memory.
 *
 * Free text is a set term read from the entries_fts tsvectors by their
 * GIN index, with the phrase made of FTS5's own tokens (pg_fts_tsquery):
 * the same tokens the writer indexed, adjacent in one column, the last a
 * prefix for `*`.
 *
 * changed:P with no wildcard is exact SQL on the path strings (P, P.*,
 * P[*: changed_exact says why that is ts_path_match's answer), read by
 * one changes_path range on the server and returned as bitmap words.
 * The other terms whose semantics are C (changed: with wildcards,
 * before./after. values, PCRE2 regexes: sqlfuncs.c) are not
 * re-implemented in SQL. Each is a set term: its candidate rows are read from the server by index
 * (the changes_path range of the path's literal prefix; entry_text, the
 * narrow table of summary and raw record, for a regex, which needs every
 * record), a batch at a time into an in-memory SQLite table of the same
 * name, where the term's own SQLite set_sql, with the same functions,
 * picks the matching seqs. The set is then sent as a bytea parameter in
 * binary, its bitmap (bit seq & 7 of byte seq >> 3, tested with get_byte:
 * query_sql.c), and the count or page is one statement over the indexes,
 * index-only once the table is vacuumed, since the field indexes end in
 * seq (docs/STORE.md). An int8[] of the seqs instead cost the planner
 * ~0.45 s at 200,000 seqs. A count of set terms only is not sent back:
 * their bitmaps are combined and counted here (query_count.c's
 * qcount_sets, as on SQLite). Sets are kept, as bitmaps, while the
 * store's size does not change (their literals written when a statement
 * needs them); leaves are never read.
 *
 * Every call runs inside a SAVEPOINT of the reader's READ ONLY
 * transaction, rows come through a cursor a batch at a time, and the
 * cancel flag is read between batches; query_interrupt() sends PQcancel,
 * and a cancelled statement is rolled back to the savepoint so the
 * transaction lives on.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trailscope/diag.h"
#include "trailscope/incident.h"
#include "pg_int.h"
#include "query_int.h"
#include "rows.h"

#define QPG_FETCH 1000          /* rows per FETCH */
#define QPG_MEM_BATCH 2000      /* candidate rows per in-memory batch */
#define QPG_ACTIONS_MAX 50000   /* as query_sql.c's ACTION_SEEKS_MAX */
#define OID_TEXT 25
#define OID_INT8 20
#define OID_BYTEA 17

struct qpg {
	PGcancel *cancel;
	atomic_int interrupted;
	int64_t size;           /* the store's size the sets were found at */
	int have_sets;
	struct seqset *sets;    /* each set term's seqs, by its parameter's index */
	size_t nsets;
	sqlite3 *mem;           /* the in-memory tables set terms are evaluated in */
};

void qpg_dialect(const char *sql, struct buf *out)
{
	for (const char *p = sql; *p; p++)
		buf_addch(out, *p == '?' && p[1] >= '0' && p[1] <= '9' ? '$' : *p);
}

int qpg_fts_query(const char *text, int prefix, struct buf *out)
{
	struct pg_fts *f = pg_fts_new();
	int n;

	if (!f)
		return -1;
	n = pg_fts_tsquery(f, text, prefix, out);
	pg_fts_free(f);
	return n;
}

/* The distinct actions whose last component, but not the whole, matches
 * pattern (query_sql.c's action_tails), read by a loose index scan of
 * entries_action. */
int qpg_action_tails(struct query *q, const char *pattern, struct buf *out)
{
	static const char sql[] =
		"WITH RECURSIVE a(action) AS (SELECT min(action) FROM entries UNION ALL"
		" SELECT (SELECT min(e.action) FROM entries AS e WHERE e.action > a.action)"
		" FROM a WHERE a.action IS NOT NULL)"
		" SELECT action FROM a WHERE action IS NOT NULL LIMIT $1";
	struct row_param p[] = { ROW_INT(QPG_ACTIONS_MAX) };
	struct buf err = BUF_INIT, arr = BUF_INIT;
	struct rows *r = rows_open(q->s, NULL, sql, p, 1, "actions", &err);
	int n = 0, seen = 0, rc = -1;

	while (r && (rc = rows_next(r)) == 1) {
		const struct row_col *c = rows_col(r, 0);
		const char *tail;
		size_t tlen;

		seen++;
		if ((tail = action_last_component(c->p, c->n, &tlen)) && vpat_match(pattern, tail, tlen) &&
		    !vpat_match(pattern, c->p, c->n)) {
			/* a text[] literal: {"a","b\"c"} */
			buf_addstr(&arr, n++ ? ",\"" : "{\"");
			for (size_t i = 0; i < c->n; i++) {
				if (c->p[i] == '"' || c->p[i] == '\\')
					buf_addch(&arr, '\\');
				buf_addch(&arr, c->p[i]);
			}
			buf_addch(&arr, '"');
		}
	}
	rows_close(r);
	buf_release(&err);
	if (rc != 0 || seen >= QPG_ACTIONS_MAX) {
		buf_release(&arr);
		return -1;
	}
	if (n)
		buf_addch(&arr, '}');
	buf_add(out, arr.buf ? arr.buf : "", arr.len);
	buf_release(&arr);
	return n;
}

void qpg_init(struct query *q)
{
	if (!q->pgx) {
		q->pgx = xcalloc(1, sizeof(*q->pgx));
		q->pgx->cancel = PQgetCancel(q->s->pg->conn);
		q->pgx->size = -1;
	}
}

void qpg_free(struct query *q)
{
	if (!q->pgx)
		return;
	if (q->pgx->cancel)
		PQfreeCancel(q->pgx->cancel);
	for (size_t i = 0; i < q->pgx->nsets; i++)
		seqset_release(&q->pgx->sets[i]);
	free(q->pgx->sets);
	sqlite3_close(q->pgx->mem);
	free(q->pgx);
	q->pgx = NULL;
}

void qpg_interrupt(struct query *q)
{
	struct qpg *st = q->pgx;
	char msg[256];

	if (!st)
		return; /* nothing has run */
	atomic_store(&st->interrupted, 1);
	if (st->cancel)
		PQcancel(st->cancel, msg, sizeof(msg));
}

static int cancelled(struct query *q)
{
	return (q->cancel && *q->cancel) || atomic_load(&q->pgx->interrupted) || pg_progress(q->s);
}

/* ---- set terms ---- */

static int mem_open(struct query *q)
{
	struct qpg *st = q->pgx;

	if (st->mem)
		return 0;
	if (sqlite3_open_v2(":memory:", &st->mem, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlfuncs_register(st->mem) ||
	    sqlite3_exec(st->mem, "CREATE TABLE changes(seq INTEGER, path TEXT, before TEXT, after TEXT);"
			 "CREATE TABLE entry_text(seq INTEGER, summary TEXT, raw TEXT)", NULL, NULL, NULL) != SQLITE_OK) {
		error("query: cannot open an in-memory database: %s", st->mem ? sqlite3_errmsg(st->mem) : "out of memory");
		sqlite3_close(st->mem);
		st->mem = NULL;
		return -1;
	}
	return 0;
}

/* The server's candidate rows for a set term, and how each goes into the
 * in-memory table: columns 1.. of the row into ins's ?1... */
struct candidates {
	struct buf sql, like, ins;
	int nparams;
};

/* A regex that matches exactly where its text occurs: no metacharacter,
 * no control byte, and no flag but m and s (which change only '^', '$'
 * and '.'); i is left out, PCRE2's caseless UTF matching folding more
 * than ASCII. */
static int regex_is_literal(const char *re, const char *flags)
{
	if (!*re || flags[strspn(flags, "ms")])
		return 0;
	for (const unsigned char *p = (const unsigned char *)re; *p; p++)
		if (*p < 0x20 || *p == 0x7f || strchr("\\^$.|?*+()[]{}", *p))
			return 0;
	return 1;
}

static void candidates(const struct qnode *n, struct candidates *c)
{
	struct buf pre = BUF_INIT;

	buf_init(&c->sql);
	buf_init(&c->like);
	buf_init(&c->ins);
	c->nparams = 0;
	if (n->kind == QN_REGEX) {
		buf_addstr(&c->sql, "SELECT seq, summary, raw FROM entry_text");
		buf_addstr(&c->ins, "INSERT INTO entry_text(seq, summary, raw) VALUES (?1, ?2, ?3)");
		if (regex_is_literal(n->value, n->flags)) {
			/* only the rows holding the text leave the server: LIKE
			 * '%text%' (COLLATE "C": a byte substring), which a trigram
			 * index an operator made (pg_trgm, docs/STORE.md) serves */
			buf_addstr(&c->sql, " WHERE summary LIKE $1 OR raw LIKE $1");
			buf_addch(&c->like, '%');
			like_prefix(n->value, strlen(n->value), &c->like);
			c->nparams = 1;
		}
		return;
	}
	if (n->kind == QN_CHANGED) {
		ppat_prefix(n->path, &pre);
		buf_addstr(&c->sql, "SELECT seq, path FROM changes");
		buf_addstr(&c->ins, "INSERT INTO changes(seq, path) VALUES (?1, ?2)");
		if (pre.len) {
			buf_addstr(&c->sql, " WHERE path LIKE $1");
			like_prefix(pre.buf, pre.len, &c->like);
			c->nparams = 1;
		}
	} else {
		/* as query_sql.c's gen_value: the first member name's literal
		 * part, and the whole state ("") */
		const char *col = n->field ? "after" : "before";
		size_t i = 0;
		struct seg g = ppat_next_seg(n->path, strlen(n->path), &i, 1);

		if (g.kind == SEG_NAME)
			for (size_t k = 0; k < g.len && g.s[k] != '*'; k++)
				buf_addch(&pre, g.s[k]);
		buf_addf(&c->sql, "SELECT seq, path, %s FROM changes", col);
		buf_addf(&c->ins, "INSERT INTO changes(seq, path, %s) VALUES (?1, ?2, ?3)", col);
		if (pre.len) {
			buf_addstr(&c->sql, " WHERE path LIKE $1 OR path = ''");
			like_prefix(pre.buf, pre.len, &c->like);
			c->nparams = 1;
		}
	}
	buf_release(&pre);
}

static void candidates_release(struct candidates *c)
{
	buf_release(&c->sql);
	buf_release(&c->like);
	buf_release(&c->ins);
}

/* Runs the term's set_sql over the batch in memory, setting its seqs in
 * b, and empties the table. Returns 0 or -1 (reported). */
static int flush(struct query *q, sqlite3_stmt *pick, const char *table, struct seqset *b)
{
	sqlite3 *mem = q->pgx->mem;
	char sql[48];
	int rc;

	if (sqlite3_exec(mem, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return error("query: %s", sqlite3_errmsg(mem));
	while ((rc = sqlite3_step(pick)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(pick, 0);

		if (seq >= 0 && (size_t)(seq / 64) < b->nwords)
			b->w[seq / 64] |= (uint64_t)1 << (seq % 64);
	}
	sqlite3_reset(pick);
	if (rc != SQLITE_DONE)
		return error("query: %s", sqlite3_errmsg(mem));
	snprintf(sql, sizeof(sql), "DELETE FROM %s; BEGIN", table);
	if (sqlite3_exec(mem, sql, NULL, NULL, NULL) != SQLITE_OK)
		return error("query: %s", sqlite3_errmsg(mem));
	return 0;
}

/* Free text: the seqs whose tsvector matches the term's tsquery (its
 * set_sql here), by the GIN index. */
static int find_text(struct query *q, const struct qnode *n, struct seqset *b)
{
	struct row_param p[1] = { ROW_TEXT(n->set_sql) };
	struct buf err = BUF_INIT;
	struct rows *r = rows_open(q->s, NULL, "SELECT seq FROM entries_fts WHERE doc @@ CAST($1 AS tsquery)", p, 1,
				   "the free-text index", &err);
	int rc = r ? 0 : -1;

	while (r && (rc = rows_next(r)) == 1) {
		int64_t seq = rows_col(r, 0)->i;

		if (seq >= 0 && (size_t)(seq / 64) < b->nwords)
			b->w[seq / 64] |= (uint64_t)1 << (seq % 64);
	}
	rows_close(r);
	if (rc < 0)
		rc = strstr(err.buf, "cancel") ? QUERY_CANCELLED : error("%s", err.buf);
	buf_release(&err);
	return rc;
}

/*
 * Whether changed:pat is answered by exact SQL on the path strings: pat
 * parses (ppat_check) and has no wildcard (no `*` outside a quoted name,
 * so ppat_prefix is pat itself). Then ts_path_match(pat, path), over the
 * rows of SQLite's range (path starting with pat), is 1 exactly when
 * what follows pat in path leaves pat's last segment whole: ppat_relate
 * reads path's segments as pat's (the same bytes, no '*' to read
 * differently), the pattern ends there and the rest of path is not read;
 * a quoted or index segment ends at its ']', so any rest will do, while
 * a name runs on through name characters and must then be followed by
 * '.', '[' or the end. *name_last is set when the last segment is a
 * name. Returns 1 or 0.
 */
static int changed_exact(const char *pat, int *name_last)
{
	size_t i = 0, len = strlen(pat);

	*name_last = 0;
	for (;;) {
		struct seg g = ppat_next_seg(pat, len, &i, 1);

		if (g.kind == SEG_END)
			return 1;
		if (g.kind == SEG_BAD || g.kind == SEG_ANY_INDEX || (g.kind == SEG_NAME && memchr(g.s, '*', g.len)))
			return 0;
		*name_last = g.kind == SEG_NAME;
	}
}

/* changed:pat without a wildcard (changed_exact): the seqs of the
 * changes_path ranges, read on the server. */
static int find_changed_exact(struct query *q, const char *pat, int name_last, struct seqset *b)
{
	struct buf sql = BUF_INIT, like[3] = { BUF_INIT, BUF_INIT, BUF_INIT }, err = BUF_INIT;
	size_t len = strlen(pat);
	struct row_param p[4] = { ROW_TEXT(pat), ROW_TEXT(NULL), ROW_TEXT(NULL), ROW_TEXT(NULL) };
	struct rows *r;
	int rc, np = 0;

	/* the seqs as bitmap words, seq / 64 and its bits: a row per 64 seqs
	 * at most, not one per change */
	buf_addstr(&sql, "SELECT seq >> 6, bit_or(CAST(1 AS int8) << CAST(seq & 63 AS int4)) FROM changes");
	if (name_last) {
		/* path = pat, or pat then '.' or '[' and anything: a filter on
		 * the one range of pat, so that on a vacuumed table the index
		 * alone answers (an OR of ranges would be a bitmap scan, which
		 * reads the heap) */
		like_prefix(pat, len, &like[2]);
		p[3].s = like[2].buf;
		for (int k = 0; k < 2; k++) {
			struct buf lit = BUF_INIT;

			buf_add(&lit, pat, len);
			buf_addch(&lit, k ? '[' : '.');
			like_prefix(lit.buf, lit.len, &like[k]);
			p[k + 1].s = like[k].buf;
			buf_release(&lit);
		}
		buf_addstr(&sql, " WHERE path LIKE $4 AND (path = $1 OR path LIKE $2 OR path LIKE $3)");
		np = 4;
	} else if (len) {
		/* pat and anything */
		like_prefix(pat, len, &like[0]);
		p[0].s = like[0].buf;
		buf_addstr(&sql, " WHERE path LIKE $1");
		np = 1;
	}
	buf_addstr(&sql, " GROUP BY 1");
	r = rows_open(q->s, NULL, sql.buf, p, np, "the query's changes", &err);
	rc = r ? 0 : -1;
	while (r && (rc = rows_next(r)) == 1) {
		int64_t w = rows_col(r, 0)->i;

		if (w >= 0 && (size_t)w < b->nwords)
			b->w[w] |= (uint64_t)rows_col(r, 1)->i;
	}
	rows_close(r);
	if (rc < 0)
		rc = strstr(err.buf, "cancel") ? QUERY_CANCELLED : error("%s", err.buf);
	buf_release(&sql);
	for (int k = 0; k < 3; k++)
		buf_release(&like[k]);
	buf_release(&err);
	return rc;
}

/* The seqs of set term n into b (size bits). Returns 0, QUERY_CANCELLED
 * or -1 (reported). */
static int find_set(struct query *q, const struct qnode *n, int64_t size, struct seqset *b)
{
	const char *table = n->kind == QN_REGEX ? "entry_text" : "changes";
	sqlite3 *mem;
	sqlite3_stmt *pick = NULL, *ins = NULL;
	struct candidates c;
	struct row_param p[1];
	struct buf err = BUF_INIT;
	struct rows *r = NULL;
	int rc = -1, batch = 0, more = 0, name_last;

	if (n->kind == QN_TEXT)
		return find_text(q, n, b);
	if (n->kind == QN_CHANGED && changed_exact(n->path, &name_last))
		return find_changed_exact(q, n->path, name_last, b);
	if (mem_open(q))
		return -1;
	mem = q->pgx->mem;
	candidates(n, &c);
	if (sqlite3_prepare_v2(mem, n->set_sql, -1, &pick, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(mem, c.ins.buf, -1, &ins, NULL) != SQLITE_OK) {
		error("query: cannot prepare a term: %s", sqlite3_errmsg(mem));
		goto out;
	}
	query_bind_sqlite(q, pick);
	if (n->set_scan) {
		sqlite3_bind_int64(pick, sqlite3_bind_parameter_index(pick, ":lo"), 1);
		sqlite3_bind_int64(pick, sqlite3_bind_parameter_index(pick, ":hi"), size + 1);
	}
	p[0].s = c.like.buf;
	p[0].i = 0;
	if (!(r = rows_open(q->s, NULL, c.sql.buf, p, c.nparams, "the query's candidates", &err))) {
		error("%s", err.buf);
		goto out;
	}
	if (sqlite3_exec(mem, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		error("query: %s", sqlite3_errmsg(mem));
		goto out;
	}
	while ((more = rows_next(r)) == 1) {
		for (int k = 0; k < r->ncols; k++) {
			const struct row_col *col = rows_col(r, k);

			if (col->is_int)
				sqlite3_bind_int64(ins, k + 1, col->i);
			else if (col->p)
				sqlite3_bind_text(ins, k + 1, col->p, (int)col->n, SQLITE_STATIC);
			else
				sqlite3_bind_null(ins, k + 1);
		}
		if (sqlite3_step(ins) != SQLITE_DONE) {
			error("query: %s", sqlite3_errmsg(mem));
			goto out;
		}
		sqlite3_reset(ins);
		if (++batch < QPG_MEM_BATCH)
			continue;
		batch = 0;
		if (flush(q, pick, table, b))
			goto out;
		if (cancelled(q)) {
			rc = QUERY_CANCELLED;
			goto out;
		}
	}
	if (more < 0) {
		rc = error("%s", err.buf);
		if (strstr(err.buf, "cancel")) /* query_interrupt() */
			rc = QUERY_CANCELLED;
		goto out;
	}
	rc = flush(q, pick, table, b);
out:
	rows_close(r);
	sqlite3_finalize(pick);
	sqlite3_finalize(ins);
	if (!sqlite3_get_autocommit(mem))
		sqlite3_exec(mem, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_exec(mem, "DELETE FROM changes; DELETE FROM entry_text", NULL, NULL, NULL);
	buf_release(&err);
	candidates_release(&c);
	return rc;
}

/* The set as the bytes of its bitmap (query_sql.c's bit test): bit
 * seq & 7 of byte seq >> 3, whatever the host's byte order. */
static void set_bytes(const struct seqset *b, struct qparam *p)
{
	unsigned char *out = xmalloc(b->nwords * 8 + 1);

	for (size_t w = 0; w < b->nwords; w++)
		for (int k = 0; k < 8; k++)
			out[w * 8 + (size_t)k] = (unsigned char)(b->w[w] >> (8 * k));
	free(p->text);
	p->len = b->nwords * 8;
	p->text = (char *)out;
}

/* Finds the seqs of each set term in n, kept in q->pgx->sets; their
 * bitmap bytes are written when a statement needs them (run). */
static int find_sets_in(struct query *q, const struct qnode *n, int64_t size)
{
	struct qparam *p;
	struct seqset *b;
	int rc;

	if (n->kind == QN_AND || n->kind == QN_OR)
		return (rc = find_sets_in(q, n->a, size)) ? rc : find_sets_in(q, n->b, size);
	if (n->kind == QN_NOT)
		return find_sets_in(q, n->a, size);
	if (!n->pparam || (p = &q->params[n->pparam - 1])->type != P_SET)
		return 0;
	free(p->text);
	p->text = NULL;
	p->len = 0;
	b = &q->pgx->sets[n->pparam - 1];
	seqset_release(b);
	b->nwords = (size_t)(size / 64) + 1;
	b->w = xcalloc(b->nwords, sizeof(*b->w));
	if ((rc = find_set(q, n, size, b)))
		seqset_release(b);
	return rc;
}

/* Finds every set term's seqs unless they were found at this size. */
static int find_sets(struct query *q)
{
	struct qpg *st = q->pgx;
	int64_t size;
	int rc;

	if (!qcount_has_set_term(q->tree))
		return 0;
	if ((size = store_size(q->s)) < 0)
		return -1;
	if (st->have_sets && st->size == size)
		return 0;
	st->have_sets = 0;
	if (st->nsets < q->nparams) {
		st->sets = xrealloc(st->sets, q->nparams * sizeof(*st->sets));
		memset(st->sets + st->nsets, 0, (q->nparams - st->nsets) * sizeof(*st->sets));
		st->nsets = q->nparams;
	}
	if ((rc = find_sets_in(q, q->tree, size)))
		return rc;
	st->have_sets = 1;
	st->size = size;
	return 0;
}

/* ---- running a statement ---- */

/* A parameter after the query's own: text when s is set. */
struct extra {
	const char *s;
	int64_t i;
};

typedef int (*pg_row_fn)(PGresult *res, int row, void *ctx);

static int exec_ok(struct query *q, const char *sql)
{
	PGresult *res = PQexec(q->s->pg->conn, sql);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		pg_report(q->s, res, "cannot run the query");
	PQclear(res);
	return ok ? 0 : -1;
}

/* -1 reported, or QUERY_CANCELLED when res says the statement was. */
static int failed(struct query *q, PGresult *res)
{
	if (!strcmp(pg_sqlstate(res), "57014"))
		return QUERY_CANCELLED;
	return pg_report(q->s, res, "cannot run the query");
}

/*
 * Runs head (the condition) tail with the query's parameters and then
 * x's ($K after them), calling fn on each row (text results) until it
 * returns nonzero. Returns the rows seen, QUERY_CANCELLED or -1.
 */
static int64_t run(struct query *q, const char *head, const char *tail, const struct extra *x, int nx,
		   pg_row_fn fn, void *ctx)
{
	struct pg_store *pg = q->s->pg;
	int in_tx = pg->in_tx, np = (int)q->nparams + nx, stop = 0;
	const char **val = xcalloc((size_t)np + 1, sizeof(*val));
	int *lens = xcalloc((size_t)np + 1, sizeof(*lens)), *fmts = xcalloc((size_t)np + 1, sizeof(*fmts));
	Oid *types = xcalloc((size_t)np + 1, sizeof(*types));
	char (*num)[24] = xcalloc((size_t)np + 1, sizeof(*num));
	struct buf sql = BUF_INIT;
	char name[32], fetch[64];
	PGresult *res = NULL;
	int64_t n = 0;
	int rc;

	atomic_store(&q->pgx->interrupted, 0);
	if (cancelled(q)) {
		n = QUERY_CANCELLED;
		goto out;
	}
	if (in_tx && exec_ok(q, "SAVEPOINT ts_query")) {
		n = -1;
		goto out;
	}
	if ((rc = find_sets(q))) {
		n = rc;
		goto rollback;
	}
	for (int i = 0; i < np; i++) {
		struct qparam *p = i < (int)q->nparams ? &q->params[i] : NULL;
		const struct extra *e = p ? NULL : &x[i - (int)q->nparams];

		if (p ? p->type == P_INT : !e->s) {
			snprintf(num[i], sizeof(num[i]), "%" PRId64, p ? p->i : e->i);
			val[i] = num[i];
			types[i] = OID_INT8;
		} else if (p && p->type == P_SET) {
			/* a bitmap, sent in binary: no text to encode or parse */
			if (!p->text && (size_t)i < q->pgx->nsets && q->pgx->sets[i].w)
				set_bytes(&q->pgx->sets[i], p);
			val[i] = p->text ? p->text : "";
			lens[i] = p->text ? (int)p->len : 0;
			fmts[i] = 1;
			types[i] = OID_BYTEA;
		} else {
			val[i] = p ? p->text : e->s;
			types[i] = OID_TEXT;
		}
	}
	if (in_tx) {
		snprintf(name, sizeof(name), "ts_query_%u", pg->cursors++);
		buf_addf(&sql, "DECLARE %s NO SCROLL CURSOR FOR ", name);
	}
	buf_addf(&sql, "%s (", head);
	qpg_dialect(q->where.buf, &sql);
	buf_addf(&sql, ")%s", tail);
	res = PQexecParams(pg->conn, sql.buf, np, types, val, lens, fmts, 0);
	if (PQresultStatus(res) != (in_tx ? PGRES_COMMAND_OK : PGRES_TUPLES_OK)) {
		n = failed(q, res);
		goto rollback;
	}
	if (in_tx)
		snprintf(fetch, sizeof(fetch), "FETCH FORWARD %d FROM %s", QPG_FETCH, name);
	for (;;) {
		int rows;

		if (in_tx) {
			PQclear(res);
			res = PQexecParams(pg->conn, fetch, 0, NULL, NULL, NULL, NULL, 0);
			if (PQresultStatus(res) != PGRES_TUPLES_OK) {
				n = failed(q, res);
				goto rollback;
			}
		}
		rows = PQntuples(res);
		for (int i = 0; i < rows && !stop; i++) {
			n++;
			stop = fn(res, i, ctx);
		}
		if (stop || !in_tx || rows < QPG_FETCH)
			break;
		if (cancelled(q)) {
			n = QUERY_CANCELLED;
			goto rollback;
		}
	}
	if (in_tx && exec_ok(q, "RELEASE SAVEPOINT ts_query"))
		n = -1;
	goto out;
rollback:
	if (in_tx) {
		PGresult *r2 = PQexec(pg->conn, "ROLLBACK TO SAVEPOINT ts_query");

		if (PQresultStatus(r2) != PGRES_COMMAND_OK && n != -1)
			n = pg_report(q->s, r2, "cannot run the query");
		PQclear(r2);
		PQclear(PQexec(pg->conn, "RELEASE SAVEPOINT ts_query"));
	}
out:
	PQclear(res);
	buf_release(&sql);
	free(val);
	free(lens);
	free(fmts);
	free(types);
	free(num);
	return n;
}

struct each_ctx {
	query_row_fn fn;
	void *ctx;
};

#define ROW_COLS "SELECT e.seq, e.ts, e.event_id, e.actor, e.actor_type, e.action, e.target," \
	" e.target_kind, e.environment, e.summary, e.risk, e.outcome FROM entries AS e WHERE"

static int each_row(PGresult *res, int i, void *arg)
{
	struct each_ctx *c = arg;
	struct query_row r;

	r.seq = strtoll(PQgetvalue(res, i, 0), NULL, 10);
	r.ts = PQgetvalue(res, i, 1);
	r.event_id = PQgetvalue(res, i, 2);
	r.actor = PQgetvalue(res, i, 3);
	r.actor_type = PQgetvalue(res, i, 4);
	r.action = PQgetvalue(res, i, 5);
	r.target = PQgetvalue(res, i, 6);
	r.target_kind = PQgetvalue(res, i, 7);
	r.environment = PQgetvalue(res, i, 8);
	r.summary = PQgetvalue(res, i, 9);
	r.risk = (unsigned)strtoul(PQgetvalue(res, i, 10), NULL, 10);
	r.outcome = PQgetvalue(res, i, 11);
	return c->fn ? c->fn(&r, c->ctx) : 0;
}

int64_t qpg_each(struct query *q, const struct query_fetch *f, query_row_fn fn, void *ctx)
{
	static const char *const cmp[] = { ">", ">=", "<", "<=" };
	struct each_ctx c = { fn, ctx };
	struct extra x[3];
	struct buf tail = BUF_INIT;
	int nx = 0, k = (int)q->nparams;
	int64_t n;

	if (f->from) {
		x[nx].s = f->from->ts;
		x[nx++].i = 0;
		x[nx].s = NULL;
		x[nx++].i = f->from->seq;
		buf_addf(&tail, " AND (e.ts, e.seq) %s ($%d, $%d)", cmp[(f->desc ? 2 : 0) + !!f->inclusive], k + 1, k + 2);
	}
	buf_addstr(&tail, f->desc ? " ORDER BY e.ts DESC, e.seq DESC" : " ORDER BY e.ts, e.seq");
	if (f->limit > 0) {
		x[nx].s = NULL;
		x[nx++].i = f->limit;
		buf_addf(&tail, " LIMIT $%d", k + nx);
	}
	n = run(q, ROW_COLS, tail.buf, x, nx, each_row, &c);
	buf_release(&tail);
	return n;
}

int64_t qpg_each_range(struct query *q, const struct query_range *r, query_row_fn fn, void *ctx)
{
	struct each_ctx c = { fn, ctx };
	struct extra x[4] = {
		{ NULL, r->seq_after },
		{ NULL, r->seq_through > 0 ? r->seq_through : INT64_MAX },
		/* every stored time is a digit string: "" and "\x7f" bound them all */
		{ r->ts_from ? r->ts_from : "", 0 },
		{ r->ts_until ? r->ts_until : "\x7f", 0 },
	};
	struct buf tail = BUF_INIT;
	int k = (int)q->nparams;
	int64_t n;

	buf_addf(&tail, " AND e.seq > $%d AND e.seq <= $%d AND e.ts >= $%d AND e.ts < $%d ORDER BY e.seq",
		 k + 1, k + 2, k + 3, k + 4);
	n = run(q, ROW_COLS, tail.buf, x, 4, each_row, &c);
	buf_release(&tail);
	return n;
}

static int count_row(PGresult *res, int i, void *arg)
{
	*(int64_t *)arg = strtoll(PQgetvalue(res, i, 0), NULL, 10);
	return 0;
}

/* A set term's seqs for qcount_sets, from those find_sets kept. */
static int copy_set(void *ctx, const struct qnode *n, struct seqset *b)
{
	struct qpg *st = ((struct query *)ctx)->pgx;
	const struct seqset *s = &st->sets[n->pparam - 1];

	memcpy(b->w, s->w, (b->nwords < s->nwords ? b->nwords : s->nwords) * sizeof(*b->w));
	return 0;
}

/* A count of set terms only, as on SQLite (query_count.c): the bitmaps
 * combined word by word, the bits 1..size counted; no statement over
 * entries, and no set sent back to the server. */
static int64_t count_sets(struct query *q)
{
	struct pg_store *pg = q->s->pg;
	struct qcounter c;
	int64_t n;

	atomic_store(&q->pgx->interrupted, 0);
	if (cancelled(q))
		return QUERY_CANCELLED;
	if (pg->in_tx && exec_ok(q, "SAVEPOINT ts_query"))
		return -1;
	if (!(n = find_sets(q))) {
		memset(&c, 0, sizeof(c));
		c.size = q->pgx->size;
		c.leaf = copy_set;
		c.ctx = q;
		c.cancel = q->cancel;
		n = qcount_sets(&c, q->tree);
	}
	if (pg->in_tx) {
		PGresult *res = PQexec(pg->conn, n < 0 ? "ROLLBACK TO SAVEPOINT ts_query" : "RELEASE SAVEPOINT ts_query");

		if (PQresultStatus(res) != PGRES_COMMAND_OK && n != -1)
			n = pg_report(q->s, res, "cannot run the query");
		PQclear(res);
		if (n < 0)
			PQclear(PQexec(pg->conn, "RELEASE SAVEPOINT ts_query"));
	}
	return n;
}

int64_t qpg_count(struct query *q)
{
	int64_t count = 0, n;

	if (qcount_has_set_term(q->tree) && qcount_only_set_terms(q->tree))
		return count_sets(q);
	n = run(q, "SELECT count(*) FROM entries AS e WHERE", "", NULL, 0, count_row, &count);
	return n < 0 ? n : count;
}

int qpg_matches(struct query *q, int64_t seq)
{
	struct extra x[1] = { { NULL, seq } };
	char tail[32];
	int64_t n;

	snprintf(tail, sizeof(tail), " AND e.seq = $%d", (int)q->nparams + 1);
	n = run(q, "SELECT 1 FROM entries AS e WHERE", tail, x, 1, count_row, &(int64_t){ 0 });
	return n < 0 ? (int)n : n > 0;
}

/* ---- distinct values for hints and completion ---- */

struct rows *qpg_walk(struct store *s, const char *table, const char *col, const char *from, int inclusive,
		      const char *prefix, int64_t limit, struct buf *err)
{
	struct buf sql = BUF_INIT, like = BUF_INIT;
	struct row_param p[3];
	struct rows *r;

	/* a loose index scan: each row one seek of the column's index, the
	 * walk stopping at the first value without the prefix */
	like_prefix(prefix, strlen(prefix), &like);
	buf_addf(&sql, "WITH RECURSIVE v(x) AS (SELECT min(%s) FROM %s WHERE %s %s $1 UNION ALL"
		 " SELECT (SELECT min(%s) FROM %s WHERE %s > v.x) FROM v WHERE v.x LIKE $2)"
		 " SELECT x FROM v WHERE x IS NOT NULL LIMIT $3", col, table, col, inclusive ? ">=" : ">",
		 col, table, col);
	p[0].s = from;
	p[1].s = like.buf;
	p[2].s = NULL;
	p[2].i = limit;
	r = rows_open(s, NULL, sql.buf, p, 3, "distinct values", err);
	buf_release(&sql);
	buf_release(&like);
	return r;
}

/* ---- around: ---- */

/* One incident's started_at and resolved_at: 1 found, 0 not, -1 (reported). */
static int incident_times(struct store *s, const char *sql, const char *id, struct incident *in)
{
	struct row_param p[1] = { ROW_TEXT(id) };
	struct buf err = BUF_INIT;
	struct rows *r = rows_open(s, NULL, sql, p, 1, "incidents", &err);
	const char *why;
	int rc = r ? 0 : -1, found = 0;

	while (r && (rc = rows_next(r)) == 1 && found++ < 1) {
		const struct row_col *st = rows_col(r, 0), *rs = rows_col(r, 1);

		in->resolved = INCIDENT_NO_TIME;
		if (!st->p || time_parse_iso(st->p, &in->started, &why) ||
		    (rs->p && time_parse_iso(rs->p, &in->resolved, &why))) {
			rc = error("%s: incident '%.100s' has a damaged time", s->path, id);
			break;
		}
	}
	rows_close(r);
	if (rc < 0 && err.len)
		error("%s", err.buf);
	buf_release(&err);
	if (rc < 0)
		return -1;
	return found == 1; /* two without case: ambiguous, as incident_load */
}

int qpg_incident_window(struct store *s, const char *id, usec_t *from, usec_t *to)
{
	static const char *const sql[] = {
		"SELECT started_at, resolved_at FROM incidents WHERE id = $1",
		/* SQLite's NOCASE: ASCII letters only, as lower() under "C" */
		"SELECT started_at, resolved_at FROM incidents WHERE lower(id) = lower($1 COLLATE \"C\") LIMIT 2",
	};
	struct incident in;
	int rc = 0;

	memset(&in, 0, sizeof(in));
	for (size_t k = 0; k < ARRAY_SIZE(sql) && !rc; k++)
		rc = incident_times(s, sql[k], id, &in);
	if (rc == 1)
		incident_window(&in, from, to);
	return rc;
}
