/*
 * difflines.c - per-field changes as styled lines: each changed path,
 * then its old and new values pretty-printed and wrapped, unified (- then
 * +) or side by side. Values the source never recorded read "? unknown",
 * never a guess. Shared by the event and history views.
 */
#include <string.h>

#include "trailscope/diff.h"
#include "draw.h"

static void value_lines(struct lines *L, const json_t *v, int known, const char *sign, enum role r,
			int w, int indent)
{
	char pre[32];

	snprintf(pre, sizeof(pre), "%*s%s ", indent, "", sign);
	if (!known) {
		struct line *l = lines_add(L);

		line_addstr(l, ROLE_DIFF_UNKNOWN, pre);
		line_addstr(l, ROLE_DIFF_UNKNOWN, "? unknown (the source never recorded it)");
	} else if (!v) {
		struct line *l = lines_add(L);

		line_addstr(l, ROLE_MUTED, pre);
		line_addstr(l, ROLE_MUTED, "(absent)");
	} else {
		pretty_json(v, L, r, pre, w, indent + 2);
	}
}

/* Appends src's spans to dst. */
static void line_append(struct line *dst, const struct line *src)
{
	for (size_t i = 0; i < src->nspans; i++)
		line_add(dst, src->spans[i].role, src->text.buf + src->spans[i].off, src->spans[i].len);
}

static void side_by_side(struct lines *L, const struct change *c, int w)
{
	struct lines a = { 0 }, b = { 0 };
	int colw = (w - 3) / 2;

	if (colw < 10)
		colw = 10;
	value_lines(&a, c->before, !c->before_unknown, "-", ROLE_DIFF_REMOVED, colw, 3);
	value_lines(&b, c->after, 1, "+", ROLE_DIFF_ADDED, colw, 1);
	for (size_t i = 0; i < a.n || i < b.n; i++) {
		struct line *l = lines_add(L);
		int used = 0;

		if (i < a.n) {
			line_append(l, &a.v[i]);
			used = text_cols(a.v[i].text.buf, a.v[i].text.len);
		}
		for (; used < colw; used++)
			line_add(l, ROLE_DEFAULT, " ", 1);
		line_addstr(l, ROLE_MUTED, " \xe2\x94\x82");
		if (i < b.n)
			line_append(l, &b.v[i]);
	}
	lines_release(&a);
	lines_release(&b);
}

void diff_lines(struct lines *L, const struct change_list *cl, int side, int w)
{
	if (!cl->n) {
		struct line *l = lines_add(L);

		line_addstr(l, ROLE_MUTED, "   (no field changed)");
	}
	for (size_t i = 0; i < cl->n; i++) {
		const struct change *c = &cl->v[i];
		const char *mark = c->kind == CHANGE_ADDED ? " + " : c->kind == CHANGE_REMOVED ? " - " : " ~ ";
		enum role r = c->kind == CHANGE_ADDED ? ROLE_DIFF_ADDED :
			      c->kind == CHANGE_REMOVED ? ROLE_DIFF_REMOVED : ROLE_DIFF_CHANGED;
		struct buf path = BUF_INIT;

		buf_addstr(&path, *c->path ? c->path : "(whole state)");
		buf_addf(&path, "  (%s)", change_kind_name(c->kind));
		lines_add_wrapped(L, r, mark, ROLE_DIFF_CHANGED, path.buf, w, 3);
		buf_release(&path);
		if (side) {
			side_by_side(L, c, w);
		} else {
			if (c->kind != CHANGE_ADDED || c->before_unknown)
				value_lines(L, c->before, !c->before_unknown, "-", ROLE_DIFF_REMOVED, w, 4);
			if (c->kind != CHANGE_REMOVED)
				value_lines(L, c->after, 1, "+", ROLE_DIFF_ADDED, w, 4);
		}
	}
}

