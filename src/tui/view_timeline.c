/*
 * view_timeline.c - the timeline: one line per event, newest or oldest
 * first, with the time-density strip on top. Only the rows on screen are
 * held; every move is a keyset fetch of a few rows on the (ts, seq) index
 * through the query API (query.h: the active filter, or the empty query
 * that matches everything), so cost and memory do not depend on the
 * store's size, filtered or not. The position ("event N of M") is tracked
 * exactly across moves and, after a jump, is counted in the background
 * (unfiltered); filtered, M is the filter's match count. The window, the
 * cursor and the position are the core's model (struct tl_window in
 * timeline.h); this file feeds it the filter's rows and draws it.
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/query.h"
#include "trailscope/risk.h"
#include "trailscope/textout.h"
#include "trailscope/timeline.h"
#include "app.h"
#include "bg.h"
#include "draw.h"
#include "keys.h"
#include "querybar.h"
#include "rulehits.h"
#include "view.h"

/* tl_row.flags carries the entries.risk bits above the TL_ flags */
#define RISK_SHIFT 8

struct tlv {
	struct query *q;      /* the filter compiled on the main connection ("" all) */
	int fetch_failed;     /* the last fetch failed or was cancelled */
	struct tl_window win; /* rows on screen, cursor, position (timeline.h) */
	int64_t unseen;       /* new events not shown (follow mode off) */
	int strip_y;          /* row of the density strip (last draw) */
	int rows_y;           /* first row of events (last draw) */
	int following;        /* the cursor is on the newest event (follow mode) */
};

static struct tlv *priv(struct view *v)
{
	return v->priv;
}

struct fetch_ctx {
	struct tl_page *out;
};

static int take_row(const struct query_row *r, void *ctx)
{
	struct fetch_ctx *c = ctx;
	struct tl_row *row;

	ALLOC_GROW(c->out->v, c->out->n + 1, c->out->alloc);
	row = &c->out->v[c->out->n++];
	memset(row, 0, sizeof(*row));
	snprintf(row->key.ts, sizeof(row->key.ts), "%s", r->ts);
	row->key.seq = r->seq;
	row->actor = xstrdup(r->actor);
	row->actor_type = xstrdup(r->actor_type);
	row->action = xstrdup(r->action);
	row->target = xstrdup(r->target);
	row->environment = xstrdup(r->environment);
	row->summary = xstrdup(r->summary);
	if (!strcmp(r->actor_type, "service"))
		row->flags |= TL_SERVICE;
	if (r->risk & RISK_PRODUCTION)
		row->flags |= TL_PRODUCTION;
	if (r->risk & RISK_NO_APPROVAL)
		row->flags |= TL_APPROVAL_MISSING;
	if (outcome_parse(r->outcome) == OUTCOME_FAILURE)
		row->flags |= TL_FAILED;
	row->flags |= r->risk << RISK_SHIFT;
	return 0;
}

/* timeline_fetch()'s contract, over the filter: up to n rows next to from,
 * in display order when forward, nearest first when not. */
static int tl_fetch(struct tlv *p, int newest_first, const struct tl_key *from, int forward,
		    int inclusive, size_t n, struct tl_page *out)
{
	struct query_key key;
	struct query_fetch f;
	struct fetch_ctx c = { out };
	int64_t got;

	if (!n)
		return 0;
	memset(&f, 0, sizeof(f));
	if (from) {
		snprintf(key.ts, sizeof(key.ts), "%s", from->ts);
		key.seq = from->seq;
		f.from = &key;
	}
	f.inclusive = inclusive;
	f.desc = newest_first ? forward : !forward;
	f.limit = (int64_t)n;
	got = query_each(p->q, &f, take_row, &c);
	if (got < 0) {
		p->fetch_failed = got == QUERY_CANCELLED ? 2 : 1;
		return -1;
	}
	return (int)got;
}

/* The first row at or after time t (time order), else the newest one. */
static int tl_seek(struct view *v, usec_t t, struct tl_key *out)
{
	struct tlv *p = priv(v);
	struct tl_key from;
	struct tl_page pg = TL_PAGE_INIT;
	int got;

	time_format(t, from.ts);
	from.seq = 0;
	/* ascending from the time: forward in display order when oldest first */
	got = tl_fetch(p, 0, &from, 1, 1, 1, &pg);
	if (got == 0)
		got = tl_fetch(p, 0, NULL, 0, 0, 1, &pg);
	if (got > 0)
		*out = pg.v[0].key;
	tl_page_release(&pg);
	return got > 0 ? 1 : got;
}

/* The window's fetch: the filter, in the display order of the moment. */
static int window_fetch(void *ctx, const struct tl_key *from, int forward, int inclusive, size_t n,
			struct tl_page *out)
{
	struct view *v = ctx;

	return tl_fetch(priv(v), v->tui->newest_first, from, forward, inclusive, n, out);
}

static void jump_time(struct view *v)
{
	struct tlv *p = priv(v);
	struct buf in = BUF_INIT;
	const char *why;
	usec_t ref = time_now(), t;
	struct tl_key key;

	if (p->win.page.n)
		timeline_parse_ts(p->win.page.v[p->win.cur].key.ts, &ref);
	if (tui_prompt(v->tui, "Jump to time (UTC; 2026-03-05 14:00, 14:00, -2h, +30m): ", &in)) {
		buf_release(&in);
		return;
	}
	if (!in.len) {
		buf_release(&in);
		return;
	}
	if (timeline_parse_user_time(in.buf, ref, &t, &why)) {
		struct buf safe = BUF_INIT;

		tui_safe(&safe, in.buf, in.len);
		tui_message(v->tui, ROLE_ERROR, "bad time '%s': %s", safe.buf, why);
		buf_release(&safe);
	} else if (tl_seek(v, t, &key) == 1) {
		char when[32];

		tl_window_center(&p->win, &key, tl_window_rows(&p->win) / 3);
		tl_window_forget(&p->win);
		time_format(t, when);
		when[19] = 0;
		when[10] = ' ';
		tui_message(v->tui, ROLE_STATUS, "jumped to %s UTC", when);
	}
	buf_release(&in);
}

static void toggle_order(struct view *v)
{
	struct tlv *p = priv(v);
	struct tl_key key;
	int have = p->win.page.n > 0;

	if (have)
		key = p->win.page.v[p->win.cur].key;
	v->tui->newest_first = !v->tui->newest_first;
	if (have) {
		int64_t total = timeline_view_total(v);

		tl_window_center(&p->win, &key, tl_window_rows(&p->win) / 3);
		tl_window_reversed(&p->win, total);
	} else {
		tl_window_first(&p->win);
	}
	tui_message(v->tui, ROLE_STATUS, "%s first", v->tui->newest_first ? "newest" : "oldest");
}

static void go_last(struct view *v)
{
	tl_window_last(&priv(v)->win, timeline_view_total(v), v->tui->filter.len > 0);
}

/* Is the cursor on the newest event? */
static int at_newest(struct view *v)
{
	return tl_window_at_edge(&priv(v)->win, !v->tui->newest_first);
}

static int tlv_request_1(struct view *v, enum request req);

static int tlv_request(struct view *v, enum request req)
{
	int handled = tlv_request_1(v, req);

	priv(v)->following = at_newest(v);
	return handled;
}

static int tlv_request_1(struct view *v, enum request req)
{
	struct tlv *p = priv(v);
	int half = tl_window_rows(&p->win) / 2 ? tl_window_rows(&p->win) / 2 : 1;

	switch (req) {
	case REQ_MOVE_DOWN: tl_window_move(&p->win, 1); return 1;
	case REQ_MOVE_UP: tl_window_move(&p->win, -1); return 1;
	case REQ_PAGE_DOWN: tl_window_page(&p->win, tl_window_rows(&p->win)); return 1;
	case REQ_PAGE_UP: tl_window_page(&p->win, -tl_window_rows(&p->win)); return 1;
	case REQ_HALF_DOWN: tl_window_page(&p->win, half); return 1;
	case REQ_HALF_UP: tl_window_page(&p->win, -half); return 1;
	case REQ_FIRST: tl_window_first(&p->win); return 1;
	case REQ_LAST: go_last(v); return 1;
	case REQ_JUMP_TIME: jump_time(v); return 1;
	case REQ_TOGGLE_ORDER: toggle_order(v); return 1;
	case REQ_ENTER:
		if (p->win.page.n)
			tui_push(v->tui, event_view_new(v->tui, p->win.page.v[p->win.cur].key.seq));
		return 1;
	case REQ_HISTORY:
		if (p->win.page.n)
			tui_push(v->tui, history_view_new(v->tui, p->win.page.v[p->win.cur].target,
							  p->win.page.v[p->win.cur].environment,
							  p->win.page.v[p->win.cur].key.seq));
		return 1;
	case REQ_BACK:
		v->tui->quit = 1;
		return 1;
	case REQ_CLEAR_FILTER:
		if (!querybar_clear(v->tui))
			tui_message(v->tui, ROLE_STATUS, "no filter or search to clear: q quits");
		return 1;
	case REQ_SEARCH: querybar_search(v->tui); return 1;
	case REQ_SEARCH_NEXT: querybar_search_step(v->tui, 1); return 1;
	case REQ_SEARCH_PREV: querybar_search_step(v->tui, 0); return 1;
	default:
		return 0;
	}
}

static int tlv_mouse(struct view *v, MEVENT *m)
{
	struct tlv *p = priv(v);

	if (m->bstate & BUTTON4_PRESSED) {
		tl_window_page(&p->win, -3);
		p->following = at_newest(v);
		return 1;
	}
#ifdef BUTTON5_PRESSED
	if (m->bstate & BUTTON5_PRESSED) {
		tl_window_page(&p->win, 3);
		p->following = at_newest(v);
		return 1;
	}
#endif
	if (!(m->bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED)))
		return 0;
	if (m->y == p->strip_y && v->tui->have_range && v->w > 0) {
		/* click on the density strip: jump to that time */
		struct tl_key key;
		usec_t span = v->tui->range_last - v->tui->range_first;
		usec_t t = v->tui->range_first + (usec_t)((double)span * m->x / v->w);

		if (tl_seek(v, t, &key) == 1) {
			tl_window_center(&p->win, &key, tl_window_rows(&p->win) / 3);
			tl_window_forget(&p->win);
		}
		return 1;
	}
	if (m->y >= p->rows_y && m->y - p->rows_y < (int)p->win.page.n) {
		int row = m->y - p->rows_y, again = row == p->win.cur;

		tl_window_set_cursor(&p->win, row);
		if (again || (m->bstate & BUTTON1_DOUBLE_CLICKED))
			tlv_request(v, REQ_ENTER);
		p->following = at_newest(v);
		return 1;
	}
	return 1;
}

struct layout {
	int time, actor, action, target, env, summary, badges;
	int with_date;
};

/*
 * Column widths: fixed for time, action, environment and the badges; the
 * change summary takes the rest, and actor and target give up columns
 * first (down to 12 and 14) so that the summary gets at least 40% of a
 * wide screen. One column on the left is the mark gutter.
 */
static void compute_layout(int w, struct layout *L)
{
	int want, min_actor, min_target;

	w -= 1; /* gutter */
	if (w >= 109) {
		*L = (struct layout){ 19, 16, 14, 22, 11, 0, 11, 1 };
		min_actor = 12;
		min_target = 14;
	} else if (w >= 95) {
		*L = (struct layout){ 19, 14, 12, 16, 8, 0, 6, 1 };
		min_actor = 11;
		min_target = 12;
	} else {
		*L = (struct layout){ 14, 11, 10, 14, 5, 0, 4, 0 };
		min_actor = 9;
		min_target = 10;
	}
	L->badges += rulehits_badge_width(w);
	L->summary = w - (L->time + L->actor + L->action + L->target + L->env + L->badges + 6);
	want = w * 2 / 5;
	while (L->summary < want && (L->actor > min_actor || L->target > min_target)) {
		if (L->target > min_target && (L->target - min_target >= L->actor - min_actor))
			L->target--;
		else
			L->actor--;
		L->summary++;
	}
	if (L->summary < 8) {
		/* very narrow: give the summary what the target can spare */
		int need = 8 - L->summary;

		L->target -= need;
		if (L->target < 6)
			L->target = 6;
		L->summary = w - (L->time + L->actor + L->action + L->target + L->env + L->badges + 6);
		if (L->summary < 1)
			L->summary = 1;
	}
}

static void draw_badges(int y, int x, int width, const struct tl_row *r, int sel)
{
	struct line l;
	int xmax = x + width;

	memset(&l, 0, sizeof(l));
	buf_init(&l.text);
	{
		/* a policy's rule hits first: they are what the user asked about */
		struct buf rb = BUF_INIT;

		if (rulehits_badge(r->key.seq, &rb)) {
			line_add(&l, ROLE_RISK, rb.buf, rb.len);
			line_add(&l, ROLE_DEFAULT, " ", 1);
		}
		buf_release(&rb);
	}
	risk_badges(&l, r->flags >> RISK_SHIFT, width >= 11);
	draw_fill(y, x, xmax, sel ? ROLE_SELECTION : ROLE_DEFAULT);
	draw_line(y, x, xmax, &l, sel);
	buf_release(&l.text);
	free(l.spans);
}

/* Common environment names shortened to fit a narrow column. */
static const char *env_short(const char *env, int width)
{
	static const char *const names[][2] = {
		{ "production", "prod" }, { "staging", "stage" }, { "development", "dev" },
	};

	if ((int)strlen(env) <= width)
		return env;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(env, names[i][0]))
			return names[i][1];
	return env;
}

static void draw_row(struct tui *tui, int y, int w, const struct layout *L, const struct tl_row *r,
		     int sel)
{
	struct buf t = BUF_INIT, actor = BUF_INIT, sum = BUF_INIT;
	int x = 0;

	ts_display(r->key.ts, L->with_date, &t);
	draw_fill(y, 0, w, sel ? ROLE_SELECTION : ROLE_DEFAULT);
	if (tui_is_marked(tui, r->key.seq))
		draw_str(y, 0, 1, ROLE_MARK, "*");
	x = 1;
	x = draw_field(y, x, L->time, sel ? ROLE_SELECTION : ROLE_TIME, t.buf) + 1;
	if (r->flags & TL_SERVICE)
		buf_addstr(&actor, wcwidth(0x2699) == 1 ? "\xe2\x9a\x99" : "*");
	buf_addstr(&actor, r->actor);
	/* the service mark is ours, the rest is data: draw_field makes it safe */
	x = draw_field(y, x, L->actor, sel ? ROLE_SELECTION : (r->flags & TL_SERVICE) ?
		       ROLE_ACTOR_SERVICE : ROLE_ACTOR, actor.buf) + 1;
	x = draw_field(y, x, L->action, sel ? ROLE_SELECTION : ROLE_ACTION, r->action) + 1;
	x = draw_field(y, x, L->target, sel ? ROLE_SELECTION : ROLE_TARGET, r->target) + 1;
	x = draw_field(y, x, L->env, sel ? ROLE_SELECTION : (r->flags & TL_PRODUCTION) ?
		       ROLE_ENV_PROD : ROLE_ENV, env_short(r->environment, L->env)) + 1;
	if (r->flags & TL_FAILED) {
		/* a failed request changed nothing: marked before its summary */
		int mw = L->summary < 2 ? L->summary : 2;

		draw_field(y, x, mw, sel ? ROLE_SELECTION : ROLE_FAILED, wcwidth(0x2717) == 1 ? "\xe2\x9c\x97" : "X");
		x += mw;
		summary_display(&sum, r->summary);
		x = draw_field_safe(y, x, L->summary - mw, sel ? ROLE_SELECTION : ROLE_SUMMARY, sum.buf, sum.len) + 1;
	} else {
		summary_display(&sum, r->summary);
		x = draw_field_safe(y, x, L->summary, sel ? ROLE_SELECTION : ROLE_SUMMARY, sum.buf, sum.len) + 1;
	}
	draw_badges(y, x, w - x, r, sel);
	buf_release(&t);
	buf_release(&actor);
	buf_release(&sum);
}

static void draw_strip(struct view *v, int y, int w)
{
	struct tlv *p = priv(v);
	struct tui *t = v->tui;
	static const char *const blocks[] = { " ", "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83",
		"\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88" };
	static const char ascii[] = " .:-=+*#@";
	int utf8 = wcwidth(0x2581) == 1, curcol = -1, inc_a = -2, inc_b = -2;
	uint64_t cols[512], max = 0;
	usec_t cur;

	if (w > 512)
		w = 512;
	if (bg_task_poll(&t->density.task) != TASK_DONE) {
		draw_fill(y, 0, w, ROLE_DENSITY);
		draw_str(y, 1, w, ROLE_MUTED, t->max_seq ? "density: counting events per time bucket..." :
			 "(no events)");
		return;
	}
	if (p->win.page.n && timeline_parse_ts(p->win.page.v[p->win.cur].key.ts, &cur) == 0)
		curcol = (int)timeline_bucket_of(t->density.first, t->density.last, (size_t)w, cur);
	for (int c = 0; c < w; c++) {
		size_t a = (size_t)c * DENSITY_BUCKETS / (size_t)w;
		size_t b = (size_t)(c + 1) * DENSITY_BUCKETS / (size_t)w;

		if (b <= a)
			b = a + 1;
		cols[c] = 0;
		for (size_t i = a; i < b && i < DENSITY_BUCKETS; i++)
			cols[c] += t->density.counts[i];
		if (cols[c] > max)
			max = cols[c];
	}
	if (t->have_inc) {
		/* the incident's window, shaded */
		inc_a = (int)timeline_bucket_of(t->density.first, t->density.last, (size_t)w, t->inc_from);
		inc_b = (int)timeline_bucket_of(t->density.first, t->density.last, (size_t)w, t->inc_to);
		if (t->inc_to < t->density.first || t->inc_from > t->density.last)
			inc_a = inc_b = -2;
	}
	for (int c = 0; c < w; c++) {
		int level = max ? (int)((cols[c] * 8 + max - 1) / max) : 0;
		enum role r = c == curcol ? ROLE_DENSITY_CURSOR :
			      c >= inc_a && c <= inc_b ? ROLE_DENSITY_INCIDENT : ROLE_DENSITY;

		if (level > 8)
			level = 8;
		if (utf8) {
			draw_str(y, c, c + 1, r, c == curcol && !level ? "|" : blocks[level]);
		} else {
			char ch[2] = { c == curcol && !level ? '|' : ascii[level], 0 };

			draw_str(y, c, c + 1, r, ch);
		}
	}
}

static void tlv_draw(struct view *v, int y, int h, int w)
{
	struct tlv *p = priv(v);
	struct layout L;
	struct buf hdr = BUF_INIT;
	int rows = h - 3, x;

	if (rows < 1)
		rows = 1;
	tl_window_resize(&p->win, rows);
	/* title */
	buf_addf(&hdr, " timeline \xc2\xb7 %s first \xc2\xb7 times in UTC",
		 v->tui->newest_first ? "newest" : "oldest");
	if (v->tui->have_inc) {
		buf_addstr(&hdr, " \xc2\xb7 incident ");
		tui_safe(&hdr, v->tui->inc_id, strlen(v->tui->inc_id));
	}
	if (v->tui->have_range && w >= 70) {
		char a[32], b[32];

		time_format(v->tui->range_first, a);
		time_format(v->tui->range_last, b);
		a[16] = b[16] = 0;
		a[10] = b[10] = ' ';
		buf_addf(&hdr, " \xc2\xb7 %s \xe2\x86\x92 %s", a, b);
	}
	x = draw_text(y, 0, w, ROLE_HEADER, hdr.buf, hdr.len);
	draw_fill(y, x, w, ROLE_HEADER);
	buf_release(&hdr);
	p->strip_y = y + 1;
	draw_strip(v, y + 1, w);
	/* column headings */
	compute_layout(w, &L);
	draw_fill(y + 2, 0, w, ROLE_COLUMNS);
	x = draw_field(y + 2, 1, L.time, ROLE_COLUMNS, "TIME (UTC)") + 1;
	x = draw_field(y + 2, x, L.actor, ROLE_COLUMNS, "ACTOR") + 1;
	x = draw_field(y + 2, x, L.action, ROLE_COLUMNS, "ACTION") + 1;
	x = draw_field(y + 2, x, L.target, ROLE_COLUMNS, "TARGET") + 1;
	x = draw_field(y + 2, x, L.env, ROLE_COLUMNS, "ENV") + 1;
	x = draw_field(y + 2, x, L.summary, ROLE_COLUMNS, "CHANGE") + 1;
	draw_field(y + 2, x, w - x, ROLE_COLUMNS, L.badges >= 10 ? "RISK" : "!");
	p->rows_y = y + 3;
	rulehits_prepare(&v->tui->store, p->win.page.v, p->win.page.n);
	for (int i = 0; i < rows; i++) {
		if (i < (int)p->win.page.n)
			draw_row(v->tui, y + 3 + i, w, &L, &p->win.page.v[i], i == p->win.cur);
		else
			draw_fill(y + 3 + i, 0, w, ROLE_DEFAULT);
	}
	if (!p->win.page.n)
		draw_str(y + 3, 1, w, ROLE_MUTED, v->tui->filter.len ? "(no events match the filter; Esc clears it)" :
			 "(no events in this store)");
}

static void tlv_position(struct view *v, struct buf *pos, struct buf *filter)
{
	struct tlv *p = priv(v);
	char a[32], b[32];

	if (v->tui->filter.len) {
		int64_t total = timeline_view_total(v);

		buf_addstr(filter, "filter: ");
		tui_safe_typed(filter, v->tui->filter.buf, v->tui->filter.len);
		if (total >= 0)
			buf_addf(filter, " (%s match%s)", text_thousands((unsigned long long)total, a),
				 total == 1 ? "" : "es");
		else if (bg_count_poll(&v->tui->count) == TASK_FAILED)
			buf_addf(filter, " (count: %s)", v->tui->count.err);
		else
			buf_addstr(filter, " (counting...)");
		if (!p->win.page.n) {
			buf_addstr(pos, "no matches");
		} else if (p->win.dpos >= 0) {
			buf_addf(pos, "match %s", text_thousands((unsigned long long)p->win.dpos + 1, a));
			if (total >= 0)
				buf_addf(pos, " of %s", text_thousands((unsigned long long)total, b));
		} else {
			buf_addstr(pos, "match ?");
			if (total >= 0)
				buf_addf(pos, " of %s", text_thousands((unsigned long long)total, b));
		}
		return;
	}
	if (v->tui->search.len) {
		buf_addstr(filter, "search: ");
		tui_safe(filter, v->tui->search.buf, v->tui->search.len);
	}
	if (p->unseen > 0)
		buf_addf(pos, "+%s new  ", text_thousands((unsigned long long)p->unseen, a));
	if (!p->win.page.n)
		buf_addstr(pos, "no events");
	else if (p->win.dpos >= 0)
		buf_addf(pos, "event %s of %s", text_thousands((unsigned long long)p->win.dpos + 1, a),
			 text_thousands((unsigned long long)v->tui->max_seq, b));
	else
		buf_addf(pos, "event ? of %s (counting)", text_thousands((unsigned long long)v->tui->max_seq, b));
}

static int tlv_tick(struct view *v)
{
	struct tlv *p = priv(v);
	struct tui *t = v->tui;

	if (tl_window_settle(&p->win, timeline_view_total(v)))
		return 1;
	if (p->win.dpos < 0 && p->win.page.n && !p->win.rank_pending && !t->filter.len) {
		unsigned gen = tl_window_rank_ask(&p->win);

		bg_rank_start(&t->rank, t->path, p->win.page.v[p->win.cur].key.ts, p->win.page.v[p->win.cur].key.seq,
			      gen);
		return 0;
	}
	if (p->win.rank_pending && bg_task_poll(&t->rank.task) != TASK_RUNNING) {
		p->win.rank_pending = 0;
		if (t->rank.task.state == TASK_DONE && t->rank.gen == p->win.rank_gen) {
			/* out of range: the store moved under us, counted again */
			tl_window_ranked(&p->win, t->rank.result, t->max_seq, t->newest_first);
			return 1;
		}
		p->win.dpos = -1;
	}
	return 0;
}

static void tlv_refresh(struct view *v, int store_changed)
{
	struct tlv *p = priv(v);

	if (!store_changed)
		return;
	if (v->tui->filter.len && v->tui->count_is_filter) {
		/* new events may match: count again */
		bg_count_start(&v->tui->count, v->tui->path, v->tui->filter.buf, v->tui->filter_now);
	}
	if (p->win.page.n == 0 || p->following) {
		/* follow: stay on the newest event, like less +F */
		if (v->tui->newest_first)
			tl_window_first(&p->win);
		else
			go_last(v);
		p->unseen = 0;
	} else {
		struct tl_key key = p->win.page.v[0].key, ckey = p->win.page.v[p->win.cur].key;

		tl_window_center(&p->win, &key, 0);
		tl_window_cursor_to(&p->win, &ckey);
		tl_window_forget(&p->win);
	}
}

void timeline_view_note_new(struct view *v, int64_t n, int followed)
{
	struct tlv *p = priv(v);

	if (followed)
		p->unseen = 0;
	else
		p->unseen += n;
}

int timeline_view_following(struct view *v)
{
	return priv(v)->following;
}

void timeline_view_goto_seq(struct view *v, int64_t seq)
{
	struct tlv *p = priv(v);
	struct tl_key key;
	sqlite3_stmt *st;

	if (store_prepare(&v->tui->store, "SELECT ts FROM entries WHERE seq = ?1", &st))
		return;
	sqlite3_bind_int64(st, 1, seq);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *ts = sqlite3_column_text(st, 0);

		snprintf(key.ts, sizeof(key.ts), "%s", ts ? (const char *)ts : "");
		key.seq = seq;
		tl_window_center(&p->win, &key, tl_window_rows(&p->win) / 3);
		tl_window_forget(&p->win);
	}
	sqlite3_finalize(st);
}

int64_t timeline_view_neighbour(struct view *v, int64_t seq, int forward)
{
	struct tlv *p = priv(v);

	if (!p->win.page.n)
		return 0;
	if (p->win.page.v[p->win.cur].key.seq != seq)
		timeline_view_goto_seq(v, seq);
	if (!p->win.page.n || p->win.page.v[p->win.cur].key.seq != seq)
		return 0;
	tl_window_move(&p->win, forward ? 1 : -1);
	return p->win.page.v[p->win.cur].key.seq != seq ? p->win.page.v[p->win.cur].key.seq : 0;
}

static void tlv_close(struct view *v)
{
	struct tlv *p = priv(v);

	tl_window_release(&p->win);
	query_free(p->q);
	free(p);
}

static int compile_filter(struct view *v, struct query **out)
{
	struct query_error qe;
	struct tui *t = v->tui;

	if (query_compile(&t->store, t->filter.buf, t->filter_now, out, &qe))
		return error("query: col %d: %s", qe.col, qe.msg);
	return 0;
}

int timeline_view_refilter(struct view *v)
{
	struct tlv *p = priv(v);
	struct query *q, *old = p->q;
	struct tl_key ckey;
	int have = p->win.page.n > 0;

	if (compile_filter(v, &q))
		return -1;
	if (have)
		ckey = p->win.page.v[p->win.cur].key;
	p->q = q;
	p->fetch_failed = 0;
	p->unseen = 0;
	if (v->tui->filter.len || !have) {
		tl_window_first(&p->win);
	} else {
		/* unfiltered again: back where the cursor was */
		tl_window_center(&p->win, &ckey, tl_window_rows(&p->win) / 3);
		tl_window_forget(&p->win);
	}
	if (p->fetch_failed) {
		p->q = old;
		query_free(q);
		tl_page_clear(&p->win.page);
		p->fetch_failed = 0;
		if (have) {
			tl_window_center(&p->win, &ckey, tl_window_rows(&p->win) / 3);
			tl_window_forget(&p->win);
		} else {
			tl_window_first(&p->win);
		}
		return -1;
	}
	query_free(old);
	p->following = at_newest(v);
	return 0;
}

int64_t timeline_view_total(struct view *v)
{
	struct tui *t = v->tui;

	if (!t->filter.len)
		return t->max_seq;
	if (t->count_is_filter && bg_count_poll(&t->count) == TASK_DONE)
		return t->count.result;
	return -1;
}

struct find_ctx {
	struct tl_key key;
	int found;
};

static int take_key(const struct query_row *r, void *ctx)
{
	struct find_ctx *c = ctx;

	snprintf(c->key.ts, sizeof(c->key.ts), "%s", r->ts);
	c->key.seq = r->seq;
	c->found = 1;
	return 1;
}

int timeline_view_find(struct view *v, struct query *q, int forward)
{
	struct tlv *p = priv(v);
	struct query_key from;
	struct query_fetch f;
	struct find_ctx c;
	int64_t got;

	memset(&f, 0, sizeof(f));
	memset(&c, 0, sizeof(c));
	if (p->win.page.n) {
		snprintf(from.ts, sizeof(from.ts), "%s", p->win.page.v[p->win.cur].key.ts);
		from.seq = p->win.page.v[p->win.cur].key.seq;
		f.from = &from;
	}
	f.desc = v->tui->newest_first ? forward : !forward;
	f.limit = 1;
	got = query_each(q, &f, take_key, &c);
	if (got < 0)
		return -1;
	if (!c.found)
		return 0;
	if (!tl_window_cursor_to(&p->win, &c.key) || !(p->win.cur > 0 && p->win.cur < (int)p->win.page.n - 1)) {
		tl_window_center(&p->win, &c.key, tl_window_rows(&p->win) / 3);
		tl_window_cursor_to(&p->win, &c.key);
	}
	tl_window_forget(&p->win);
	return 1;
}

static int64_t tlv_cursor_seq(struct view *v)
{
	struct tlv *p = priv(v);

	return p->win.page.n ? p->win.page.v[p->win.cur].key.seq : 0;
}

struct view *timeline_view_new(struct tui *t)
{
	struct view *v = view_new(t, &timeline_view_ops, sizeof(struct tlv));
	struct tlv *p = v->priv;

	if (compile_filter(v, &p->q))
		die("cannot read the timeline: %s", last_error());
	tl_window_init(&p->win, window_fetch, v, LINES - 4 > 1 ? LINES - 4 : 1);
	tl_window_first(&p->win);
	p->following = at_newest(v);
	return v;
}

const struct view_ops timeline_view_ops = {
	.name = "timeline",
	.scope = SCOPE_TIMELINE,
	.close = tlv_close,
	.draw = tlv_draw,
	.request = tlv_request,
	.mouse = tlv_mouse,
	.reload = tlv_refresh,
	.position = tlv_position,
	.tick = tlv_tick,
	.cursor_seq = tlv_cursor_seq,
};
