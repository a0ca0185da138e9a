/*
 * view.h - the views the TUI stacks: struct view and its ops table, the
 * list of views (VIEW_INFO), their constructors, and what other files ask
 * of the timeline and export views.
 */
#ifndef TUI_VIEW_H
#define TUI_VIEW_H

#include <curses.h>
#include <stddef.h>
#include <stdint.h>

#include "trailscope/buf.h"
#include "keys.h"

struct tui;
struct view;
struct query;

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
	/* the event under the cursor (seq), 0 when none: m, a and e act on it */
	int64_t (*cursor_seq)(struct view *v);
	/* optional: sees every key before the key map (a dialog's typing);
	 * returns 1 when it took the key */
	int (*key)(struct view *v, int c);
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

/* A view with ops on t and its private state (priv_size bytes) zeroed;
 * the caller fills in priv. tui_pop closes and frees it. */
struct view *view_new(struct tui *t, const struct view_ops *ops, size_t priv_size);
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

/* Pops to the timeline and moves its cursor to seq. */
void timeline_view_goto_seq(struct view *v, int64_t seq);
/* Seq of the event before/after seq in display order (0 when none). */
int64_t timeline_view_neighbour(struct view *v, int64_t seq, int forward);

/* Follow mode: is the timeline's cursor on the newest event; note n new
 * events arrived (followed says the view moved to them). */
int timeline_view_following(struct view *v);
void timeline_view_note_new(struct view *v, int64_t n, int followed);

/* The timeline's filter changed: refetch the first page. Returns 0, or -1
 * when the fetch failed or was cancelled (the caller restores the old). */
int timeline_view_refilter(struct view *v);
/* Number of timeline rows currently matched (-1 while counting). */
int64_t timeline_view_total(struct view *v);
/* Moves to the next match of q (a compiled query on the main connection)
 * after the cursor: 1 found, 0 none, -1 error or cancelled. */
int timeline_view_find(struct view *v, struct query *q, int forward);
/* The cursor's place among the matches of text (the search within the
 * filter) in display order, kept for the status bar's "match i of N":
 * 0, or -1 (error or cancelled). */
int timeline_view_match_index(struct view *v, const char *text);
/* Appends "match i of N · " for event seq while a search is active. */
void timeline_view_search_pos(struct view *v, int64_t seq, struct buf *pos);

#endif
