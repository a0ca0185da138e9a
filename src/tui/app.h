/*
 * app.h - the running TUI (struct tui, tui.c): the store, the view stack,
 * background tasks, messages, prompts and the case file (case.c).
 */
#ifndef TUI_APP_H
#define TUI_APP_H

#include <curses.h>
#include <stdint.h>

#include "trailscope/buf.h"
#include "trailscope/store.h"
#include "trailscope/util.h"
#include "bg.h"
#include "draw.h"

struct view;

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
	struct buf search;      /* search text for n/N, "" none */
	struct bg_count search_count; /* matches of the search (within the filter) */
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
/* The same for a path: Tab completes it (glob(3); ~ and ~user expanded),
 * listing the candidates above the prompt when there are several. */
int tui_prompt_path(struct tui *t, const char *prompt, struct buf *out);
/* Appends path with a leading ~ or ~user expanded (as typed when the user
 * is unknown). */
void tui_expand_tilde(const char *path, struct buf *out);
/* The next key (script or terminal); ERR at the end of a script. */
int tui_read_key(struct tui *t);
/* Draws the whole screen now (views, status bar, overlay). */
void tui_draw(struct tui *t);
/* Did the user cancel the work of the current key (Esc while busy)? */
int tui_cancelled(struct tui *t);
/* Installs the busy handler (progress and Esc-to-cancel) on a connection. */
void tui_busy_attach(struct tui *t, struct store *s);

/* The timeline view at the bottom of the stack. */
struct view *tui_timeline(struct tui *t);

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
/* The case file's path (--case FILE, else STORE.case): 0 with out set,
 * or 1 for a PostgreSQL store opened without --case, which has none. */
int tui_case_path(struct tui *t, struct buf *out);
#define TUI_NO_CASE "no case file: a PostgreSQL store has none beside it; open the store with --case FILE " \
		    "to keep marks and notes"

#endif
