/*
 * view_history.c - every change to one target in one environment, oldest
 * to newest, over the target's reconstructed state at the selected point;
 * with two points marked, the diff between them. The first row is the
 * point before the first recorded change, whose state is shown as unknown
 * when the source never recorded it. Memory: the change list (capped by
 * HISTORY_MAX) and one or two states.
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/history.h"
#include "app.h"
#include "draw.h"
#include "keys.h"
#include "view.h"
#include "trailscope/textout.h"

struct histv {
	struct history h;
	int loaded;
	long cur;          /* selected point: -1 before the first change, else item */
	long top;          /* first point shown in the list */
	long mark[2];      /* marked points, LONG_MIN when unset */
	int nmarks;
	int list_h;        /* rows of the list pane (last draw) */
	int list_y;
	struct pager detail;
	int detail_w;      /* width the detail was built for, 0 = stale */
};

#define NO_MARK (-2)

static long npoints(struct histv *p)
{
	return (long)p->h.n + 1; /* the point before the first change, then each change */
}

static void state_lines(struct view *v, struct lines *L, long point, int w)
{
	struct histv *p = v->priv;
	json_t *state = NULL;
	int64_t how;
	int kind = history_state_at(&v->tui->store, &p->h, point, &state, &how);
	struct line *l;

	if (kind < 0) {
		lines_add_wrapped(L, ROLE_ERROR, " ", ROLE_ERROR, last_error(), w, 1);
	} else if (kind == HISTORY_UNKNOWN) {
		l = lines_add(L);
		line_addstr(l, ROLE_DIFF_UNKNOWN, point < 0 ? " ? unknown: the source never recorded the state "
			    "before the first change" : " ? unknown: " STATE_NOT_RECORDED);
	} else if (kind == HISTORY_ABSENT) {
		l = lines_add(L);
		line_addstr(l, ROLE_MUTED, point < 0 ? " (did not exist before the first change)" :
			    " (absent: deleted by this change)");
	} else {
		pretty_json(state, L, ROLE_DEFAULT, " ", w, 1);
	}
	json_decref(state);
}

static void point_label(struct histv *p, long point, struct buf *out)
{
	if (point < 0) {
		buf_addstr(out, "before the first recorded change");
		return;
	}
	buf_addf(out, "#%ld (seq %lld, ", point + 1, (long long)p->h.v[point].seq);
	ts_display(p->h.v[point].ts, 1, out);
	buf_addstr(out, " UTC)");
}

static void build_detail(struct view *v, int w)
{
	struct histv *p = v->priv;
	struct lines *L = &p->detail.L;
	struct buf title = BUF_INIT;
	struct line *l;

	lines_clear(L);
	p->detail.top = 0;
	p->detail_w = w;
	if (!p->loaded)
		return;
	if (p->nmarks == 2) {
		long a = p->mark[0] < p->mark[1] ? p->mark[0] : p->mark[1];
		long b = p->mark[0] < p->mark[1] ? p->mark[1] : p->mark[0];
		json_t *sa = NULL, *sb = NULL;
		int64_t how;
		int ka = history_state_at(&v->tui->store, &p->h, a, &sa, &how);
		int kb = history_state_at(&v->tui->store, &p->h, b, &sb, &how);
		struct change_list cl = CHANGE_LIST_INIT;

		buf_addstr(&title, "Diff from ");
		point_label(p, a, &title);
		buf_addstr(&title, " to ");
		point_label(p, b, &title);
		l = lines_add(L);
		line_addstr(l, ROLE_SECTION, " ");
		line_add(l, ROLE_SECTION, title.buf, title.len);
		if (ka < 0 || kb < 0) {
			lines_add_wrapped(L, ROLE_ERROR, " ", ROLE_ERROR, last_error(), w, 1);
		} else if (history_diff(ka, sa, kb, sb, &cl) == 1) {
			l = lines_add(L);
			line_addstr(l, ROLE_DIFF_UNKNOWN, " ? the later state is unknown: nothing to compare");
		} else {
			diff_lines(L, &cl, 0, w);
		}
		change_list_release(&cl);
		json_decref(sa);
		json_decref(sb);
	} else {
		buf_addstr(&title, "State after ");
		if (p->cur < 0) {
			buf_reset(&title);
			buf_addstr(&title, "State ");
		}
		point_label(p, p->cur, &title);
		if (p->nmarks == 1)
			buf_addstr(&title, "  [m on another point: diff]");
		l = lines_add(L);
		line_addstr(l, ROLE_SECTION, " ");
		line_add(l, ROLE_SECTION, title.buf, title.len);
		if (p->cur >= 0 && outcome_parse(p->h.v[p->cur].outcome) == OUTCOME_FAILURE) {
			l = lines_add(L);
			line_addstr(l, ROLE_FAILED, " FAILED: this request changed nothing; the state is the one before it");
		}
		if (p->cur >= 0 && p->h.v[p->cur].gap_after) {
			buf_reset(&title);
			buf_addf(&title, "gap: the state before this change is not the state after seq %lld; "
				 "something the source did not record happened between them",
				 (long long)p->h.v[p->cur].gap_after);
			lines_add_wrapped(L, ROLE_DIFF_UNKNOWN, " ", ROLE_DIFF_UNKNOWN, title.buf, w, 1);
		}
		state_lines(v, L, p->cur, w);
	}
	buf_release(&title);
}

static int is_marked(struct histv *p, long point)
{
	for (int i = 0; i < p->nmarks; i++)
		if (p->mark[i] == point)
			return i + 1;
	return 0;
}

static void draw_point(struct view *v, int y, int w, long point)
{
	struct histv *p = v->priv;
	int sel = point == p->cur, m = is_marked(p, point), x;
	enum role base = sel ? ROLE_SELECTION : ROLE_DEFAULT;
	char mk[4] = { ' ', m ? (char)('A' + m - 1) : ' ', ' ', 0 };

	draw_fill(y, 0, w, base);
	x = draw_str(y, 0, 3, m ? ROLE_MARK : base, mk);
	if (point < 0) {
		draw_str(y, x, w, sel ? base : ROLE_MUTED, "(before the first recorded change)");
		return;
	}
	{
		const struct history_item *it = &p->h.v[point];
		struct buf t = BUF_INIT;
		int service = !strcmp(it->actor_type, "service");
		int rest;

		ts_display(it->ts, w >= 100, &t);
		x = draw_field(y, x, w >= 100 ? 19 : 14, sel ? base : ROLE_TIME, t.buf) + 1;
		buf_reset(&t);
		if (service)
			buf_addstr(&t, "\xe2\x9a\x99");
		buf_addstr(&t, it->actor);
		x = draw_field(y, x, 14, sel ? base : service ? ROLE_ACTOR_SERVICE : ROLE_ACTOR, t.buf) + 1;
		x = draw_field(y, x, 13, sel ? base : ROLE_ACTION, it->action) + 1;
		/* the chain breaks before this event: say so, do not guess */
		if (it->gap_after && w - x > 6)
			x = draw_str(y, x, x + 3, sel ? base : ROLE_DIFF_UNKNOWN, "gap") + 1;
		if (outcome_parse(it->outcome) == OUTCOME_FAILURE && w - x > 8)
			x = draw_str(y, x, x + 6, sel ? base : ROLE_FAILED, "FAILED") + 1;
		rest = w - x;
		if (rest > 0)
			draw_field(y, x, rest, sel ? base : ROLE_SUMMARY, it->summary);
		buf_release(&t);
	}
}

static void histv_draw(struct view *v, int y, int h, int w)
{
	struct histv *p = v->priv;
	struct buf t = BUF_INIT;
	int x, list_h, n = (int)npoints(p);
	char a[32];

	buf_addstr(&t, " history \xc2\xb7 ");
	if (p->loaded) {
		tui_safe(&t, p->h.target, strlen(p->h.target));
		buf_addstr(&t, " [");
		tui_safe(&t, *p->h.environment ? p->h.environment : "no environment",
			 strlen(*p->h.environment ? p->h.environment : "no environment"));
		/* says what # counts: the changes of this history, from the oldest */
		buf_addf(&t, "] \xc2\xb7 %s change%s, #1 the oldest", text_thousands((unsigned long long)p->h.total, a),
			 p->h.total == 1 ? "" : "s");
		if (p->h.total > (int64_t)p->h.n)
			buf_addf(&t, " (first %zu listed)", p->h.n);
	}
	x = draw_text(y, 0, w, ROLE_HEADER, t.buf, t.len);
	draw_fill(y, x, w, ROLE_HEADER);
	buf_release(&t);
	/* list pane: up to 40% of the rows, at least 4 */
	list_h = (h - 1) * 2 / 5;
	if (list_h < 4)
		list_h = 4;
	if (list_h > n)
		list_h = n;
	if (list_h > h - 3)
		list_h = h - 3 > 1 ? h - 3 : 1;
	p->list_h = list_h;
	p->list_y = y + 1;
	/* top is a point index in [-1, n - 1] */
	if (p->cur < p->top)
		p->top = p->cur;
	if (p->cur >= p->top + list_h)
		p->top = p->cur - list_h + 1;
	for (int i = 0; i < list_h; i++) {
		long point = p->top + i;

		if (point < (long)p->h.n)
			draw_point(v, y + 1 + i, w, point);
		else
			draw_fill(y + 1 + i, 0, w, ROLE_DEFAULT);
	}
	draw_fill(y + 1 + list_h, 0, w, ROLE_COLUMNS);
	draw_str(y + 1 + list_h, 1, w, ROLE_COLUMNS,
		 "m: mark two points to diff \xc2\xb7 J/K: scroll below \xc2\xb7 Enter: open the event");
	if (p->detail_w != w)
		build_detail(v, w);
	pager_draw(&p->detail, y + 2 + list_h, h - 2 - list_h, w);
}

static void select_point(struct view *v, long point)
{
	struct histv *p = v->priv;

	if (point < -1)
		point = -1;
	if (point > (long)p->h.n - 1)
		point = (long)p->h.n - 1;
	if (point != p->cur) {
		p->cur = point;
		if (p->nmarks < 2)
			p->detail_w = 0;
	}
}

static int histv_request(struct view *v, enum request req)
{
	struct histv *p = v->priv;
	long page = p->list_h > 1 ? p->list_h : 1;

	switch (req) {
	case REQ_MOVE_DOWN: select_point(v, p->cur + 1); return 1;
	case REQ_MOVE_UP: select_point(v, p->cur - 1); return 1;
	case REQ_PAGE_DOWN: select_point(v, p->cur + page); return 1;
	case REQ_PAGE_UP: select_point(v, p->cur - page); return 1;
	case REQ_HALF_DOWN: select_point(v, p->cur + page / 2 + 1); return 1;
	case REQ_HALF_UP: select_point(v, p->cur - page / 2 - 1); return 1;
	case REQ_FIRST: select_point(v, -1); return 1;
	case REQ_LAST: select_point(v, (long)p->h.n - 1); return 1;
	case REQ_DETAIL_DOWN: return pager_request(&p->detail, REQ_HALF_DOWN);
	case REQ_DETAIL_UP: return pager_request(&p->detail, REQ_HALF_UP);
	case REQ_MARK:
		if (is_marked(p, p->cur)) {
			/* unmark */
			if (p->mark[0] == p->cur)
				p->mark[0] = p->mark[1];
			p->nmarks--;
		} else if (p->nmarks < 2) {
			p->mark[p->nmarks++] = p->cur;
		} else {
			p->mark[0] = p->mark[1];
			p->mark[1] = p->cur;
		}
		p->detail_w = 0;
		return 1;
	case REQ_CLEAR_MARKS:
		p->nmarks = 0;
		p->detail_w = 0;
		return 1;
	case REQ_ENTER:
		if (p->cur >= 0 && p->cur < (long)p->h.n)
			tui_push(v->tui, event_view_new(v->tui, p->h.v[p->cur].seq));
		return 1;
	case REQ_HISTORY:
		return 1;
	default:
		return 0;
	}
}

static int histv_mouse(struct view *v, MEVENT *m)
{
	struct histv *p = v->priv;

	if (m->y >= p->list_y && m->y < p->list_y + p->list_h) {
		if (m->bstate & BUTTON4_PRESSED) {
			select_point(v, p->cur - 3);
		}
#ifdef BUTTON5_PRESSED
		else if (m->bstate & BUTTON5_PRESSED) {
			select_point(v, p->cur + 3);
		}
#endif
		else if (m->bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED)) {
			long point = p->top + (m->y - p->list_y);

			if (point == p->cur)
				histv_request(v, REQ_ENTER);
			else if (point < (long)p->h.n)
				select_point(v, point);
		}
		return 1;
	}
	return pager_mouse(&p->detail, m, p->list_y + p->list_h + 1) ? 1 : 0;
}

static void histv_reload(struct view *v, int store_changed)
{
	struct histv *p = v->priv;

	if (store_changed && p->loaded) {
		char *target = xstrdup(p->h.target), *env = xstrdup(p->h.environment);
		int64_t seq = p->cur >= 0 ? p->h.v[p->cur].seq : 0;

		history_release(&p->h);
		p->loaded = history_load(&v->tui->store, target, env, &p->h) == 0;
		for (size_t i = 0; i < p->h.n; i++)
			if (p->h.v[i].seq == seq)
				p->cur = (long)i;
		if (p->cur >= (long)p->h.n)
			p->cur = (long)p->h.n - 1;
		free(target);
		free(env);
		p->detail_w = 0;
	}
}

static void histv_position(struct view *v, struct buf *pos, struct buf *filter)
{
	struct histv *p = v->priv;
	char a[32], b[32];

	if (p->loaded) {
		buf_addstr(filter, "filter: target=");
		tui_safe(filter, p->h.target, strlen(p->h.target));
		buf_addstr(filter, " env=");
		tui_safe(filter, p->h.environment, strlen(p->h.environment));
	}
	if (p->cur < 0)
		buf_addf(pos, "before change 1 of %s", text_thousands(p->h.n, b));
	else
		buf_addf(pos, "change %s of %s", text_thousands((unsigned long long)p->cur + 1, a), text_thousands(p->h.n, b));
}

static void histv_close(struct view *v)
{
	struct histv *p = v->priv;

	if (p->loaded)
		history_release(&p->h);
	lines_release(&p->detail.L);
	free(p);
}

struct view *history_view_new(struct tui *t, const char *target, const char *env, int64_t seq)
{
	struct view *v = view_new(t, &history_view_ops, sizeof(struct histv));
	struct histv *p = v->priv;

	p->detail.cur = -1;
	p->top = -1;
	p->loaded = history_load(&t->store, target, env, &p->h) == 0;
	if (!p->loaded) {
		tui_message(t, ROLE_ERROR, "cannot read the history: %s", last_error());
		history_release(&p->h);
		free(p);
		free(v);
		return NULL;
	}
	p->cur = p->h.n ? (long)p->h.n - 1 : -1;
	for (size_t i = 0; i < p->h.n; i++)
		if (p->h.v[i].seq == seq)
			p->cur = (long)i;
	return v;
}

const struct view_ops history_view_ops = {
	.name = "history",
	.scope = SCOPE_HISTORY,
	.close = histv_close,
	.draw = histv_draw,
	.request = histv_request,
	.mouse = histv_mouse,
	.reload = histv_reload,
	.position = histv_position,
};
