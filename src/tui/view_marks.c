/*
 * view_marks.c - the case file's marked events, oldest first, each with
 * its time, actor, action, target and change summary from the store and
 * the notes attached to it; then the notes on events that are not marked.
 * Enter opens the event, m unmarks it, a adds a note. Memory: the marks
 * and notes (a case holds few); one indexed look-up per event.
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/casefile.h"
#include "trailscope/timeline.h"
#include "app.h"
#include "draw.h"
#include "keys.h"
#include "view.h"

struct marksv {
	struct pager pg;
	int built_w;
	int stale;
};

static void event_line(struct tui *t, struct lines *L, int64_t seq, int marked)
{
	struct tl_row r;
	struct line *l = lines_add(L);
	char cell[48];

	snprintf(cell, sizeof(cell), " %s seq %-7lld ", marked ? "*" : " ", (long long)seq);
	line_addstr(l, marked ? ROLE_MARK : ROLE_DEFAULT, cell);
	line_addstr(l, ROLE_DEFAULT, " ");
	l->data = seq;
	l->selectable = 1;
	switch (timeline_row_at(&t->store, seq, &r)) {
	case 1: {
		struct buf b = BUF_INIT;

		ts_display(r.key.ts, 1, &b);
		line_add(l, ROLE_TIME, b.buf, b.len);
		line_addstr(l, ROLE_DEFAULT, "  ");
		line_add_data(l, ROLE_ACTOR, r.actor);
		line_addstr(l, ROLE_DEFAULT, "  ");
		line_add_data(l, ROLE_ACTION, r.action);
		line_addstr(l, ROLE_DEFAULT, "  ");
		line_add_data(l, ROLE_TARGET, r.target);
		line_addstr(l, ROLE_DEFAULT, "  ");
		line_add_data(l, ROLE_ENV, r.environment);
		line_addstr(l, ROLE_DEFAULT, "  ");
		buf_reset(&b);
		summary_display(&b, r.summary);
		line_add(l, ROLE_SUMMARY, b.buf, b.len);
		buf_release(&b);
		tl_row_release(&r);
		break;
	}
	case 0:
		line_addstr(l, ROLE_ERROR, "(not in this store)");
		break;
	}
}

static void note_lines(struct lines *L, const struct case_note *n, int w)
{
	struct buf pre = BUF_INIT;

	buf_addf(&pre, "      note %lld \xc2\xb7 ", (long long)n->id);
	tui_safe(&pre, n->author, strlen(n->author));
	buf_addstr(&pre, " \xc2\xb7 ");
	tui_safe(&pre, n->created_at, strlen(n->created_at));
	buf_addstr(&pre, ": ");
	lines_add_wrapped(L, ROLE_LABEL, pre.buf, ROLE_DEFAULT, n->text, w, 8);
	buf_release(&pre);
}

static void build(struct view *v, int w)
{
	struct marksv *p = v->priv;
	struct tui *t = v->tui;
	struct lines *L = &p->pg.L;
	struct case_marks m = { NULL, 0, 0 };
	struct case_notes notes = { NULL, 0, 0 };
	struct casefile cf, *c = t->cf;
	struct buf path = BUF_INIT;
	struct line *l;
	int other = 0;

	lines_clear(L);
	p->built_w = w;
	p->stale = 0;
	if (tui_case_path(t, &path)) {
		lines_add_wrapped(L, ROLE_ERROR, " ", ROLE_ERROR, TUI_NO_CASE, w, 1);
		buf_release(&path);
		return;
	}
	if (!c) {
		if (casefile_open(&cf, path.buf, CASEFILE_READONLY)) {
			lines_add_wrapped(L, ROLE_ERROR, " ", ROLE_ERROR, last_error(), w, 1);
			buf_release(&path);
			return;
		}
		c = &cf;
	}
	l = lines_add(L);
	line_addstr(l, ROLE_LABEL, " Case file  ");
	line_add_data(l, ROLE_DEFAULT, path.buf);
	if (casefile_marks(c, &m) || casefile_notes(c, 0, &notes))
		lines_add_wrapped(L, ROLE_ERROR, " ", ROLE_ERROR, last_error(), w, 1);
	lines_add(L);
	l = lines_add(L);
	{
		char title[64];

		snprintf(title, sizeof(title), " Marked events (%zu)", m.n);
		line_addstr(l, ROLE_SECTION, title);
	}
	if (!m.n) {
		l = lines_add(L);
		line_addstr(l, ROLE_MUTED, "   (none: m marks the selected event)");
	}
	for (size_t i = 0; i < m.n; i++) {
		event_line(t, L, m.v[i].seq, 1);
		for (size_t k = 0; k < notes.n; k++)
			if (notes.v[k].seq == m.v[i].seq)
				note_lines(L, &notes.v[k], w);
	}
	for (size_t k = 0; k < notes.n; k++) {
		int64_t seq = notes.v[k].seq;
		int marked = 0;

		for (size_t i = 0; i < m.n; i++)
			marked |= m.v[i].seq == seq;
		if (marked)
			continue;
		if (!other++) {
			lines_add(L);
			line_addstr(lines_add(L), ROLE_SECTION, " Notes on unmarked events");
		}
		if (!k || notes.v[k - 1].seq != seq)
			event_line(t, L, seq, 0);
		note_lines(L, &notes.v[k], w);
	}
	case_marks_release(&m);
	case_notes_release(&notes);
	if (c == &cf)
		casefile_close(&cf);
	buf_release(&path);
	if (p->pg.cur < 0 || p->pg.cur >= (long)L->n || !L->v[p->pg.cur].selectable) {
		p->pg.cur = -1;
		for (size_t i = 0; i < L->n; i++)
			if (L->v[i].selectable) {
				p->pg.cur = (long)i;
				break;
			}
	}
}

static void marksv_draw(struct view *v, int y, int h, int w)
{
	struct marksv *p = v->priv;
	int x;

	if (p->built_w != w || p->stale)
		build(v, w);
	x = draw_str(y, 0, w, ROLE_HEADER, " marks \xc2\xb7 Enter: open \xc2\xb7 m: unmark \xc2\xb7 a: note \xc2\xb7 e: export");
	draw_fill(y, x, w, ROLE_HEADER);
	pager_draw(&p->pg, y + 1, h - 1, w);
}

static int64_t marksv_cursor_seq(struct view *v)
{
	struct marksv *p = v->priv;

	if (p->pg.cur < 0 || p->pg.cur >= (long)p->pg.L.n || !p->pg.L.v[p->pg.cur].selectable)
		return 0;
	return p->pg.L.v[p->pg.cur].data;
}

static int marksv_request(struct view *v, enum request req)
{
	struct marksv *p = v->priv;
	int64_t seq = marksv_cursor_seq(v);

	switch (req) {
	case REQ_ENTER:
		if (seq && seq <= v->tui->max_seq) {
			timeline_view_goto_seq(tui_timeline(v->tui), seq);
			tui_push(v->tui, event_view_new(v->tui, seq));
		}
		return 1;
	case REQ_LIST_MARKS:
		return 1;
	case REQ_TOGGLE_MARK:
		tui_toggle_mark(v->tui, seq);
		p->stale = 1;
		return 1;
	case REQ_NOTE:
		tui_add_note(v->tui, seq);
		p->stale = 1;
		return 1;
	default:
		return pager_request(&p->pg, req);
	}
}

static int marksv_mouse(struct view *v, MEVENT *m)
{
	struct marksv *p = v->priv;
	int r = pager_mouse(&p->pg, m, v->y + 1);

	if (r == 2)
		marksv_request(v, REQ_ENTER);
	return r ? 1 : 0;
}

static void marksv_position(struct view *v, struct buf *pos, struct buf *filter)
{
	(void)filter;
	buf_addf(pos, "%zu marked", v->tui->nmarks);
}

static void marksv_reload(struct view *v, int store_changed)
{
	struct marksv *p = v->priv;

	(void)store_changed;
	p->stale = 1;
}

static void marksv_close(struct view *v)
{
	struct marksv *p = v->priv;

	lines_release(&p->pg.L);
	free(p);
}

struct view *marks_view_new(struct tui *t)
{
	struct view *v = view_new(t, &marks_view_ops, sizeof(struct marksv));
	struct marksv *p = v->priv;

	p->pg.cur = -1;
	tui_is_marked(t, 0); /* load the cache for the status bar */
	return v;
}

const struct view_ops marks_view_ops = {
	.name = "marks",
	.scope = SCOPE_MARKS,
	.close = marksv_close,
	.draw = marksv_draw,
	.request = marksv_request,
	.mouse = marksv_mouse,
	.reload = marksv_reload,
	.position = marksv_position,
	.cursor_seq = marksv_cursor_seq,
};
