/*
 * row_read.c - column helpers and error reporting over rows.h's cursor
 * for the read commands' loaders (see row_read.h).
 */
#include <string.h>

#include "trailscope/diag.h"
#include "trailscope/jcs.h"
#include "trailscope/util.h"
#include "row_read.h"

char *row_dup(const struct rows *r, int col)
{
	const struct row_col *c = rows_col(r, col);

	return xstrndup(c->p ? c->p : "", c->p ? c->n : 0);
}

const char *row_text(const struct rows *r, int col)
{
	const char *p = rows_col(r, col)->p;

	return p ? p : "";
}

json_t *row_json(const struct rows *r, int col)
{
	const struct row_col *c = rows_col(r, col);
	struct buf err = BUF_INIT;
	json_t *v;
	int l, k;

	if (!c->p)
		return NULL;
	v = json_parse_strict(c->p, c->n, &l, &k, &err);
	buf_release(&err);
	return v;
}

const char *row_leaf_json(const struct store *s)
{
	return s->pg ? "convert_from(leaf, 'UTF8')::json" : "CAST(leaf AS TEXT)";
}

int row_fail(const struct store *s, const struct buf *err)
{
	return error("%s: %s", s->path ? s->path : "store", err->buf);
}

struct rows *row_open(struct store *s, const char *sql, const struct row_param *p, int np,
		      const char *what, struct buf *err)
{
	struct rows *r = rows_open(s, NULL, sql, p, np, what, err);

	if (!r)
		row_fail(s, err);
	return r;
}
