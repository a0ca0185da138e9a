/*
 * querybar.c - the query bar and the command line.
 *
 * `/` edits the timeline's filter: the text is compiled 150 ms after the
 * last key (on the main connection: compiling reads no rows); a malformed
 * query shows its message with a caret under its column, a good one
 * starts a match count in a background thread (bgquery.c), so a slow
 * query never holds up typing. Enter applies the filter (the timeline
 * refetches its first page through the same keyset paging; a slow fetch
 * can be cancelled with Esc, see busy_progress in tui.c), Esc clears it.
 * `s` edits a search instead: every row stays, n and p jump between
 * matches. History (Up/Down) lives in $XDG_STATE_HOME/trailscope/
 * query_history, newest last, at most HISTORY_MAX lines; Tab completes
 * keys, paths, actors, targets and other values from the store's indexes
 * (query_complete).
 *
 * `:` reads a command: sql, goto, theme, filter, incident, help, q.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trailscope/query.h"
#include "app.h"
#include "bg.h"
#include "draw.h"
#include "keys.h"
#include "querybar.h"
#include "view.h"
#include "trailscope/textout.h"

#define HISTORY_MAX 500
#define DEBOUNCE_MS 150
#define MAX_CANDIDATES 200

enum bar_mode { BAR_FILTER, BAR_SEARCH };

struct bar {
	struct tui *t;
	enum bar_mode mode;
	struct buf text;
	struct buf msg;          /* the info line: a count or an error (safe) */
	enum role msg_role;
	long err_pos;            /* byte offset of a compile error, -1 none */
	struct buf cands;        /* completion candidates shown (safe), "" none */
	int changed;             /* text changed since the last compile */
	int count_taken;         /* the count's result is in msg */
	double last_key;         /* ms */
	char **hist;
	size_t nhist, hist_alloc;
	size_t hpos;             /* == nhist: editing the draft */
	struct buf draft;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- history ---- */

static int history_path(struct tui *t, struct buf *out)
{
	if (!t->trust || !t->trust->dir)
		return -1;
	buf_addf(out, "%s/query_history", t->trust->dir);
	return 0;
}

static void history_load(struct bar *b)
{
	struct buf path = BUF_INIT;
	char *data, *p;
	size_t len;

	if (history_path(b->t, &path))
		goto out;
	data = read_file(path.buf, 4u << 20, &len);
	if (!data)
		goto out;
	for (p = data; *p;) {
		char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (n) {
			ALLOC_GROW(b->hist, b->nhist + 1, b->hist_alloc);
			b->hist[b->nhist++] = xstrndup(p, n);
		}
		p += n + (nl ? 1 : 0);
	}
	free(data);
out:
	b->hpos = b->nhist;
	buf_release(&path);
}

/* Appends text (once: an earlier copy moves to the end), keeps the newest
 * HISTORY_MAX lines, writes the file atomically. */
static void history_add(struct bar *b, const char *text)
{
	struct buf path = BUF_INIT, data = BUF_INIT, dir = BUF_INIT;
	size_t first;

	if (!*text || strchr(text, '\n') || history_path(b->t, &path))
		goto out;
	for (size_t i = 0; i < b->nhist; i++) {
		if (!strcmp(b->hist[i], text)) {
			free(b->hist[i]);
			memmove(b->hist + i, b->hist + i + 1, (b->nhist - i - 1) * sizeof(*b->hist));
			b->nhist--;
			break;
		}
	}
	ALLOC_GROW(b->hist, b->nhist + 1, b->hist_alloc);
	b->hist[b->nhist++] = xstrdup(text);
	first = b->nhist > HISTORY_MAX ? b->nhist - HISTORY_MAX : 0;
	for (size_t i = first; i < b->nhist; i++)
		buf_addf(&data, "%s\n", b->hist[i]);
	buf_addstr(&dir, b->t->trust->dir);
	if (mkdir_p(dir.buf, 0700) || write_file_atomic(path.buf, data.buf, data.len, 0600))
		tui_message(b->t, ROLE_ERROR, "query history not saved: %s", last_error());
out:
	buf_release(&path);
	buf_release(&data);
	buf_release(&dir);
}

static void history_release(struct bar *b)
{
	for (size_t i = 0; i < b->nhist; i++)
		free(b->hist[i]);
	free(b->hist);
}

static void history_step(struct bar *b, int older)
{
	if (older) {
		if (!b->hpos)
			return;
		if (b->hpos == b->nhist) {
			buf_reset(&b->draft);
			buf_add(&b->draft, b->text.buf, b->text.len);
		}
		b->hpos--;
		buf_reset(&b->text);
		buf_addstr(&b->text, b->hist[b->hpos]);
	} else {
		if (b->hpos >= b->nhist)
			return;
		b->hpos++;
		buf_reset(&b->text);
		if (b->hpos == b->nhist)
			buf_add(&b->text, b->draft.buf, b->draft.len);
		else
			buf_addstr(&b->text, b->hist[b->hpos]);
	}
	b->changed = 1;
}

/* ---- compile, count ---- */

static void set_msg(struct bar *b, enum role r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_msg(struct bar *b, enum role r, const char *fmt, ...)
{
	struct buf raw = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&raw, fmt, ap);
	va_end(ap);
	buf_reset(&b->msg);
	tui_safe(&b->msg, raw.buf, raw.len);
	buf_release(&raw);
	b->msg_role = r;
}

/* The text the bar's count and search run: the search within the filter. */
static void effective_text(struct bar *b, struct buf *out)
{
	if (b->mode == BAR_SEARCH && b->t->filter.len && b->text.len)
		buf_addf(out, "(%s) (%s)", b->t->filter.buf, b->text.buf);
	else
		buf_add(out, b->text.buf, b->text.len);
}

static void bar_check(struct bar *b)
{
	struct tui *t = b->t;
	struct query_error qe;
	struct query *q;
	struct buf eff = BUF_INIT;

	b->changed = 0;
	b->err_pos = -1;
	if (query_compile(&t->store, b->text.buf, time_now(), &q, &qe)) {
		bg_count_cancel(&t->count);
		b->err_pos = (long)qe.pos;
		set_msg(b, ROLE_ERROR, "col %d: %s", qe.col, qe.msg);
		return;
	}
	query_free(q);
	effective_text(b, &eff);
	bg_count_start(&t->count, t->path, eff.buf, time_now());
	t->count_is_filter = 0;
	b->count_taken = 0;
	set_msg(b, ROLE_MUTED, "counting...");
	buf_release(&eff);
}

/* Takes the count's result into the info line; returns 1 when it changed. */
static int bar_poll(struct bar *b)
{
	struct tui *t = b->t;
	enum task_state st;
	char a[32];

	if (b->err_pos >= 0 || !t->count.task.path || t->count_is_filter || b->count_taken)
		return 0;
	st = bg_count_poll(&t->count);
	if (st == TASK_DONE) {
		set_msg(b, t->count.result ? ROLE_STATUS : ROLE_CHAIN_WARN, "%s match%s%s",
			text_thousands((unsigned long long)t->count.result, a), t->count.result == 1 ? "" : "es",
			b->mode == BAR_FILTER ? "  (Enter filters, Esc clears, Tab completes, Up/Down history)" :
			"  (Enter searches, then n / N)");
		b->count_taken = 1;
		return 1;
	}
	if (st == TASK_FAILED && strcmp(t->count.err, "cancelled")) {
		set_msg(b, ROLE_ERROR, "%s", t->count.err);
		b->count_taken = 1;
		return 1;
	}
	return 0;
}

/* ---- completion ---- */

static int needs_quotes(const char *s)
{
	if (!*s)
		return 1;
	for (; *s; s++)
		if (strchr(" \t()\"\\", *s) || (unsigned char)*s < 0x20)
			return 1;
	return 0;
}

static void add_value(struct buf *out, const char *v, enum query_complete_kind kind)
{
	if (kind == QC_KEY || kind == QC_PATH || !needs_quotes(v)) {
		for (const char *s = v; *s; s++) {
			if (*s == '*' && kind != QC_KEY && kind != QC_PATH)
				buf_addch(out, '\\');
			buf_addch(out, *s);
		}
		return;
	}
	buf_addch(out, '"');
	for (const char *s = v; *s; s++) {
		if (*s == '"' || *s == '\\' || *s == '*')
			buf_addch(out, '\\');
		buf_addch(out, *s);
	}
	buf_addch(out, '"');
}

static void complete(struct bar *b)
{
	struct query_strings l = QUERY_STRINGS_INIT;
	size_t start, common;
	enum query_complete_kind kind;
	int n;

	buf_reset(&b->cands);
	kind = query_complete_context(b->text.buf, b->text.len, &start);
	if (kind == QC_NONE) {
		set_msg(b, ROLE_MUTED, "nothing to complete here");
		return;
	}
	n = query_complete(&b->t->store, kind, b->text.buf + start, MAX_CANDIDATES, &l);
	if (n < 0) {
		set_msg(b, ROLE_ERROR, "completion: %s", last_error());
	} else if (n == 0) {
		set_msg(b, ROLE_MUTED, "no completions");
	} else if (n == 1) {
		const char *c = l.v[0];
		size_t cl = strlen(c);

		buf_setlen(&b->text, start);
		add_value(&b->text, c, kind);
		if (cl && c[cl - 1] != ':' && c[cl - 1] != '.')
			buf_addch(&b->text, ' ');
		b->changed = 1;
	} else {
		/* extend to the candidates' common prefix, list them */
		common = strlen(l.v[0]);
		for (size_t i = 1; i < l.n; i++) {
			size_t k = 0;

			while (k < common && l.v[i][k] == l.v[0][k])
				k++;
			common = k;
		}
		while (common && ((unsigned char)l.v[0][common] & 0xc0) == 0x80)
			common--;
		if (common > b->text.len - start && !(kind != QC_KEY && kind != QC_PATH &&
						     needs_quotes(l.v[0]))) {
			struct buf pre = BUF_INIT;

			buf_add(&pre, l.v[0], common);
			buf_setlen(&b->text, start);
			add_value(&b->text, pre.buf, kind);
			buf_release(&pre);
			b->changed = 1;
		}
		buf_addf(&b->cands, "%d: ", n);
		for (size_t i = 0; i < l.n; i++) {
			if (i)
				buf_addstr(&b->cands, "  ");
			tui_safe(&b->cands, l.v[i], strlen(l.v[i]));
		}
	}
	query_strings_release(&l);
}

/* ---- drawing ---- */

static void bar_overlay(struct tui *t)
{
	struct bar *b = t->overlay_ctx;
	struct buf safe = BUF_INIT, pre = BUF_INIT;
	const char *prompt = b->mode == BAR_FILTER ? "/" : "search: ";
	int y = LINES - 2, x, pw, room, skipw = 0;
	size_t skip = 0;

	if (b->cands.len) {
		x = draw_text(y - 1, 0, COLS, ROLE_MUTED, " ", 1);
		x = draw_text(y - 1, x, COLS, ROLE_KEY, b->cands.buf, b->cands.len);
		draw_fill(y - 1, x, COLS, ROLE_DEFAULT);
	}
	pw = draw_str(y, 0, COLS, ROLE_PROMPT, prompt);
	tui_safe_typed(&safe, b->text.buf, b->text.len);
	room = COLS - pw - 2;
	while (room > 0 && skip < safe.len && text_cols(safe.buf + skip, safe.len - skip) > room) {
		skip++;
		while (skip < safe.len && (safe.buf[skip] & 0xc0) == 0x80)
			skip++;
	}
	skipw = text_cols(safe.buf, skip);
	x = draw_text(y, pw, COLS, ROLE_PROMPT, safe.buf + skip, safe.len - skip);
	x = draw_str(y, x, COLS, ROLE_SELECTION, " ");
	draw_fill(y, x, COLS, ROLE_PROMPT);
	/* the info line: a caret under the error's column, or the count */
	draw_fill(y + 1, 0, COLS, ROLE_STATUS);
	x = 0;
	if (b->err_pos >= 0 && (size_t)b->err_pos <= b->text.len) {
		tui_safe_typed(&pre, b->text.buf, (size_t)b->err_pos);
		x = pw + text_cols(pre.buf, pre.len) - skipw;
		if (x < 0)
			x = 0;
		if (x >= COLS - 1)
			x = COLS - 2;
		x = draw_str(y + 1, x, COLS, ROLE_ERROR, "^") + 1;
	}
	draw_text(y + 1, x, COLS, b->msg_role, b->msg.buf, b->msg.len);
	buf_release(&safe);
	buf_release(&pre);
}

/* ---- the bar ---- */

int querybar_apply(struct tui *t, const char *text)
{
	struct view *tl = tui_timeline(t);
	struct buf old = BUF_INIT;
	usec_t old_now = t->filter_now;
	int ret = 0;

	buf_add(&old, t->filter.buf, t->filter.len);
	buf_reset(&t->filter);
	buf_addstr(&t->filter, text);
	t->filter_now = time_now();
	if (timeline_view_refilter(tl)) {
		buf_reset(&t->filter);
		buf_add(&t->filter, old.buf, old.len);
		t->filter_now = old_now;
		/* the count of the refused text goes too */
		if (t->count.text && !strcmp(t->count.text, text))
			bg_count_cancel(&t->count);
		t->count_is_filter = 0;
		if (t->filter.len) {
			bg_count_start(&t->count, t->path, t->filter.buf, t->filter_now);
			t->count_is_filter = 1;
		}
		if (tui_cancelled(t))
			tui_message(t, ROLE_CHAIN_WARN, "query cancelled: the filter was not applied");
		else
			tui_message(t, ROLE_ERROR, "%s", last_error());
		ret = -1;
	} else if (*text) {
		if (!(t->count.text && !strcmp(t->count.text, text) &&
		      bg_count_poll(&t->count) != TASK_FAILED))
			bg_count_start(&t->count, t->path, text, t->filter_now);
		t->count_is_filter = 1;
	} else {
		bg_count_cancel(&t->count);
		t->count_is_filter = 0;
	}
	if (!ret && t->search.len) {
		/* the search counts within the filter: count it again */
		struct buf eff = BUF_INIT;

		if (t->filter.len)
			buf_addf(&eff, "(%s) (%s)", t->filter.buf, t->search.buf);
		else
			buf_add(&eff, t->search.buf, t->search.len);
		bg_count_start(&t->search_count, t->path, eff.buf, t->filter_now);
		buf_release(&eff);
	}
	buf_release(&old);
	t->dirty = 1;
	return ret;
}

int querybar_clear(struct tui *t)
{
	int had = t->filter.len || t->search.len;

	buf_reset(&t->search);
	bg_count_cancel(&t->search_count);
	if (t->filter.len)
		querybar_apply(t, "");
	if (had)
		tui_message(t, ROLE_STATUS, "filter and search cleared");
	return had;
}

/* The status bar's count is the filter's again. */
static void filter_recount(struct tui *t)
{
	if (!t->filter.len || (t->count_is_filter && t->count.text && !strcmp(t->count.text, t->filter.buf)))
		return;
	bg_count_start(&t->count, t->path, t->filter.buf, t->filter_now);
	t->count_is_filter = 1;
}

/* n / p */
void querybar_search_step(struct tui *t, int forward)
{
	struct query_error qe;
	struct query *q;
	struct buf eff = BUF_INIT;
	int r;

	if (!t->search.len) {
		tui_message(t, ROLE_STATUS, "no search: press s (or Ctrl-F) to search, / to filter");
		return;
	}
	if (t->filter.len)
		buf_addf(&eff, "(%s) (%s)", t->filter.buf, t->search.buf);
	else
		buf_add(&eff, t->search.buf, t->search.len);
	if (query_compile(&t->store, eff.buf, t->filter_now, &q, &qe)) {
		tui_message(t, ROLE_ERROR, "search: col %d: %s", qe.col, qe.msg);
		buf_release(&eff);
		return;
	}
	r = timeline_view_find(tui_timeline(t), q, forward);
	if (r < 0)
		tui_message(t, tui_cancelled(t) ? ROLE_CHAIN_WARN : ROLE_ERROR, "search %s",
			    tui_cancelled(t) ? "cancelled" : last_error());
	else if (!r)
		tui_message(t, ROLE_CHAIN_WARN, "no more matches %s the cursor (%s)",
			    forward ? "below" : "above", forward ? "N goes back" : "n goes on");
	else if (timeline_view_match_index(tui_timeline(t), eff.buf))
		tui_message(t, tui_cancelled(t) ? ROLE_CHAIN_WARN : ROLE_ERROR, "search: %s",
			    tui_cancelled(t) ? "counting the match's place cancelled" : last_error());
	query_free(q);
	buf_release(&eff);
}

static void run_bar(struct tui *t, enum bar_mode mode)
{
	struct bar b;
	int done = 0;

	memset(&b, 0, sizeof(b));
	b.t = t;
	b.mode = mode;
	buf_init(&b.text);
	buf_init(&b.msg);
	buf_init(&b.cands);
	buf_init(&b.draft);
	b.err_pos = -1;
	history_load(&b);
	if (mode == BAR_FILTER)
		buf_add(&b.text, t->filter.buf, t->filter.len);
	else
		buf_add(&b.text, t->search.buf, t->search.len);
	if (b.text.len)
		b.changed = 1;
	set_msg(&b, ROLE_MUTED, mode == BAR_FILTER ?
		"type a query (docs/QUERY.md): Enter filters, Esc clears, Tab completes, Up/Down history" :
		"type a query to search for: Enter jumps to the next match, then n / N");
	t->overlay = bar_overlay;
	t->overlay_ctx = &b;
	t->dirty = 1;
	while (!done) {
		int c;

		if (t->dirty)
			tui_draw(t);
		c = tui_read_key(t);
		if (c == ERR) {
			if (t->script)
				break;
			if (b.changed && now_ms() - b.last_key >= DEBOUNCE_MS) {
				bar_check(&b);
				t->dirty = 1;
			}
			if (bar_poll(&b))
				t->dirty = 1;
			continue;
		}
		t->dirty = 1;
		if (c == KEY_RESIZE) {
			/* scripts: settle, as if the user had paused */
			if (t->script) {
				if (b.changed)
					bar_check(&b);
				while (t->count.task.path && !t->count_is_filter &&
				       bg_count_poll(&t->count) == TASK_RUNNING)
					napms(5);
				bar_poll(&b);
			}
			continue;
		}
		b.last_key = now_ms();
		if (c != '\t')
			buf_reset(&b.cands);
		switch (c) {
		case '\n': case '\r': case KEY_ENTER:
			history_add(&b, b.text.buf);
			t->overlay = NULL;
			if (b.changed || b.err_pos >= 0)
				bar_check(&b);
			if (b.err_pos >= 0) {
				/* stay: the caret shows where */
				t->overlay = bar_overlay;
				break;
			}
			if (mode == BAR_FILTER) {
				querybar_apply(t, b.text.buf);
			} else {
				struct buf eff = BUF_INIT;

				buf_reset(&t->search);
				buf_add(&t->search, b.text.buf, b.text.len);
				filter_recount(t);
				effective_text(&b, &eff);
				if (b.text.len)
					bg_count_start(&t->search_count, t->path, eff.buf, t->filter_now);
				else
					bg_count_cancel(&t->search_count);
				buf_release(&eff);
				if (b.text.len)
					querybar_search_step(t, 1);
			}
			done = 1;
			break;
		case KEY_ESC:
			t->overlay = NULL;
			bg_count_cancel(&t->count);
			if (mode == BAR_FILTER) {
				if (t->filter.len)
					querybar_apply(t, "");
				tui_message(t, ROLE_STATUS, "filter cleared");
			} else {
				buf_reset(&t->search);
				bg_count_cancel(&t->search_count);
				filter_recount(t);
				tui_message(t, ROLE_STATUS, "search cleared");
			}
			done = 1;
			break;
		case CTRL('g'): case CTRL('c'):
			t->overlay = NULL;
			filter_recount(t);
			done = 1;
			break;
		case KEY_UP: history_step(&b, 1); break;
		case KEY_DOWN: history_step(&b, 0); break;
		case '\t': complete(&b); break;
		case KEY_BACKSPACE: case 127: case CTRL('h'):
			while (b.text.len && (b.text.buf[b.text.len - 1] & 0xc0) == 0x80)
				b.text.len--;
			if (b.text.len)
				b.text.len--;
			buf_setlen(&b.text, b.text.len);
			b.changed = 1;
			break;
		case CTRL('u'):
			buf_reset(&b.text);
			b.changed = 1;
			break;
		case CTRL('w'):
			while (b.text.len && b.text.buf[b.text.len - 1] == ' ')
				b.text.len--;
			while (b.text.len && b.text.buf[b.text.len - 1] != ' ')
				b.text.len--;
			buf_setlen(&b.text, b.text.len);
			b.changed = 1;
			break;
		default:
			if (c >= 0x20 && c < 0x100 && c != 0x7f && b.text.len < QUERY_MAX_LEN) {
				buf_addch(&b.text, c);
				b.changed = 1;
			}
		}
	}
	if (t->overlay == bar_overlay)
		t->overlay = NULL;
	t->overlay_ctx = NULL;
	t->dirty = 1;
	history_release(&b);
	buf_release(&b.text);
	buf_release(&b.msg);
	buf_release(&b.cands);
	buf_release(&b.draft);
}

void querybar_filter(struct tui *t)
{
	run_bar(t, BAR_FILTER);
}

void querybar_search(struct tui *t)
{
	run_bar(t, BAR_SEARCH);
}

/* ---- the command line ---- */

static void cmd_goto(struct tui *t, const char *arg)
{
	int64_t seq;
	struct view *tl;

	if (parse_int64(arg, 1, INT64_MAX, &seq) || seq > t->max_seq) {
		struct buf safe = BUF_INIT;

		tui_safe(&safe, arg, strlen(arg));
		tui_message(t, ROLE_ERROR, "goto: '%s' is not a seq from 1 to %lld", safe.buf,
			    (long long)t->max_seq);
		buf_release(&safe);
		return;
	}
	while (t->depth > 1)
		tui_pop(t);
	tl = tui_timeline(t);
	timeline_view_goto_seq(tl, seq);
	if (tl->ops->cursor_seq(tl) != seq)
		tui_message(t, ROLE_CHAIN_WARN, "seq %lld does not match the filter: the nearest match is shown",
			    (long long)seq);
	else
		tui_message(t, ROLE_STATUS, "seq %lld", (long long)seq);
}

void querybar_command(struct tui *t)
{
	struct buf in = BUF_INIT, err = BUF_INIT, safe = BUF_INIT;
	char *cmd, *arg;

	if (tui_prompt(t, ":", &in) || !in.len)
		goto out;
	cmd = in.buf;
	while (*cmd == ' ')
		cmd++;
	arg = cmd + strcspn(cmd, " ");
	if (*arg)
		*arg++ = 0;
	while (*arg == ' ')
		arg++;
	if (!strcmp(cmd, "q") || !strcmp(cmd, "quit") || !strcmp(cmd, "q!") || !strcmp(cmd, "qa")) {
		t->quit = 1;
	} else if (!strcmp(cmd, "theme")) {
		char old_theme[128];

		snprintf(old_theme, sizeof(old_theme), "%s", theme_current());
		if (!*arg) {
			tui_message(t, ROLE_STATUS, "theme: %s", theme_current());
		} else if (theme_use(arg, &err)) {
			/* a theme that does not load changes nothing: theme_use
			 * fell back to the default, so the old one goes back */
			struct buf e2 = BUF_INIT;

			theme_use(old_theme, &e2);
			tui_message(t, ROLE_ERROR, "%s; theme %s kept", err.buf, theme_current());
			buf_release(&e2);
		} else {
			tui_message(t, ROLE_STATUS, "theme: %s", theme_current());
		}
	} else if (!strcmp(cmd, "goto") || !strcmp(cmd, "g")) {
		cmd_goto(t, arg);
	} else if (!strcmp(cmd, "sql")) {
		if (!*arg)
			tui_message(t, ROLE_ERROR, "usage: :sql SELECT ... (views events, event_changes; docs/QUERY.md)");
		else
			tui_push(t, sql_view_new(t, arg));
	} else if (!strcmp(cmd, "filter")) {
		struct query_error qe;
		struct query *q;

		if (query_compile(&t->store, arg, time_now(), &q, &qe)) {
			tui_message(t, ROLE_ERROR, "filter: col %d: %s", qe.col, qe.msg);
		} else {
			query_free(q);
			while (t->depth > 1)
				tui_pop(t);
			querybar_apply(t, arg);
		}
	} else if (!strcmp(cmd, "incident")) {
		tui_push(t, correlation_view_new(t, arg));
	} else if (!strcmp(cmd, "help")) {
		tui_push(t, help_view_new(t));
	} else {
		tui_safe(&safe, cmd, strlen(cmd));
		tui_message(t, ROLE_ERROR, "unknown command ':%s' (:sql, :goto SEQ, :theme NAME, :filter Q, "
			    ":incident ID, :help, :q)", safe.buf);
	}
out:
	buf_release(&in);
	buf_release(&err);
	buf_release(&safe);
	t->dirty = 1;
}
