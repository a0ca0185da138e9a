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

#include "trailscope/display.h"
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
	int hscroll;          /* columns scrolled right (Left/Right); 0 fitted */
	int scroll_max;       /* how far the widest row scrolls (last draw) */
	/* the search's matches among the rows on screen */
	struct query *sq;     /* the search compiled on the main connection */
	char *hit_text;       /* the search sq was compiled from */
	unsigned char *hits;  /* hits[i]: row i of the page matches */
	size_t nhits;
	int64_t hit_first, hit_last;
	int64_t match_index;  /* the cursor's place among the matches (0 unknown) */
	int64_t match_seq;    /* the seq match_index is for */
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
	row->target_kind = xstrdup(r->target_kind ? r->target_kind : "");
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
		char when[32], edge[32];
		struct tui *tu = v->tui;

		tl_window_center(&p->win, &key, tl_window_rows(&p->win) / 3);
		tl_window_forget(&p->win);
		time_format(t, when);
		when[19] = 0;
		when[10] = ' ';
		if (tu->have_range && (t > tu->range_last || t < tu->range_first)) {
			/* beyond the data: say where it ends (or starts) */
			time_format(t > tu->range_last ? tu->range_last : tu->range_first, edge);
			edge[19] = 0;
			edge[10] = ' ';
			tui_message(tu, ROLE_CHAIN_WARN, "%s UTC is %s the data: it %s at %s UTC (shown)", when,
				    t > tu->range_last ? "after" : "before", t > tu->range_last ? "ends" : "starts", edge);
		} else {
			tui_message(tu, ROLE_STATUS, "jumped to %s UTC", when);
		}
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
	case REQ_SCROLL_RIGHT:
		if (p->hscroll >= p->scroll_max) {
			tui_message(v->tui, ROLE_STATUS, p->scroll_max ? "at the right end of the widest row" :
				    "every row fits the screen: nothing to scroll (Enter opens the event)");
			return 1;
		}
		p->hscroll += v->w / 4 > 8 ? v->w / 4 : 8;
		if (p->hscroll > p->scroll_max)
			p->hscroll = p->scroll_max;
		return 1;
	case REQ_SCROLL_LEFT:
		if (!p->hscroll)
			return 0; /* the first view: says how to quit */
		p->hscroll -= v->w / 4 > 8 ? v->w / 4 : 8;
		if (p->hscroll < 0)
			p->hscroll = 0;
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

/* ---- columns ---- */

enum { C_ACTOR, C_ACTION, C_TARGET, C_ENV, C_SUMMARY, C__N };

static const char *const col_names[C__N] = { "ACTOR", "ACTION", "TARGET", "ENV", "CHANGE" };
/* widths: longest a column grows to, where it stops giving up room first,
 * and the least it keeps (the summary keeps SUMMARY_MIN) */
static const int col_cap[C__N] = { 30, 34, 44, 24, 0 };
static const int col_soft[C__N] = { 14, 18, 18, 10, 0 };
static const int col_min[C__N] = { 8, 10, 10, 5, 0 };
/* the order columns give up room in: environment, actor, target, action */
static const int shrink_order[] = { C_ENV, C_ACTOR, C_TARGET, C_ACTION };
#define SUMMARY_MIN 14

/* One row's cells as display text (already safe). */
struct cells {
	struct buf c[C__N];
	struct buf env_short;
	int nbadges;
	unsigned risk;      /* the risk bits the row raises */
};

static void cells_build(struct cells *cl, const struct tl_row *r)
{
	struct buf raw = BUF_INIT;
	int service = r->flags & TL_SERVICE;
	unsigned risk = r->flags >> RISK_SHIFT;

	for (int i = 0; i < C__N; i++)
		buf_init(&cl->c[i]);
	buf_init(&cl->env_short);
	if (service)
		buf_addstr(&cl->c[C_ACTOR], wcwidth(0x2699) == 1 ? "\xe2\x9a\x99" : "*");
	display_actor(r->actor, &raw);
	tui_safe(&cl->c[C_ACTOR], raw.buf, raw.len);
	buf_reset(&raw);
	display_action(r->action, &raw);
	tui_safe(&cl->c[C_ACTION], raw.buf, raw.len);
	buf_reset(&raw);
	display_target(r->target_kind, r->target, &raw);
	tui_safe(&cl->c[C_TARGET], raw.buf, raw.len);
	tui_safe(&cl->c[C_ENV], r->environment, strlen(r->environment));
	buf_reset(&raw);
	display_env(r->environment, 1, &raw);
	tui_safe(&cl->env_short, raw.buf, raw.len);
	if (r->flags & TL_FAILED)
		buf_addstr(&cl->c[C_SUMMARY], wcwidth(0x2717) == 1 ? "\xe2\x9c\x97 " : "X ");
	summary_display(&cl->c[C_SUMMARY], r->summary);
	cl->risk = risk;
	cl->nbadges = 0;
	for (unsigned b = risk; b; b &= b - 1)
		cl->nbadges++;
	buf_release(&raw);
}

static void cells_release(struct cells *cl)
{
	for (int i = 0; i < C__N; i++)
		buf_release(&cl->c[i]);
	buf_release(&cl->env_short);
}

static int popcount(unsigned x)
{
	int n = 0;

	for (; x; x &= x - 1)
		n++;
	return n;
}

struct layout {
	int time, w[C__N], badges;
	int with_date, wide_badges;
	unsigned slots;     /* wide: the signals raised on the page, one slot each */
	int total;          /* columns of a whole row */
};

/* The least column c keeps: its minimum, or for the environment its short
 * form ("us-e…" tells nothing). */
static int col_floor(int c, int env_short)
{
	return c == C_ENV && env_short > col_min[c] ? env_short : col_min[c];
}

/*
 * Column widths follow the rows on screen and the terminal: each column
 * asks for its longest cell (up to its cap); when they do not fit, the
 * environment, the actor, the target and then the action give up room,
 * first down to a comfortable width, then to their minimum (the action
 * last), so the
 * change summary keeps two fifths of the screen (or what it needs). A
 * column no row fills (no environment anywhere) is left out. natural
 * gives every column its longest cell instead (horizontal scrolling).
 */
static void compute_layout(int w, const struct cells *cl, size_t n, int natural, struct layout *L)
{
	int want[C__N] = { 0 }, sum = 0, avail, goal, maxb = 0, env_short = 0;

	memset(L, 0, sizeof(*L));
	L->with_date = w >= 100 || natural;
	L->time = L->with_date ? 19 : 14;
	L->wide_badges = w >= 120;
	for (size_t i = 0; i < n; i++) {
		for (int c = 0; c < C__N; c++) {
			int cw = text_cols(cl[i].c[c].buf, cl[i].c[c].len);

			if (cw > want[c])
				want[c] = cw;
		}
		if (cl[i].nbadges > maxb)
			maxb = cl[i].nbadges;
		L->slots |= cl[i].risk;
		if (text_cols(cl[i].env_short.buf, cl[i].env_short.len) > env_short)
			env_short = text_cols(cl[i].env_short.buf, cl[i].env_short.len);
	}
	/* wide: a fixed slot for each signal the page raises (all six take
	 * 11 columns); narrow: only the letters raised */
	if (!L->wide_badges)
		L->slots = 0;
	L->badges = L->wide_badges && L->slots ? 2 * popcount(L->slots) - 1 : maxb ? maxb : 1;
	L->badges += rulehits_badge_width(w);
	for (int c = 0; c < C_SUMMARY; c++) {
		if (!want[c]) {
			L->w[c] = 0; /* nothing in it on this page */
			continue;
		}
		if (want[c] < (int)strlen(col_names[c]))
			want[c] = (int)strlen(col_names[c]);
		if (!natural && want[c] > col_cap[c])
			want[c] = col_cap[c];
		if (c == C_ENV && env_short > 9)
			env_short = 9;
		L->w[c] = want[c];
		sum += want[c] + 1;
	}
	if (natural) {
		L->w[C_SUMMARY] = want[C_SUMMARY] > 6 ? want[C_SUMMARY] : 6;
	} else {
		/* gutter, time, the columns with a space after each, the badges */
		avail = w - 1 - (L->time + 1) - L->badges - 1;
		/* narrow screens keep more room for who did what */
		goal = w >= 120 ? avail * 2 / 5 : avail * 3 / 10;
		if (want[C_SUMMARY] < goal)
			goal = want[C_SUMMARY];
		if (goal < SUMMARY_MIN)
			goal = SUMMARY_MIN;
		/* first each down to a comfortable width in turn, then the
		 * others a column at a time (round robin) down to their minimum,
		 * the action last: it says what happened, and cloud actions
		 * (iam:AddUserToGroup) are long */
		for (size_t k = 0; k < ARRAY_SIZE(shrink_order) && sum + goal > avail; k++) {
			int c = shrink_order[k];

			while (L->w[c] > col_soft[c] && sum + goal > avail) {
				L->w[c]--;
				sum--;
			}
		}
		while (sum + goal > avail) {
			int shrunk = 0, others_left = 0;

			for (size_t k = 0; k < ARRAY_SIZE(shrink_order); k++)
				if (shrink_order[k] != C_ACTION &&
				    L->w[shrink_order[k]] > col_floor(shrink_order[k], env_short))
					others_left = 1;
			for (size_t k = 0; k < ARRAY_SIZE(shrink_order) && sum + goal > avail; k++) {
				int c = shrink_order[k];

				if (c == C_ACTION && others_left)
					continue;
				if (L->w[c] > col_floor(c, env_short)) {
					L->w[c]--;
					sum--;
					shrunk = 1;
				}
			}
			if (!shrunk)
				break;
		}
		L->w[C_SUMMARY] = avail - sum;
		if (L->w[C_SUMMARY] < 1)
			L->w[C_SUMMARY] = 1;
	}
	L->total = 1 + L->time + 1 + L->badges;
	for (int c = 0; c < C__N; c++)
		L->total += L->w[c] ? L->w[c] + 1 : 0;
}

/* Whether a token must show whole or not at all: a number (an optional
 * sign or quote, then a digit) or a short word (true, null, "+1 more"). */
static int token_atomic(const char *s, size_t len)
{
	size_t i = 0;

	if (i < len && (s[i] == '"' || s[i] == '-' || s[i] == '+'))
		i++;
	return (i < len && s[i] >= '0' && s[i] <= '9') || text_cols(s, len) <= 6;
}

/* Bytes of safe text to show in cols columns before an ellipsis. A
 * number or a short word is never cut (the cut backs off to the space
 * before it), so "100 → 50" is never shown as "100 → 5…"; a longer word
 * or string is cut where the room ends once 4 columns of it show, so the
 * room is used ("state not recor…", not "state not…" and blanks). */
static size_t token_fit(const char *s, size_t len, int cols)
{
	int used;
	size_t n = text_fit(s, len, cols, &used), k = n, end = n;

	if (n >= len || s[n] == ' ')
		return n;
	while (k > 0 && s[k - 1] != ' ')
		k--;
	if (!k)
		return n; /* the first token is longer than the room */
	while (end < len && s[end] != ' ')
		end++;
	if (!token_atomic(s + k, end - k) && text_cols(s + k, n - k) >= 4)
		return n;
	while (k > 0 && s[k - 1] == ' ')
		k--;
	return k;
}

static const char *ellipsis_mark(void)
{
	return wcwidth(0x2026) == 1 ? "\xe2\x80\xa6" : "~";
}

/* Appends a cell of exactly width columns: the text, cut with "…" (at a
 * token boundary when tokens) or padded. */
static void add_cell(struct line *l, enum role r, const char *s, size_t len, int width, int tokens)
{
	int used = text_cols(s, len);

	if (width <= 0)
		return;
	if (used > width) {
		size_t n = tokens ? token_fit(s, len, width - 1) : text_fit(s, len, width - 1, &used);

		line_add(l, r, s, n);
		line_addstr(l, r, ellipsis_mark());
		used = text_cols(s, n) + 1;
	} else {
		line_add(l, r, s, len);
	}
	for (; used < width; used++)
		line_add(l, r, " ", 1);
}

static void row_line(struct line *l, const struct layout *L, const struct tl_row *r, const struct cells *cl)
{
	static const enum role roles[C__N] = { ROLE_ACTOR, ROLE_ACTION, ROLE_TARGET, ROLE_ENV, ROLE_SUMMARY };

	for (int c = 0; c < C__N; c++) {
		enum role role = roles[c];
		const struct buf *b = &cl->c[c];

		if (!L->w[c])
			continue;
		if (c == C_ACTOR && (r->flags & TL_SERVICE))
			role = ROLE_ACTOR_SERVICE;
		if (c == C_ENV && (r->flags & TL_PRODUCTION))
			role = ROLE_ENV_PROD;
		if (c == C_ENV && text_cols(b->buf, b->len) > L->w[c])
			b = &cl->env_short;
		if (c == C_SUMMARY && (r->flags & TL_FAILED)) {
			/* a failed request changed nothing: marked before its summary */
			size_t mk = strcspn(b->buf, " ") + 1;

			add_cell(l, ROLE_FAILED, b->buf, mk, 2, 0);
			add_cell(l, role, b->buf + mk, b->len - mk, L->w[c] - 2, 1);
		} else {
			add_cell(l, role, b->buf, b->len, L->w[c], c == C_SUMMARY);
		}
		line_add(l, ROLE_DEFAULT, " ", 1);
	}
	{
		/* a policy's rule hits first: they are what the user asked about */
		struct buf rb = BUF_INIT;

		if (rulehits_badge(r->key.seq, &rb)) {
			line_add(l, ROLE_RISK, rb.buf, rb.len);
			line_add(l, ROLE_DEFAULT, " ", 1);
		}
		buf_release(&rb);
	}
	risk_badges(l, r->flags >> RISK_SHIFT, L->slots);
}

static void header_line(struct line *l, const struct layout *L)
{
	for (int c = 0; c < C__N; c++) {
		if (!L->w[c])
			continue;
		add_cell(l, ROLE_COLUMNS, col_names[c], strlen(col_names[c]), L->w[c], 0);
		line_add(l, ROLE_COLUMNS, " ", 1);
	}
	line_addstr(l, ROLE_COLUMNS, L->badges >= 4 ? "RISK" : "!");
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

/* Which rows of the page match the search (role search-match in the
 * gutter), checked once per page and search. */
static void search_hits(struct view *v)
{
	struct tlv *p = priv(v);
	struct tui *t = v->tui;
	struct query_error qe;

	if (strcmp(p->hit_text ? p->hit_text : "", t->search.buf)) {
		query_free(p->sq);
		p->sq = NULL;
		free(p->hit_text);
		p->hit_text = xstrdup(t->search.buf);
		p->hit_first = -1;
		highlight_set(t->search.buf);
		if (t->search.len && query_compile(&t->store, t->search.buf, t->filter_now, &p->sq, &qe))
			p->sq = NULL;
	}
	if (!p->sq || !p->win.page.n) {
		p->nhits = 0;
		return;
	}
	if (p->hit_first == p->win.page.v[0].key.seq && p->nhits == p->win.page.n &&
	    p->hit_last == p->win.page.v[p->win.page.n - 1].key.seq)
		return;
	p->hits = xrealloc(p->hits, p->win.page.n);
	for (size_t i = 0; i < p->win.page.n; i++)
		p->hits[i] = query_matches(p->sq, p->win.page.v[i].key.seq) == 1;
	p->nhits = p->win.page.n;
	p->hit_first = p->win.page.v[0].key.seq;
	p->hit_last = p->win.page.v[p->win.page.n - 1].key.seq;
}

static void tlv_draw(struct view *v, int y, int h, int w)
{
	struct tlv *p = priv(v);
	struct layout L;
	struct buf hdr = BUF_INIT;
	struct cells *cl;
	struct line head;
	int rows = h - 3, x, frozen, hl;

	if (rows < 1)
		rows = 1;
	tl_window_resize(&p->win, rows);
	search_hits(v);
	/* title */
	buf_addf(&hdr, " timeline \xc2\xb7 %s first \xc2\xb7 times in UTC",
		 v->tui->newest_first ? "newest" : "oldest");
	if (v->tui->have_inc) {
		/* the shading on the strip, not the rows: true with or without a filter */
		buf_addstr(&hdr, " \xc2\xb7 ");
		tui_safe(&hdr, v->tui->inc_id, strlen(v->tui->inc_id));
		buf_addstr(&hdr, " window shaded");
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
	rulehits_prepare(&v->tui->store, p->win.page.v, p->win.page.n);
	/* the rows' cells decide the widths */
	cl = xcalloc(p->win.page.n ? p->win.page.n : 1, sizeof(*cl));
	for (size_t i = 0; i < p->win.page.n; i++)
		cells_build(&cl[i], &p->win.page.v[i]);
	{
		struct layout nat;

		compute_layout(w, cl, p->win.page.n, 1, &nat);
		p->scroll_max = nat.total > w ? nat.total - w : 0;
		if (p->hscroll > p->scroll_max)
			p->hscroll = p->scroll_max;
		if (p->hscroll)
			L = nat;
		else
			compute_layout(w, cl, p->win.page.n, 0, &L);
	}
	/* time stays put; the columns after it scroll (Left/Right) */
	frozen = 1 + L.time + 1;
	memset(&head, 0, sizeof(head));
	buf_init(&head.text);
	header_line(&head, &L);
	draw_fill(y + 2, 0, w, ROLE_COLUMNS);
	draw_field(y + 2, 1, L.time, ROLE_COLUMNS, "TIME (UTC)");
	draw_line_from(y + 2, frozen, w, &head, p->hscroll, 0);
	buf_release(&head.text);
	free(head.spans);
	p->rows_y = y + 3;
	hl = highlight_begin();
	for (int i = 0; i < rows; i++) {
		if (i < (int)p->win.page.n) {
			const struct tl_row *r = &p->win.page.v[i];
			int sel = i == p->win.cur, hit = p->nhits > (size_t)i && p->hits[i];
			struct line l;
			struct buf t = BUF_INIT;

			memset(&l, 0, sizeof(l));
			buf_init(&l.text);
			row_line(&l, &L, r, &cl[i]);
			draw_fill(y + 3 + i, 0, w, sel ? ROLE_SELECTION : ROLE_DEFAULT);
			if (tui_is_marked(v->tui, r->key.seq))
				draw_str(y + 3 + i, 0, 1, hit ? ROLE_SEARCH : ROLE_MARK, "*");
			else if (hit)
				draw_str(y + 3 + i, 0, 1, ROLE_SEARCH, ">");
			ts_display(r->key.ts, L.with_date, &t);
			draw_field_safe(y + 3 + i, 1, L.time, sel ? ROLE_SELECTION : ROLE_TIME, t.buf, t.len);
			draw_line_from(y + 3 + i, frozen, w, &l, p->hscroll, sel);
			buf_release(&t);
			buf_release(&l.text);
			free(l.spans);
		} else {
			draw_fill(y + 3 + i, 0, w, ROLE_DEFAULT);
		}
	}
	highlight_end(hl);
	for (size_t i = 0; i < p->win.page.n; i++)
		cells_release(&cl[i]);
	free(cl);
	if (!p->win.page.n)
		draw_str(y + 3, 1, w, ROLE_MUTED, v->tui->filter.len ? "(no events match the filter; Esc clears it)" :
			 "(no events in this store)");
}

void timeline_view_search_pos(struct view *v, int64_t seq, struct buf *pos)
{
	struct tlv *p = priv(v);
	struct tui *t = v->tui;
	int64_t n = bg_count_poll(&t->search_count) == TASK_DONE ? t->search_count.result : -1;
	char a[32], b[32];

	if (!t->search.len)
		return;
	/* "match i of N": i is known once n or N has moved to a match */
	if (p->match_seq == seq && p->match_index > 0)
		buf_addf(pos, "match %s", text_thousands((unsigned long long)p->match_index, a));
	else
		buf_addstr(pos, "match -");
	if (n >= 0)
		buf_addf(pos, " of %s", text_thousands((unsigned long long)n, b));
	buf_addstr(pos, " \xc2\xb7 ");
}

static void tlv_position(struct view *v, struct buf *pos, struct buf *filter)
{
	struct tlv *p = priv(v);
	struct tui *t = v->tui;
	int64_t total = timeline_view_total(v);
	char a[32], b[32];

	if (t->search.len && p->win.page.n)
		timeline_view_search_pos(v, p->win.page.v[p->win.cur].key.seq, pos);
	if (t->filter.len) {
		buf_addstr(filter, "filter: ");
		tui_safe_typed(filter, t->filter.buf, t->filter.len);
		if (total >= 0)
			buf_addf(filter, " (%s match%s)", text_thousands((unsigned long long)total, a),
				 total == 1 ? "" : "es");
		else if (bg_count_poll(&t->count) == TASK_FAILED)
			buf_addf(filter, " (count: %s)", t->count.err);
		else
			buf_addstr(filter, " (counting...)");
	}
	if (t->search.len) {
		if (filter->len)
			buf_addstr(filter, "  ");
		buf_addstr(filter, "search: ");
		tui_safe_typed(filter, t->search.buf, t->search.len);
	}
	if (p->unseen > 0)
		buf_addf(pos, "+%s new  ", text_thousands((unsigned long long)p->unseen, a));
	if (!p->win.page.n) {
		buf_addstr(pos, t->filter.len ? "no matches" : "no events");
		return;
	}
	/* rows count display order; seqs are the store's numbering */
	if (p->win.dpos >= 0)
		buf_addf(pos, "row %s", text_thousands((unsigned long long)p->win.dpos + 1, a));
	else
		buf_addstr(pos, "row ?");
	if (total >= 0)
		buf_addf(pos, " of %s", text_thousands((unsigned long long)total, b));
	if (t->filter.len)
		buf_addstr(pos, " filtered");
	else if (p->win.dpos < 0)
		buf_addstr(pos, " (counting)");
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
	struct tl_row r;

	if (timeline_row_at(&v->tui->store, seq, &r) == 1) {
		tl_window_center(&p->win, &r.key, tl_window_rows(&p->win) / 3);
		tl_window_forget(&p->win);
		tl_row_release(&r);
	}
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
	query_free(p->sq);
	free(p->hit_text);
	free(p->hits);
	highlight_clear();
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

/* Events at the cursor's instant that come before it by seq. */
struct tie_ctx {
	struct tl_key key;
	int64_t n;
};

static int count_tie(const struct query_row *r, void *ctx)
{
	struct tie_ctx *c = ctx;

	if (strcmp(r->ts, c->key.ts) || r->seq >= c->key.seq)
		return 1;
	c->n++;
	return 0;
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
	p->match_seq = c.key.seq;
	p->match_index = 0;
	return 1;
}

int timeline_view_match_index(struct view *v, const char *text)
{
	struct tlv *p = priv(v);
	struct tui *t = v->tui;
	struct tl_key key;
	struct buf q = BUF_INIT;
	struct query *cq;
	struct query_error qe;
	struct query_key from;
	struct query_fetch f;
	struct tie_ctx c;
	int64_t n;

	if (!p->win.page.n)
		return -1;
	key = p->win.page.v[p->win.cur].key;
	/* matches before the cursor in display order: before it in time when
	 * oldest first (until: is exclusive), after it when newest first
	 * (since: is inclusive); events at the same instant by seq */
	buf_addf(&q, "(%s) %s:%s", text, t->newest_first ? "since" : "until", key.ts);
	if (query_compile(&t->store, q.buf, t->filter_now, &cq, &qe)) {
		buf_release(&q);
		return -1;
	}
	n = query_count(cq);
	query_free(cq);
	if (n < 0 || query_compile(&t->store, text, t->filter_now, &cq, &qe)) {
		buf_release(&q);
		return -1;
	}
	memset(&f, 0, sizeof(f));
	snprintf(from.ts, sizeof(from.ts), "%s", key.ts);
	from.seq = 0;
	f.from = &from;
	f.inclusive = 1;
	c.key = key;
	c.n = 0;
	if (query_each(cq, &f, count_tie, &c) < 0)
		n = -1;
	query_free(cq);
	buf_release(&q);
	if (n < 0)
		return -1;
	/* newest first: since: counted the cursor and the ties before it too */
	p->match_index = t->newest_first ? n - c.n : n + c.n + 1;
	p->match_seq = key.seq;
	return 0;
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
