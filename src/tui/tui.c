/*
 * tui.c - the main loop: sets up the terminal, keeps the view stack,
 * reads keys (from the terminal, or from a script for screen tests),
 * dispatches them to the top view first and to the global handler
 * second, and between keys polls the background tasks and the store
 * (PRAGMA data_version, once a second) so that verification progress and
 * events appended by another process show up while keys keep working.
 *
 * Scripted mode, for tests and benchmarks: TRAILSCOPE_SCRIPT=FILE gives
 * keys one per line ("j", "<Enter>", "<C-d>", ":type 14:00", ":wait-idle",
 * ":resize 100 30", ":click ROW COL", ":dump FILE", ":sleep MS"); inside the
 * query bar ":wait-idle" also settles the live count; while a slow
 * statement runs, the key after it is read once it has run 300 ms (so
 * "<Esc>" there cancels it). TRAILSCOPE_DUMP=FILE
 * gets the final screen as plain text; TRAILSCOPE_TIMING=FILE gets the
 * time to the first screen, the time of every key and the peak RSS.
 */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <pwd.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trailscope/casefile.h"
#include "trailscope/timeline.h"
#include "tui.h"
#include "app.h"
#include "bg.h"
#include "draw.h"
#include "keys.h"
#include "querybar.h"
#include "statusbar.h"
#include "view.h"

#define POLL_MS 100
#define FOLLOW_INTERVAL 1000000 /* usec between data_version polls */
#define REVERIFY_AFTER 5000000  /* usec after a verify before another */

static struct tui *the_tui;

struct script {
	FILE *f;
	char pending[256];     /* rest of a :type line */
	size_t pos, len;
	FILE *timing;
	FILE *devnull;
};
static struct script script;
static SCREEN *screen;

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void restore_terminal(void)
{
	if (!isendwin())
		endwin();
}

struct view *view_new(struct tui *t, const struct view_ops *ops, size_t priv_size)
{
	struct view *v = xcalloc(1, sizeof(*v));

	v->ops = ops;
	v->tui = t;
	v->priv = xcalloc(1, priv_size);
	return v;
}

void tui_push(struct tui *t, struct view *v)
{
	if (!v)
		return;
	if (t->depth >= (int)ARRAY_SIZE(t->stack)) {
		v->ops->close(v);
		free(v);
		tui_message(t, ROLE_ERROR, "too many views open");
		return;
	}
	t->stack[t->depth++] = v;
	t->dirty = 1;
}

void tui_pop(struct tui *t)
{
	struct view *v;

	if (t->depth <= 1)
		return;
	v = t->stack[--t->depth];
	v->ops->close(v);
	free(v);
	t->dirty = 1;
}

struct view *tui_top(struct tui *t)
{
	return t->depth ? t->stack[t->depth - 1] : NULL;
}

struct view *tui_timeline(struct tui *t)
{
	return t->stack[0];
}

void tui_message(struct tui *t, enum role r, const char *fmt, ...)
{
	va_list ap;
	struct buf raw = BUF_INIT;

	va_start(ap, fmt);
	buf_vaddf(&raw, fmt, ap);
	va_end(ap);
	buf_reset(&t->message);
	tui_safe(&t->message, raw.buf, raw.len);
	buf_release(&raw);
	t->message_role = r;
	t->message_until = time_now() + 4000000;
	t->dirty = 1;
}

/* Script keys: names for what cannot be typed on one line. */
static const struct { const char *name; int key; } key_names[] = {
	{ "<Enter>", '\n' }, { "<Esc>", KEY_ESC }, { "<Up>", KEY_UP }, { "<Down>", KEY_DOWN },
	{ "<Left>", KEY_LEFT }, { "<Right>", KEY_RIGHT }, { "<PgUp>", KEY_PPAGE },
	{ "<PgDn>", KEY_NPAGE }, { "<Home>", KEY_HOME }, { "<End>", KEY_END },
	{ "<Space>", ' ' }, { "<Tab>", '\t' }, { "<BS>", KEY_BACKSPACE }, { "<F1>", KEY_F(1) },
};

static void dump_screen(const char *path)
{
	FILE *f = fopen(path, "w");
	wchar_t *w = xmalloc(((size_t)COLS + 1) * sizeof(*w));

	if (!f) {
		free(w);
		return;
	}
	for (int y = 0; y < LINES; y++) {
		struct buf line = BUF_INIT;
		int n = mvinnwstr(y, 0, w, COLS);

		for (int i = 0; i < n && w[i]; i++) {
			char mb[MB_LEN_MAX];
			mbstate_t st;
			size_t k;

			memset(&st, 0, sizeof(st));
			k = wcrtomb(mb, w[i], &st);
			if (k == (size_t)-1)
				buf_addch(&line, '?');
			else
				buf_add(&line, mb, k);
		}
		while (line.len && line.buf[line.len - 1] == ' ')
			line.len--;
		fwrite(line.buf, 1, line.len, f);
		fputc('\n', f);
		buf_release(&line);
	}
	fclose(f);
	free(w);
}

static void draw_all(struct tui *t);

/* Waits (polling) until the background tasks named are done. */
static void script_wait(struct tui *t, int verify, int density, int rank)
{
	double until = mono_ms() + 120000;

	while (mono_ms() < until) {
		int busy = 0;
		struct view *tl = tui_timeline(t);

		if (verify && bg_verify_poll(t->verify) == TASK_RUNNING)
			busy = 1;
		if (density && t->have_range && bg_task_poll(&t->density.task) == TASK_RUNNING)
			busy = 1;
		if (rank && t->count.task.path && bg_count_poll(&t->count) == TASK_RUNNING)
			busy = 1;
		if (rank && t->search_count.task.path && bg_count_poll(&t->search_count) == TASK_RUNNING)
			busy = 1;
		if (rank && t->export && export_job_running(t))
			busy = 1;
		if (rank && tl->ops->tick) {
			tl->ops->tick(tl);
			if (t->rank.task.path && bg_task_poll(&t->rank.task) == TASK_RUNNING)
				busy = 1;
			tl->ops->tick(tl);
		}
		if (!busy)
			break;
		napms(10);
	}
	t->dirty = 1;
}

/* Returns the next key of the script, ERR when it is over. */
static int script_key(struct tui *t)
{
	char line[512];

	for (;;) {
		if (script.pos < script.len)
			return (unsigned char)script.pending[script.pos++];
		if (!script.f || !fgets(line, sizeof(line), script.f))
			return ERR;
		line[strcspn(line, "\r\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		if (!strncmp(line, ":type ", 6)) {
			script.len = strlen(line + 6);
			if (script.len >= sizeof(script.pending))
				script.len = sizeof(script.pending) - 1;
			memcpy(script.pending, line + 6, script.len);
			script.pos = 0;
			continue;
		}
		if (!strcmp(line, ":wait-verify")) {
			script_wait(t, 1, 0, 0);
			return KEY_RESIZE; /* a no-op key that redraws */
		}
		if (!strcmp(line, ":wait-density")) {
			script_wait(t, 0, 1, 0);
			return KEY_RESIZE;
		}
		if (!strcmp(line, ":wait-idle")) {
			script_wait(t, 1, 1, 1);
			return KEY_RESIZE;
		}
		if (!strncmp(line, ":sleep ", 7)) {
			napms(atoi(line + 7));
			return KEY_RESIZE;
		}
		if (!strncmp(line, ":resize ", 8)) {
			int cols = 0, rows = 0;

			if (sscanf(line + 8, "%d %d", &cols, &rows) == 2 && cols > 0 && rows > 0)
				resizeterm(rows, cols);
			return KEY_RESIZE;
		}
		if (!strncmp(line, ":dump ", 6)) {
			if (!t->in_busy)
				draw_all(t);
			dump_screen(line + 6);
			continue;
		}
		if (!strncmp(line, ":click ", 7) || !strncmp(line, ":wheel-up ", 10) ||
		    !strncmp(line, ":wheel-down ", 12)) {
			const char *args = strchr(line, ' ') + 1;

			memset(&t->script_mouse, 0, sizeof(t->script_mouse));
			if (sscanf(args, "%d %d", &t->script_mouse.y, &t->script_mouse.x) != 2)
				continue;
			t->script_mouse.bstate = line[1] == 'c' ? BUTTON1_CLICKED :
						 line[7] == 'u' ? BUTTON4_PRESSED : BUTTON5_PRESSED;
			return KEY_MOUSE;
		}
		for (size_t i = 0; i < ARRAY_SIZE(key_names); i++)
			if (!strcmp(line, key_names[i].name))
				return key_names[i].key;
		if (line[0] == '<' && line[1] == 'C' && line[2] == '-' && line[3] && line[4] == '>')
			return CTRL(line[3]);
		/* a literal key, possibly one UTF-8 character */
		script.len = strlen(line);
		memcpy(script.pending, line, script.len);
		script.pos = 0;
	}
}

#define ESC_FOLLOW_MS 20 /* how long the bytes after an ESC may take to come */
#define ESC_SEQ_MAX 32    /* bytes of one escape sequence we read at most */

/*
 * Called when getch() gave ESC. ncurses (keypad on) has already turned
 * every sequence the terminfo entry knows into a KEY_ code and waited
 * ESCDELAY for one to complete, so an ESC followed at once by more bytes
 * is an Alt-key ("\ex") or a sequence this TERM does not describe (Home
 * under a mismatched TERM, "\e[1;9H"). Those are read to their end and
 * dropped: they give KEY_IGNORED and a message, never Esc plus stray
 * keys. A lone ESC (nothing within ESC_FOLLOW_MS) is Esc; ESC ESC is two.
 */
static int read_escape(struct tui *t)
{
	int c, n = 0;

	timeout(ESC_FOLLOW_MS);
	c = getch();
	if (c == ERR) {
		c = KEY_ESC;
	} else if (c == KEY_ESC) {
		ungetch(KEY_ESC);
		c = KEY_ESC;
	} else if (c == '[' || c == 'O') {
		/* CSI: parameters and intermediates up to a final byte 0x40-0x7e;
		 * SS3: one byte */
		int csi = c == '[', d;

		while (n++ < ESC_SEQ_MAX && (d = getch()) != ERR) {
			if (!csi || (d >= 0x40 && d <= 0x7e) || d > 0xff)
				break;
		}
		tui_message(t, ROLE_STATUS, "unknown key sequence ignored (is TERM=%s right?)",
			    getenv("TERM") ? getenv("TERM") : "");
		c = KEY_IGNORED;
	} else {
		if (c >= 0x20 && c < 0x7f)
			tui_message(t, ROLE_STATUS, "Alt-%c is not bound", c);
		else
			tui_message(t, ROLE_STATUS, "unknown Alt-key ignored");
		c = KEY_IGNORED;
	}
	timeout(POLL_MS);
	return c;
}

static int read_key(struct tui *t)
{
	int c;

	if (t->pushback) {
		c = t->pushback;
		t->pushback = 0;
	} else if (t->script) {
		c = script_key(t);
	} else {
		c = getch();
		if (c == KEY_ESC)
			c = read_escape(t);
	}
	if (c != ERR && c != KEY_RESIZE && t->script && !t->in_busy) {
		/* scripts: a message lasts until the next key, not for seconds */
		buf_reset(&t->message);
	}
	if (c != ERR) {
		t->key_t0 = mono_ms();
		t->cancelled = 0;
		t->busy_drawn = 0;
	}
	return c;
}

int tui_read_key(struct tui *t)
{
	return read_key(t);
}

int tui_cancelled(struct tui *t)
{
	return t->cancelled;
}

#define BUSY_AFTER_MS 300

/*
 * The progress handler of the main connection (and of the SQL view's):
 * a statement that runs longer than BUSY_AFTER_MS after a key shows
 * "working..." with the elapsed time in the status line and reads keys:
 * Esc, Ctrl-G or Ctrl-C cancel the key's work (the statement stops with
 * SQLITE_INTERRUPT and the caller backs out), any other key waits until
 * the work is done. Never touches the connection, so it may run inside
 * a statement.
 */
static int busy_progress(void *ctx)
{
	struct tui *t = ctx;
	double now = mono_ms();
	int c;

	if (t->cancelled)
		return 1;
	if (!t->key_t0 || now - t->key_t0 < BUSY_AFTER_MS || now - t->busy_drawn < 100)
		return 0;
	t->busy_drawn = now;
	{
		char msg[96];
		int x;

		snprintf(msg, sizeof(msg), " working... %.1f s  (Esc cancels) ", (now - t->key_t0) / 1000.0);
		x = draw_str(LINES - 1, 0, COLS, ROLE_CHAIN_WARN, msg);
		draw_fill(LINES - 1, x, COLS, ROLE_STATUS);
		refresh();
	}
	if (t->pushback)
		return 0;
	t->in_busy = 1;
	if (t->script) {
		c = script_key(t);
	} else {
		timeout(0);
		c = getch();
		timeout(POLL_MS);
		if (c == KEY_ESC)
			c = read_escape(t); /* Alt-x must not cancel */
	}
	t->in_busy = 0;
	if (c == ERR)
		return 0;
	if (c == KEY_ESC || c == CTRL('g') || c == CTRL('c')) {
		t->cancelled = 1;
		return 1;
	}
	if (c != KEY_RESIZE)
		t->pushback = c;
	return 0;
}

void tui_busy_attach(struct tui *t, struct store *s)
{
	store_set_progress(s, busy_progress, t, 4000);
}

/* Tab in a path prompt: completes the path (glob(3), ~ expanded); one
 * match is inserted (a directory with its '/'), several extend the text
 * to their common prefix and are listed in *cands. */
static void complete_path(struct buf *out, struct buf *cands)
{
	struct buf pat = BUF_INIT;
	glob_t g;
	size_t common;

	buf_reset(cands);
	tui_expand_tilde(out->buf, &pat);
	/* the typed text is literal: wildcards in it are escaped */
	{
		struct buf esc = BUF_INIT;

		for (size_t i = 0; i < pat.len; i++) {
			if (strchr("*?[\\", pat.buf[i]))
				buf_addch(&esc, '\\');
			buf_addch(&esc, pat.buf[i]);
		}
		buf_addch(&esc, '*');
		buf_reset(&pat);
		buf_add(&pat, esc.buf, esc.len);
		buf_release(&esc);
	}
	memset(&g, 0, sizeof(g));
	if (glob(pat.buf, GLOB_MARK, NULL, &g) || !g.gl_pathc) {
		buf_addstr(cands, "no such file or directory");
		globfree(&g);
		buf_release(&pat);
		return;
	}
	common = strlen(g.gl_pathv[0]);
	for (size_t i = 1; i < g.gl_pathc; i++) {
		size_t k = 0;

		while (k < common && g.gl_pathv[i][k] == g.gl_pathv[0][k])
			k++;
		common = k;
	}
	buf_reset(out);
	buf_add(out, g.gl_pathv[0], common);
	if (g.gl_pathc > 1) {
		buf_addf(cands, "%zu: ", g.gl_pathc);
		for (size_t i = 0; i < g.gl_pathc && cands->len < 2000; i++) {
			const char *base = g.gl_pathv[i] + strlen(g.gl_pathv[i]);

			/* the last component (a directory keeps its '/') */
			if (base > g.gl_pathv[i] && base[-1] == '/')
				base--;
			while (base > g.gl_pathv[i] && base[-1] != '/')
				base--;
			buf_addf(cands, "%s%s", i ? "  " : "", base);
		}
	}
	globfree(&g);
	buf_release(&pat);
}

static int prompt_loop(struct tui *t, const char *prompt, struct buf *out, int paths)
{
	int y = LINES - 1;
	struct buf cands = BUF_INIT;

	for (;;) {
		struct buf safe = BUF_INIT;
		int x, c, room;
		size_t skip = 0;

		if (cands.len) {
			struct buf sc = BUF_INIT;

			tui_safe(&sc, cands.buf, cands.len);
			x = draw_text(y - 1, 0, COLS, ROLE_KEY, " ", 1);
			x = draw_text(y - 1, x, COLS, ROLE_KEY, sc.buf, sc.len);
			draw_fill(y - 1, x, COLS, ROLE_DEFAULT);
			buf_release(&sc);
		}
		x = draw_str(y, 0, COLS, ROLE_PROMPT, prompt);
		tui_safe(&safe, out->buf, out->len);
		/* show the end of a long text */
		room = COLS - x - 2;
		while (room > 0 && skip < safe.len && text_cols(safe.buf + skip, safe.len - skip) > room) {
			skip++;
			while (skip < safe.len && (safe.buf[skip] & 0xc0) == 0x80)
				skip++;
		}
		x = draw_text(y, x, COLS, ROLE_PROMPT, safe.buf + skip, safe.len - skip);
		buf_release(&safe);
		x = draw_str(y, x, COLS, ROLE_SELECTION, " ");
		draw_fill(y, x, COLS, ROLE_PROMPT);
		refresh();
		c = read_key(t);
		if (c == ERR) {
			if (t->script) {
				buf_release(&cands);
				return -1;
			}
			continue;
		}
		if (cands.len && c != KEY_RESIZE) {
			buf_reset(&cands);
			draw_all(t);
		}
		if (c == '\n' || c == '\r' || c == KEY_ENTER)
			break;
		if (c == KEY_ESC || c == CTRL('c') || c == CTRL('g')) {
			t->dirty = 1;
			buf_release(&cands);
			return -1;
		}
		if (c == '\t' && paths) {
			complete_path(out, &cands);
		} else if (c == KEY_BACKSPACE || c == 127 || c == CTRL('h')) {
			/* drop a whole UTF-8 character */
			while (out->len && (out->buf[out->len - 1] & 0xc0) == 0x80)
				out->len--;
			if (out->len)
				out->len--;
			out->buf[out->len] = 0;
		} else if (c == CTRL('u')) {
			buf_reset(out);
		} else if (c >= 0x20 && c < 0x100 && c != 0x7f && out->len < 2000) {
			buf_addch(out, c);
		}
	}
	t->dirty = 1;
	buf_release(&cands);
	return 0;
}

int tui_prompt(struct tui *t, const char *prompt, struct buf *out)
{
	buf_reset(out);
	return tui_prompt_edit(t, prompt, out);
}

int tui_prompt_edit(struct tui *t, const char *prompt, struct buf *out)
{
	return prompt_loop(t, prompt, out, 0);
}

int tui_prompt_path(struct tui *t, const char *prompt, struct buf *out)
{
	return prompt_loop(t, prompt, out, 1);
}

void tui_expand_tilde(const char *path, struct buf *out)
{
	const char *rest, *home = NULL;
	struct buf user = BUF_INIT;

	if (path[0] != '~') {
		buf_addstr(out, path);
		return;
	}
	rest = path + 1 + strcspn(path + 1, "/");
	buf_add(&user, path + 1, (size_t)(rest - path - 1));
	if (!user.len) {
		home = getenv("HOME");
		if (!home || !*home) {
			struct passwd *pw = getpwuid(getuid());

			home = pw ? pw->pw_dir : NULL;
		}
	} else {
		struct passwd *pw = getpwnam(user.buf);

		home = pw ? pw->pw_dir : NULL;
	}
	buf_release(&user);
	if (!home) {
		buf_addstr(out, path); /* no such user: left as typed */
		return;
	}
	buf_addstr(out, home);
	buf_addstr(out, rest);
}

static void draw_all(struct tui *t)
{
	struct view *v = tui_top(t);

	erase();
	if (LINES < 6 || COLS < 30) {
		draw_str(0, 0, COLS, ROLE_ERROR, "terminal too small");
		refresh();
		return;
	}
	v->y = 0;
	v->h = LINES - 1;
	v->w = COLS;
	v->ops->draw(v, 0, LINES - 1, COLS);
	statusbar_draw(t, LINES - 1, COLS);
	if (t->overlay)
		t->overlay(t);
	attrset(A_NORMAL);
	refresh();
	t->dirty = 0;
}

void tui_draw(struct tui *t)
{
	draw_all(t);
}

static void handle_global(struct tui *t, enum request req)
{
	struct view *v = tui_top(t);

	switch (req) {
	case REQ_BACK: /* q: closes a view, quits from the first one */
		if (t->depth > 1)
			tui_pop(t);
		else
			t->quit = 1;
		break;
	case REQ_CLOSE: /* Esc: close a view, never quit */
	case REQ_SCROLL_LEFT: /* Left, with nothing to scroll back: the same */
		if (t->depth > 1)
			tui_pop(t);
		else
			tui_message(t, ROLE_STATUS, "this is the first view: q quits");
		break;
	case REQ_SCROLL_RIGHT:
		tui_message(t, ROLE_STATUS, "nothing here is wider than the screen: nothing to scroll");
		break;
	case REQ_HELP:
		if (v->ops != &help_view_ops)
			tui_push(t, help_view_new(t));
		break;
	case REQ_VERIFY:
		if (v->ops != &verify_view_ops)
			tui_push(t, verify_view_new(t));
		break;
	case REQ_NEXT_THEME: {
		struct buf name = BUF_INIT, err = BUF_INIT;
		const char *nc = getenv("NO_COLOR");

		theme_next(&name);
		if (theme_use(name.buf, &err))
			tui_message(t, ROLE_ERROR, "default theme used: %s", err.buf);
		else
			tui_message(t, ROLE_STATUS, "theme: %s%s", theme_current(),
				    nc && *nc ? " (NO_COLOR is set: attributes only)" : "");
		buf_release(&name);
		buf_release(&err);
		break;
	}
	case REQ_REDRAW:
		clearok(curscr, TRUE);
		break;
	case REQ_FILTER:
		while (t->depth > 1)
			tui_pop(t);
		querybar_filter(t);
		break;
	case REQ_COMMAND:
		querybar_command(t);
		break;
	case REQ_INCIDENTS:
		if (v->ops != &incidents_view_ops)
			tui_push(t, incidents_view_new(t));
		break;
	case REQ_LIST_MARKS:
		if (v->ops != &marks_view_ops)
			tui_push(t, marks_view_new(t));
		break;
	case REQ_EXPORT:
		if (v->ops != &export_view_ops)
			tui_push(t, export_view_new(t));
		break;
	case REQ_TOGGLE_MARK:
		tui_toggle_mark(t, v->ops->cursor_seq ? v->ops->cursor_seq(v) : 0);
		break;
	case REQ_NOTE:
		tui_add_note(t, v->ops->cursor_seq ? v->ops->cursor_seq(v) : 0);
		break;
	default:
		break;
	}
	t->dirty = 1;
}

static void handle_key(struct tui *t, int c)
{
	struct view *v = tui_top(t);
	enum request req;

	if (c == KEY_RESIZE) {
		t->dirty = 1;
		return;
	}
	if (c == KEY_MOUSE) {
		MEVENT m;

		if (t->script)
			m = t->script_mouse;
		else if (getmouse(&m) != OK)
			return;
		if (v->ops->mouse)
			v->ops->mouse(v, &m);
		t->dirty = 1;
		return;
	}
	if (v->ops->key && v->ops->key(v, c)) {
		t->dirty = 1;
		return;
	}
	req = key_to_request(v->ops->scope, c);
	if (req == REQ_NONE) {
		if (c == 'Q')
			tui_message(t, ROLE_STATUS, "Q does not quit: q on the timeline (the first view) or :q does");
		else if (c > 0x20 && c < 0x7f)
			tui_message(t, ROLE_STATUS, "%c does nothing here (? lists the keys)", c);
		return;
	}
	if (!v->ops->request || !v->ops->request(v, req))
		handle_global(t, req);
	t->dirty = 1;
}

static void refresh_views(struct tui *t, int store_changed)
{
	for (int i = 0; i < t->depth; i++)
		if (t->stack[i]->ops->reload)
			t->stack[i]->ops->reload(t->stack[i], store_changed);
	t->dirty = 1;
}

static int64_t data_version(struct tui *t)
{
	return store_data_version(&t->store);
}

/* Follow mode: notices a store appended by another process. */
static void poll_store(struct tui *t)
{
	usec_t now = time_now();
	int64_t dv, size;

	if (now - t->last_poll < FOLLOW_INTERVAL)
		return;
	t->last_poll = now;
	dv = data_version(t);
	if (dv < 0 || dv == t->data_version)
		return;
	t->data_version = dv;
	size = store_size(&t->store);
	if (size < 0 || size == t->max_seq)
		return;
	{
		int following = timeline_view_following(tui_timeline(t));
		int64_t added = size - t->max_seq;

		t->max_seq = size;
		t->have_range = timeline_range(&t->store, &t->range_first, &t->range_last) == 1;
		refresh_views(t, 1);
		timeline_view_note_new(tui_timeline(t), added, following);
		if (t->have_range && bg_task_poll(&t->density.task) != TASK_RUNNING)
			bg_density_start(&t->density, t->path, t->range_first, t->range_last);
	}
}

static void poll_tasks(struct tui *t)
{
	static enum task_state last_verify = TASK_IDLE, last_density = TASK_IDLE;
	enum task_state vs = bg_verify_poll(t->verify), ds = bg_task_poll(&t->density.task);
	struct view *tl = tui_timeline(t);

	if (vs == TASK_RUNNING)
		t->dirty = 1; /* progress in the status bar */
	if (vs != last_verify) {
		if (vs == TASK_DONE || vs == TASK_FAILED) {
			t->verify_gen++;
			refresh_views(t, 0);
		}
		last_verify = vs;
	}
	if (ds != last_density) {
		t->dirty = 1;
		last_density = ds;
	}
	if (tl->ops->tick && tl->ops->tick(tl))
		t->dirty = 1;
	if (tui_top(t) != tl && tui_top(t)->ops->tick && tui_top(t)->ops->tick(tui_top(t)))
		t->dirty = 1;
	if (t->search_count.task.path) {
		static enum task_state last_search = TASK_IDLE;
		enum task_state ss = bg_count_poll(&t->search_count);

		if (ss != last_search)
			t->dirty = 1;
		last_search = ss;
	}
	if (t->count.task.path) {
		static enum task_state last_count = TASK_IDLE;
		enum task_state cs = bg_count_poll(&t->count);

		if (cs != last_count)
			t->dirty = 1;
		last_count = cs;
	}
	/* entries arrived since the last verification: verify again */
	if (vs != TASK_RUNNING && t->verify->report.verdict != VERDICT_NONE &&
	    t->verify->report.entries != (uint64_t)t->max_seq &&
	    time_now() - t->verify->finished_at > REVERIFY_AFTER)
		bg_verify_start(t->verify, t->path, t->trust);
}

static void record_timing(const char *what, double ms)
{
	if (script.timing)
		fprintf(script.timing, "%s %.3f\n", what, ms);
}

static void record_rss(void)
{
	FILE *f;
	char line[256];

	if (!script.timing || !(f = fopen("/proc/self/status", "r")))
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmHWM:", 6) || !strncmp(line, "VmRSS:", 6))
			fputs(line, script.timing);
	fclose(f);
}

static int setup_terminal(struct tui *t)
{
	const char *sfile = getenv("TRAILSCOPE_SCRIPT");

	if (sfile && *sfile) {
		FILE *in = fopen("/dev/null", "r");
		SCREEN *scr;

		script.f = fopen(sfile, "r");
		if (!script.f || !in) {
			if (in)
				fclose(in);
			return error("cannot read script '%s': %s", sfile, strerror(errno));
		}
		scr = newterm(NULL, stdout, in);
		script.devnull = in;
		if (!scr)
			return error("cannot start the terminal (TERM=%s)", getenv("TERM") ? getenv("TERM") : "");
		set_term(scr);
		screen = scr;
		t->script = 1;
	} else {
		if (!isatty(0) || !isatty(1))
			return error("the terminal UI needs a terminal (use 'trailscope show' or 'query' in scripts)");
		if (!(screen = newterm(NULL, stdout, stdin)))
			return error("cannot start the terminal (TERM=%s)", getenv("TERM") ? getenv("TERM") : "");
	}
	{
		const char *tf = getenv("TRAILSCOPE_TIMING");

		if (tf && *tf)
			script.timing = fopen(tf, "w");
	}
	set_die_hook(restore_terminal);
	set_error_quiet(1);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	if (!getenv("ESCDELAY"))
		set_escdelay(25); /* a lone Esc answers at once; ESCDELAY=ms overrides */
	mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
		  | BUTTON5_PRESSED
#endif
		  , NULL);
	mouseinterval(200);
	timeout(POLL_MS);
	return 0;
}

int tui_run(const char *path, struct trust *trust, const char *theme, int newest_first,
	    usec_t started, const char *case_path)
{
	struct tui *t = xcalloc(1, sizeof(*t));
	struct buf err = BUF_INIT;
	const char *dump = getenv("TRAILSCOPE_DUMP");
	int first = 1, ret = EXIT_OK;

	the_tui = t;
	t->path = path;
	t->trust = trust;
	t->newest_first = newest_first;
	t->verify = bg_verify_get();
	t->case_path = case_path;
	buf_init(&t->message);
	buf_init(&t->filter);
	buf_init(&t->search);
	t->filter_now = time_now();
	if (store_open(&t->store, path, STORE_READONLY)) {
		free(t);
		return EXIT_IO;
	}
	tui_busy_attach(t, &t->store);
	t->max_seq = store_size(&t->store);
	t->have_range = timeline_range(&t->store, &t->range_first, &t->range_last) == 1;
	t->data_version = data_version(t);
	t->last_poll = time_now();
	if (t->max_seq < 0 || setup_terminal(t)) {
		store_close(&t->store);
		free(t);
		return EXIT_IO;
	}
	if (theme_use(theme ? theme : "default", &err))
		tui_message(t, ROLE_ERROR, "default theme used: %s", err.buf);
	tui_push(t, timeline_view_new(t));
	bg_verify_start(t->verify, path, trust);
	if (t->have_range)
		bg_density_start(&t->density, path, t->range_first, t->range_last);
	while (!t->quit) {
		double t0;
		int c;

		poll_tasks(t);
		poll_store(t);
		if (t->dirty || first) {
			draw_all(t);
			if (first) {
				record_timing("first_screen_ms", (double)(time_now() - started) / 1000.0);
				first = 0;
			}
		}
		c = read_key(t);
		t0 = mono_ms();
		if (c == ERR) {
			t->key_t0 = 0;
			if (t->script)
				break;
			continue;
		}
		handle_key(t, c);
		t->key_t0 = 0;
		if (t->dirty && !t->quit) {
			draw_all(t);
			if (c != KEY_RESIZE)
				record_timing(keyname(c) ? keyname(c) : "key", mono_ms() - t0);
		}
	}
	draw_all(t);
	if (dump && *dump)
		dump_screen(dump);
	record_rss();
	endwin();
	set_die_hook(NULL);
	set_error_quiet(0);
	bg_verify_stop(t->verify);
	bg_task_stop(&t->density.task);
	bg_task_stop(&t->rank.task);
	bg_count_stop(&t->count);
	bg_count_stop(&t->search_count);
	while (t->depth > 0) {
		struct view *v = t->stack[--t->depth];

		v->ops->close(v);
		free(v);
	}
	export_job_free(t);
	if (t->cf) {
		casefile_close(t->cf);
		free(t->cf);
	}
	free(t->marks);
	buf_release(&t->filter);
	buf_release(&t->search);
	store_close(&t->store);
	buf_release(&t->message);
	if (err.len)
		warning("default theme used: %s", err.buf);
	buf_release(&err);
	if (script.f)
		fclose(script.f);
	if (script.timing)
		fclose(script.timing);
	if (screen)
		delscreen(screen);
	screen = NULL;
	if (script.devnull)
		fclose(script.devnull);
	memset(&script, 0, sizeof(script));
	free(t);
	the_tui = NULL;
	return ret;
}
