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

/* The bindings of scope (find: only the filter and search ones, of any
 * scope; otherwise all but those), one line per request. */
static void add_scope(struct lines *L, enum key_scope scope, int find, const char *title)
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
		char pad[40];

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
		snprintf(pad, sizeof(pad), "   %-20s ", keys.buf);
		l = lines_add(L);
		line_addstr(l, ROLE_KEY, pad);
		line_addstr(l, ROLE_DEFAULT, request_help[keymap[i].req]);
		buf_release(&keys);
	}
}

static void legend(struct lines *L, const char *mark, enum role r, const char *text)
{
	struct line *l = lines_add(L);
	char pad[40];

	line_addstr(l, ROLE_DEFAULT, "   ");
	line_addstr(l, r, mark);
	snprintf(pad, sizeof(pad), "%*s", 20 - text_cols(mark, strlen(mark)) + 1, "");
	line_addstr(l, ROLE_DEFAULT, pad);
	line_addstr(l, ROLE_DEFAULT, text);
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
		add_scope(L, (enum key_scope)s, 0, scope_names[s]);
	add_scope(L, SCOPE_GLOBAL, 1, "Filter (/) and search (s): the timeline, the event view");
	lines_add_wrapped(L, ROLE_MUTED, "   ", ROLE_MUTED,
			  "A filter lists only the matching events; a search keeps every event, marks the "
			  "matching rows (>) and highlights what matched, in rows and in the event view; the "
			  "status bar says match i of N. Both use the query language (docs/QUERY.md).", w, 3);
	legend(L, "Enter", ROLE_KEY, "in the bar: apply the filter (/) or jump to the first match (s)");
	legend(L, "Esc", ROLE_KEY, "in the bar: clear the filter (/) or the search (s); Ctrl-G leaves it as it was");
	legend(L, "Up, Down", ROLE_KEY, "query history ($XDG_STATE_HOME/trailscope/query_history)");
	legend(L, "Tab", ROLE_KEY, "complete keys, paths, actors, targets, environments, risks");
	legend(L, "Ctrl-U, Ctrl-W", ROLE_KEY, "erase the line / the last word");
	lines_add(L);
	l = lines_add(L);
	line_addstr(l, ROLE_SECTION, " Other keys");
	legend(L, "Esc (busy)", ROLE_KEY, "cancel a slow query, SQL statement or correlation");
	legend(L, "Alt-key", ROLE_KEY, "not bound: ignored, as is an escape sequence TERM does not know");
	lines_add(L);
	l = lines_add(L);
	line_addstr(l, ROLE_SECTION, " Signs on screen");
	legend(L, "A", ROLE_RISK, "risk: no approval (required, nobody approved)");
	legend(L, "R", ROLE_RISK, "risk: mass rollout (to 100% or up by 50 points or more)");
	legend(L, "T", ROLE_RISK, "risk: rapid toggle (toggled again within 30 min of 2+ toggles)");
	legend(L, "H", ROLE_RISK_LOW, "risk: after hours (outside Mon-Fri 09:00-18:00 UTC)");
	legend(L, "S", ROLE_RISK_LOW, "risk: made by a service account");
	legend(L, "P", ROLE_ENV_PROD, "risk: production environment");
	legend(L, "*", ROLE_MARK, "marked event (case file); M lists marks and notes");
	legend(L, ">", ROLE_SEARCH, "the row matches the search; matched text is highlighted");
	legend(L, "\xe2\x9a\x99", ROLE_ACTOR_SERVICE, "service account (not a person)");
	legend(L, "\xe2\x9c\x97", ROLE_FAILED, "failed request (before the summary): it changed nothing");
	legend(L, "- old  + new", ROLE_DIFF_CHANGED, "field diff: removed / added values");
	legend(L, "? unknown", ROLE_DIFF_UNKNOWN, "the source never recorded the value");
	legend(L, "\xe2\x96\x81\xe2\x96\x83\xe2\x96\x85\xe2\x96\x88", ROLE_DENSITY,
	       "events per time slice over the store's range; cursor highlighted");
	lines_add(L);
	l = lines_add(L);
	line_addstr(l, ROLE_SECTION, " Status bar verdicts");
	legend(L, "VERIFIED through N", ROLE_CHAIN_OK, "entries 1..N proven by a trusted signed checkpoint");
	legend(L, "(+P pending)", ROLE_CHAIN_WARN, "P newer entries not yet covered by a checkpoint");
	legend(L, "FAILED: K faults", ROLE_CHAIN_FAILED, "tampering or damage found; v lists where");
	legend(L, "UNVERIFIABLE", ROLE_CHAIN_WARN, "no trusted key (--trust PUBFILE), or nothing signed by one");
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
