/*
 * statusbar.h - the bottom line every view shares, and the per-event
 * proof status drawn from the same verify report.
 */
#ifndef TUI_STATUSBAR_H
#define TUI_STATUSBAR_H

#include <stdint.h>

#include "trailscope/buf.h"
#include "draw.h"

struct tui;

void statusbar_draw(struct tui *t, int y, int w);
/* The proof status of seq given the verify report ("", or owned text). */
void proof_status(struct tui *t, int64_t seq, uint64_t covered_by, struct buf *out, enum role *r);

#endif
