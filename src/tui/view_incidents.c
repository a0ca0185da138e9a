/*
 * view_incidents.c - the incidents kept beside the events (incident.h),
 * one line each: id, severity, impact start, duration, services, title.
 * Enter opens the correlation view for the selected incident; e opens the
 * export dialog with that incident as its scope. Memory: the incident
 * list (incidents are few).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "trailscope/incident.h"
#include "app.h"
#include "draw.h"
#include "keys.h"
#include "view.h"

struct incv {
	struct incident_list list;
	struct pager pg;
	int built_w;
	int timew;          /* columns of STARTED (last build) */
	char err[256];
};

#define TITLE_MIN 24

/* Appends safe text in exactly width columns (cut with "…") and a space. */
static void cell_add(struct line *l, enum role r, const char *safe, size_t len, int width)
{
	int used = text_cols(safe, len);

	if (used > width) {
		line_add(l, r, safe, text_fit(safe, len, width - 1, &used));
		line_addstr(l, r, wcwidth(0x2026) == 1 ? "\xe2\x80\xa6" : "~");
		used++;
	} else {
		line_add(l, r, safe, len);
	}
	for (; used <= width; used++)
		line_add(l, ROLE_DEFAULT, " ", 1);
}

static void build(struct incv *p, int w)
{
	struct lines *L = &p->pg.L;
	struct line *l;

	lines_clear(L);
	p->built_w = w;
	if (p->err[0]) {
		lines_add_wrapped(L, ROLE_ERROR, " ", ROLE_ERROR, p->err, w, 1);
		return;
	}
	if (!p->list.n) {
		l = lines_add(L);
		line_addstr(l, ROLE_MUTED, " (no incidents: import some with 'trailscope incident import STORE FILE')");
		return;
	}
	{
		/* widths follow the ids and services and the screen; the title
		 * keeps TITLE_MIN columns (wider lines scroll with Left/Right) */
		int idw = 2, svcw = 8, timew = 19, room;
		struct buf head = BUF_INIT;

		for (size_t i = 0; i < p->list.n; i++) {
			const struct incident *in = &p->list.v[i];
			int sw = 0;

			if (text_cols(in->id, strlen(in->id)) > idw)
				idw = text_cols(in->id, strlen(in->id));
			for (size_t k = 0; k < in->nservices; k++)
				sw += (k ? 1 : 0) + text_cols(in->services[k], strlen(in->services[k]));
			if (sw > svcw)
				svcw = sw;
		}
		if (idw > 16)
			idw = 16;
		if (svcw > 24)
			svcw = 24;
		room = w - (1 + idw + 1 + 9 + 1 + timew + 1 + 8 + 1 + svcw + 1);
		if (room < TITLE_MIN)
			svcw -= TITLE_MIN - room < svcw - 8 ? TITLE_MIN - room : svcw - 8;
		room = w - (1 + idw + 1 + 9 + 1 + timew + 1 + 8 + 1 + svcw + 1);
		if (room < TITLE_MIN)
			timew = 14; /* "03-04 21:53:34": the year is in the window below */
		p->timew = timew;
		l = lines_add(L);
		buf_addf(&head, " %-*s %-9s %-*s %-8s %-*s TITLE", idw, "ID", "SEVERITY", timew, "STARTED (UTC)",
			 "DURATION", svcw, "SERVICES");
		line_addstr(l, ROLE_COLUMNS, head.buf);
		buf_release(&head);
		for (size_t i = 0; i < p->list.n; i++) {
			const struct incident *in = &p->list.v[i];
			struct buf b = BUF_INIT, svc = BUF_INIT, safe = BUF_INIT;
			char cell[160];
			char ts[32];

			l = lines_add(L);
			line_addstr(l, ROLE_DEFAULT, " ");
			tui_safe(&safe, in->id, strlen(in->id));
			cell_add(l, ROLE_TARGET, safe.buf, safe.len, idw);
			buf_reset(&safe);
			tui_safe(&safe, in->severity, strlen(in->severity));
			cell_add(l, !strcasecmp(in->severity, "sev1") || !strcasecmp(in->severity, "critical") ||
				 !strcasecmp(in->severity, "p1") || !strcasecmp(in->severity, "high") ?
				 ROLE_RISK : ROLE_DEFAULT, safe.buf, safe.len, 9);
			time_format(in->started, ts);
			ts_display(ts, timew == 19, &b);
			cell_add(l, ROLE_TIME, b.buf, b.len, timew);
			buf_reset(&b);
			if (in->resolved != INCIDENT_NO_TIME)
				time_format_duration_short(in->resolved - in->started, &b);
			else
				buf_addstr(&b, "open");
			snprintf(cell, sizeof(cell), "%s", b.buf);
			cell_add(l, ROLE_DEFAULT, cell, strlen(cell), 8);
			for (size_t k = 0; k < in->nservices; k++)
				buf_addf(&svc, "%s%s", k ? "," : "", in->services[k]);
			buf_reset(&safe);
			tui_safe(&safe, svc.buf, svc.len);
			cell_add(l, ROLE_ACTION, safe.buf, safe.len, svcw);
			line_add_data(l, ROLE_DEFAULT, in->title);
			l->data = (int64_t)i;
			l->selectable = 1;
			buf_release(&b);
			buf_release(&svc);
			buf_release(&safe);
		}
	}
	if (p->pg.cur < 0)
		p->pg.cur = 1;
}

static void incv_draw(struct view *v, int y, int h, int w)
{
	struct incv *p = v->priv;
	int x;

	if (p->built_w != w)
		build(p, w);
	x = draw_str(y, 0, w, ROLE_HEADER, " incidents \xc2\xb7 Enter: rank the changes that could have caused one");
	draw_fill(y, x, w, ROLE_HEADER);
	pager_draw(&p->pg, y + 1, h - 1, w);
}

static const struct incident *selected(struct incv *p)
{
	if (p->pg.cur < 0 || p->pg.cur >= (long)p->pg.L.n || !p->pg.L.v[p->pg.cur].selectable)
		return NULL;
	return &p->list.v[p->pg.L.v[p->pg.cur].data];
}

static int incv_request(struct view *v, enum request req)
{
	struct incv *p = v->priv;
	const struct incident *in = selected(p);

	switch (req) {
	case REQ_ENTER:
		if (in)
			tui_push(v->tui, correlation_view_new(v->tui, in->id));
		return 1;
	case REQ_INCIDENTS:
		return 1;
	case REQ_EXPORT:
		if (in)
			snprintf(v->tui->inc_id, sizeof(v->tui->inc_id), "%s", in->id);
		return 0;
	default:
		return pager_request(&p->pg, req);
	}
}

static int incv_mouse(struct view *v, MEVENT *m)
{
	struct incv *p = v->priv;
	int r = pager_mouse(&p->pg, m, v->y + 1);

	if (r == 2)
		incv_request(v, REQ_ENTER);
	return r ? 1 : 0;
}

static void incv_position(struct view *v, struct buf *pos, struct buf *filter)
{
	struct incv *p = v->priv;

	(void)filter;
	buf_addf(pos, "incident %ld of %zu", p->pg.cur > 0 ? p->pg.cur : 0, p->list.n);
}

static void incv_reload(struct view *v, int store_changed)
{
	struct incv *p = v->priv;

	if (!store_changed)
		return;
	incident_list_release(&p->list);
	memset(&p->list, 0, sizeof(p->list));
	if (incident_list_load(&v->tui->store, &p->list))
		snprintf(p->err, sizeof(p->err), "%s", last_error());
	p->built_w = 0;
}

static void incv_close(struct view *v)
{
	struct incv *p = v->priv;

	incident_list_release(&p->list);
	lines_release(&p->pg.L);
	free(p);
}

struct view *incidents_view_new(struct tui *t)
{
	struct view *v = view_new(t, &incidents_view_ops, sizeof(struct incv));
	struct incv *p = v->priv;

	p->pg.cur = -1;
	if (incident_list_load(&t->store, &p->list))
		snprintf(p->err, sizeof(p->err), "cannot read the incidents: %s", last_error());
	return v;
}

const struct view_ops incidents_view_ops = {
	.name = "incidents",
	.scope = SCOPE_INCIDENTS,
	.close = incv_close,
	.draw = incv_draw,
	.request = incv_request,
	.mouse = incv_mouse,
	.reload = incv_reload,
	.position = incv_position,
};
