/*
 * textout.h - output helpers shared by the commands, the TUI and the
 * bundle renderings: numbers with thousands separators, CSV fields and
 * JSON values as text, all safe to show on a terminal.
 */
#ifndef TRAILSCOPE_TEXTOUT_H
#define TRAILSCOPE_TEXTOUT_H

#include <jansson.h>
#include <stddef.h>

#include "trailscope/buf.h"

/* Formats n with thousands separators ("1,204,332") into out; returns out. */
const char *text_thousands(unsigned long long n, char out[32]);
/* Appends s[0..len) as a CSV field (RFC 4180 quoting) with terminal-unsafe
 * characters escaped; formula-leading characters (= + - @) are prefixed
 * with ' so a spreadsheet does not run them. */
void text_csv_field(struct buf *out, const char *s, size_t len);
/* Appends a value as JSON text, terminal-safe: "(unknown)" when unknown,
 * "(absent)" when v is NULL. */
void text_json_value(struct buf *out, const json_t *v, int unknown);

#endif
