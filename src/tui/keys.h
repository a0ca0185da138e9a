/*
 * keys.h - the one table of requests and key bindings. REQ_INFO lists
 * every action with its help text; KEYMAP binds keys to requests per
 * scope. The key dispatcher, the help view and the status hints are all
 * generated from these two lists, so help can never disagree with the
 * bindings.
 */
#ifndef TUI_KEYS_H
#define TUI_KEYS_H

#include <curses.h>

#define CTRL(c) ((c) & 0x1f)
#define KEY_ESC 27
/* What read_key returns for an Alt-key or an unknown escape sequence: it
 * maps to no request, so it does nothing (and is never taken for Esc). */
#define KEY_IGNORED (KEY_MAX + 1)

/* _(NAME, "help text") */
#define REQ_INFO(_) \
	_(NONE, "") \
	_(MOVE_DOWN, "Move down one line") \
	_(MOVE_UP, "Move up one line") \
	_(PAGE_DOWN, "Move down one page") \
	_(PAGE_UP, "Move up one page") \
	_(HALF_DOWN, "Move down half a page") \
	_(HALF_UP, "Move up half a page") \
	_(FIRST, "Go to the first line") \
	_(LAST, "Go to the last line") \
	_(ENTER, "Open the selected item (go deeper)") \
	_(BACK, "Close this view; on the timeline (the first view), quit") \
	_(CLOSE, "Close this view or dialog; on the timeline, nothing") \
	_(SCROLL_LEFT, "Scroll left; at the left edge, close this view (never quits)") \
	_(SCROLL_RIGHT, "Scroll right where lines are wider than the screen") \
	_(HELP, "Show this help") \
	_(VERIFY, "Show checkpoints and verification faults") \
	_(HISTORY, "History of the selected event's target and environment") \
	_(JUMP_TIME, "Jump to a time: 2026-03-05 14:00, 14:00, -2h, +30m (from the cursor)") \
	_(TOGGLE_ORDER, "Toggle newest first / oldest first") \
	_(TOGGLE_DIFF, "Toggle unified / side-by-side diff") \
	_(MARK, "Mark this point; with two marks, show the diff between them") \
	_(CLEAR_MARKS, "Clear the marks") \
	_(DETAIL_DOWN, "Scroll the state/diff pane down") \
	_(DETAIL_UP, "Scroll the state/diff pane up") \
	_(NEXT_EVENT, "Next event in the timeline (the next search match while searching)") \
	_(PREV_EVENT, "Previous event in the timeline (the previous match while searching)") \
	_(TOGGLE_WRAP, "Wrap long lines / cut them (Left/Right scroll)") \
	_(NEXT_THEME, "Cycle colour themes") \
	_(REDRAW, "Redraw the screen") \
	_(FILTER, "Filter the timeline: query bar with live count (Enter applies, Esc clears)") \
	_(CLEAR_FILTER, "Clear the filter and the search; never quits") \
	_(SEARCH, "Search: every row stays; matches highlighted, the cursor jumps to them") \
	_(SEARCH_NEXT, "Next search match (below the cursor, in display order)") \
	_(SEARCH_PREV, "Previous search match (above the cursor)") \
	_(COMMAND, "Command line: :sql SELECT ..., :goto SEQ, :theme NAME, :q") \
	_(INCIDENTS, "Incidents; Enter ranks the changes that could have caused one") \
	_(TOGGLE_MARK, "Mark or unmark the selected event (case file)") \
	_(LIST_MARKS, "List marked events and their notes") \
	_(NOTE, "Annotate: attach a note to the selected event (case file)") \
	_(EXPORT, "Export an evidence bundle: marked events, the filter or an incident") \
	_(EDIT, "Edit the selected field") \
	_(START, "Start the export")

#define REQ_ENUM(name, help) REQ_##name,
enum request { REQ_INFO(REQ_ENUM) REQ__COUNT };
#undef REQ_ENUM

/* Scopes a binding applies in; GLOBAL applies wherever a view declines. */
enum key_scope {
	SCOPE_GLOBAL, SCOPE_TIMELINE, SCOPE_EVENT, SCOPE_HISTORY, SCOPE_VERIFY,
	SCOPE_INCIDENTS, SCOPE_CORRELATION, SCOPE_MARKS, SCOPE_SQL, SCOPE_EXPORT,
	SCOPE__COUNT
};

/* _(SCOPE, key code, "key name", REQUEST) */
#define KEYMAP(_) \
	_(GLOBAL, 'j', "j", MOVE_DOWN) \
	_(GLOBAL, KEY_DOWN, "Down", MOVE_DOWN) \
	_(GLOBAL, 'k', "k", MOVE_UP) \
	_(GLOBAL, KEY_UP, "Up", MOVE_UP) \
	_(GLOBAL, KEY_NPAGE, "PgDn", PAGE_DOWN) \
	_(GLOBAL, ' ', "Space", PAGE_DOWN) \
	_(GLOBAL, KEY_PPAGE, "PgUp", PAGE_UP) \
	_(GLOBAL, CTRL('d'), "Ctrl-D", HALF_DOWN) \
	_(GLOBAL, CTRL('u'), "Ctrl-U", HALF_UP) \
	_(GLOBAL, 'g', "g", FIRST) \
	_(GLOBAL, KEY_HOME, "Home", FIRST) \
	_(GLOBAL, 'G', "G", LAST) \
	_(GLOBAL, KEY_END, "End", LAST) \
	_(GLOBAL, '\n', "Enter", ENTER) \
	_(GLOBAL, '\r', "Enter", ENTER) \
	_(GLOBAL, KEY_ENTER, "Enter", ENTER) \
	_(GLOBAL, 'q', "q", BACK) \
	_(GLOBAL, KEY_ESC, "Esc", CLOSE) \
	_(GLOBAL, KEY_LEFT, "Left", SCROLL_LEFT) \
	_(GLOBAL, KEY_RIGHT, "Right", SCROLL_RIGHT) \
	_(GLOBAL, '?', "?", HELP) \
	_(GLOBAL, KEY_F(1), "F1", HELP) \
	_(GLOBAL, 'v', "v", VERIFY) \
	_(GLOBAL, 'T', "T", NEXT_THEME) \
	_(GLOBAL, CTRL('l'), "Ctrl-L", REDRAW) \
	_(GLOBAL, '/', "/", FILTER) \
	_(GLOBAL, ':', ":", COMMAND) \
	_(GLOBAL, 'i', "i", INCIDENTS) \
	_(GLOBAL, 'M', "M", LIST_MARKS) \
	_(GLOBAL, 'e', "e", EXPORT) \
	_(TIMELINE, 'h', "h", HISTORY) \
	_(TIMELINE, 't', "t", JUMP_TIME) \
	_(TIMELINE, 'o', "o", TOGGLE_ORDER) \
	_(TIMELINE, KEY_ESC, "Esc", CLEAR_FILTER) \
	_(TIMELINE, 's', "s", SEARCH) \
	_(TIMELINE, CTRL('f'), "Ctrl-F", SEARCH) \
	_(TIMELINE, 'n', "n", SEARCH_NEXT) \
	_(TIMELINE, 'N', "N", SEARCH_PREV) \
	_(TIMELINE, 'p', "p", SEARCH_PREV) \
	_(TIMELINE, 'm', "m", TOGGLE_MARK) \
	_(TIMELINE, 'a', "a", NOTE) \
	_(EVENT, 'h', "h", HISTORY) \
	_(EVENT, 's', "s", TOGGLE_DIFF) \
	_(EVENT, 'w', "w", TOGGLE_WRAP) \
	_(EVENT, 'n', "n", NEXT_EVENT) \
	_(EVENT, 'N', "N", PREV_EVENT) \
	_(EVENT, 'p', "p", PREV_EVENT) \
	_(EVENT, 'm', "m", TOGGLE_MARK) \
	_(EVENT, 'a', "a", NOTE) \
	_(HISTORY, 'm', "m", MARK) \
	_(HISTORY, 'c', "c", CLEAR_MARKS) \
	_(HISTORY, 'J', "J", DETAIL_DOWN) \
	_(HISTORY, 'K', "K", DETAIL_UP) \
	_(CORRELATION, 'm', "m", TOGGLE_MARK) \
	_(CORRELATION, 'a', "a", NOTE) \
	_(MARKS, 'm', "m", TOGGLE_MARK) \
	_(MARKS, 'a', "a", NOTE) \
	_(EXPORT, '\n', "Enter", EDIT) \
	_(EXPORT, '\r', "Enter", EDIT) \
	_(EXPORT, KEY_ENTER, "Enter", EDIT) \
	_(EXPORT, 'x', "x", START) \
	_(EXPORT, CTRL('x'), "Ctrl-X", START)

struct keybinding {
	enum key_scope scope;
	int key;
	const char *name;
	enum request req;
};

extern const struct keybinding keymap[];
extern const size_t keymap_size;
extern const char *const request_help[];
extern const char *const scope_names[];

/* The request bound to key in scope (falling back to GLOBAL), or REQ_NONE. */
enum request key_to_request(enum key_scope scope, int key);

#endif
