/*
 * draw.h - how the TUI draws: semantic roles (the theme maps them to
 * colours), the drawing helpers that keep data from reaching the terminal
 * raw, styled lines and the pager that scrolls them, JSON and diffs as
 * lines, and display formats. Only src/tui/ includes ncurses.
 */
#ifndef TUI_DRAW_H
#define TUI_DRAW_H

#include <curses.h>
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "trailscope/buf.h"
#include "keys.h"

struct change_list;

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
	_(SEARCH, "search-match", "text matching the search (s), and the rows it matches") \
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
/* Adds data wrapped at width columns at word boundaries (a longer word
 * is cut), continuation lines indented by indent spaces; the first line
 * starts with the prefix (safe) text. Newlines in data start new lines
 * (each piece made safe: a newline never reaches the terminal). */
void lines_add_wrapped(struct lines *L, enum role prefix_role, const char *prefix,
		       enum role r, const char *data, int width, int indent);
void lines_add_wrapped_safe(struct lines *L, enum role prefix_role, const char *prefix,
			    enum role r, const char *safe, size_t len, int width, int indent);
/* Draws a line clipped at xmax. selected reverses. */
void draw_line(int y, int x, int xmax, const struct line *l, int selected);
/* The same from display column skip of the line (horizontal scrolling). */
void draw_line_from(int y, int x, int xmax, const struct line *l, int skip, int selected);
/* Display columns of a line. */
int line_cols(const struct line *l);

/* Search highlighting: highlight_set(search) compiles what the query
 * looks for (query_terms; "" or NULL clears); between highlight_begin()
 * and highlight_end(its result) draw_text draws matches in data roles in
 * ROLE_SEARCH. */
void highlight_set(const char *search);
void highlight_clear(void);
int highlight_begin(void);
void highlight_end(int was);

/* pretty.c: JSON pretty-printed for display, safe, one string per line */
void pretty_json(const json_t *v, struct lines *L, enum role r, const char *prefix,
		 int width, int indent);
void pretty_json_buf(const json_t *v, struct buf *out);

/* difflines.c: the changes as lines, unified or side by side */
void diff_lines(struct lines *L, const struct change_list *cl, int side, int w);

/* Risk badges of an entries.risk bit set, with their roles: with slots
 * (a risk bit set) each signal in slots has a fixed place ("A R T H S P",
 * a blank where risk does not raise it); with slots 0 only the letters
 * risk raises, side by side. */
void risk_badges(struct line *l, unsigned risk, unsigned slots);

/* A stored summary for display: JSON string escapes in its values
 * decoded, then made safe (a control character shows as \x1b, not \\u001b). */
void summary_display(struct buf *out, const char *summary);

/* Formats stored ts "2026-03-05T14:02:07.123456Z" for display. */
void ts_display(const char *ts, int with_date, struct buf *out);

/* Generic scrolling list of lines (event, verify, help views). */
struct pager {
	struct lines L;
	long top;       /* first line shown */
	long cur;       /* selected line, -1 when the pager has no cursor */
	int h;          /* rows last drawn */
	int w;          /* columns last drawn */
	int skip;       /* columns scrolled right (Left/Right) */
	int widest;     /* columns of the widest line (last draw) */
};
int pager_request(struct pager *p, enum request req);
void pager_draw(struct pager *p, int y, int h, int w);
int pager_mouse(struct pager *p, MEVENT *m, int y0);

#endif
