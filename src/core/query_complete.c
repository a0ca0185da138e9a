/*
 * query_complete.c - completion candidates for the query bar (query.h):
 * what the word under the cursor is, and the keys, field paths, actors,
 * targets, environments, actions, risks or incident ids that start with
 * it. Distinct values come from the indexes by repeated seeks (one
 * O(log n) read per candidate), never by scanning; path candidates have
 * their array indexes folded to [*] and are bounded to a fixed number of
 * seeks.
 */
#include <stdlib.h>
#include <string.h>

#include "query_int.h"
#include "rows.h"
#include "trailscope/risk.h"

#define PATH_SEEKS_MAX 4000

static const char *const keys[] = {
	"actor:", "actor-type:", "target:", "target-kind:", "env:", "action:", "id:", "changed:",
	"before.", "after.", "since:", "until:", "hour:", "weekday:", "risk:", "outcome:", "around:",
	"rule:", "AND", "OR", "NOT",
};

enum query_complete_kind query_complete_context(const char *text, size_t cursor, size_t *start)
{
	size_t len = strlen(text), w, colon = (size_t)-1;
	static const struct {
		const char *key;
		enum query_complete_kind kind;
	} kinds[] = {
		{ "actor", QC_ACTOR }, { "actor-type", QC_ACTOR_TYPE }, { "target", QC_TARGET },
		{ "env", QC_ENV }, { "environment", QC_ENV }, { "action", QC_ACTION },
		{ "risk", QC_RISK }, { "around", QC_INCIDENT }, { "changed", QC_PATH },
		{ "outcome", QC_OUTCOME },
	};

	if (cursor > len)
		cursor = len;
	w = cursor;
	while (w > 0 && !strchr(" \t\n()", text[w - 1]))
		w--;
	if (w < cursor && text[w] == '-')
		w++;
	*start = w;
	if (w < cursor && (text[w] == '"' || text[w] == '/'))
		return QC_NONE;
	for (size_t i = w; i < cursor; i++) {
		if (text[i] == ':' || text[i] == '<' || text[i] == '>' || text[i] == '=') {
			colon = i;
			break;
		}
	}
	if (colon == (size_t)-1) {
		if (cursor - w >= 7 && !strncmp(text + w, "before.", 7)) {
			*start = w + 7;
			return QC_PATH;
		}
		if (cursor - w >= 6 && !strncmp(text + w, "after.", 6)) {
			*start = w + 6;
			return QC_PATH;
		}
		return QC_KEY;
	}
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		size_t kl = strlen(kinds[i].key);

		if (colon - w == kl && !strncmp(text + w, kinds[i].key, kl) && text[colon] == ':') {
			*start = colon + 1;
			return kinds[i].kind;
		}
	}
	return QC_NONE;
}

static void add(struct query_strings *l, const char *s, size_t len)
{
	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->v[i]) == len && !memcmp(l->v[i], s, len))
			return;
	ALLOC_GROW(l->v, l->n + 1, l->alloc);
	l->v[l->n++] = xstrndup(s, len);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void query_strings_release(struct query_strings *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->alloc = 0;
}

/* Folds [N] to [*]. */
static void fold_indexes(const char *p, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '[' && i + 1 < n && p[i + 1] >= '0' && p[i + 1] <= '9') {
			size_t j = i + 1;

			while (j < n && p[j] >= '0' && p[j] <= '9')
				j++;
			if (j < n && p[j] == ']') {
				buf_addstr(out, "[*]");
				i = j;
				continue;
			}
		}
		buf_addch(out, p[i]);
	}
}

/* Distinct values of an indexed column starting with prefix, by seeks:
 * sql[0] finds the first value >= ?1, sql[1] the first value > ?1. */
static int distinct(struct store *s, const char *const sql[2], const char *prefix, size_t max, int fold,
		    struct query_strings *out)
{
	sqlite3_stmt *st[2] = { NULL, NULL };
	struct buf last = BUF_INIT, f = BUF_INIT;
	size_t plen = strlen(prefix), seeks = 0;
	int ret = 0;

	if (store_prepare(s, sql[0], &st[0]) || store_prepare(s, sql[1], &st[1])) {
		sqlite3_finalize(st[0]);
		return -1;
	}
	buf_addstr(&last, prefix);
	for (int k = 0; out->n < max && seeks++ < PATH_SEEKS_MAX; k = 1) {
		const char *v;
		size_t vlen;
		int rc;

		sqlite3_bind_text(st[k], 1, last.buf, (int)last.len, SQLITE_TRANSIENT);
		rc = sqlite3_step(st[k]);
		if (rc != SQLITE_ROW) {
			if (rc != SQLITE_DONE)
				ret = store_error(s, "cannot list completions");
			sqlite3_reset(st[k]);
			break;
		}
		v = (const char *)sqlite3_column_text(st[k], 0);
		vlen = (size_t)sqlite3_column_bytes(st[k], 0);
		if (!v || vlen < plen || memcmp(v, prefix, plen)) {
			sqlite3_reset(st[k]);
			break;
		}
		buf_reset(&f);
		if (fold)
			fold_indexes(v, vlen, &f);
		else
			buf_add(&f, v, vlen);
		add(out, f.buf, f.len);
		buf_reset(&last);
		buf_add(&last, v, vlen);
		sqlite3_reset(st[k]);
	}
	sqlite3_finalize(st[0]);
	sqlite3_finalize(st[1]);
	buf_release(&last);
	buf_release(&f);
	return ret;
}

/* distinct() on a PostgreSQL store: the same seeks, in one walk. */
static int distinct_pg(struct store *s, const char *const tc[2], const char *prefix, size_t max, int fold,
		       struct query_strings *out)
{
	struct buf err = BUF_INIT, f = BUF_INIT;
	struct rows *r = qpg_walk(s, tc[0], tc[1], prefix, 1, prefix, PATH_SEEKS_MAX, &err);
	size_t plen = strlen(prefix);
	int rc = r ? 0 : -1;

	while (r && out->n < max && (rc = rows_next(r)) == 1) {
		const struct row_col *c = rows_col(r, 0);

		if (!c->p || c->n < plen || memcmp(c->p, prefix, plen))
			break;
		buf_reset(&f);
		if (fold)
			fold_indexes(c->p, c->n, &f);
		else
			buf_add(&f, c->p, c->n);
		add(out, f.buf, f.len);
	}
	rows_close(r);
	if (rc < 0)
		rc = error("cannot list completions: %s", err.buf);
	buf_release(&err);
	buf_release(&f);
	return rc < 0 ? -1 : 0;
}

int query_complete(struct store *s, enum query_complete_kind kind, const char *prefix, size_t max,
		   struct query_strings *out)
{
#define SEEK(col, table) { "SELECT " col " FROM " table " WHERE " col " >= ?1 ORDER BY " col " LIMIT 1", \
			  "SELECT " col " FROM " table " WHERE " col " > ?1 ORDER BY " col " LIMIT 1" }
	static const char *const seek_sql[][2] = {
		[QC_PATH] = SEEK("path", "changes"),
		[QC_ACTOR] = SEEK("actor", "entries"),
		[QC_TARGET] = SEEK("target", "entries"),
		[QC_ENV] = SEEK("environment", "entries"),
		[QC_ACTION] = SEEK("action", "entries"),
		[QC_ACTOR_TYPE] = SEEK("actor_type", "entries"),
		[QC_INCIDENT] = SEEK("id", "incidents"),
	};
#undef SEEK
	static const char *const walk[][2] = {
		[QC_PATH] = { "changes", "path" }, [QC_ACTOR] = { "entries", "actor" },
		[QC_TARGET] = { "entries", "target" }, [QC_ENV] = { "entries", "environment" },
		[QC_ACTION] = { "entries", "action" }, [QC_ACTOR_TYPE] = { "entries", "actor_type" },
		[QC_INCIDENT] = { "incidents", "id" },
	};
	size_t plen = strlen(prefix), before = out->n;
	int ret = 0;

	switch (kind) {
	case QC_NONE:
		return 0;
	case QC_KEY:
		for (size_t i = 0; i < ARRAY_SIZE(keys) && out->n - before < max; i++)
			if (!strncmp(keys[i], prefix, plen))
				add(out, keys[i], strlen(keys[i]));
		break;
	case QC_RISK:
		for (int i = 0; risk_names[i].name && out->n - before < max; i++)
			if (!strncmp(risk_names[i].name, prefix, plen))
				add(out, risk_names[i].name, strlen(risk_names[i].name));
		break;
	case QC_OUTCOME: {
		static const char *const outcomes[] = { "failure", "success", "unknown" };

		for (size_t i = 0; i < ARRAY_SIZE(outcomes) && out->n - before < max; i++)
			if (!strncmp(outcomes[i], prefix, plen))
				add(out, outcomes[i], strlen(outcomes[i]));
		break;
	}
	default: {
		struct query_strings l = QUERY_STRINGS_INIT;

		if (s->pg)
			ret = distinct_pg(s, walk[kind], prefix, max, kind == QC_PATH, &l);
		else
			ret = distinct(s, seek_sql[kind], prefix, max, kind == QC_PATH, &l);
		for (size_t i = 0; i < l.n; i++)
			add(out, l.v[i], strlen(l.v[i]));
		query_strings_release(&l);
		break;
	}
	}
	if (ret < 0)
		return -1;
	qsort(out->v + before, out->n - before, sizeof(*out->v), cmp_str);
	return (int)(out->n - before);
}
