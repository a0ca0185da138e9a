/*
 * view_sql.c - the result of `:sql SELECT ...`: one read-only statement
 * over the documented views (docs/QUERY.md), run through sqlcursor.h on a
 * connection of its own (SQLite: an authorizer refuses every write;
 * PostgreSQL: the reader's READ ONLY transaction), shown as a table. Memory: at most SQL_MAX_ROWS rows, each cell cut at SQL_MAX_CELL
 * bytes; a long statement shows "working..." and Esc cancels it (the busy
 * handler of tui.c).
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/query.h"
#include "trailscope/sqlcursor.h"
#include "app.h"
#include "draw.h"
#include "keys.h"
#include "view.h"
#include "trailscope/textout.h"

#define SQL_MAX_ROWS 10000
#define SQL_MAX_CELL 200
#define SQL_MAX_COLW 40

struct sqlv {
	struct pager pg;
	char *sql;
	int ncol;
	char **cells;         /* (rows + 1) * ncol safe strings; row 0 the names */
	size_t nrows;         /* data rows */
	size_t ncells;        /* cells held */
	int truncated;
	int built_w;
};

static void cell_text(const struct sql_value *v, struct buf *out)
{
	struct buf raw = BUF_INIT;

	switch (v->type) {
	case SQL_NULL:
		buf_addstr(out, "NULL");
		return;
	case SQL_BLOB: {
		const unsigned char *p = (const unsigned char *)v->p;

		buf_addstr(out, "x'");
		for (size_t k = 0; k < v->n && k < SQL_MAX_CELL / 2; k++)
			buf_addf(out, "%02x", p[k]);
		buf_addstr(out, v->n > SQL_MAX_CELL / 2 ? "...'" : "'");
		return;
	}
	default:
		buf_add(&raw, v->p ? v->p : "", v->n);
		if (raw.len > SQL_MAX_CELL) {
			size_t k = SQL_MAX_CELL;

			while (k && ((unsigned char)raw.buf[k] & 0xc0) == 0x80)
				k--;
			buf_setlen(&raw, k);
			buf_addstr(&raw, "\xe2\x80\xa6");
		}
		tui_safe(out, raw.buf, raw.len);
		buf_release(&raw);
	}
}

/* Runs the statement (sqlcursor.h: either backend); returns 0, or -1
 * with a message in err. */
static int run(struct view *v, struct sqlv *p, struct buf *err)
{
	struct store s;
	struct sql_cursor *c;
	int rc, cls = 0, ret = -1;
	size_t alloc = 0;

	if (store_open(&s, v->tui->path, STORE_READONLY)) {
		buf_addstr(err, last_error());
		return -1;
	}
	tui_busy_attach(v->tui, &s);
	c = sql_cursor_open(&s, p->sql, err, &cls);
	if (!c) {
		if (!err->len)
			buf_addstr(err, last_error());
		goto out;
	}
	p->ncol = sql_cursor_ncols(c);
	for (int i = 0; i < p->ncol; i++) {
		struct buf name = BUF_INIT;
		const char *n = sql_cursor_name(c, i);

		tui_safe(&name, n ? n : "", n ? strlen(n) : 0);
		ALLOC_GROW(p->cells, p->ncells + 1, alloc);
		p->cells[p->ncells++] = buf_detach(&name, NULL);
	}
	while ((rc = sql_cursor_next(c, err, &cls)) == 1) {
		if (p->nrows >= SQL_MAX_ROWS) {
			p->truncated = 1;
			break;
		}
		for (int i = 0; i < p->ncol; i++) {
			struct buf cell = BUF_INIT;

			cell_text(sql_cursor_value(c, i), &cell);
			ALLOC_GROW(p->cells, p->ncells + 1, alloc);
			p->cells[p->ncells++] = buf_detach(&cell, NULL);
		}
		p->nrows++;
	}
	if (rc < 0) {
		if (v->tui->cancelled) {
			buf_reset(err);
			buf_addstr(err, "cancelled");
		}
		sql_cursor_close(c);
		goto out;
	}
	sql_cursor_close(c);
	ret = 0;
out:
	store_close(&s);
	return ret;
}

static void build(struct sqlv *p, int w)
{
	struct lines *L = &p->pg.L;
	int *cw = xcalloc((size_t)p->ncol + 1, sizeof(*cw));

	lines_clear(L);
	p->built_w = w;
	for (size_t r = 0; r <= p->nrows; r++)
		for (int i = 0; i < p->ncol; i++) {
			const char *c = p->cells[r * (size_t)p->ncol + (size_t)i];
			int cols = text_cols(c, strlen(c));

			if (cols > cw[i])
				cw[i] = cols > SQL_MAX_COLW ? SQL_MAX_COLW : cols;
		}
	for (size_t r = 0; r <= p->nrows; r++) {
		struct line *l = lines_add(L);

		line_addstr(l, ROLE_DEFAULT, " ");
		for (int i = 0; i < p->ncol; i++) {
			const char *c = p->cells[r * (size_t)p->ncol + (size_t)i];
			int used;
			size_t n = text_fit(c, strlen(c), cw[i], &used);

			if (i)
				line_addstr(l, ROLE_MUTED, " \xe2\x94\x82 ");
			line_add(l, r ? ROLE_DEFAULT : ROLE_COLUMNS, c, n);
			for (int k = used; k < cw[i]; k++)
				line_add(l, r ? ROLE_DEFAULT : ROLE_COLUMNS, " ", 1);
		}
		l->selectable = r > 0;
	}
	if (!p->nrows)
		line_addstr(lines_add(L), ROLE_MUTED, " (no rows)");
	if (p->truncated) {
		char msg[96];

		snprintf(msg, sizeof(msg), " (stopped after %d rows)", SQL_MAX_ROWS);
		line_addstr(lines_add(L), ROLE_CHAIN_WARN, msg);
	}
	if (p->pg.cur < 0 && p->nrows)
		p->pg.cur = 1;
	free(cw);
}

static void sqlv_draw(struct view *v, int y, int h, int w)
{
	struct sqlv *p = v->priv;
	struct buf hdr = BUF_INIT;
	int x;

	if (p->built_w != w)
		build(p, w);
	buf_addstr(&hdr, " sql \xc2\xb7 ");
	tui_safe(&hdr, p->sql, strlen(p->sql));
	x = draw_text(y, 0, w, ROLE_HEADER, hdr.buf, hdr.len);
	draw_fill(y, x, w, ROLE_HEADER);
	pager_draw(&p->pg, y + 1, h - 1, w);
	buf_release(&hdr);
}

static int sqlv_request(struct view *v, enum request req)
{
	struct sqlv *p = v->priv;

	return pager_request(&p->pg, req);
}

static int sqlv_mouse(struct view *v, MEVENT *m)
{
	struct sqlv *p = v->priv;

	return pager_mouse(&p->pg, m, v->y + 1) ? 1 : 0;
}

static void sqlv_position(struct view *v, struct buf *pos, struct buf *filter)
{
	struct sqlv *p = v->priv;
	char a[32];

	(void)filter;
	buf_addf(pos, "row %ld of %s", p->pg.cur > 0 ? p->pg.cur : 0,
		 text_thousands((unsigned long long)p->nrows, a));
}

static void sqlv_close(struct view *v)
{
	struct sqlv *p = v->priv;

	for (size_t i = 0; i < p->ncells; i++)
		free(p->cells[i]);
	free(p->cells);
	free(p->sql);
	lines_release(&p->pg.L);
	free(p);
}

struct view *sql_view_new(struct tui *t, const char *sql)
{
	struct view *v = view_new(t, &sql_view_ops, sizeof(struct sqlv));
	struct sqlv *p = v->priv;
	struct buf err = BUF_INIT;

	p->pg.cur = -1;
	p->sql = xstrdup(sql);
	if (run(v, p, &err)) {
		tui_message(t, ROLE_ERROR, "sql: %s", err.buf);
		buf_release(&err);
		sqlv_close(v);
		free(v);
		return NULL;
	}
	buf_release(&err);
	tui_message(t, ROLE_STATUS, "sql: %zu row%s", p->nrows, p->nrows == 1 ? "" : "s");
	return v;
}

const struct view_ops sql_view_ops = {
	.name = "sql",
	.scope = SCOPE_SQL,
	.close = sqlv_close,
	.draw = sqlv_draw,
	.request = sqlv_request,
	.mouse = sqlv_mouse,
	.position = sqlv_position,
};
