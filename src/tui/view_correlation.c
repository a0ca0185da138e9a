/*
 * view_correlation.c - for one incident, the changes that could have
 * caused it (correlate_run): ranked best first, each with a score bar and
 * the reasons its score is made of. Enter opens the change's field diff;
 * m marks it, a annotates it. Opening the view shades the incident's window
 * on the timeline's density strip. Cost: one correlate_run (a range read
 * of the incident's window) when the view opens.
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/display.h"
#include "trailscope/correlate.h"
#include "trailscope/incident.h"
#include "app.h"
#include "draw.h"
#include "keys.h"
#include "view.h"

#define BAR_CELLS 10

struct corv {
	struct incident in;
	int loaded;
	struct correlation c;
	struct pager pg;
	int built_w;
	char err[256];
};

static void score_bar(struct line *l, double score, double max)
{
	static const char *const eighths[] = { "", "\xe2\x96\x8f", "\xe2\x96\x8e", "\xe2\x96\x8d",
		"\xe2\x96\x8c", "\xe2\x96\x8b", "\xe2\x96\x8a", "\xe2\x96\x89" };
	int utf8 = wcwidth(0x2588) == 1;
	int units = max > 0 && score > 0 ? (int)(score / max * BAR_CELLS * 8 + 0.5) : 0;
	int cells = 0;

	if (units > BAR_CELLS * 8)
		units = BAR_CELLS * 8;
	for (; units >= 8; units -= 8, cells++)
		line_addstr(l, ROLE_SCORE, utf8 ? "\xe2\x96\x88" : "#");
	if (units && utf8) {
		line_addstr(l, ROLE_SCORE, eighths[units]);
		cells++;
	}
	for (; cells < BAR_CELLS; cells++)
		line_addstr(l, ROLE_MUTED, utf8 ? "\xc2\xb7" : ".");
}

static void build(struct view *v, int w)
{
	struct corv *p = v->priv;
	struct lines *L = &p->pg.L;
	struct line *l;
	struct buf b = BUF_INIT;
	char ts[32], cell[64];
	double max = 0;

	lines_clear(L);
	p->built_w = w;
	if (p->err[0]) {
		lines_add_wrapped(L, ROLE_ERROR, " ", ROLE_ERROR, p->err, w, 1);
		return;
	}
	lines_add_wrapped(L, ROLE_LABEL, " Incident     ", ROLE_DEFAULT, p->in.title, w, 14);
	time_format(p->in.started, ts);
	ts_display(ts, 1, &b);
	buf_addstr(&b, " UTC");
	if (p->in.resolved != INCIDENT_NO_TIME) {
		time_format(p->in.resolved, ts);
		buf_addstr(&b, " \xe2\x86\x92 ");
		ts_display(ts, 1, &b);
	}
	buf_addf(&b, "  \xc2\xb7 severity %s \xc2\xb7 env %s", *p->in.severity ? p->in.severity : "?",
		 *p->in.environment ? p->in.environment : "?");
	lines_add_wrapped(L, ROLE_LABEL, " Impact       ", ROLE_TIME, b.buf, w, 14);
	buf_reset(&b);
	time_format(p->c.from, ts);
	ts_display(ts, 1, &b);
	time_format(p->c.to, ts);
	buf_addstr(&b, " \xe2\x86\x92 ");
	ts_display(ts, 1, &b);
	buf_addf(&b, "  \xc2\xb7 %zu change%s%s", p->c.changes, p->c.changes == 1 ? "" : "s",
		 p->c.truncated ? " (window truncated)" : "");
	lines_add_wrapped(L, ROLE_LABEL, " Window       ", ROLE_DEFAULT, b.buf, w, 14);
	lines_add(L);
	if (!p->c.n) {
		l = lines_add(L);
		line_addstr(l, ROLE_MUTED, " (no changes in the window)");
	}
	for (size_t i = 0; i < p->c.n; i++)
		if (p->c.v[i].score > max)
			max = p->c.v[i].score;
	for (size_t i = 0; i < p->c.n; i++) {
		const struct correlate_candidate *c = &p->c.v[i];
		struct buf sum = BUF_INIT;

		l = lines_add(L);
		snprintf(cell, sizeof(cell), " #%-3d ", c->rank);
		line_addstr(l, ROLE_KEY, cell);
		score_bar(l, c->score, max);
		snprintf(cell, sizeof(cell), " %5.2f  ", c->score);
		line_addstr(l, ROLE_DEFAULT, cell);
		buf_reset(&b);
		ts_display(c->ts, 0, &b);
		line_add(l, ROLE_TIME, b.buf, b.len);
		line_addstr(l, ROLE_DEFAULT, " ");
		/* display names as on the timeline; the diff has the full values */
		buf_reset(&b);
		display_actor(c->actor, &b);
		line_add_data(l, !strcmp(c->actor_type, "service") ? ROLE_ACTOR_SERVICE : ROLE_ACTOR, b.buf);
		line_addstr(l, ROLE_DEFAULT, " ");
		buf_reset(&b);
		display_action(c->action, &b);
		line_add_data(l, ROLE_ACTION, b.buf);
		line_addstr(l, ROLE_DEFAULT, " ");
		line_add_data(l, ROLE_TARGET, c->target);
		line_addstr(l, ROLE_DEFAULT, " ");
		line_add_data(l, !strncmp(c->environment, "prod", 4) ? ROLE_ENV_PROD : ROLE_ENV, c->environment);
		line_addstr(l, ROLE_DEFAULT, "  ");
		if (c->tier != TIER_CHANGE) {
			/* it changed nothing: said before its summary */
			line_addstr(l, ROLE_FAILED, c->tier == TIER_FAILED ? "FAILED" : "NO-OP");
			line_addstr(l, ROLE_DEFAULT, " ");
		}
		summary_display(&sum, c->summary);
		line_add(l, ROLE_SUMMARY, sum.buf, sum.len);
		buf_release(&sum);
		l->data = c->seq;
		l->selectable = 1;
		for (size_t k = 0; k < c->nreasons; k++) {
			struct buf r = BUF_INIT;

			correlate_reason_format(&c->reasons[k], &r);
			lines_add_wrapped(L, ROLE_DEFAULT, "        ", c->reasons[k].weight < 0 ? ROLE_DIFF_ADDED :
					  ROLE_MUTED, r.buf, w, 10);
			buf_release(&r);
		}
	}
	buf_release(&b);
	if (p->pg.cur < 0)
		for (size_t i = 0; i < L->n; i++)
			if (L->v[i].selectable) {
				p->pg.cur = (long)i;
				break;
			}
}

static void corv_draw(struct view *v, int y, int h, int w)
{
	struct corv *p = v->priv;
	struct buf hdr = BUF_INIT;
	int x;

	if (p->built_w != w)
		build(v, w);
	buf_addstr(&hdr, " correlation \xc2\xb7 ");
	tui_safe(&hdr, p->loaded ? p->in.id : "", p->loaded ? strlen(p->in.id) : 0);
	buf_addstr(&hdr, " \xc2\xb7 #N: rank by score, best first \xc2\xb7 Enter: the change's diff");
	x = draw_text(y, 0, w, ROLE_HEADER, hdr.buf, hdr.len);
	draw_fill(y, x, w, ROLE_HEADER);
	pager_draw(&p->pg, y + 1, h - 1, w);
	buf_release(&hdr);
}

static int64_t corv_cursor_seq(struct view *v)
{
	struct corv *p = v->priv;

	if (p->pg.cur < 0 || p->pg.cur >= (long)p->pg.L.n || !p->pg.L.v[p->pg.cur].selectable)
		return 0;
	return p->pg.L.v[p->pg.cur].data;
}

static int corv_request(struct view *v, enum request req)
{
	struct corv *p = v->priv;
	int64_t seq = corv_cursor_seq(v);

	switch (req) {
	case REQ_ENTER:
		if (seq) {
			timeline_view_goto_seq(tui_timeline(v->tui), seq);
			tui_push(v->tui, event_view_new(v->tui, seq));
		}
		return 1;
	case REQ_EXPORT:
		if (p->loaded)
			snprintf(v->tui->inc_id, sizeof(v->tui->inc_id), "%s", p->in.id);
		return 0;
	default:
		return pager_request(&p->pg, req);
	}
}

static int corv_mouse(struct view *v, MEVENT *m)
{
	struct corv *p = v->priv;
	int r = pager_mouse(&p->pg, m, v->y + 1);

	if (r == 2)
		corv_request(v, REQ_ENTER);
	return r ? 1 : 0;
}

static void corv_position(struct view *v, struct buf *pos, struct buf *filter)
{
	struct corv *p = v->priv;
	int64_t seq = corv_cursor_seq(v);
	int rank = 0;

	(void)filter;
	for (size_t i = 0; i < p->c.n; i++)
		if (p->c.v[i].seq == seq)
			rank = p->c.v[i].rank;
	buf_addf(pos, "candidate %d of %zu", rank, p->c.n);
}

static void corv_close(struct view *v)
{
	struct corv *p = v->priv;

	if (p->loaded) {
		incident_release(&p->in);
		correlation_release(&p->c);
	}
	lines_release(&p->pg.L);
	free(p);
}

struct view *correlation_view_new(struct tui *t, const char *id)
{
	struct view *v = view_new(t, &correlation_view_ops, sizeof(struct corv));
	struct corv *p = v->priv;
	struct correlate_options o;
	int r;

	p->pg.cur = -1;
	r = incident_load(&t->store, id, &p->in);
	if (r <= 0) {
		struct buf safe = BUF_INIT;

		tui_safe(&safe, id, strlen(id));
		tui_message(t, ROLE_ERROR, r < 0 ? "cannot read incident '%s': %s" : "no incident '%s'%s",
			    safe.buf, r < 0 ? last_error() : " (i lists them)");
		buf_release(&safe);
		free(p);
		free(v);
		return NULL;
	}
	correlate_options_init(&o);
	if (correlate_run(&t->store, &p->in, &o, &p->c)) {
		snprintf(p->err, sizeof(p->err), "%s", tui_cancelled(t) ? "cancelled" : last_error());
		memset(&p->c, 0, sizeof(p->c));
	}
	p->loaded = 1;
	incident_window(&p->in, &t->inc_from, &t->inc_to);
	t->have_inc = 1;
	snprintf(t->inc_id, sizeof(t->inc_id), "%s", p->in.id);
	return v;
}

const struct view_ops correlation_view_ops = {
	.name = "correlation",
	.scope = SCOPE_CORRELATION,
	.close = corv_close,
	.draw = corv_draw,
	.request = corv_request,
	.mouse = corv_mouse,
	.position = corv_position,
	.cursor_seq = corv_cursor_seq,
};
