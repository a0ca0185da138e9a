/*
 * tui.h - the one way into the terminal UI (tui.c): what `trailscope open`
 * calls. Knows nothing of ncurses; the TUI's own headers are draw.h,
 * view.h, bg.h, app.h, querybar.h and statusbar.h.
 */
#ifndef TUI_TUI_H
#define TUI_TUI_H

#include "trailscope/keys.h"
#include "trailscope/util.h"

/* tui.c: runs the interface on an opened store until the user quits.
 * Returns an exit status. */
int tui_run(const char *path, struct trust *trust, const char *theme, int newest_first,
	    usec_t started, const char *case_path);

#endif
