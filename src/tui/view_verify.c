/*
 * view_verify.c - the verification report: the verdict, every checkpoint
 * with its status, signer and time-stamp time (RFC 3161, when it has a
 * token), every fault with its location, and the
 * plain statements of what could not be checked. Enter on a fault opens
 * the event it points at. While verification runs, shows its progress.
 */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "bg.h"
#include "draw.h"
#include "keys.h"
#include "view.h"
#include "trailscope/textout.h"

struct verv {
	struct pager pg;
	int built_w, built_gen, running;
};

static enum role status_role(enum fault_kind s)
{
	return s == FAULT_OK ? ROLE_CHAIN_OK : s == FAULT_UNTRUSTED ? ROLE_CHAIN_WARN : ROLE_CHAIN_FAILED;
}

static void heading(struct lines *L, const char *text)
{
	struct line *l;

	lines_add(L);
	l = lines_add(L);
	line_addstr(l, ROLE_SECTION, " ");
	line_addstr(l, ROLE_SECTION, text);
}

static void build(struct view *v, int w)
{
	struct verv *p = v->priv;
	struct tui *t = v->tui;
	struct lines *L = &p->pg.L;
	enum task_state st = bg_verify_poll(t->verify);
	const struct verify_report *r = &t->verify->report;
	struct line *l;
	char a[32], b[32], title[96];

	lines_clear(L);
	p->built_w = w;
	p->built_gen = t->verify_gen;
	p->running = st == TASK_RUNNING;
	if (st == TASK_RUNNING || r->verdict == VERDICT_NONE) {
		l = lines_add(L);
		if (st == TASK_RUNNING) {
			line_addstr(l, ROLE_CHAIN_WARN, " Verification is running in the background; "
				    "the status bar shows its progress.");
		} else {
			line_addstr(l, ROLE_CHAIN_FAILED, " Verification could not run: ");
			line_add_data(l, ROLE_CHAIN_FAILED, t->verify->err);
		}
		return;
	}
	l = lines_add(L);
	line_addstr(l, ROLE_LABEL, " Origin       ");
	line_add_data(l, ROLE_DEFAULT, r->origin && *r->origin ? r->origin : "(none)");
	l = lines_add(L);
	line_addstr(l, ROLE_LABEL, " Entries      ");
	line_addstr(l, ROLE_DEFAULT, text_thousands(r->entries, a));
	l = lines_add(L);
	line_addstr(l, ROLE_LABEL, " Verdict      ");
	{
		struct buf vl = BUF_INIT;

		verify_verdict_line(r, 0, &vl);
		if (verify_report_verified(r)) {
			line_addstr(l, ROLE_CHAIN_OK, vl.buf);
		} else if (r->verdict == VERDICT_FAILED) {
			line_addstr(l, ROLE_CHAIN_FAILED, vl.buf);
		} else {
			line_addstr(l, ROLE_CHAIN_WARN, vl.buf);
			if (r->reason && !strcmp(r->reason, "no trusted key"))
				line_addstr(l, ROLE_MUTED, "  (open with --trust PUBFILE)");
			else if (!r->ncheckpoints && r->entries)
				line_addstr(l, ROLE_MUTED, "  (sign with trailscope checkpoint)");
		}
		buf_release(&vl);
	}
	snprintf(title, sizeof(title), "Checkpoints (%zu)", r->ncheckpoints);
	heading(L, title);
	if (!r->ncheckpoints) {
		l = lines_add(L);
		line_addstr(l, ROLE_MUTED, "   (none: nothing in this store is signed)");
	}
	for (size_t i = 0; i < r->ncheckpoints; i++) {
		const struct verify_checkpoint *c = &r->checkpoints[i];
		char pad[64];

		l = lines_add(L);
		snprintf(pad, sizeof(pad), "   size %-14s ", text_thousands(c->size, a));
		line_addstr(l, ROLE_DEFAULT, pad);
		snprintf(pad, sizeof(pad), "%-14s", fault_kind_name(c->status));
		line_addstr(l, status_role(c->status), pad);
		if (c->signer) {
			line_addstr(l, ROLE_MUTED, " signed by ");
			line_add_data(l, ROLE_DEFAULT, c->signer);
		}
		{
			const struct verify_timestamp *ts = verify_report_time(r, c->size);

			if (ts) {
				line_addstr(l, ROLE_MUTED, "  time ");
				line_add_data(l, ROLE_DEFAULT, ts->time);
				line_addstr(l, ROLE_MUTED, ts->status == ANCHOR_VERIFIED ? " (time-stamped)"
							   : " (time-stamp not checked)");
			}
		}
		l->data = (int64_t)c->size;
		l->selectable = c->size > 0;
	}
	snprintf(title, sizeof(title), "Faults (%zu)%s", r->faults_total,
		 r->faults_total ? "  [Enter: open the event]" : "");
	heading(L, title);
	if (!r->nfaults) {
		l = lines_add(L);
		line_addstr(l, ROLE_MUTED, "   (none)");
	}
	for (size_t i = 0; i < r->nfaults; i++) {
		const struct verify_fault *f = &r->faults[i];
		struct buf loc = BUF_INIT;

		if (f->checkpoint)
			buf_addf(&loc, "   %-14s checkpoint %s: ", fault_kind_name(f->kind), text_thousands(f->size, a));
		else if (f->seq == f->seq_end)
			buf_addf(&loc, "   %-14s seq %s: ", fault_kind_name(f->kind), text_thousands(f->seq, a));
		else
			buf_addf(&loc, "   %-14s seq %s-%s: ", fault_kind_name(f->kind), text_thousands(f->seq, a),
				 text_thousands(f->seq_end, b));
		lines_add_wrapped(L, ROLE_CHAIN_FAILED, loc.buf, ROLE_DEFAULT, f->detail ? f->detail : "",
				  w, 20);
		buf_release(&loc);
		/* Enter on any line of the fault: mark its first line */
		l = &L->v[L->n - 1];
		for (size_t k = L->n; k-- > 0;) {
			if (L->v[k].text.len >= 3 && L->v[k].nspans && L->v[k].spans[0].role == ROLE_CHAIN_FAILED) {
				l = &L->v[k];
				break;
			}
		}
		l->data = (int64_t)(f->checkpoint ? f->size : f->seq);
		l->selectable = l->data > 0;
	}
	if (r->faults_total > r->nfaults) {
		l = lines_add(L);
		snprintf(title, sizeof(title), "   ... and %zu more", r->faults_total - r->nfaults);
		line_addstr(l, ROLE_MUTED, title);
	}
	if (r->nnotes)
		heading(L, "What could not be checked");
	for (size_t i = 0; i < r->nnotes; i++)
		lines_add_wrapped(L, ROLE_DEFAULT, "   ", ROLE_DEFAULT, r->notes[i], w, 3);
	if (L->n && (p->pg.cur < 0 || p->pg.cur >= (long)L->n || !L->v[p->pg.cur].selectable)) {
		p->pg.cur = 0;
		for (size_t i = 0; i < L->n; i++) {
			if (L->v[i].selectable && L->v[i].spans[0].role == ROLE_CHAIN_FAILED) {
				p->pg.cur = (long)i;
				break;
			}
		}
		if (!L->v[p->pg.cur].selectable)
			for (size_t i = 0; i < L->n && !L->v[p->pg.cur].selectable; i++)
				if (L->v[i].selectable)
					p->pg.cur = (long)i;
		if (!L->v[p->pg.cur].selectable)
			p->pg.cur = -1;
	}
}

static void verv_draw(struct view *v, int y, int h, int w)
{
	struct verv *p = v->priv;
	int x, running = bg_verify_poll(v->tui->verify) == TASK_RUNNING;

	if (p->built_w != w || p->built_gen != v->tui->verify_gen || p->running != running)
		build(v, w);
	x = draw_str(y, 0, w, ROLE_HEADER, " verify \xc2\xb7 checkpoints and faults");
	draw_fill(y, x, w, ROLE_HEADER);
	pager_draw(&p->pg, y + 1, h - 1, w);
}

static void open_selected(struct view *v)
{
	struct verv *p = v->priv;
	int64_t seq;

	if (p->pg.cur < 0 || p->pg.cur >= (long)p->pg.L.n || !p->pg.L.v[p->pg.cur].selectable)
		return;
	seq = p->pg.L.v[p->pg.cur].data;
	if (seq > v->tui->max_seq) {
		tui_message(v->tui, ROLE_ERROR, "seq %lld is beyond the end of the store", (long long)seq);
		return;
	}
	timeline_view_goto_seq(tui_timeline(v->tui), seq);
	tui_push(v->tui, event_view_new(v->tui, seq));
}

static int verv_request(struct view *v, enum request req)
{
	struct verv *p = v->priv;

	if (req == REQ_ENTER) {
		open_selected(v);
		return 1;
	}
	if (req == REQ_VERIFY)
		return 1;
	return pager_request(&p->pg, req);
}

static int verv_mouse(struct view *v, MEVENT *m)
{
	struct verv *p = v->priv;
	int r = pager_mouse(&p->pg, m, v->y + 1);

	if (r == 2)
		open_selected(v);
	return r ? 1 : 0;
}

static void verv_refresh(struct view *v, int store_changed)
{
	struct verv *p = v->priv;

	(void)store_changed;
	p->built_w = 0;
}

static void verv_position(struct view *v, struct buf *pos, struct buf *filter)
{
	struct verv *p = v->priv;

	(void)filter;
	buf_addf(pos, "line %ld of %zu", p->pg.cur >= 0 ? p->pg.cur + 1 : p->pg.top + 1, p->pg.L.n);
}

static void verv_close(struct view *v)
{
	struct verv *p = v->priv;

	lines_release(&p->pg.L);
	free(p);
}

struct view *verify_view_new(struct tui *t)
{
	struct view *v = view_new(t, &verify_view_ops, sizeof(struct verv));
	struct verv *p = v->priv;

	p->pg.cur = -1;
	return v;
}

const struct view_ops verify_view_ops = {
	.name = "verify",
	.scope = SCOPE_VERIFY,
	.close = verv_close,
	.draw = verv_draw,
	.request = verv_request,
	.mouse = verv_mouse,
	.reload = verv_refresh,
	.position = verv_position,
};
