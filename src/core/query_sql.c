/*
 * query_sql.c - compiles a parsed query (query_parse.c) into one SQL
 * condition over `entries AS e` with numbered parameters, and runs it:
 * counts, keyset pages in (ts, seq) order, single-event tests (query.h).
 *
 * Every piece of SQL text here is a constant of this file; every value
 * from the query is a bound parameter. Field terms compare indexed
 * columns (a literal-prefix range in front of GLOB so the index is used),
 * time terms the entries_ts range, path terms a changes_path range on the
 * literal prefix before the first wildcard, free text the FTS5 index.
 * Cost of compiling: linear in the query, plus one indexed read per
 * around: term. Statements are prepared lazily and kept.
 *
 * Counts of queries with set terms (changed:, values, free text, regex)
 * read each such term's seqs into a bitmap first (query_count.c, from the
 * term's set_sql) and test bits in their place (ts_inset).
 *
 * Planner shaping: set terms are written `+e.seq IN (...)` so that SQLite
 * does not drive the query by rowid lookups into entries (whose rows are
 * wide, the leaf coming first) but scans a covering index (entries_ts in
 * time order for a page, the smallest for a count) and probes the set;
 * `risk:` adds `e.risk != 0` so that the partial index entries_risk
 * serves counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "query_int.h"
#include "trailscope/incident.h"
#include "trailscope/timeline.h"
#include "rows.h"
#include "store_row.h"


struct gen {
	struct query *q;
	const char *text;
	struct query_error *err;
};

/* A new parameter of type; its number is q->nparams. */
static struct qparam *new_param(struct query *q, int type)
{
	struct qparam *p;

	ALLOC_GROW(q->params, q->nparams + 1, q->alloc);
	p = &q->params[q->nparams++];
	memset(p, 0, sizeof(*p));
	p->type = type;
	return p;
}

static int add_text(struct query *q, const char *s, size_t len)
{
	struct qparam *p = new_param(q, P_TEXT);

	p->text = xstrndup(s, len);
	p->len = len;
	return (int)q->nparams;
}

static int add_str(struct query *q, const char *s) { return add_text(q, s, strlen(s)); }

/* A parameter bound only by counts, to a set term's seq bitmap. */
static int add_set(struct query *q)
{
	new_param(q, P_SET);
	return (int)q->nparams;
}

static int add_int(struct query *q, int64_t i)
{
	new_param(q, P_INT)->i = i;
	return (int)q->nparams;
}

static const char *const field_columns[] = {
	[QF_ACTOR] = "e.actor", [QF_ACTOR_TYPE] = "e.actor_type", [QF_TARGET] = "e.target",
	[QF_TARGET_KIND] = "e.target_kind", [QF_ENV] = "e.environment", [QF_ACTION] = "e.action",
	[QF_ID] = "e.event_id",
};

/* "col >= ?a AND col < ?b" for the strings starting with prefix, or
 * nothing when the prefix is empty. Appends " AND " after it. */
static void prefix_range(struct query *q, struct buf *out, const char *col, const char *prefix, size_t len)
{
	struct buf hi = BUF_INIT;

	if (!len)
		return;
	buf_addf(out, "%s >= ?%d AND ", col, add_text(q, prefix, len));
	if (str_prefix_upper(prefix, len, &hi))
		buf_addf(out, "%s < ?%d AND ", col, add_text(q, hi.buf, hi.len));
	buf_release(&hi);
}

/* A set term: cond in the condition (NULL: "+e.seq IN (inner)"), inner
 * (which selects the matching seqs on its own) as its set_sql, and the
 * span of cond and a bitmap parameter for counts. */
static void add_set_term(struct query *q, struct qnode *n, const char *cond, struct buf *inner)
{
	n->wpos = q->where.len;
	if (q->pg) {
		/* the seqs are found first (query_pg.c) and sent as a bitmap,
		 * a bytea whose bit seq & 7 of byte seq >> 3 is seq (get_byte:
		 * PostgreSQL 13's get_bit takes an int4); a seq past its end
		 * (appended since) is not in the set. A filter, never an index
		 * condition, and nothing for the planner to read, where an
		 * int8[] of 200,000 seqs took it 0.45 s */
		n->pparam = add_set(q);
		buf_addf(&q->where, "CASE WHEN e.seq >> 3 < octet_length(?%d) THEN get_byte(?%d, CAST(e.seq >> 3 AS int4))"
			 " & (1 << CAST(e.seq & 7 AS int4)) <> 0 ELSE FALSE END", n->pparam, n->pparam);
		n->wlen = q->where.len - n->wpos;
		n->set_sql = buf_detach(inner, NULL);
		return;
	}
	if (cond)
		buf_addstr(&q->where, cond);
	else
		buf_addf(&q->where, "+e.seq IN (%s)", inner->buf);
	n->wlen = q->where.len - n->wpos;
	n->set_sql = buf_detach(inner, NULL);
	n->pparam = add_set(q);
}

#define ACTION_SEEKS_MAX 50000 /* distinct actions read for action:V's last components */

/*
 * The distinct actions whose last component, but not the whole, matches
 * pattern, as a JSON array in out, read from entries_action by seeks (one
 * per distinct action). Returns how many, or -1 when there are more than
 * ACTION_SEEKS_MAX distinct actions (or the store cannot be read).
 */
static int action_tails(struct query *q, const char *pattern, struct buf *out)
{
	sqlite3_stmt *st;
	json_t *arr = json_array();
	struct buf last = BUF_INIT;
	int n = 0, seeks = 0, rc = SQLITE_DONE;
	char *enc;

	if (q->pg) {
		json_decref(arr);
		return qpg_action_tails(q, pattern, out);
	}
	if (store_prepare(q->s, "SELECT action FROM entries WHERE action > ?1 ORDER BY action LIMIT 1", &st)) {
		json_decref(arr);
		return -1;
	}
	while (seeks++ < ACTION_SEEKS_MAX) {
		const char *a, *tail;
		size_t len, tlen;

		sqlite3_bind_text(st, 1, last.buf, (int)last.len, SQLITE_TRANSIENT);
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		a = (const char *)sqlite3_column_text(st, 0);
		len = (size_t)sqlite3_column_bytes(st, 0);
		if (a && (tail = action_last_component(a, len, &tlen)) && vpat_match(pattern, tail, tlen) &&
		    !vpat_match(pattern, a, len)) {
			json_array_append_new(arr, json_stringn(a, len));
			n++;
		}
		buf_reset(&last);
		buf_add(&last, a ? a : "", len);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	buf_release(&last);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return -1;
	}
	enc = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	if (!enc)
		return -1;
	buf_addstr(out, enc);
	free(enc);
	return n;
}

/* col = V, or col matching the pattern V (a prefix range, then GLOB). */
static void gen_column_match(struct query *q, const char *col, const char *value)
{
	struct buf b = BUF_INIT;

	if (!vpat_has_wild(value)) {
		vpat_literal(value, &b);
		buf_addf(&q->where, "%s = ?%d", col, add_text(q, b.buf, b.len));
	} else if (q->pg) {
		/* LIKE with a literal prefix uses the COLLATE "C" index */
		vpat_to_like(value, &b);
		buf_addf(&q->where, "(%s LIKE ?%d)", col, add_text(q, b.buf, b.len));
	} else {
		vpat_prefix(value, &b);
		buf_addch(&q->where, '(');
		prefix_range(q, &q->where, col, b.buf, b.len);
		buf_reset(&b);
		vpat_to_glob(value, &b);
		buf_addf(&q->where, "%s GLOB ?%d)", col, add_text(q, b.buf, b.len));
	}
	buf_release(&b);
}

static void gen_field(struct query *q, const struct qnode *n)
{
	struct buf list = BUF_INIT;
	int k;

	if (n->field != QF_ACTION || !action_has_tail_rule(n->value) ||
	    !(k = action_tails(q, n->value, &list))) {
		gen_column_match(q, field_columns[n->field], n->value);
		buf_release(&list);
		return;
	}
	/* the action, or its last component: the actions listed now from
	 * the index, or (too many to list) a test of every row */
	buf_addch(&q->where, '(');
	gen_column_match(q, "e.action", n->value);
	if (k > 0 && q->pg)
		buf_addf(&q->where, " OR e.action = ANY(CAST(?%d AS text[])))", add_text(q, list.buf, list.len));
	else if (k > 0)
		buf_addf(&q->where, " OR e.action IN (SELECT value FROM json_each(?%d)))",
			 add_text(q, list.buf, list.len));
	else if (q->pg) {
		/* the last component: what follows the last ':' or '.' */
		buf_reset(&list);
		vpat_to_like(n->value, &list);
		buf_addf(&q->where, " OR substring(e.action from '[:.]([^:.]*)$') LIKE ?%d)",
			 add_text(q, list.buf, list.len));
	} else
		buf_addf(&q->where, " OR ts_action_match(?%d, e.action))", add_str(q, n->value));
	buf_release(&list);
}

static void gen_changed(struct query *q, struct qnode *n)
{
	struct buf pre = BUF_INIT, in = BUF_INIT;

	ppat_prefix(n->path, &pre);
	buf_addstr(&in, "SELECT seq FROM changes WHERE ");
	prefix_range(q, &in, "path", pre.buf, pre.len);
	buf_addf(&in, "ts_path_match(?%d, path)", add_str(q, n->path));
	add_set_term(q, n, NULL, &in);
	buf_release(&pre);
}

static void gen_value(struct query *q, struct qnode *n)
{
	const char *col = n->field ? "after" : "before";
	struct buf pre = BUF_INIT, in = BUF_INIT;
	size_t i = 0;
	struct seg g = ppat_next_seg(n->path, strlen(n->path), &i, 1);
	int pp, op, v;

	/* changes at or below the path, or enclosing it: the range of the
	 * first member name's literal part, plus the whole state ("") */
	if (g.kind == SEG_NAME)
		for (size_t k = 0; k < g.len && g.s[k] != '*'; k++)
			buf_addch(&pre, g.s[k]);
	pp = add_str(q, n->path);
	op = add_int(q, n->op);
	v = add_str(q, n->value);
	buf_addstr(&in, "SELECT seq FROM changes WHERE ");
	prefix_range(q, &in, "path", pre.buf, pre.len);
	buf_addf(&in, "ts_value(?%d, path, %s, ?%d, ?%d)", pp, col, op, v);
	if (pre.len)
		buf_addf(&in, " UNION ALL SELECT seq FROM changes WHERE path = '' AND"
			 " ts_value(?%d, path, %s, ?%d, ?%d)", pp, col, op, v);
	add_set_term(q, n, NULL, &in);
	buf_release(&pre);
}

static void gen_time(struct query *q, const char *cmp, usec_t t)
{
	char ts[32];

	time_format(t, ts);
	buf_addf(&q->where, "e.ts %s ?%d", cmp, add_str(q, ts));
}

/*
 * around:ID - the hook for incident-relative time. Resolves the incident
 * (incident_load: its id exactly, else without case when that is unique)
 * to its window, incident_window(): [started_at - 2h, resolved_at], or
 * [started_at - 2h, started_at + 2h] while unresolved. Later work
 * (offsets like around:INC-42-30m) changes only this function.
 */
static int gen_around(struct gen *g, const struct qnode *n)
{
	struct query *q = g->q;
	struct incident in;
	usec_t from, to;
	int rc;

	if (q->pg) {
		rc = qpg_incident_window(q->s, n->value, &from, &to);
		if (rc < 0)
			return qerror_at(g->err, g->text, n->vpos, "cannot read incident '%.100s': %s", n->value,
					 last_error());
		if (rc == 0)
			return qerror_at(g->err, g->text, n->vpos, "no incident '%.100s' in the store", n->value);
		goto window;
	}
	rc = incident_load(q->s, n->value, &in);
	if (rc < 0)
		return qerror_at(g->err, g->text, n->vpos, "cannot read incident '%.100s': %s", n->value,
				 last_error());
	if (rc == 0)
		return qerror_at(g->err, g->text, n->vpos, "no incident '%.100s' in the store", n->value);
	incident_window(&in, &from, &to);
	incident_release(&in);
window:
	buf_addch(&q->where, '(');
	gen_time(q, ">=", from);
	buf_addstr(&q->where, " AND ");
	gen_time(q, "<=", to);
	buf_addch(&q->where, ')');
	return 0;
}

/* An FTS5 phrase: the text in double quotes (quotes doubled), "*" for a
 * prefix search. */
static int gen_text(struct query *q, struct qnode *n)
{
	struct buf f = BUF_INIT, in = BUF_INIT;
	int k;

	if (q->pg) {
		/* a set term whose set_sql is the tsquery for the entries_fts
		 * tsvectors (query_pg.c); no tokens: nothing, as in FTS5 */
		if ((k = qpg_fts_query(n->value, n->flags[0] == '*', &f)) < 0)
			return -1;
		if (!k)
			buf_addstr(&q->where, "FALSE");
		else
			add_set_term(q, n, NULL, &f);
		buf_release(&f);
		return 0;
	}

	buf_addch(&f, '"');
	for (const char *p = n->value; *p; p++) {
		if (*p == '"')
			buf_addch(&f, '"');
		buf_addch(&f, *p);
	}
	buf_addch(&f, '"');
	if (n->flags[0] == '*')
		buf_addstr(&f, " *");
	buf_addf(&in, "SELECT rowid FROM entries_fts WHERE entries_fts MATCH ?%d", add_text(q, f.buf, f.len));
	add_set_term(q, n, NULL, &in);
	buf_release(&f);
	return 0;
}

/*
 * A regex over the change summary and the raw record. Version 2 stores
 * keep both in the narrow entry_text table: a page looks each row up by
 * seq, a count (set_sql) scans the table alone. From version 6 a raw
 * record is packed against its leaf (raw_pack.h), so the scan reads the
 * leaf beside it (ts_regexp_raw unpacks only what the summary did not
 * match). Version 1 stores (opened read-only, so not upgraded) read the
 * raw record out of the leaf.
 */
static void gen_regex(struct query *q, struct qnode *n)
{
	int re = add_str(q, n->value), fl = add_str(q, n->flags);
	struct buf cond = BUF_INIT, in = BUF_INIT;

	/* the named range after every ?N, so that SQLite numbers it last */
	if (q->s->schema < 2) {
		buf_addf(&cond, "ts_regexp(?%d, ?%d, e.summary, e.leaf)", re, fl);
		buf_addf(&in, "SELECT e.seq FROM entries AS e WHERE ts_regexp(?%d, ?%d, e.summary, e.leaf)"
			 " AND e.seq >= :lo AND e.seq < :hi", re, fl);
	} else if (q->s->schema < 6 || q->s->pg) {
		buf_addf(&cond, "(SELECT ts_regexp(?%d, ?%d, t.summary, t.raw) FROM entry_text AS t"
			 " WHERE t.seq = e.seq)", re, fl);
		buf_addf(&in, "SELECT seq FROM entry_text WHERE ts_regexp(?%d, ?%d, summary, raw)"
			 " AND seq >= :lo AND seq < :hi", re, fl);
	} else {
		buf_addf(&cond, "(SELECT ts_regexp_raw(?%d, ?%d, t.summary, t.raw, e.leaf) FROM entry_text AS t"
			 " WHERE t.seq = e.seq)", re, fl);
		buf_addf(&in, "SELECT t.seq FROM entry_text AS t, entries AS e WHERE e.seq = t.seq"
			 " AND ts_regexp_raw(?%d, ?%d, t.summary, t.raw, e.leaf)"
			 " AND t.seq >= :lo AND t.seq < :hi", re, fl);
	}
	n->set_scan = 1;
	add_set_term(q, n, cond.buf, &in);
	buf_release(&cond);
}

/*
 * The shape of the boolean SQL. SQLite's parser has a fixed stack (100
 * entries in the builds we meet): "((a AND b) AND c) ..." for 256 terms,
 * or 64 levels of "NOT (x OR NOT (", overflow it ("parser stack
 * overflow"). So:
 *  - NOT is pushed down to the terms (De Morgan, which holds in SQL's
 *    three-valued logic too): NOT (a OR b) is written NOT (a) AND NOT (b);
 *  - a chain of one operator is written flat, "a AND b AND c", whatever
 *    the grouping of the query's tree, and an AND chain inside an OR chain
 *    needs no parentheses (AND binds tighter);
 *  - in each chain the operand that nests deepest is written first: an
 *    operand being parsed holds one stack entry per open '(' above it,
 *    plus two ("x AND") for each chain where it is not the first.
 * Apart from the parentheses around a single term, only an OR chain
 * inside an AND chain then opens a '(', so the stack grows by about one
 * entry per level of the query's nesting: at the documented limits (256
 * terms, nesting 64) the worst shapes tests/unit/test_query.c and
 * tests/cli/query.sh build stay within it.
 */

/* The operator a chain node stands for under negation. */
static enum qkind chain_kind(const struct qnode *n, int neg)
{
	if (!neg || (n->kind != QN_AND && n->kind != QN_OR))
		return n->kind;
	return n->kind == QN_AND ? QN_OR : QN_AND;
}

struct chain_op {
	struct qnode *n;       /* not a NOT */
	int neg;               /* written negated */
	int cost;              /* parser stack it needs, parentheses included */
	size_t order;          /* its place in the query, to keep sorting stable */
};

/* Skips NOTs, flipping *neg. */
static struct qnode *skip_not(struct qnode *n, int *neg)
{
	while (n->kind == QN_NOT) {
		n = n->a;
		*neg = !*neg;
	}
	return n;
}

/* The operands of the chain of kind that n heads, in query order. */
static void chain_operands(struct qnode *n, int neg, enum qkind kind, struct chain_op **v, size_t *nv,
			   size_t *alloc)
{
	n = skip_not(n, &neg);
	if ((n->kind == QN_AND || n->kind == QN_OR) && chain_kind(n, neg) == kind) {
		chain_operands(n->a, neg, kind, v, nv, alloc);
		chain_operands(n->b, neg, kind, v, nv, alloc);
		return;
	}
	ALLOC_GROW(*v, *nv + 1, *alloc);
	memset(&(*v)[*nv], 0, sizeof(**v));
	(*v)[*nv].n = n;
	(*v)[*nv].neg = neg;
	(*v)[*nv].order = *nv;
	(*nv)++;
}

/* Whether operand o of a chain of kind is parenthesised. */
static int needs_parens(enum qkind kind, const struct chain_op *o)
{
	return kind == QN_AND && chain_kind(o->n, o->neg) == QN_OR;
}

static int cmp_chain_op(const void *x, const void *y)
{
	const struct chain_op *a = x, *b = y;

	if (a->cost != b->cost)
		return a->cost > b->cost ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

static int chain_plan(struct qnode *n, int neg, struct chain_op **out, size_t *nout);

/* Parser stack entries n (not a NOT) needs beyond a plain term's. */
static int sql_cost(struct qnode *n, int neg)
{
	struct chain_op *ops;
	size_t nops;
	int cost;

	if (n->kind != QN_AND && n->kind != QN_OR)
		return neg ? 2 : 0; /* "NOT (" */
	cost = chain_plan(n, neg, &ops, &nops);
	free(ops);
	return cost;
}

/* The operands of chain n, deepest first, with their costs, in *out
 * (the caller frees it); returns the chain's own cost. */
static int chain_plan(struct qnode *n, int neg, struct chain_op **out, size_t *nout)
{
	enum qkind kind = chain_kind(n, neg);
	struct chain_op *ops = NULL;
	size_t nops = 0, alloc = 0;
	int cost;

	chain_operands(n, neg, kind, &ops, &nops, &alloc);
	for (size_t i = 0; i < nops; i++)
		ops[i].cost = sql_cost(ops[i].n, ops[i].neg) + needs_parens(kind, &ops[i]);
	qsort(ops, nops, sizeof(*ops), cmp_chain_op);
	cost = ops[0].cost;
	if (nops > 1 && ops[1].cost + 2 > cost)
		cost = ops[1].cost + 2;
	*out = ops;
	*nout = nops;
	return cost;
}

static int gen_term(struct gen *g, struct qnode *n);

/* Writes n (not a NOT), negated when neg. */
static int gen(struct gen *g, struct qnode *n, int neg)
{
	struct query *q = g->q;
	struct chain_op *ops;
	size_t nops;
	enum qkind kind;
	int ret = 0;

	if (n->kind != QN_AND && n->kind != QN_OR) {
		if (!neg)
			return gen_term(g, n);
		buf_addstr(&q->where, "NOT (");
		ret = gen_term(g, n);
		buf_addch(&q->where, ')');
		return ret;
	}
	kind = chain_kind(n, neg);
	chain_plan(n, neg, &ops, &nops);
	for (size_t i = 0; i < nops && !ret; i++) {
		int parens = needs_parens(kind, &ops[i]);

		if (i)
			buf_addstr(&q->where, kind == QN_AND ? " AND " : " OR ");
		if (parens)
			buf_addch(&q->where, '(');
		ret = gen(g, ops[i].n, ops[i].neg);
		if (parens)
			buf_addch(&q->where, ')');
	}
	free(ops);
	return ret;
}

/* Writes a term (not AND, OR or NOT). */
static int gen_term(struct gen *g, struct qnode *n)
{
	struct query *q = g->q;

	switch (n->kind) {
	case QN_AND:
	case QN_OR:
	case QN_NOT:
		break;
	case QN_ALL: buf_addstr(&q->where, q->pg ? "TRUE" : "1"); return 0;
	case QN_FIELD: gen_field(q, n); return 0;
	case QN_CHANGED: gen_changed(q, n); return 0;
	case QN_VALUE: gen_value(q, n); return 0;
	case QN_TIME: gen_time(q, n->field ? "<" : ">=", n->t); return 0;
	case QN_AROUND: return gen_around(g, n);
	case QN_TEXT:
		if (gen_text(q, n))
			return qerror_at(g->err, g->text, n->pos, "cannot tokenize the free text");
		return 0;
	case QN_REGEX: gen_regex(q, n); return 0;
	case QN_RISK:
		buf_addf(&q->where, "(e.risk != 0 AND (e.risk & ?%d) != 0)", add_int(q, n->bits));
		return 0;
	case QN_CLOCK: {
		char mod[32];

		if (q->pg) {
			buf_addf(&q->where, "((?%d >> CAST(extract(%s FROM CAST(substr(e.ts, 1, 19) AS timestamp)"
				 " + ?%d * interval '1 minute') AS int)) & 1) != 0",
				 add_int(q, n->bits), n->field ? "dow" : "hour", add_int(q, n->offset_min));
			return 0;
		}
		/* the hour (0-23) or weekday (0 Sunday) of ts at the offset, as
		 * a bit of the term's set */
		snprintf(mod, sizeof(mod), "%+d minutes", n->offset_min);
		buf_addf(&q->where, "((?%d >> CAST(strftime('%s', e.ts, ?%d) AS INTEGER)) & 1) != 0",
			 add_int(q, n->bits), n->field ? "%w" : "%H", add_str(q, mod));
		return 0;
	}
	case QN_OUTCOME:
		/* failure and unknown are read from the partial index entries_outcome */
		if (q->s->schema < 3)
			buf_addf(&q->where, "('unknown' = ?%d)", add_str(q, n->value));
		else if (outcome_parse(n->value) != OUTCOME_SUCCESS)
			buf_addf(&q->where, "(e.outcome != 'success' AND e.outcome = ?%d)", add_str(q, n->value));
		else
			buf_addf(&q->where, "(e.outcome = ?%d)", add_str(q, n->value));
		return 0;
	}
	return qerror_at(g->err, g->text, n->pos, "internal error: unknown term");
}

/*
 * Is path a changed field of some event (recorded at, or below, path)?
 * Three seeks on changes_path: the path itself, "path." and "path[".
 */
static int is_changed_path(struct store *s, const char *path)
{
	static const char sql[] =
		"SELECT 1 FROM changes WHERE path = $1 OR (path > $1 || '.' AND path < $1 || '/')"
		" OR (path > $1 || '[' AND path < $1 || '\\') LIMIT 1";
	struct row_param p[] = { ROW_TEXT(path) };
	struct buf err = BUF_INIT;
	struct rows *r;
	int found;

	if (!*path || !(r = rows_open(s, NULL, sql, p, 1, "changes", &err))) {
		buf_release(&err);
		return 0;
	}
	found = rows_next(r) == 1;
	rows_close(r);
	buf_release(&err);
	return found;
}

/* An unknown key that is a changed field: suggest after.KEY instead. */
static void suggest_path(struct store *s, const char *text, const struct qunknown *uk,
			 struct query_error *err)
{
	if (!uk->set || uk->have_suggestion || !is_changed_path(s, uk->key))
		return;
	qerror_at(err, text, uk->pos, "unknown key '%s'; did you mean 'after.%s%s'? ('%s' is a changed "
		  "field: before.%s tests its old value, changed:%s any change to it)", uk->key, uk->key,
		  uk->rest, uk->key, uk->key, uk->key);
}

int query_compile(struct store *s, const char *text, usec_t now, struct query **out,
		  struct query_error *err)
{
	struct qunknown uk;
	struct query *q;
	struct gen g;
	struct qnode *top;
	int neg;

	*out = NULL;
	memset(err, 0, sizeof(*err));
	if (!s->pg && sqlfuncs_register(s->db))
		return qerror_at(err, text, 0, "cannot set up the query functions");
	q = xcalloc(1, sizeof(*q));
	q->s = s;
	q->pg = s->pg != NULL;
	if (q->pg)
		qpg_init(q); /* before any other thread may call query_interrupt() */
	q->text = xstrdup(text);
	buf_init(&q->where);
	q->tree = qparse(text, now, err, &uk);
	if (!q->tree) {
		suggest_path(s, text, &uk, err);
		query_free(q);
		return -1;
	}
	g.q = q;
	g.text = text;
	g.err = err;
	neg = 0;
	top = skip_not(q->tree, &neg);
	if (gen(&g, top, neg)) {
		query_free(q);
		return -1;
	}
	*out = q;
	return 0;
}

int query_check(const char *text, usec_t now, int as_rule, struct query_error *err)
{
	struct qnode *n = qparse_as(text, now, as_rule, err, NULL);

	if (!n)
		return -1;
	qnode_free(n);
	return 0;
}

void query_free(struct query *q)
{
	if (!q)
		return;
	qpg_free(q);
	for (size_t i = 0; i < ARRAY_SIZE(q->each); i++)
		sqlite3_finalize(q->each[i]);
	sqlite3_finalize(q->count);
	sqlite3_finalize(q->match);
	sqlite3_finalize(q->set_count);
	sqlite3_finalize(q->range);
	for (size_t i = 0; i < q->nparams; i++)
		free(q->params[i].text);
	free(q->params);
	buf_release(&q->where);
	qnode_free(q->tree);
	free(q->text);
	free(q);
}

const struct qnode *query_tree(const struct query *q) { return q->tree; }
const char *query_text(const struct query *q) { return q->text; }
struct store *query_store(const struct query *q) { return q->s; }

void query_explain(const struct query *q, struct buf *out)
{
	char mark = q->pg ? '$' : '?';

	buf_addstr(out, "WHERE ");
	if (q->pg)
		qpg_dialect(q->where.buf, out);
	else
		buf_addstr(out, q->where.buf);
	buf_addch(out, '\n');
	for (size_t i = 0; i < q->nparams; i++) {
		const struct qparam *p = &q->params[i];

		if (p->type == P_INT) {
			buf_addf(out, "%c%zu = %lld\n", mark, i + 1, (long long)p->i);
			continue;
		}
		if (p->type == P_SET) {
			buf_addf(out, "%c%zu = (%s: the term's seqs, read first from its index)\n", q->pg ? '$' : '?',
				 i + 1, q->pg ? "every run" : "counts");
			continue;
		}
		buf_addf(out, "%c%zu = '", mark, i + 1);
		for (size_t k = 0; k < p->len; k++) {
			if (p->text[k] == '\'')
				buf_addch(out, '\'');
			buf_addch(out, p->text[k]);
		}
		buf_addstr(out, "'\n");
	}
}

void query_bind_sqlite(void *ctx, sqlite3_stmt *st)
{
	struct query *q = ctx;
	int max = sqlite3_bind_parameter_count(st);

	for (size_t i = 0; i < q->nparams && (int)i < max; i++) {
		const struct qparam *p = &q->params[i];

		if (p->type == P_INT)
			sqlite3_bind_int64(st, (int)i + 1, p->i);
		else if (p->type == P_TEXT)
			sqlite3_bind_text(st, (int)i + 1, p->text, (int)p->len, SQLITE_STATIC);
	}
}

/* Named parameters (:kts, :lim, ...) must come after the condition in
 * the SQL text, so that SQLite numbers them after its ?N. */
static sqlite3_stmt *prepare_cond(struct query *q, sqlite3_stmt **slot, const char *head, const char *cond,
				   const char *tail)
{
	struct buf sql = BUF_INIT;

	if (*slot) {
		sqlite3_reset(*slot);
		return *slot;
	}
	buf_addf(&sql, "%s (%s)%s", head, cond, tail);
	if (sqlite3_prepare_v3(q->s->db, sql.buf, (int)sql.len, SQLITE_PREPARE_PERSISTENT, slot, NULL) != SQLITE_OK) {
		store_error(q->s, "cannot prepare the query");
		*slot = NULL;
	}
	buf_release(&sql);
	if (!*slot)
		return NULL;
	query_bind_sqlite(q, *slot);
	return *slot;
}

static sqlite3_stmt *prepare(struct query *q, sqlite3_stmt **slot, const char *head, const char *tail)
{
	return prepare_cond(q, slot, head, q->where.buf, tail);
}

/* Maps a failed step to QUERY_CANCELLED or -1 (reported). */
static int step_error(struct query *q, int rc)
{
	if (rc == SQLITE_INTERRUPT)
		return QUERY_CANCELLED;
	return error("query: %s", sqlite3_errmsg(q->s->db));
}

#define ROW_COLS "SELECT e.seq, e.ts, e.event_id, e.actor, e.actor_type, e.action, e.target," \
	" e.target_kind, e.environment, e.summary, e.risk, "
/* schema 3, and a read-only older store (no outcome column, only v1 leaves) */
#define ROW_SQL ROW_COLS "e.outcome FROM entries AS e WHERE"
#define ROW_SQL_OLD ROW_COLS "'unknown' FROM entries AS e WHERE"

static const char *const each_tail[6] = {
	" ORDER BY e.ts, e.seq LIMIT :lim",
	" AND (e.ts, e.seq) > (:kts, :kseq) ORDER BY e.ts, e.seq LIMIT :lim",
	" AND (e.ts, e.seq) >= (:kts, :kseq) ORDER BY e.ts, e.seq LIMIT :lim",
	" ORDER BY e.ts DESC, e.seq DESC LIMIT :lim",
	" AND (e.ts, e.seq) < (:kts, :kseq) ORDER BY e.ts DESC, e.seq DESC LIMIT :lim",
	" AND (e.ts, e.seq) <= (:kts, :kseq) ORDER BY e.ts DESC, e.seq DESC LIMIT :lim",
};

/* Steps a bound row statement (ROW_SQL's columns), calling fn on each row
 * until it returns non-zero; resets st. Returns the rows seen, or -1. */
static int64_t each_row(struct query *q, sqlite3_stmt *st, query_row_fn fn, void *ctx)
{
	int64_t n = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct query_row r;

		r.seq = sqlite3_column_int64(st, 0);
		r.ts = store_col_text(st, 1);
		r.event_id = store_col_text(st, 2);
		r.actor = store_col_text(st, 3);
		r.actor_type = store_col_text(st, 4);
		r.action = store_col_text(st, 5);
		r.target = store_col_text(st, 6);
		r.target_kind = store_col_text(st, 7);
		r.environment = store_col_text(st, 8);
		r.summary = store_col_text(st, 9);
		r.risk = (unsigned)sqlite3_column_int64(st, 10);
		r.outcome = store_col_text(st, 11);
		n++;
		if (fn && fn(&r, ctx)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return step_error(q, rc);
	return n;
}

int64_t query_each(struct query *q, const struct query_fetch *f, query_row_fn fn, void *ctx)
{
	int v = (f->desc ? 3 : 0) + (f->from ? (f->inclusive ? 2 : 1) : 0);
	sqlite3_stmt *st;

	if (q->pg)
		return qpg_each(q, f, fn, ctx);
	st = prepare(q, &q->each[v], q->s->schema < 3 ? ROW_SQL_OLD : ROW_SQL,
					each_tail[v]);

	if (!st)
		return -1;
	if (f->from) {
		sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":kts"), f->from->ts, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":kseq"), f->from->seq);
	}
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":lim"), f->limit > 0 ? f->limit : -1);
	return each_row(q, st, fn, ctx);
}

int64_t query_each_range(struct query *q, const struct query_range *r, query_row_fn fn, void *ctx)
{
	sqlite3_stmt *st;

	if (q->pg)
		return qpg_each_range(q, r, fn, ctx);
	st = prepare(q, &q->range, q->s->schema < 3 ? ROW_SQL_OLD : ROW_SQL,
				   " AND e.seq > :slo AND e.seq <= :shi AND e.ts >= :tlo AND e.ts < :thi"
				   " ORDER BY e.seq");

	if (!st)
		return -1;
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":slo"), r->seq_after);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":shi"), r->seq_through > 0 ? r->seq_through : INT64_MAX);
	/* every stored time is a digit string: "" and "\x7f" bound them all */
	sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":tlo"), r->ts_from ? r->ts_from : "", -1,
			  SQLITE_TRANSIENT);
	sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":thi"), r->ts_until ? r->ts_until : "\x7f", -1,
			  SQLITE_TRANSIENT);
	return each_row(q, st, fn, ctx);
}

static void collect_set_terms(struct qnode *n, struct qnode ***v, size_t *nv, size_t *alloc)
{
	if (n->kind == QN_AND || n->kind == QN_OR) {
		collect_set_terms(n->a, v, nv, alloc);
		collect_set_terms(n->b, v, nv, alloc);
	} else if (n->kind == QN_NOT) {
		collect_set_terms(n->a, v, nv, alloc);
	} else if (qnode_is_set_term(n)) {
		ALLOC_GROW(*v, *nv + 1, *alloc);
		(*v)[(*nv)++] = n;
	}
}

static int cmp_wpos(const void *x, const void *y)
{
	const struct qnode *a = *(struct qnode *const *)x, *b = *(struct qnode *const *)y;

	return a->wpos < b->wpos ? -1 : a->wpos > b->wpos;
}

/*
 * A count with set terms (query_count.c). Only set terms: bitmaps all the
 * way. Mixed with field and time terms: each set term's bitmap is read
 * first and bound to ts_inset(?N, e.seq) in its place in the condition,
 * so SQLite counts over the field and time indexes with a bit test per
 * row instead of a probe into an ephemeral index.
 */
static int64_t count_by_sets(struct query *q)
{
	struct qcounter c = { q->s->db, store_size(q->s), query_bind_sqlite, q, q->cancel, NULL };
	struct qnode **terms = NULL;
	struct seqset *sets;
	struct buf cond = BUF_INIT;
	sqlite3_stmt *st;
	size_t nterms = 0, alloc = 0;
	int64_t n = -1;
	int rc = 0;

	if (c.size < 0)
		return -1;
	if (qcount_only_set_terms(q->tree))
		return qcount_sets(&c, q->tree);
	collect_set_terms(q->tree, &terms, &nterms, &alloc);
	/* in the order they were written (deepest operands first) */
	if (nterms > 1)
		qsort(terms, nterms, sizeof(*terms), cmp_wpos);
	if (!q->set_count) {
		size_t at = 0;

		for (size_t i = 0; i < nterms; i++) {
			buf_add(&cond, q->where.buf + at, terms[i]->wpos - at);
			buf_addf(&cond, "ts_inset(?%d, e.seq)", terms[i]->pparam);
			at = terms[i]->wpos + terms[i]->wlen;
		}
		buf_add(&cond, q->where.buf + at, q->where.len - at);
	}
	st = prepare_cond(q, &q->set_count, "SELECT count(*) FROM entries AS e WHERE", cond.buf, "");
	buf_release(&cond);
	if (!st) {
		free(terms);
		return -1;
	}
	sets = xcalloc(nterms ? nterms : 1, sizeof(*sets));
	for (size_t i = 0; i < nterms && !rc; i++)
		rc = qcount_fill(&c, terms[i], &sets[i]);
	if (!rc) {
		for (size_t i = 0; i < nterms; i++)
			sqlite3_bind_pointer(st, terms[i]->pparam, &sets[i], SEQSET_POINTER, NULL);
		rc = sqlite3_step(st);
		n = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			n = step_error(q, rc);
		/* no pointer outlives its bitmap */
		for (size_t i = 0; i < nterms; i++)
			sqlite3_bind_null(st, terms[i]->pparam);
	} else {
		n = rc;
	}
	for (size_t i = 0; i < nterms; i++)
		seqset_release(&sets[i]);
	free(sets);
	free(terms);
	return n;
}

int64_t query_count(struct query *q)
{
	sqlite3_stmt *st;
	int64_t n;
	int rc;

	if (q->pg)
		return qpg_count(q);
	if (qcount_has_set_term(q->tree))
		return count_by_sets(q);
	st = prepare(q, &q->count, "SELECT count(*) FROM entries AS e WHERE", "");
	if (!st)
		return -1;
	rc = sqlite3_step(st);
	n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return step_error(q, rc);
	return n;
}

int query_matches(struct query *q, int64_t seq)
{
	sqlite3_stmt *st;
	int rc;

	if (q->pg)
		return qpg_matches(q, seq);
	st = prepare(q, &q->match, "SELECT 1 FROM entries AS e WHERE", " AND e.seq = :seq");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":seq"), seq);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return step_error(q, rc);
}

void query_interrupt(struct query *q)
{
	if (q->pg) {
		qpg_interrupt(q);
		return;
	}
	sqlite3_interrupt(q->s->db);
}

static int progress_cancel(void *ctx)
{
	struct query *q = ctx;

	return q->cancel && *q->cancel;
}

void query_set_cancel(struct query *q, volatile int *flag)
{
	q->cancel = flag;
	if (q->pg)
		return; /* query_pg.c reads the flag between batches */
	sqlite3_progress_handler(q->s->db, flag ? 1000 : 0, flag ? progress_cancel : NULL, q);
}
