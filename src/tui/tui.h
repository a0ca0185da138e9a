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
	_(RISK, "risk", "risk badges (approval missing, mass rollout, rapid toggles)") \
	_(RISK_LOW, "risk-low", "milder risk badges (after hours, service account)") \
	_(FAILED, "failed", "failed requests (they changed nothing)") \
	_(DIFF_ADDED, "diff-added", "added values") \
	_(DIFF_REMOVED, "diff-removed", "removed values") \
	_(DIFF_CHANGED, "diff-changed", "changed field paths") \
	_(DIFF_UNKNOWN, "diff-unknown", "values never recorded") \
	_(LABEL, "label", "metadata labels") \
	_(SECTION, "section", "section headings") \
	_(MUTED, "muted", "less important text") \
	_(DENSITY, "density", "the time-density strip") \
	_(DENSITY_CURSOR, "density-cursor", "the cursor on the density strip") \
	_(DENSITY_INCIDENT, "density-incident", "an incident's window on the density strip") \
	_(MARK, "mark", "marked history points and marked events") \
	_(SCORE, "score", "correlation score bars") \
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
/* The same for text the user typed (a query): backslashes shown as typed,
 * so a regex's \b does not read \\b. */
void tui_safe_typed(struct buf *out, const char *s, size_t len);
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
	/* the event under the cursor (seq), 0 when none: m, N and e act on it */
	int64_t (*cursor_seq)(struct view *v);
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
	_(HELP, help_view_ops) \
	_(INCIDENTS, incidents_view_ops) \
	_(CORRELATION, correlation_view_ops) \
	_(MARKS, marks_view_ops) \
	_(SQL, sql_view_ops) \
	_(EXPORT, export_view_ops)

#define VIEW_DECL(name, ops) extern const struct view_ops ops;
VIEW_INFO(VIEW_DECL)
#undef VIEW_DECL

struct view *timeline_view_new(struct tui *t);
struct view *event_view_new(struct tui *t, int64_t seq);
struct view *history_view_new(struct tui *t, const char *target, const char *env, int64_t seq);
struct view *verify_view_new(struct tui *t);
struct view *help_view_new(struct tui *t);
struct view *incidents_view_new(struct tui *t);
struct view *correlation_view_new(struct tui *t, const char *incident_id);
struct view *marks_view_new(struct tui *t);
/* Runs sql (read-only, on a connection of its own); NULL with a message
 * in the status bar when it is refused. */
struct view *sql_view_new(struct tui *t, const char *sql);
struct view *export_view_new(struct tui *t);
struct export_job;
/* Is an export running (view_export.c)? Frees the job at exit. */
int export_job_running(struct tui *t);
void export_job_free(struct tui *t);

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

/*
 * A one-shot background task (bgtask.c): a thread with its own read-only
 * connection to path, publishing state and results under lock. Launching
 * again cancels and joins the previous run first.
 */
struct bg_task {
	pthread_mutex_t lock;
	pthread_t thread;
	int started;
	volatile int cancel;
	enum task_state state;
	char *path;
};
/* Starts fn(arg) for path; returns 0, or -1 with state TASK_FAILED. */
int bg_task_launch(struct bg_task *t, const char *path, void *(*fn)(void *), void *arg);
/* The task's state; joins the thread once it has finished. */
enum task_state bg_task_poll(struct bg_task *t);
/* Sets the cancel flag and waits for the thread. */
void bg_task_cancel(struct bg_task *t);
/* Cancels, waits, and frees what the task holds. */
void bg_task_stop(struct bg_task *t);

#define DENSITY_BUCKETS 480
struct bg_density {
	struct bg_task task;
	usec_t first, last;
	uint64_t counts[DENSITY_BUCKETS];
	uint64_t max;
};

struct bg_rank {
	struct bg_task task;
	char ts[32];
	int64_t seq;
	int64_t result;   /* rows before (ts, seq) in time order */
	unsigned gen;     /* request generation, echoed back */
};

/* A match count of a query, on its own connection (bgquery.c). */
struct bg_count {
	struct bg_task task;
	char *text;       /* the query counted (owned) */
	usec_t now;
	int64_t result;   /* matches when DONE */
	char err[512];    /* why when FAILED ("cancelled" when cancelled) */
};
void bg_count_start(struct bg_count *b, const char *path, const char *text, usec_t now);
/* Cancels a running count and waits for it. */
void bg_count_cancel(struct bg_count *b);
enum task_state bg_count_poll(struct bg_count *b);
void bg_count_stop(struct bg_count *b);

/* The process's one verify worker. */
struct bg_verify *bg_verify_get(void);
void bg_verify_start(struct bg_verify *b, const char *path, struct trust *trust);
void bg_verify_stop(struct bg_verify *b);
void bg_density_start(struct bg_density *b, const char *path, usec_t first, usec_t last);
void bg_rank_start(struct bg_rank *b, const char *path, const char *ts, int64_t seq, unsigned gen);
/* Returns the task state, joining a finished thread. */
enum task_state bg_verify_poll(struct bg_verify *b);

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
	/* the query bar and the active filter (querybar.c) */
	struct buf filter;      /* applied filter text, "" none */
	struct buf search;      /* search text for n/p, "" none */
	usec_t filter_now;      /* reference time the filter was compiled with */
	struct bg_count count;  /* match count of the filter, or of the bar's text */
	int count_is_filter;    /* count is for the applied filter */
	void (*overlay)(struct tui *t); /* drawn over the screen (bars, dialogs) */
	void *overlay_ctx;
	int pushback;           /* a key read while busy, given back next (0 none) */
	/* long statements on the main connection (tui.c) */
	double key_t0;          /* when the key being handled was read (ms) */
	int cancelled;          /* the user cancelled the current key's work */
	double busy_drawn;
	int in_busy;            /* inside the progress handler */
	/* the case file (case.c): marks and notes beside the store */
	const char *case_path;  /* --case, or NULL for STORE.case */
	struct casefile *cf;    /* opened on first use */
	int64_t *marks;         /* marked seqs, sorted */
	size_t nmarks, marks_alloc;
	int marks_loaded;
	/* an incident's window, shaded on the density strip */
	usec_t inc_from, inc_to;
	int have_inc;
	char inc_id[128];
	/* export in the background (view_export.c) */
	struct export_job *export;
};

void tui_push(struct tui *t, struct view *v);
void tui_pop(struct tui *t);
struct view *tui_top(struct tui *t);
/* Shows a message in the status bar for a few seconds. */
void tui_message(struct tui *t, enum role r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Reads a line at the bottom; returns 0 and fills out, -1 when cancelled. */
int tui_prompt(struct tui *t, const char *prompt, struct buf *out);
/* Like tui_prompt, starting from the text already in out. */
int tui_prompt_edit(struct tui *t, const char *prompt, struct buf *out);
/* The next key (script or terminal); ERR at the end of a script. */
int tui_read_key(struct tui *t);
/* Draws the whole screen now (views, status bar, overlay). */
void tui_draw(struct tui *t);
/* Did the user cancel the work of the current key (Esc while busy)? */
int tui_cancelled(struct tui *t);
/* Installs the busy handler (progress and Esc-to-cancel) on a connection. */
void tui_busy_attach(struct tui *t, sqlite3 *db);

/* querybar.c: the query bar (/ filter, s search), the command line (:) */
void querybar_filter(struct tui *t);
void querybar_search(struct tui *t);
void querybar_command(struct tui *t);
/* n / p: the next search match after the cursor. */
void querybar_search_step(struct tui *t, int forward);
/* Clears filter and search; returns 0 when neither was active. */
int querybar_clear(struct tui *t);
/* Sets the filter (already known to compile) and refreshes the timeline. */
int querybar_apply(struct tui *t, const char *text);

/* case.c: marks and notes */
struct casefile;
/* Opens the case file read-write on first use; NULL with a message. */
struct casefile *tui_case(struct tui *t);
int tui_is_marked(struct tui *t, int64_t seq);
/* Marks or unmarks seq; says which in the status bar. */
void tui_toggle_mark(struct tui *t, int64_t seq);
/* Prompts for a note on seq and stores it. */
void tui_add_note(struct tui *t, int64_t seq);
/* The event id of seq (owned), or NULL. */
char *tui_event_id(struct tui *t, int64_t seq);
/* Default case file path (STORE.case unless --case). */
void tui_case_path(struct tui *t, struct buf *out);

/* Risk badges of an entries.risk bit set: appends "A H R T S P"-style
 * letters (wide) or only those set (narrow) with their roles. */
void risk_badges(struct line *l, unsigned risk, int wide);

/* A stored summary for display: JSON string escapes in its values
 * decoded, then made safe (a control character shows as \x1b, not \\u001b). */
void summary_display(struct buf *out, const char *summary);

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
	    usec_t started, const char *case_path);
/* The timeline's filter changed: refetch the first page. Returns 0, or -1
 * when the fetch failed or was cancelled (the caller restores the old). */
int timeline_view_refilter(struct view *v);
/* Number of timeline rows currently matched (-1 while counting). */
int64_t timeline_view_total(struct view *v);
/* Moves to the next match of q (a compiled query on the main connection)
 * after the cursor: 1 found, 0 none, -1 error or cancelled. */
struct query;
int timeline_view_find(struct view *v, struct query *q, int forward);

/* statusbar.c */
void statusbar_draw(struct tui *t, int y, int w);
/* The proof status of seq given the verify report ("", or owned text). */
void proof_status(struct tui *t, int64_t seq, uint64_t covered_by, struct buf *out, enum role *r);

/* Formats stored ts "2026-03-05T14:02:07.123456Z" for display. */
void ts_display(const char *ts, int with_date, struct buf *out);

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
