/*
 * rulehits.h - which rules of the active policy (policy_active(), set by
 * `trailscope open --policy FILE`) the timeline's rows violate, for their
 * badges. Results are cached by seq; rows not yet known are asked for in
 * one query per rule over their seq range.
 */
#ifndef TUI_RULEHITS_H
#define TUI_RULEHITS_H

#include <stddef.h>
#include "trailscope/buf.h"
#include "trailscope/store.h"
#include "trailscope/timeline.h"

/* Evaluates the active policy's rules for the rows not yet cached. A
 * no-op without a policy. */
void rulehits_prepare(struct store *s, const struct tl_row *rows, size_t n);
/* The badge of seq ("id" of its first rule, "+N" more), or nothing when
 * it violates no rule or is not known. Returns the number of rules hit. */
int rulehits_badge(int64_t seq, struct buf *out);

/* Columns the badge needs on a screen w wide: the longest rule id and
 * "+N ", within a fifth of the screen; 0 without a policy. */
int rulehits_badge_width(int w);

#endif
