/*
 * view_help.c - the help screen, generated from the key map in keys.h:
 * every binding of every scope with its request's help text, so the help
 * cannot drift from what the keys do. Ends with a legend of the marks.
 */
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "draw.h"
#include "keys.h"
#include "view.h"

struct helpv {
	struct pager pg;
	int built_w;
};

/* Filtering and searching are listed once, in their own section. */
static int is_find_request(enum request r)
{
	return r == REQ_FILTER || r == REQ_SEARCH || r == REQ_SEARCH_NEXT || r == REQ_SEARCH_PREV ||
	       r == REQ_CLEAR_FILTER;
}

/* One entry: the key (or mark) in role kr in a column of 20, its text
 * beside it, wrapped at words under itself when the screen is narrow. */
static void add_entry(struct lines *L, const char *key, enum role kr, const char *text, int w)
{
	struct lines T = { 0 };
	int kc = text_cols(key, strlen(key));

	lines_add_wrapped(&T, ROLE_DEFAULT, "", ROLE_DEFAULT, text, w - 25 > 20 ? w - 25 : 20, 0);
	for (size_t i = 0; i < T.n; i++) {
		struct line *l = lines_add(L);
		char pad[40];

		line_addstr(l, ROLE_DEFAULT, "   ");
		if (!i)
			line_addstr(l, kr, key);
		snprintf(pad, sizeof(pad), "%*s", i ? 21 : kc < 20 ? 20 - kc + 1 : 1, "");
		line_addstr(l, ROLE_DEFAULT, pad);
		line_add(l, ROLE_DEFAULT, T.v[i].text.buf, T.v[i].text.len);
	}
	lines_release(&T);
}

/* The bindings of scope (find: only the filter and search ones, of any
 * scope; otherwise all but those), one line per request. */
static void add_scope(struct lines *L, enum key_scope scope, int find, const char *title, int w)
{
	struct line *l;
	int seen[REQ__COUNT] = { 0 }, any = 0;

	for (size_t i = 0; i < keymap_size; i++)
		if ((find || keymap[i].scope == scope) && is_find_request(keymap[i].req) == find)
			any = 1;
	if (!any)
		return;
	lines_add(L);
	l = lines_add(L);
	line_addstr(l, ROLE_SECTION, " ");
	line_addstr(l, ROLE_SECTION, title);
	for (size_t i = 0; i < keymap_size; i++) {
		struct buf keys = BUF_INIT;

		if ((!find && keymap[i].scope != scope) || is_find_request(keymap[i].req) != find ||
		    seen[keymap[i].req])
			continue;
		seen[keymap[i].req] = 1;
		for (size_t j = i; j < keymap_size; j++) {
			if ((!find && keymap[j].scope != scope) || keymap[j].req != keymap[i].req)
				continue;
			if (keys.len && strstr(keys.buf, keymap[j].name))
				continue; /* Enter is bound to three codes */
			buf_addf(&keys, "%s%s", keys.len ? ", " : "", keymap[j].name);
		}
		add_entry(L, keys.buf, ROLE_KEY, request_help[keymap[i].req], w);
		buf_release(&keys);
	}
}

static void build(struct helpv *p, int w)
{
	struct lines *L = &p->pg.L;
	struct line *l;

	lines_clear(L);
	p->built_w = w;
	lines_add_wrapped(L, ROLE_DEFAULT, " ", ROLE_DEFAULT,
			  "Views stack like tig's: Enter goes deeper; q, Esc or Left (at the left edge) goes back. "
			  "Only q on the timeline and :q quit; Q, Esc and Left never do. Times are UTC.", w, 1);
	for (int s = 0; s < SCOPE__COUNT; s++)
		add_scope(L, (enum key_scope)s, 0, scope_names[s], w);
	add_scope(L, SCOPE_GLOBAL, 1, "Filter (/) and search (s): the timeline, the event view", w);
	lines_add_wrapped(L, ROLE_MUTED, "   ", ROLE_MUTED,
			  "A filter lists only the matching events; a search keeps every event, marks the "
			  "matching rows (>) and highlights what matched, in rows and in the event view; the "
			  "status bar says match i of N. Both use the query language (docs/QUERY.md).", w, 3);
	add_entry(L, "Enter", ROLE_KEY, "in the bar: apply the filter (/) or jump to the first match (s)", w);
	add_entry(L, "Esc", ROLE_KEY, "in the bar: clear the filter (/) or the search (s); Ctrl-G leaves it as it was", w);
	add_entry(L, "Up, Down", ROLE_KEY, "query history ($XDG_STATE_HOME/trailscope/query_history)", w);
	add_entry(L, "Tab", ROLE_KEY, "complete keys, paths, actors, targets, environments, risks", w);
	add_entry(L, "Ctrl-U, Ctrl-W", ROLE_KEY, "erase the line / the last word", w);
	lines_add(L);
	l = lines_add(L);
	line_addstr(l, ROLE_SECTION, " Other keys");
	add_entry(L, "Esc (busy)", ROLE_KEY, "cancel a slow query, SQL statement or correlation", w);
	add_entry(L, "Alt-key", ROLE_KEY, "not bound: ignored, as is an escape sequence TERM does not know", w);
	lines_add(L);
	l = lines_add(L);
	line_addstr(l, ROLE_SECTION, " Signs on screen");
	add_entry(L, "A", ROLE_RISK, "risk: no approval (required, nobody approved)", w);
	add_entry(L, "R", ROLE_RISK, "risk: mass rollout (to 100% or up by 50 points or more)", w);
	add_entry(L, "T", ROLE_RISK, "risk: rapid toggle (toggled again within 30 min of 2+ toggles)", w);
	add_entry(L, "H", ROLE_RISK_LOW, "risk: after hours (outside Mon-Fri 09:00-18:00 UTC)", w);
	add_entry(L, "S", ROLE_RISK_LOW, "risk: made by a service account", w);
	add_entry(L, "P", ROLE_ENV_PROD, "risk: production environment", w);
	add_entry(L, "*", ROLE_MARK, "marked event (case file); M lists marks and notes", w);
	add_entry(L, ">", ROLE_SEARCH, "the row matches the search; matched text is highlighted", w);
	add_entry(L, "\xe2\x9a\x99", ROLE_ACTOR_SERVICE, "service account (not a person)", w);
	add_entry(L, "\xe2\x9c\x97", ROLE_FAILED, "failed request (before the summary): it changed nothing", w);
	add_entry(L, "- old  + new", ROLE_DIFF_CHANGED, "field diff: removed / added values", w);
	add_entry(L, "? unknown", ROLE_DIFF_UNKNOWN, "the source never recorded the value", w);
	add_entry(L, "\xe2\x96\x81\xe2\x96\x83\xe2\x96\x85\xe2\x96\x88", ROLE_DENSITY,
	       "events per time slice over the store's range; cursor highlighted", w);
	lines_add(L);
	l = lines_add(L);
	line_addstr(l, ROLE_SECTION, " Status bar verdicts");
	add_entry(L, "VERIFIED through N", ROLE_CHAIN_OK, "entries 1..N proven by a trusted signed checkpoint", w);
	add_entry(L, "(+P pending)", ROLE_CHAIN_WARN, "P newer entries not yet covered by a checkpoint", w);
	add_entry(L, "FAILED: K faults", ROLE_CHAIN_FAILED, "tampering or damage found; v lists where", w);
	add_entry(L, "UNVERIFIABLE", ROLE_CHAIN_WARN, "no trusted key (--trust PUBFILE), or nothing signed by one", w);
	lines_add(L);
	l = lines_add(L);
	line_addstr(l, ROLE_MUTED, " The store is opened read-only; browsing never changes it.");
}

static void helpv_draw(struct view *v, int y, int h, int w)
{
	struct helpv *p = v->priv;
	int x;

	if (p->built_w != w)
		build(p, w);
	x = draw_str(y, 0, w, ROLE_HEADER, " help \xc2\xb7 keys (q or Esc to go back)");
	draw_fill(y, x, w, ROLE_HEADER);
	pager_draw(&p->pg, y + 1, h - 1, w);
}

static int helpv_request(struct view *v, enum request req)
{
	struct helpv *p = v->priv;

	if (req == REQ_HELP)
		return 1;
	return pager_request(&p->pg, req);
}

static int helpv_mouse(struct view *v, MEVENT *m)
{
	struct helpv *p = v->priv;

	return pager_mouse(&p->pg, m, v->y + 1) ? 1 : 0;
}

static void helpv_position(struct view *v, struct buf *pos, struct buf *filter)
{
	struct helpv *p = v->priv;

	(void)filter;
	buf_addf(pos, "help %ld/%zu", p->pg.top + 1, p->pg.L.n);
}

static void helpv_close(struct view *v)
{
	struct helpv *p = v->priv;

	lines_release(&p->pg.L);
	free(p);
}

struct view *help_view_new(struct tui *t)
{
	struct view *v = view_new(t, &help_view_ops, sizeof(struct helpv));
	struct helpv *p = v->priv;

	p->pg.cur = -1;
	return v;
}

const struct view_ops help_view_ops = {
	.name = "help",
	.scope = SCOPE_GLOBAL,
	.close = helpv_close,
	.draw = helpv_draw,
	.request = helpv_request,
	.mouse = helpv_mouse,
	.position = helpv_position,
};
