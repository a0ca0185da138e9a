/*
 * query_hint.c - a compiled query explained in words (query.h): how each
 * term was read (query_describe, for --explain and the query bar), and
 * why a query matched nothing (query_zero_hints: "no event has
 * environment 'prodution'; did you mean 'production'?").
 *
 * Cost: describing walks the tree. A zero-match hint costs one index seek
 * per field term, and for a value no event has, one seek per distinct
 * value of the column (at most QUERY_HINT_SEEKS), on the indexes
 * entries_actor, entries_target, entries_environment, entries_action and
 * entries_event_id; actor types are a fixed set.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "query_int.h"
#include "rows.h"
#include "trailscope/risk.h"

static const char *const field_nouns[] = {
	[QF_ACTOR] = "actor", [QF_ACTOR_TYPE] = "actor type", [QF_TARGET] = "target",
	[QF_TARGET_KIND] = "target kind", [QF_ENV] = "environment", [QF_ACTION] = "action",
	[QF_ID] = "event id",
};

/* ---- describing ---- */

static void add_value(struct buf *out, const char *pat)
{
	struct buf lit = BUF_INIT;

	vpat_literal(pat, &lit);
	buf_addf(out, "'%s'", lit.buf);
	buf_release(&lit);
}

static const char *const op_words[] = { "is", "<", "<=", ">", ">=" };

static void describe_term(const struct qnode *n, int neg, struct buf *out)
{
	if (neg)
		buf_addstr(out, "not: ");
	switch (n->kind) {
	case QN_FIELD:
		buf_addf(out, "%s %s ", field_nouns[n->field], vpat_has_wild(n->value) ? "matches" : "is");
		add_value(out, n->value);
		if (n->field == QF_ACTION && action_has_tail_rule(n->value)) {
			buf_addstr(out, ", or its last component (after the last ':' or '.') ");
			buf_addstr(out, vpat_has_wild(n->value) ? "matches " : "is ");
			add_value(out, n->value);
		}
		break;
	case QN_CHANGED:
		buf_addf(out, "some change at or below the path '%s'", n->path);
		break;
	case QN_VALUE:
		buf_addf(out, "a change's %s value", n->field ? "new" : "old");
		if (*n->path)
			buf_addf(out, " at '%s' (or below)", n->path);
		else
			buf_addstr(out, " anywhere");
		buf_addf(out, " %s ", op_words[n->op]);
		if (n->op == QOP_EQ && vpat_has_wild(n->value))
			buf_addstr(out, "like ");
		add_value(out, n->value);
		break;
	case QN_TIME: {
		char ts[32];

		time_format(n->t, ts);
		buf_addf(out, "time %s %s", n->field ? "before" : "at or after", ts);
		break;
	}
	case QN_AROUND:
		buf_addf(out, "time within incident '%s''s window", n->value);
		break;
	case QN_CLOCK: {
		int first = 1;

		buf_addstr(out, n->field ? "weekday (0 = Sunday) one of " : "hour one of ");
		for (int b = 0; b < (n->field ? 7 : 24); b++) {
			if (!(n->bits & (1u << b)))
				continue;
			buf_addf(out, first ? "%d" : ",%d", b);
			first = 0;
		}
		buf_addf(out, " at UTC%c%02d:%02d", n->offset_min < 0 ? '-' : '+', abs(n->offset_min) / 60,
			 abs(n->offset_min) % 60);
		break;
	}
	case QN_TEXT:
		buf_addf(out, "free text: the %s '%s'%s in reason, target, actor or ticket",
			 strchr(n->value, ' ') ? "phrase" : "word", n->value,
			 n->flags[0] == '*' ? " (as a prefix)" : "");
		break;
	case QN_REGEX:
		buf_addf(out, "regex /%s/%s over the change summary and the raw record", n->value, n->flags);
		break;
	case QN_RISK:
		for (int i = 0; risk_names[i].name; i++)
			if (n->bits & risk_names[i].flag)
				buf_addf(out, "risk signal '%s'", risk_names[i].name);
		break;
	case QN_OUTCOME:
		buf_addf(out, "outcome is %s", n->value);
		break;
	case QN_ALL:
		buf_addstr(out, "every event");
		break;
	case QN_AND:
	case QN_OR:
	case QN_NOT:
		break;
	}
}

typedef void (*term_fn)(const struct qnode *n, int neg, void *ctx);

/* Calls fn for each term, in the order typed, with its negation. */
static void each_term(const struct qnode *n, int neg, term_fn fn, void *ctx)
{
	if (n->kind == QN_NOT) {
		each_term(n->a, !neg, fn, ctx);
	} else if (n->kind == QN_AND || n->kind == QN_OR) {
		each_term(n->a, neg, fn, ctx);
		each_term(n->b, neg, fn, ctx);
	} else {
		fn(n, neg, ctx);
	}
}

struct describe {
	const char *text;
	struct buf *out;
	int width;
};

static void term_width(const struct qnode *n, UNUSED int neg, void *ctx)
{
	struct describe *d = ctx;
	int w = (int)(n->end > n->pos ? n->end - n->pos : 0);

	if (w > d->width)
		d->width = w > 40 ? 40 : w;
}

static void describe_one(const struct qnode *n, int neg, void *ctx)
{
	struct describe *d = ctx;
	size_t len = n->end > n->pos ? n->end - n->pos : 0;

	if (n->kind == QN_ALL) {
		buf_addstr(d->out, "(empty)  every event\n");
		return;
	}
	buf_addf(d->out, "col %-4d %-*.*s  ", query_col_of(d->text, n->pos), d->width, (int)len, d->text + n->pos);
	describe_term(n, neg, d->out);
	buf_addch(d->out, '\n');
}

void query_describe(const struct query *q, struct buf *out)
{
	struct describe d = { query_text(q), out, 0 };

	each_term(query_tree(q), 0, term_width, &d);
	each_term(query_tree(q), 0, describe_one, &d);
}

struct text_terms {
	const char *text;
	struct buf *out;
	int n;
};

static void text_term(const struct qnode *n, UNUSED int neg, void *ctx)
{
	struct text_terms *t = ctx;

	if (n->kind != QN_TEXT)
		return;
	buf_addf(t->out, "%s'%.*s'", t->n++ ? ", " : "", (int)(n->end - n->pos), t->text + n->pos);
}

int query_text_terms(const struct query *q, struct buf *out)
{
	struct text_terms t = { query_text(q), out, 0 };

	each_term(query_tree(q), 0, text_term, &t);
	return t.n;
}

/* ---- why nothing matched ---- */

static const char *const hint_columns[] = {
	[QF_ACTOR] = "actor", [QF_TARGET] = "target", [QF_ENV] = "environment", [QF_ACTION] = "action",
	[QF_ID] = "event_id",
};

/* column_has on a PostgreSQL store: = or LIKE (its prefix uses the index). */
static int column_has_pg(struct store *s, const char *col, const char *pattern)
{
	struct buf sql = BUF_INIT, v = BUF_INIT, err = BUF_INIT;
	struct row_param p[1];
	struct rows *r;
	int rc;

	if (vpat_has_wild(pattern)) {
		vpat_to_like(pattern, &v);
		buf_addf(&sql, "SELECT 1 FROM entries WHERE %s LIKE $1 LIMIT 1", col);
	} else {
		vpat_literal(pattern, &v);
		buf_addf(&sql, "SELECT 1 FROM entries WHERE %s = $1 LIMIT 1", col);
	}
	p[0].s = v.buf;
	p[0].i = 0;
	r = rows_open(s, NULL, sql.buf, p, 1, "a value", &err);
	rc = r ? rows_next(r) : -1;
	rows_close(r);
	if (rc < 0)
		rc = error("%s", err.buf);
	buf_release(&sql);
	buf_release(&v);
	buf_release(&err);
	return rc;
}

/* Does some event have a value of the column matching pattern? 1, 0, -1. */
static int column_has(struct store *s, int field, const char *pattern)
{
	struct buf sql = BUF_INIT, lit = BUF_INIT, hi = BUF_INIT;
	const char *col = hint_columns[field];
	sqlite3_stmt *st;
	int rc;

	if (s->pg)
		return column_has_pg(s, col, pattern);
	buf_addf(&sql, "SELECT 1 FROM entries WHERE ");
	if (!vpat_has_wild(pattern)) {
		vpat_literal(pattern, &lit);
		buf_addf(&sql, "%s = ?1", col);
	} else {
		vpat_prefix(pattern, &lit);
		if (lit.len)
			buf_addf(&sql, "%s >= ?1 AND ", col);
		if (str_prefix_upper(lit.buf, lit.len, &hi))
			buf_addf(&sql, "%s < ?2 AND ", col);
		buf_addf(&sql, "%s GLOB ?3", col);
	}
	buf_addstr(&sql, " LIMIT 1");
	if (store_prepare(s, sql.buf, &st)) {
		rc = -1;
		goto out;
	}
	sqlite3_bind_text(st, 1, lit.buf, (int)lit.len, SQLITE_STATIC);
	if (vpat_has_wild(pattern)) {
		struct buf glob = BUF_INIT;

		sqlite3_bind_text(st, 2, hi.buf, (int)hi.len, SQLITE_STATIC);
		vpat_to_glob(pattern, &glob);
		sqlite3_bind_text(st, 3, glob.buf, (int)glob.len, SQLITE_TRANSIENT);
		buf_release(&glob);
	}
	rc = sqlite3_step(st);
	rc = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : store_error(s, "cannot look for a value");
	sqlite3_finalize(st);
out:
	buf_release(&sql);
	buf_release(&lit);
	buf_release(&hi);
	return rc;
}

struct nearest {
	const char *pattern;   /* the value pattern (query_int.h) */
	int matched;           /* an action read matches it, last component included */
	const char *want;      /* the value typed */
	char *best;            /* the nearest value so far (owned) */
	size_t best_d;
	char *few[10];         /* the first values, to list when they are few */
	size_t nfew, total;
};

/* How far v is from the value typed: 0 when equal but for case. */
static size_t distance(const char *want, const char *v, size_t len)
{
	char a[65], b[65];
	size_t wl = strlen(want);

	if (wl > 64 || len > 64)
		return (size_t)-1;
	for (size_t i = 0; i <= wl; i++)
		a[i] = (char)tolower((unsigned char)want[i]);
	for (size_t i = 0; i < len; i++)
		b[i] = (char)tolower((unsigned char)v[i]);
	b[len] = 0;
	return str_edit_distance(a, b);
}

static void consider(struct nearest *nr, int field, const char *v, size_t len)
{
	size_t d = distance(nr->want, v, len), tlen, blen = len;
	const char *tail, *b = v;

	if (field == QF_ACTION && action_match(nr->pattern, v, len))
		nr->matched = 1;
	if (field == QF_ACTION && action_has_tail_rule(nr->want) &&
	    (tail = action_last_component(v, len, &tlen))) {
		size_t dt = distance(nr->want, tail, tlen);

		if (dt < d) {
			/* suggest what action:V reads: the last component */
			d = dt;
			b = tail;
			blen = tlen;
		}
	}
	if (nr->nfew < ARRAY_SIZE(nr->few))
		nr->few[nr->nfew++] = xstrndup(v, len);
	nr->total++;
	if (d < nr->best_d) {
		free(nr->best);
		nr->best = xstrndup(b, blen);
		nr->best_d = d;
	}
}

/* Close enough to suggest: a typo or two, fewer in short values. */
static int close_enough(const char *want, size_t d)
{
	size_t len = strlen(want);

	return d <= (len <= 4 ? 1u : len <= 8 ? 2u : 3u) && d < len;
}

/* scan_values on a PostgreSQL store: the same values, in one walk. */
static int scan_values_pg(struct store *s, int field, struct nearest *nr)
{
	struct buf err = BUF_INIT;
	struct rows *r = qpg_walk(s, "entries", hint_columns[field], "", 0, "", QUERY_HINT_SEEKS, &err);
	int rc = -1, n = 0;

	while (r && (rc = rows_next(r)) == 1) {
		const struct row_col *c = rows_col(r, 0);

		consider(nr, field, c->p ? c->p : "", c->n);
		n++;
	}
	rows_close(r);
	if (rc < 0)
		rc = error("%s", err.buf);
	buf_release(&err);
	if (rc < 0)
		return -1;
	if (n >= QUERY_HINT_SEEKS)
		nr->total = (size_t)-1; /* more than were read */
	return 0;
}

/* The column's distinct values by seeks, into nr. */
static int scan_values(struct store *s, int field, struct nearest *nr)
{
	struct buf sql = BUF_INIT, last = BUF_INIT;
	sqlite3_stmt *st;
	int rc = SQLITE_DONE;

	if (s->pg)
		return scan_values_pg(s, field, nr);
	buf_addf(&sql, "SELECT %s FROM entries WHERE %s > ?1 ORDER BY %s LIMIT 1", hint_columns[field],
		 hint_columns[field], hint_columns[field]);
	if (store_prepare(s, sql.buf, &st)) {
		buf_release(&sql);
		return -1;
	}
	for (int seeks = 0; seeks < QUERY_HINT_SEEKS; seeks++) {
		const char *v;
		size_t len;

		sqlite3_bind_text(st, 1, last.buf, (int)last.len, SQLITE_TRANSIENT);
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		v = (const char *)sqlite3_column_text(st, 0);
		len = (size_t)sqlite3_column_bytes(st, 0);
		consider(nr, field, v ? v : "", len);
		buf_reset(&last);
		buf_add(&last, v ? v : "", len);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	buf_release(&sql);
	buf_release(&last);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_error(s, "cannot list the values of a column");
	if (rc == SQLITE_ROW)
		nr->total = (size_t)-1; /* more than were read */
	return 0;
}

static void add_note(struct query_strings *out, const struct buf *b)
{
	ALLOC_GROW(out->v, out->n + 1, out->alloc);
	out->v[out->n++] = xstrndup(b->buf, b->len);
}

struct hints {
	struct store *s;
	struct query_strings *out;
	int n, failed;
};

static void hint_term(const struct qnode *n, int neg, void *ctx)
{
	static const char *const actor_types[] = { "service", "unknown", "user" };
	struct hints *h = ctx;
	struct nearest nr;
	struct buf lit = BUF_INIT, msg = BUF_INIT;
	int has = 0;

	if (neg || n->kind != QN_FIELD || n->field == QF_TARGET_KIND || h->failed)
		return;
	memset(&nr, 0, sizeof(nr));
	vpat_literal(n->value, &lit);
	nr.pattern = n->value;
	nr.want = lit.buf;
	nr.best_d = (size_t)-1;
	if (n->field == QF_ACTOR_TYPE) {
		for (size_t i = 0; i < ARRAY_SIZE(actor_types) && !has; i++) {
			has = vpat_match(n->value, actor_types[i], strlen(actor_types[i]));
			consider(&nr, n->field, actor_types[i], strlen(actor_types[i]));
		}
	} else {
		has = column_has(h->s, n->field, n->value);
		if (!has && n->field == QF_ACTION && action_has_tail_rule(n->value)) {
			/* its last component, as action:V reads it */
			has = scan_values(h->s, n->field, &nr) < 0 ? -1 : nr.matched;
			if (!has && nr.total == (size_t)-1)
				goto out; /* too many actions to tell */
		} else if (!has && n->field != QF_ID && scan_values(h->s, n->field, &nr) < 0) {
			has = -1;
		}
	}
	if (has < 0) {
		h->failed = 1;
		goto out;
	}
	if (has)
		goto out;
	buf_addf(&msg, "no event has %s %s'%s'", field_nouns[n->field],
		 vpat_has_wild(n->value) ? "matching " : "", lit.buf);
	if (!vpat_has_wild(n->value) && nr.best && close_enough(lit.buf, nr.best_d)) {
		buf_addf(&msg, "; did you mean '%s'?", nr.best);
	} else if (nr.total && nr.total <= ARRAY_SIZE(nr.few)) {
		buf_addf(&msg, " (%s%s: ", field_nouns[n->field], nr.total == 1 ? "" : "s");
		for (size_t i = 0; i < nr.nfew; i++)
			buf_addf(&msg, "%s'%s'", i ? ", " : "", nr.few[i]);
		buf_addch(&msg, ')');
	}
	add_note(h->out, &msg);
	h->n++;
out:
	for (size_t i = 0; i < nr.nfew; i++)
		free(nr.few[i]);
	free(nr.best);
	buf_release(&lit);
	buf_release(&msg);
}

int query_zero_hints(struct query *q, struct query_strings *out)
{
	struct hints h = { query_store(q), out, 0, 0 };

	each_term(query_tree(q), 0, hint_term, &h);
	return h.failed ? -1 : h.n;
}
