/*
 * json_member.h - one top-level string member of a JSON object, read from
 * its text by a scanner that skips the other members without building a
 * tree (jansson would build all of it). The scanner checks structure
 * only loosely: it is for text already known to be JSON (a stored leaf),
 * or whose use is checked afterwards (bundle verify renders the record
 * again and compares bytes).
 */
#ifndef TRAILSCOPE_JSON_MEMBER_H
#define TRAILSCOPE_JSON_MEMBER_H

#include <stddef.h>
#include "trailscope/buf.h"

/* Finds the top-level member key (plain ASCII, no escapes) of the JSON
 * object p[0..n) and, when its value is a string, appends it unescaped
 * to out. Returns 0, or -1 when there is no such string member. */
int json_top_string(const char *p, size_t n, const char *key, struct buf *out);

#endif
