/*
 * view_event.c - one event: metadata (actor and type, reason, ticket,
 * correlation id, approval, source file and line), its proof status, the
 * per-field diff (re-derived from the leaf, unified or side by side, values
 * pretty-printed and wrapped) and the raw source record. Lines are rebuilt
 * when the width, the diff mode or the verify report changes.
 */
#include <stdlib.h>
#include <string.h>

#include "trailscope/entry.h"
#include "trailscope/jcs.h"
#include "trailscope/textout.h"
#include "trailscope/verify_derived.h"
#include "app.h"
#include "draw.h"
#include "keys.h"
#include "querybar.h"
#include "statusbar.h"
#include "view.h"

#define LABEL_W 14

struct evv {
	int64_t seq;
	struct entry e;
	int loaded;
	int side;          /* side-by-side diff */
	int nowrap;        /* long lines cut, Left/Right scroll (w) */
	int built_w;       /* width the lines were built for */
	int built_gen;
	struct pager pg;
};

/* " Label       value": a label too long for the column (a source's own
 * context key) gets a line of its own, so it never runs into its value. */
static void label_line(struct lines *L, const char *label, enum role r, const char *data, int w)
{
	char pre[LABEL_W + 8];

	if (text_cols(label, strlen(label)) > LABEL_W - 2) {
		struct line *l = lines_add(L);

		line_addstr(l, ROLE_LABEL, " ");
		line_addstr(l, ROLE_LABEL, label);
		snprintf(pre, sizeof(pre), "%*s", LABEL_W, "");
	} else {
		snprintf(pre, sizeof(pre), " %-*s", LABEL_W - 1, label);
	}
	lines_add_wrapped(L, ROLE_LABEL, pre, r, data, w, LABEL_W);
}

static void section(struct lines *L, const char *title, int w)
{
	struct line *l;

	lines_add(L);
	l = lines_add(L);
	line_addstr(l, ROLE_SECTION, " ");
	line_addstr(l, ROLE_SECTION, title);
	(void)w;
}

static void value_compact(const json_t *v, struct buf *out)
{
	if (json_is_string(v))
		buf_addstr(out, json_string_value(v));
	else
		json_append(out, v);
}

/* The context members the leaf names (docs/STORE.md "Leaves"), in the
 * order shown, with their labels; a source's own keys follow, verbatim. */
static const struct {
	const char *key, *label;
} context_order[] = {
	{ "reason", "Reason" }, { "ticket", "Ticket" }, { "correlation_id", "Correlation" },
	{ "approval", "Approval" }, { "scope", "Scope" }, { "links", "Links" }, { "pr", "PR" },
	{ "build", "Build" }, { "request_id", "Request id" }, { "source_ip", "Source IP" },
	{ "user_agent", "User agent" }, { "comment", "Comment" },
};

static void build_approval(struct lines *L, struct evv *p, int w)
{
	json_t *ctx = entry_leaf_get(&p->e, "context");
	json_t *a = json_object_get(ctx, "approval");
	json_t *req = json_object_get(a, "required"), *by = json_object_get(a, "approved_by");
	json_t *at = json_object_get(a, "approved_at");
	struct buf b = BUF_INIT;
	int prod = !strncmp(p->e.environment, "prod", 4) || !strcmp(p->e.environment, "live");
	int approved = json_is_string(by) && *json_string_value(by);

	if (!a) {
		label_line(L, "Approval", prod ? ROLE_RISK : ROLE_MUTED,
			   prod ? "MISSING: none recorded for a production change" : "none recorded", w);
		return;
	}
	if (approved) {
		buf_addf(&b, "%sapproved by %s", json_is_true(req) ? "required, " : "", json_string_value(by));
		if (json_is_string(at))
			buf_addf(&b, " at %s", json_string_value(at));
		label_line(L, "Approval", ROLE_DIFF_ADDED, b.buf, w);
	} else if (json_is_true(req) || (prod && !json_is_false(req))) {
		label_line(L, "Approval", ROLE_RISK, "MISSING: required, but nobody approved", w);
	} else {
		label_line(L, "Approval", ROLE_MUTED, "not required", w);
	}
	buf_release(&b);
}

static void build_meta(struct lines *L, struct evv *p, int w)
{
	struct entry *e = &p->e;
	json_t *actor = entry_leaf_get(e, "actor"), *ctx = entry_leaf_get(e, "context");
	json_t *src = entry_leaf_get(e, "source"), *tsrc = entry_leaf_get(e, "ts_source");
	struct buf b = BUF_INIT;

	ts_display(e->ts, 1, &b);
	buf_addstr(&b, strlen(e->ts) > 20 ? e->ts + 19 : "");
	buf_setlen(&b, b.len > 0 && b.buf[b.len - 1] == 'Z' ? b.len - 1 : b.len);
	buf_addstr(&b, " UTC");
	if (json_is_string(tsrc) && strcmp(json_string_value(tsrc), e->ts)) {
		buf_addstr(&b, "  (source wrote ");
		buf_addstr(&b, json_string_value(tsrc));
		buf_addstr(&b, ")");
	}
	label_line(L, "Time", ROLE_TIME, b.buf, w);
	buf_reset(&b);
	buf_addstr(&b, e->actor);
	if (json_is_string(json_object_get(actor, "name")))
		buf_addf(&b, " (%s)", json_string_value(json_object_get(actor, "name")));
	buf_addf(&b, " \xc2\xb7 %s", !strcmp(e->actor_type, "service") ? "SERVICE ACCOUNT" : e->actor_type);
	if (json_is_string(json_object_get(actor, "auth")))
		buf_addf(&b, " \xc2\xb7 auth %s", json_string_value(json_object_get(actor, "auth")));
	label_line(L, "Actor", !strcmp(e->actor_type, "service") ? ROLE_ACTOR_SERVICE : ROLE_ACTOR, b.buf, w);
	label_line(L, "Action", ROLE_ACTION, e->action, w);
	buf_reset(&b);
	buf_addf(&b, "%s %s", e->target_kind, e->target);
	label_line(L, "Target", ROLE_TARGET, b.buf, w);
	label_line(L, "Environment", !strncmp(e->environment, "prod", 4) ? ROLE_ENV_PROD : ROLE_ENV,
		   *e->environment ? e->environment : "(none)", w);
	{
		const char *code, *message;
		enum outcome status = entry_outcome(e, &code, &message);

		buf_reset(&b);
		entry_outcome_text(e, &b);
		label_line(L, "Outcome", status == OUTCOME_FAILURE ? ROLE_FAILED :
			   status == OUTCOME_UNKNOWN ? ROLE_MUTED : ROLE_DEFAULT, b.buf, w);
	}
	for (size_t i = 0; i < ARRAY_SIZE(context_order); i++) {
		json_t *v = json_object_get(ctx, context_order[i].key);

		if (!strcmp(context_order[i].key, "approval")) {
			build_approval(L, p, w);
			continue;
		}
		if (!v)
			continue;
		buf_reset(&b);
		value_compact(v, &b);
		label_line(L, context_order[i].label, ROLE_DEFAULT, b.buf, w);
	}
	{
		const char *k;
		json_t *v;

		json_object_foreach(ctx, k, v) {
			int known = 0;

			for (size_t i = 0; i < ARRAY_SIZE(context_order); i++)
				known |= !strcmp(k, context_order[i].key);
			if (known)
				continue;
			struct buf safe_key = BUF_INIT;

			tui_safe(&safe_key, k, strlen(k));
			buf_reset(&b);
			value_compact(v, &b);
			label_line(L, safe_key.buf, ROLE_DEFAULT, b.buf, w);
			buf_release(&safe_key);
		}
	}
	buf_reset(&b);
	if (json_is_string(json_object_get(src, "file")))
		buf_addstr(&b, json_string_value(json_object_get(src, "file")));
	if (json_is_number(json_object_get(src, "line")))
		buf_addf(&b, ":%.0f", json_number_value(json_object_get(src, "line")));
	if (json_is_string(json_object_get(src, "format")))
		buf_addf(&b, " (%s)", json_string_value(json_object_get(src, "format")));
	label_line(L, "Source", ROLE_DEFAULT, b.len ? b.buf : "(unknown)", w);
	label_line(L, "Event id", ROLE_MUTED, e->event_id, w);
	buf_release(&b);
	/* the proof status follows, from build(), which knows the tui */
}

static void build_changes(struct lines *L, struct evv *p, int w)
{
	char title[128];

	snprintf(title, sizeof(title), "Changes (%zu) \xc2\xb7 %s  [s: %s]", p->e.changes.n,
		 p->side ? "side by side" : "unified", p->side ? "unified" : "side by side");
	section(L, title, w);
	if (entry_state_not_recorded(&p->e))
		lines_add_wrapped(L, ROLE_DIFF_UNKNOWN, "   ? ", ROLE_DIFF_UNKNOWN,
				  STATE_NOT_RECORDED " (the context above and the raw record below say what it gave)",
				  w, 5);
	else
		diff_lines(L, &p->e.changes, p->side, w);
}

static void build_raw(struct lines *L, struct evv *p, int w)
{
	size_t n;
	const char *raw = entry_raw(&p->e, &n);

	section(L, "Raw source record", w);
	if (!raw) {
		if (p->e.raw_state == ENTRY_RAW_NONE)
			lines_add_wrapped(L, ROLE_MUTED, "   ", ROLE_MUTED, "(not recorded)", w, 3);
		else
			lines_add_wrapped(L, ROLE_CHAIN_FAILED, "   ", ROLE_CHAIN_FAILED, entry_raw_problem(&p->e), w, 3);
		return;
	}
	{
		json_error_t jerr;
		json_t *v = json_loadb(raw, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);

		if (v) {
			pretty_json(v, L, ROLE_DEFAULT, "   ", w, 3);
			json_decref(v);
		} else {
			lines_add_wrapped(L, ROLE_DEFAULT, "   ", ROLE_DEFAULT, raw, w, 3);
		}
	}
}

static void build(struct view *v, int w)
{
	struct evv *p = v->priv;
	struct lines *L = &p->pg.L;
	long top = p->pg.top;

	lines_clear(L);
	p->built_w = w;
	if (p->nowrap)
		w = 4096; /* one line per value: Left/Right scroll */
	p->built_gen = v->tui->verify_gen;
	if (!p->loaded) {
		lines_add_wrapped(L, ROLE_ERROR, " ", ROLE_ERROR, "this event could not be read", w, 1);
		return;
	}
	build_meta(L, p, w);
	{
		struct buf proof = BUF_INIT;
		enum role r = ROLE_CHAIN_WARN;
		char pre[LABEL_W + 8];

		proof_status(v->tui, p->e.seq, p->e.covered_by, &proof, &r);
		snprintf(pre, sizeof(pre), " %-*s", LABEL_W - 1, "Proof");
		lines_add_wrapped_safe(L, ROLE_LABEL, pre, r, proof.buf, proof.len, w, LABEL_W);
		buf_release(&proof);
	}
	if (!p->e.leaf)
		lines_add_wrapped(L, ROLE_ERROR, " ", ROLE_ERROR,
				  "the stored leaf does not parse: this entry is MALFORMED", w, 1);
	build_changes(L, p, w);
	build_raw(L, p, w);
	p->pg.top = top;
}

static void load(struct view *v, int64_t seq)
{
	struct evv *p = v->priv;

	if (p->loaded)
		entry_release(&p->e);
	p->seq = seq;
	p->loaded = entry_load_seq(&v->tui->store, seq, &p->e) == 1;
	if (p->loaded) /* the diff shown is the leaf's, not the changes table's */
		derived_entry_from_leaf(&p->e);
	p->built_w = 0;
	p->pg.top = 0;
}

static void evv_draw(struct view *v, int y, int h, int w)
{
	struct evv *p = v->priv;
	struct buf t = BUF_INIT;
	char a[32];
	int x;

	if (p->built_w != w || p->built_gen != v->tui->verify_gen)
		build(v, w);
	p->pg.skip = p->nowrap ? p->pg.skip : 0;
	buf_addf(&t, " event \xc2\xb7 seq %s", text_thousands((unsigned long long)p->seq, a));
	if (p->loaded) {
		buf_addstr(&t, " \xc2\xb7 ");
		ts_display(p->e.ts, 1, &t);
		buf_addstr(&t, " UTC \xc2\xb7 ");
		tui_safe(&t, p->e.action, strlen(p->e.action));
		buf_addch(&t, ' ');
		tui_safe(&t, p->e.target, strlen(p->e.target));
		if (*p->e.environment) {
			buf_addstr(&t, " [");
			tui_safe(&t, p->e.environment, strlen(p->e.environment));
			buf_addstr(&t, "]");
		}
	}
	x = draw_text(y, 0, w, ROLE_HEADER, t.buf, t.len);
	draw_fill(y, x, w, ROLE_HEADER);
	buf_release(&t);
	x = highlight_begin();
	pager_draw(&p->pg, y + 1, h - 1, w);
	highlight_end(x);
}

static int evv_request(struct view *v, enum request req)
{
	struct evv *p = v->priv;

	if (pager_request(&p->pg, req))
		return 1;
	switch (req) {
	case REQ_TOGGLE_DIFF:
		p->side = !p->side;
		p->built_w = 0;
		return 1;
	case REQ_TOGGLE_WRAP:
		p->nowrap = !p->nowrap;
		p->pg.skip = 0;
		p->built_w = 0;
		tui_message(v->tui, ROLE_STATUS, p->nowrap ? "long lines cut: Left/Right scroll, w wraps again" :
			    "long lines wrapped");
		return 1;
	case REQ_HISTORY:
		if (p->loaded)
			tui_push(v->tui, history_view_new(v->tui, p->e.target, p->e.environment, p->seq));
		return 1;
	case REQ_NEXT_EVENT:
	case REQ_PREV_EVENT: {
		int64_t next;

		if (v->tui->search.len) {
			/* searching: n / N go from match to match, as on the timeline */
			struct view *tl = tui_timeline(v->tui);

			if (tl->ops->cursor_seq(tl) != p->seq)
				timeline_view_goto_seq(tl, p->seq);
			querybar_search_step(v->tui, req == REQ_NEXT_EVENT);
			next = tl->ops->cursor_seq(tl);
			if (next > 0 && next != p->seq)
				load(v, next);
			return 1;
		}
		next = timeline_view_neighbour(tui_timeline(v->tui), p->seq, req == REQ_NEXT_EVENT);

		if (next > 0)
			load(v, next);
		else
			tui_message(v->tui, ROLE_STATUS, "no %s event", req == REQ_NEXT_EVENT ? "next" : "previous");
		return 1;
	}
	default:
		return 0;
	}
}

static int evv_mouse(struct view *v, MEVENT *m)
{
	struct evv *p = v->priv;

	return pager_mouse(&p->pg, m, v->y + 1) ? 1 : 0;
}

static void evv_refresh(struct view *v, int store_changed)
{
	struct evv *p = v->priv;

	if (store_changed && p->loaded && !p->e.covered_by)
		load(v, p->seq); /* a new checkpoint may cover it now */
	p->built_w = 0;
}

static void evv_position(struct view *v, struct buf *pos, struct buf *filter)
{
	struct evv *p = v->priv;
	char a[32];

	(void)filter;
	timeline_view_search_pos(tui_timeline(v->tui), p->seq, pos);
	/* the store's numbering (1.., in import order), not a row */
	buf_addf(pos, "seq %s", text_thousands((unsigned long long)p->seq, a));
}

static void evv_close(struct view *v)
{
	struct evv *p = v->priv;

	if (p->loaded)
		entry_release(&p->e);
	lines_release(&p->pg.L);
	free(p);
}

struct view *event_view_new(struct tui *t, int64_t seq)
{
	struct view *v = view_new(t, &event_view_ops, sizeof(struct evv));
	struct evv *p = v->priv;

	p->pg.cur = -1;
	load(v, seq);
	if (!p->loaded)
		tui_message(t, ROLE_ERROR, "cannot read event %lld: %s", (long long)seq, last_error());
	return v;
}

static int64_t evv_cursor_seq(struct view *v)
{
	struct evv *p = v->priv;

	return p->seq;
}

const struct view_ops event_view_ops = {
	.name = "event",
	.scope = SCOPE_EVENT,
	.close = evv_close,
	.draw = evv_draw,
	.request = evv_request,
	.mouse = evv_mouse,
	.reload = evv_refresh,
	.position = evv_position,
	.cursor_seq = evv_cursor_seq,
};
