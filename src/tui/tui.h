/*
 * tui.h - what the TUI's files share: semantic roles (the theme maps them
 * to colours), the view stack and its ops tables, drawing helpers that
 * keep data from reaching the terminal raw, and the application state.
 * Only src/tui/ includes ncurses.
 */
#ifndef TUI_TUI_H
#define TUI_TUI_H

#include <curses.h>
#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "trailscope/buf.h"
#include "trailscope/diff.h"
#include "trailscope/keys.h"
#include "trailscope/store.h"
#include "trailscope/util.h"
#include "trailscope/verify.h"
#include "keys.h"

/* _(NAME, "name in theme files", "what it colours") */
#define ROLE_INFO(_) \
	_(DEFAULT, "default", "ordinary text") \
	_(HEADER, "header", "the title bar at the top") \
	_(COLUMNS, "columns", "column headings") \
	_(STATUS, "status", "the status bar") \
	_(CHAIN_OK, "chain-ok", "verdict VERIFIED") \
	_(CHAIN_FAILED, "chain-failed", "verdict FAILED, faults") \
	_(CHAIN_WARN, "chain-warn", "UNVERIFIABLE, pending, verifying") \
	_(SELECTION, "selection", "the selected line") \
	_(TIME, "time", "timestamps") \
	_(ACTOR, "actor", "human actors") \
	_(ACTOR_SERVICE, "actor-service", "service accounts") \
	_(ACTION, "action", "actions") \
	_(TARGET, "target", "targets") \
	_(ENV, "env", "environments") \
	_(ENV_PROD, "env-prod", "production environments") \
	_(SUMMARY, "summary", "change summaries") \
	_(RISK, "risk", "risk badges (approval missing)") \
	_(DIFF_ADDED, "diff-added", "added values") \
	_(DIFF_REMOVED, "diff-removed", "removed values") \
	_(DIFF_CHANGED, "diff-changed", "changed field paths") \
	_(DIFF_UNKNOWN, "diff-unknown", "values never recorded") \
	_(LABEL, "label", "metadata labels") \
	_(SECTION, "section", "section headings") \
	_(MUTED, "muted", "less important text") \
	_(DENSITY, "density", "the time-density strip") \
	_(DENSITY_CURSOR, "density-cursor", "the cursor on the density strip") \
	_(MARK, "mark", "marked history points") \
	_(KEY, "key", "keys in help") \
	_(PROMPT, "prompt", "the prompt line") \
	_(ERROR, "error", "error messages")

#define ROLE_ENUM(name, str, help) ROLE_##name,
enum role { ROLE_INFO(ROLE_ENUM) ROLE__COUNT };
#undef ROLE_ENUM

/* theme.c */
extern const char *const role_names[];
/* Attribute (colour pair and attributes) for a role. */
attr_t role_attr(enum role r);
/* Loads theme name ("default", a name in the theme dirs, or a path) and
 * applies it; with NO_COLOR set colours are dropped. On error *err gets
 * "file:line: reason" and the default theme is applied. Returns 0/-1. */
int theme_use(const char *name, struct buf *err);
/* Name of the theme in use. */
const char *theme_current(void);
/* The theme after the current one in the cycle (builtin, then files). */
void theme_next(struct buf *name);

/* draw.c: all text reaching the terminal goes through these */
/* Appends s made terminal-safe: buf_add_term_safe, then zero-width and
 * unprintable characters escaped too, so every character has width 1/2. */
void tui_safe(struct buf *out, const char *s, size_t len);
/* Display columns of safe text. */
int text_cols(const char *s, size_t len);
/* Bytes of safe text that fit in cols columns; *used gets their width. */
size_t text_fit(const char *s, size_t len, int cols, int *used);
/* Draws safe text at (y, x) clipped at xmax (exclusive); returns the next x. */
int draw_text(int y, int x, int xmax, enum role r, const char *s, size_t len);
static inline int draw_str(int y, int x, int xmax, enum role r, const char *s)
{
	return draw_text(y, x, xmax, r, s, strlen(s));
}
/* Draws data (made safe here) in exactly width columns: cut with "…" or padded. */
int draw_field(int y, int x, int width, enum role r, const char *data);
/* The same for text that is already safe. */
int draw_field_safe(int y, int x, int width, enum role r, const char *s, size_t len);
void draw_fill(int y, int x, int xmax, enum role r);

/* A styled line: text plus role spans (text is already safe). */
struct span {
	enum role role;
	size_t off, len;
};
struct line {
	struct buf text;
	struct span *spans;
	size_t nspans, alloc;
	int64_t data;      /* view-specific payload (a seq, an index) */
	int selectable;
};
struct lines {
	struct line *v;
	size_t n, alloc;
};
struct line *lines_add(struct lines *L);
void lines_clear(struct lines *L);
void lines_release(struct lines *L);
/* Appends safe text / data (made safe here) to a line. */
void line_add(struct line *l, enum role r, const char *safe, size_t len);
void line_addstr(struct line *l, enum role r, const char *safe);
void line_add_data(struct line *l, enum role r, const char *data);
/* Adds data wrapped at width columns, continuation lines indented by
 * indent spaces; the first line starts with the prefix (safe) text. */
void lines_add_wrapped(struct lines *L, enum role prefix_role, const char *prefix,
		       enum role r, const char *data, int width, int indent);
void lines_add_wrapped_safe(struct lines *L, enum role prefix_role, const char *prefix,
			    enum role r, const char *safe, size_t len, int width, int indent);
/* Draws a line from column skip, clipped at xmax. selected reverses. */
void draw_line(int y, int x, int xmax, const struct line *l, int selected);

/* pretty.c: JSON pretty-printed for display, safe, one string per line */
void pretty_json(const json_t *v, struct lines *L, enum role r, const char *prefix,
		 int width, int indent);
void pretty_json_buf(const json_t *v, struct buf *out);

/* difflines.c: the changes as lines, unified or side by side */
void diff_lines(struct lines *L, const struct change_list *cl, int side, int w);

/* The view stack. */
struct tui;
struct view;
struct view_ops {
	const char *name;
	enum key_scope scope;
	void (*close)(struct view *v);
	/* draws into rows [y, y + h) of the full width */
	void (*draw)(struct view *v, int y, int h, int w);
	/* returns 1 when handled; unhandled requests go to the global handler */
	int (*request)(struct view *v, enum request req);
	int (*mouse)(struct view *v, MEVENT *m);
	/* the store grew or the verify report changed */
	void (*reload)(struct view *v, int store_changed);
	/* text for the status bar: position and filter */
	void (*position)(struct view *v, struct buf *pos, struct buf *filter);
	/* called in the idle loop: returns 1 when it needs a redraw */
	int (*tick)(struct view *v);
};

struct view {
	const struct view_ops *ops;
	struct tui *tui;
	void *priv;
	int y, h, w;     /* area of the last draw */
};

/* _(NAME, ops variable) */
#define VIEW_INFO(_) \
	_(TIMELINE, timeline_view_ops) \
	_(EVENT, event_view_ops) \
	_(HISTORY, history_view_ops) \
	_(VERIFY, verify_view_ops) \
	_(HELP, help_view_ops)

#define VIEW_DECL(name, ops) extern const struct view_ops ops;
VIEW_INFO(VIEW_DECL)
#undef VIEW_DECL

struct view *timeline_view_new(struct tui *t);
struct view *event_view_new(struct tui *t, int64_t seq);
struct view *history_view_new(struct tui *t, const char *target, const char *env, int64_t seq);
struct view *verify_view_new(struct tui *t);
struct view *help_view_new(struct tui *t);

/* Background tasks (bg.c): each runs in its own thread with its own
 * read-only connection, publishes under a mutex. */
enum task_state { TASK_IDLE, TASK_RUNNING, TASK_DONE, TASK_FAILED };

struct bg_verify {
	pthread_mutex_t lock;
	pthread_cond_t wake, idle;
	int requested;
	pthread_t thread;
	int started;
	volatile int cancel;
	enum task_state state;
	uint64_t done, total;
	struct verify_report report; /* valid when DONE; owned */
	char err[256];
	char *path;
	struct trust *trust;
	usec_t finished_at;
};

#define DENSITY_BUCKETS 480
struct bg_density {
	pthread_mutex_t lock;
	pthread_t thread;
	int started;
	volatile int cancel;
	enum task_state state;
	char *path;
	usec_t first, last;
	uint64_t counts[DENSITY_BUCKETS];
	uint64_t max;
};

struct bg_rank {
	pthread_mutex_t lock;
	pthread_t thread;
	int started;
	volatile int cancel;
	enum task_state state;
	char *path;
	char ts[32];
	int64_t seq;
	int64_t result;   /* rows before (ts, seq) in time order */
	unsigned gen;     /* request generation, echoed back */
};

/* The process's one verify worker. */
struct bg_verify *bg_verify_get(void);
void bg_verify_start(struct bg_verify *b, const char *path, struct trust *trust);
void bg_verify_stop(struct bg_verify *b);
void bg_density_start(struct bg_density *b, const char *path, usec_t first, usec_t last);
void bg_density_stop(struct bg_density *b);
void bg_rank_start(struct bg_rank *b, const char *path, const char *ts, int64_t seq, unsigned gen);
void bg_rank_stop(struct bg_rank *b);
/* Returns the task state, joining a finished thread. */
enum task_state bg_verify_poll(struct bg_verify *b);
enum task_state bg_density_poll(struct bg_density *b);
enum task_state bg_rank_poll(struct bg_rank *b);

struct tui {
	struct store store;
	const char *path;
	struct view *stack[32];
	int depth;
	int quit;
	int newest_first;
	int64_t max_seq;        /* entries in the store */
	int64_t data_version;
	usec_t last_poll;
	usec_t range_first, range_last;
	int have_range;
	struct trust *trust;
	struct bg_verify *verify;  /* the process's worker (bg_verify_get) */
	struct bg_density density;
	struct bg_rank rank;
	int verify_gen;         /* bumps when a new report arrives */
	struct buf message;
	enum role message_role;
	usec_t message_until;
	int script;             /* driven by TRAILSCOPE_SCRIPT */
	MEVENT script_mouse;    /* the mouse event a script line made */
	int dirty;
};

void tui_push(struct tui *t, struct view *v);
void tui_pop(struct tui *t);
struct view *tui_top(struct tui *t);
/* Shows a message in the status bar for a few seconds. */
void tui_message(struct tui *t, enum role r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Reads a line at the bottom; returns 0 and fills out, -1 when cancelled. */
int tui_prompt(struct tui *t, const char *prompt, struct buf *out);
/* The timeline view at the bottom of the stack. */
struct view *tui_timeline(struct tui *t);
/* Pops to the timeline and moves its cursor to seq. */
void timeline_view_goto_seq(struct view *v, int64_t seq);
/* Seq of the event before/after seq in display order (0 when none). */
int64_t timeline_view_neighbour(struct view *v, int64_t seq, int forward);

/* Follow mode: is the timeline's cursor on the newest event; note n new
 * events arrived (followed says the view moved to them). */
int timeline_view_following(struct view *v);
void timeline_view_note_new(struct view *v, int64_t n, int followed);

/* tui.c: runs the interface on an opened store until the user quits.
 * Returns an exit status. */
int tui_run(const char *path, struct trust *trust, const char *theme, int newest_first,
	    usec_t started);

/* statusbar.c */
void statusbar_draw(struct tui *t, int y, int w);
/* The proof status of seq given the verify report ("", or owned text). */
void proof_status(struct tui *t, int64_t seq, uint64_t covered_by, struct buf *out, enum role *r);

/* Formats stored ts "2026-03-05T14:02:07.123456Z" for display. */
void ts_display(const char *ts, int with_date, struct buf *out);
const char *thousands(unsigned long long n, char out[32]);

/* Generic scrolling list of lines (event, verify, help views). */
struct pager {
	struct lines L;
	long top;       /* first line shown */
	long cur;       /* selected line, -1 when the pager has no cursor */
	int h;          /* rows last drawn */
};
int pager_request(struct pager *p, enum request req);
void pager_draw(struct pager *p, int y, int h, int w);
int pager_mouse(struct pager *p, MEVENT *m, int y0);

#endif
