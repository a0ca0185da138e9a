/*
 * querybar.h - the query bar (/ filter, s search) and the command line (:).
 */
#ifndef TUI_QUERYBAR_H
#define TUI_QUERYBAR_H

struct tui;

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

#endif
